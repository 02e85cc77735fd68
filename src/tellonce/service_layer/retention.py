"""Retention (UK GDPR Art. 5(1)(e)): a report's details are kept only as long as configured for
its event type, counted from when the last of its disclosures became final (an outcome,
dead-lettered, or never sent), then destroyed by a job in the worker.

A subject who has nothing else at the hub -- no account, no other report still holding details
-- is crypto-shredded: their data key is destroyed, so every copy, backups included, is
unreadable. Otherwise (the citizen's own key also seals their other reports and drafts) only the
report's sealed details are deleted. The report keeps its states and times and says when its
details were deleted. Each run that destroys something writes one ``personal-data-purged`` log
entry with counts, about nobody in particular.

Registration references (ADR 0087) hold a registrar's registered details sealed under the hub's
key, not the person's, so neither crypto-shredding nor deleting a report's details reaches them:
the job deletes a used one once its report's details are purged, and an unused one a grace period
after its 28 days ran out (so a late citizen is still told "expired", not "not recognised").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tellonce.domain.transparency import entries
from tellonce.service_layer.ports import Clock, UnitOfWork
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.transparency import PendingLogEntry

BATCH = 500
# How long an unused registration reference is kept after it expired (TELLONCE_REGISTRATION_
# GRACE_DAYS).
REGISTRATION_GRACE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PurgeRound:
    reports: int  # reports whose details were destroyed
    people: int  # of them, subjects crypto-shredded
    registrations: int = 0  # registration references deleted with their registered details


def purge_expired(
    *,
    uow: UnitOfWork,
    clock: Clock,
    default_days: int,
    days_by_event: Mapping[str, int] | None = None,
    registration_grace: timedelta = REGISTRATION_GRACE,
) -> PurgeRound:
    """Destroy the details of every report past its retention period (one batch)."""
    now = clock.now()
    by_event = days_by_event or {}
    # Only reports old enough for the shortest retention period can be due.
    shortest = timedelta(days=min([default_days, *by_event.values()]))
    with uow:
        due = [
            r
            for r in uow.rights.settled_reports(BATCH, now - shortest)
            if r.settled_at + timedelta(days=by_event.get(r.event_type, default_days)) <= now
        ]
        purging = {r.report_id for r in due}
        shred = []
        for report in due:
            person = report.subject_person_id
            others = uow.rights.live_reports_of(person) - purging
            alone = not others and not uow.rights.has_account(person)
            if alone:
                shred.append(person)
            uow.rights.purge_payload(report.report_id, now, delete=not alone)
        uow.rights.destroy_keys(sorted(set(shred)), now)
        # After the reports' purge, in the same transaction: their references go with them.
        registrations = uow.registrations.delete_spent(now - registration_grace, BATCH)
        if due or registrations:
            entry = entries.personal_data_purged(
                now, reports=len(due), people=len(set(shred)), registrations=registrations
            )
            uow.log.add_pending([PendingLogEntry(entry.kind.value, entry.encode(), now)])
        uow.commit()
    return PurgeRound(len(due), len(set(shred)), registrations)


def details_deleted_at(
    report_id: uuid.UUID, account: Account, *, uow: UnitOfWork
) -> datetime | None:
    """When the report's details were destroyed: purged by retention, or its subject erased."""
    with uow:
        purged = uow.rights.purged_at(report_id)
        subject = next(
            (
                r.subject_person_id
                for r in uow.your_data.sealed_reports(account.id)
                if r.id == report_id
            ),
            None,
        )
        erased = None if subject is None else uow.rights.erased_at(subject)
    moments = [m for m in (purged, erased) if m is not None]
    return min(moments) if moments else None
