"""Rights requests, restriction and objection flags, and the rows erasure destroys."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tellonce.adapters.database.schema import (
    accounts,
    consent_records,
    corrections,
    delivery_attempts,
    disclosures,
    people,
    portal_drafts,
    processing_flags,
    recipients,
    reports,
    rights_requests,
)
from tellonce.domain.disclosures import FINAL
from tellonce.domain.rights import Pause, RequestState
from tellonce.service_layer.ports.consents import WithdrawnDisclosure
from tellonce.service_layer.ports.rights import (
    ConsentEvidence,
    CorrectionView,
    NewCorrection,
    RightsRequestRecord,
    SettledReport,
)


def _pauses(value: Any) -> tuple[Pause, ...]:
    return tuple(
        Pause(date.fromisoformat(start), None if end is None else date.fromisoformat(end))
        for start, end in value or ()
    )


def _record(row: Any) -> RightsRequestRecord:
    return RightsRequestRecord(
        id=row.id,
        account_id=row.account_id,
        person_id=row.person_id,
        kind=row.kind,
        state=row.state,
        received_at=row.received_at,
        due_on=row.due_on,
        extension_months=row.extension_months,
        extension_reason=row.extension_reason,
        pauses=_pauses(row.pauses),
        outcome=row.outcome,
        limits=tuple(row.limits or ()),
        closed_at=row.closed_at,
    )


def _values(request: RightsRequestRecord) -> dict[str, Any]:
    return {
        "state": request.state,
        "due_on": request.due_on,
        "extension_months": request.extension_months,
        "extension_reason": request.extension_reason,
        "pauses": [
            [p.start.isoformat(), None if p.end is None else p.end.isoformat()]
            for p in request.pauses
        ],
        "outcome": request.outcome,
        "limits": [dict(limit) for limit in request.limits] or None,
        "closed_at": request.closed_at,
    }


class SqlRightsRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, request: RightsRequestRecord) -> None:
        self._connection.execute(
            sa.insert(rights_requests).values(
                id=request.id,
                account_id=request.account_id,
                person_id=request.person_id,
                kind=request.kind,
                received_at=request.received_at,
                **_values(request),
            )
        )

    def save(self, request: RightsRequestRecord) -> None:
        self._connection.execute(
            sa.update(rights_requests)
            .where(rights_requests.c.id == request.id)
            .values(**_values(request))
        )

    def get(self, request_id: uuid.UUID) -> RightsRequestRecord | None:
        row = self._connection.execute(
            sa.select(rights_requests).where(rights_requests.c.id == request_id)
        ).first()
        return None if row is None else _record(row)

    def for_account(self, account_id: uuid.UUID) -> list[RightsRequestRecord]:
        rows = self._connection.execute(
            sa.select(rights_requests)
            .where(rights_requests.c.account_id == account_id)
            .order_by(rights_requests.c.received_at.desc(), rights_requests.c.id)
        )
        return [_record(row) for row in rows]

    def listing(self, *, overdue_on: date | None, limit: int) -> list[RightsRequestRecord]:
        query = sa.select(rights_requests).where(
            rights_requests.c.state != RequestState.CLOSED.value
        )
        if overdue_on is not None:
            query = query.where(rights_requests.c.due_on < overdue_on)
        query = query.order_by(
            rights_requests.c.due_on.is_(None),
            rights_requests.c.due_on,
            rights_requests.c.received_at,
            rights_requests.c.id,
        ).limit(limit)
        return [_record(row) for row in self._connection.execute(query)]

    def active_flags(self, account_id: uuid.UUID) -> set[str]:
        rows = self._connection.execute(
            sa.select(processing_flags.c.kind).where(
                processing_flags.c.account_id == account_id,
                processing_flags.c.lifted_at.is_(None),
            )
        )
        return {row.kind for row in rows}

    def set_flag(
        self, account_id: uuid.UUID, kind: str, request_id: uuid.UUID, now: datetime
    ) -> None:
        self._connection.execute(
            sa.insert(processing_flags).values(
                id=uuid.uuid4(), account_id=account_id, kind=kind, request_id=request_id, set_at=now
            )
        )

    def lift_flag(self, account_id: uuid.UUID, kind: str, now: datetime) -> bool:
        result = self._connection.execute(
            sa.update(processing_flags)
            .where(
                processing_flags.c.account_id == account_id,
                processing_flags.c.kind == kind,
                processing_flags.c.lifted_at.is_(None),
            )
            .values(lifted_at=now)
        )
        return result.rowcount > 0

    def destroy_keys(self, person_ids: Sequence[uuid.UUID], now: datetime) -> None:
        if person_ids:
            self._connection.execute(
                sa.update(people)
                .where(people.c.id.in_(list(person_ids)), people.c.erased_at.is_(None))
                .values(wrapped_key=None, master_key_id=None, erased_at=now)
            )

    def erased_at(self, person_id: uuid.UUID) -> datetime | None:
        erased: datetime | None = self._connection.execute(
            sa.select(people.c.erased_at).where(people.c.id == person_id)
        ).scalar_one_or_none()
        return erased

    def repoint_account(self, account_id: uuid.UUID, person_id: uuid.UUID) -> None:
        self._connection.execute(
            sa.update(accounts).where(accounts.c.id == account_id).values(person_id=person_id)
        )

    def delete_drafts(self, account_id: uuid.UUID) -> int:
        result = self._connection.execute(
            sa.delete(portal_drafts).where(portal_drafts.c.account_id == account_id)
        )
        return result.rowcount

    def reseal_report(self, report_id: uuid.UUID, sealed_payload: bytes) -> None:
        self._connection.execute(
            sa.update(reports)
            .where(reports.c.id == report_id)
            .values(sealed_payload=sealed_payload)
        )

    def add_corrections(self, new: Sequence[NewCorrection]) -> None:
        if new:
            self._connection.execute(
                sa.insert(corrections),
                [
                    {
                        "id": c.id,
                        "message_id": c.message_id,
                        "report_id": c.report_id,
                        "disclosure_id": c.disclosure_id,
                        "recipient_id": c.recipient_id,
                        "fields": list(c.fields),
                        "request_id": c.request_id,
                        "created_at": c.created_at,
                    }
                    for c in new
                ],
            )

    def corrected_fields(self, message_ids: Sequence[str]) -> Mapping[str, list[str]]:
        rows = self._connection.execute(
            sa.select(corrections.c.message_id, corrections.c.fields).where(
                corrections.c.message_id.in_(list(message_ids))
            )
        )
        return {row.message_id: list(row.fields) for row in rows}

    def _views(self, condition: sa.ColumnElement[bool]) -> list[CorrectionView]:
        pushed = (
            sa.select(sa.func.min(delivery_attempts.c.attempted_at))
            .where(
                delivery_attempts.c.message_id == corrections.c.message_id,
                delivery_attempts.c.verdict == "delivered",
            )
            .scalar_subquery()
        )
        rows = self._connection.execute(
            sa.select(corrections, pushed.label("pushed_at"))
            .where(condition)
            .order_by(corrections.c.created_at, corrections.c.id)
        )
        return [
            CorrectionView(
                id=row.id,
                report_id=row.report_id,
                disclosure_id=row.disclosure_id,
                recipient_id=row.recipient_id,
                fields=tuple(row.fields),
                created_at=row.created_at,
                delivered_at=_earliest(row.pushed_at, row.fetched_at),
                acknowledged_at=row.acknowledged_at,
                outcome=row.outcome,
                outcome_reason=None,
                outcome_at=row.outcome_at,
                sealed_outcome_reason=row.sealed_outcome_reason,
            )
            for row in rows
        ]

    def corrections_for_report(self, report_id: uuid.UUID) -> list[CorrectionView]:
        return self._views(corrections.c.report_id == report_id)

    def corrections_for_recipient(
        self, recipient_id: str, *, unanswered_only: bool
    ) -> list[CorrectionView]:
        condition = corrections.c.recipient_id == recipient_id
        if unanswered_only:
            condition = sa.and_(condition, corrections.c.acknowledged_at.is_(None))
        return self._views(condition)

    def unanswered_for_request(self, request_id: uuid.UUID) -> int:
        count: int = self._connection.execute(
            sa.select(sa.func.count())
            .select_from(corrections)
            .where(corrections.c.request_id == request_id, corrections.c.acknowledged_at.is_(None))
        ).scalar_one()
        return count

    def request_of_correction(self, correction_id: uuid.UUID) -> uuid.UUID | None:
        found: uuid.UUID | None = self._connection.execute(
            sa.select(corrections.c.request_id).where(corrections.c.id == correction_id)
        ).scalar_one_or_none()
        return found

    def mark_corrections_fetched(self, ids: Sequence[uuid.UUID], now: datetime) -> None:
        if ids:
            self._connection.execute(
                sa.update(corrections)
                .where(corrections.c.id.in_(list(ids)), corrections.c.fetched_at.is_(None))
                .values(fetched_at=now)
            )

    def answer_correction(
        self,
        correction_id: uuid.UUID,
        now: datetime,
        *,
        outcome: str | None = None,
        sealed_reason: bytes | None = None,
    ) -> None:
        where = corrections.c.id == correction_id
        self._connection.execute(
            sa.update(corrections)
            .where(where, corrections.c.acknowledged_at.is_(None))
            .values(acknowledged_at=now)
        )
        if outcome is not None:
            self._connection.execute(
                sa.update(corrections)
                .where(where)
                .values(outcome=outcome, sealed_outcome_reason=sealed_reason, outcome_at=now)
            )

    def settled_reports(self, limit: int, submitted_before: datetime) -> list[SettledReport]:
        final = [state.value for state in FINAL]
        # The candidates first, materialised, through the partial index
        # ix_reports_unpurged_submitted_at (migration 0013): without it the search grouped
        # every report stored with its disclosures (5.4 s a round with a million stored).
        candidates = (
            sa.select(
                reports.c.id,
                reports.c.event_type,
                reports.c.subject_person_id,
                reports.c.submitted_at,
            )
            .where(
                reports.c.payload_purged_at.is_(None),
                reports.c.submitted_at <= submitted_before,
            )
            .cte("candidates")
            .prefix_with("MATERIALIZED")
        )
        unsettled = sa.func.sum(
            sa.case(
                (sa.and_(disclosures.c.id.is_not(None), disclosures.c.state.not_in(final)), 1),
                else_=0,
            )
        )
        settled = sa.func.coalesce(
            sa.func.max(sa.func.coalesce(disclosures.c.outcome_at, disclosures.c.updated_at)),
            candidates.c.submitted_at,
        )
        rows = self._connection.execute(
            sa.select(
                candidates.c.id,
                candidates.c.event_type,
                candidates.c.subject_person_id,
                candidates.c.submitted_at,
                settled.label("settled_at"),
            )
            .select_from(candidates)
            .outerjoin(disclosures, disclosures.c.report_id == candidates.c.id)
            .group_by(
                candidates.c.id,
                candidates.c.event_type,
                candidates.c.subject_person_id,
                candidates.c.submitted_at,
            )
            .having(unsettled == 0)
            .order_by(settled)
            .limit(limit)
        )
        # SQLite hands back an aggregate of times as text: normalise through the column type.
        return [
            SettledReport(r.id, r.event_type, r.subject_person_id, _as_time(r.settled_at))
            for r in rows
        ]

    def live_reports_of(self, person_id: uuid.UUID) -> set[uuid.UUID]:
        rows = self._connection.execute(
            sa.select(reports.c.id).where(
                reports.c.subject_person_id == person_id, reports.c.payload_purged_at.is_(None)
            )
        )
        return {row.id for row in rows}

    def has_account(self, person_id: uuid.UUID) -> bool:
        found = self._connection.execute(
            sa.select(accounts.c.id).where(accounts.c.person_id == person_id).limit(1)
        ).first()
        return found is not None

    def purge_payload(self, report_id: uuid.UUID, now: datetime, *, delete: bool) -> None:
        values: dict[str, Any] = {"payload_purged_at": now}
        if delete:
            values["sealed_payload"] = b""
        self._connection.execute(
            sa.update(reports).where(reports.c.id == report_id).values(**values)
        )

    def purged_at(self, report_id: uuid.UUID) -> datetime | None:
        found: datetime | None = self._connection.execute(
            sa.select(reports.c.payload_purged_at).where(reports.c.id == report_id)
        ).scalar_one_or_none()
        return found

    def erased_after_delivery(
        self, recipient_id: str, after: int, limit: int
    ) -> list[WithdrawnDisclosure]:
        rows = self._connection.execute(
            sa.select(
                disclosures.c.id,
                disclosures.c.agreement_id,
                disclosures.c.agreement_version,
                disclosures.c.feed_position,
                people.c.erased_at,
            )
            .join(people, people.c.id == disclosures.c.person_id)
            .where(
                disclosures.c.recipient_id == recipient_id,
                disclosures.c.basis == "consent",
                disclosures.c.feed_position > after,
                disclosures.c.delivered_at.is_not(None),
                people.c.erased_at.is_not(None),
            )
            .order_by(disclosures.c.feed_position)
            .limit(limit)
        )
        return [
            WithdrawnDisclosure(
                row.id, row.agreement_id, row.agreement_version, row.erased_at, row.feed_position
            )
            for row in rows
        ]

    def consent_evidence(self, account_id: uuid.UUID) -> list[ConsentEvidence]:
        rows = self._connection.execute(
            sa.select(
                consent_records.c.id,
                reports.c.event_type,
                recipients.c.controller,
                consent_records.c.preview_version,
            )
            .join(reports, reports.c.id == consent_records.c.report_id)
            .join(recipients, recipients.c.id == consent_records.c.recipient_id)
            .where(reports.c.account_id == account_id)
        )
        return [ConsentEvidence(r.id, r.event_type, r.controller, r.preview_version) for r in rows]

    def only_in_account(self, account_id: uuid.UUID) -> list[uuid.UUID]:
        own = sa.select(accounts.c.person_id).where(accounts.c.id == account_id)
        subjects = sa.select(reports.c.subject_person_id).where(reports.c.account_id == account_id)
        elsewhere = sa.union(
            sa.select(accounts.c.person_id).where(accounts.c.id != account_id),
            sa.select(reports.c.subject_person_id).where(reports.c.account_id != account_id),
        )
        candidates = {row[0] for row in self._connection.execute(sa.union(own, subjects))}
        own_person = self._connection.execute(own).scalar_one()
        shared = {row[0] for row in self._connection.execute(elsewhere)}
        # The account's own person is always theirs to erase, even if someone else reported
        # about them (their key is the same key); others' subjects only if nobody else has them.
        return sorted(p for p in candidates if p == own_person or p not in shared)


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def _as_time(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
