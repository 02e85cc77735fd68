"""Reports with their disclosures and consent records (their queue rows: ``delivery``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tellonce.adapters.database.schema import (
    consent_records,
    disclosures,
    recipients,
    reports,
)
from tellonce.domain.disclosures import DisclosureState
from tellonce.service_layer.ports.reports import (
    DisclosureView,
    HeldReport,
    NewConsentRecord,
    NewDisclosure,
    NewReport,
    ReportView,
)

# Built once: constructing a statement costs as much as running a small one (issue 12).
_INSERT_REPORT = sa.insert(reports)
_REFERENCES_TAKEN = sa.select(reports.c.reference).where(
    reports.c.reference.in_(sa.bindparam("references", expanding=True))
)
_INSERT_DISCLOSURES = sa.insert(disclosures)
_INSERT_CONSENTS = sa.insert(consent_records)
_PUSHED = sa.select(recipients.c.id, recipients.c.endpoint_state).where(
    recipients.c.id.in_(sa.bindparam("ids", expanding=True)),
    recipients.c.endpoint_url.is_not(None),
)


def _shallow(row: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, without ``asdict``'s deep copy of every value."""
    return {f.name: getattr(row, f.name) for f in fields(row)}


class SqlReportRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def references_taken(self, references: Sequence[str]) -> set[str]:
        if not references:
            return set()
        found = self._connection.execute(_REFERENCES_TAKEN, {"references": list(references)})
        return {row.reference for row in found}

    def add(
        self,
        new_reports: Sequence[NewReport],
        new_disclosures: Sequence[NewDisclosure],
        consents: Sequence[NewConsentRecord],
    ) -> None:
        if new_reports:
            self._connection.execute(_INSERT_REPORT, [_shallow(r) for r in new_reports])
        if new_disclosures:
            self._connection.execute(
                _INSERT_DISCLOSURES,
                [
                    {
                        "id": d.id,
                        "report_id": d.report_id,
                        "recipient_id": d.recipient_id,
                        "agreement_id": d.agreement_id,
                        "agreement_version": d.agreement_version,
                        "basis": d.basis,
                        "fields": list(d.fields),
                        "state": d.state,
                        "created_at": d.created_at,
                        "updated_at": d.created_at,
                        "person_id": d.person_id,
                        "sequence": d.sequence,
                        "acknowledge_by": d.acknowledge_by,
                        "next_chase_at": d.acknowledge_by,
                    }
                    for d in new_disclosures
                ],
            )
        if consents:
            self._connection.execute(_INSERT_CONSENTS, [_shallow(c) for c in consents])

    def pushed(self, recipient_ids: Sequence[str]) -> dict[str, str]:
        if not recipient_ids:
            return {}
        found = self._connection.execute(_PUSHED, {"ids": sorted(set(recipient_ids))})
        return {row.id: row.endpoint_state or "enabled" for row in found}

    def view(self, reference: str, account_id: uuid.UUID) -> ReportView | None:
        found = self._views(
            sa.and_(reports.c.reference == reference, reports.c.account_id == account_id),
            limit=1,
            offset=0,
        )
        return found[0] if found else None

    def for_account(self, account_id: uuid.UUID, limit: int, offset: int) -> list[ReportView]:
        return self._views(reports.c.account_id == account_id, limit=limit, offset=offset)

    def _views(
        self, condition: sa.ColumnElement[bool], *, limit: int, offset: int
    ) -> list[ReportView]:
        report_rows = self._connection.execute(
            sa.select(
                reports.c.id,
                reports.c.reference,
                reports.c.event_type,
                reports.c.schema_version,
                reports.c.submitted_at,
                reports.c.subject_person_id,
                reports.c.reporter_role,
                reports.c.held_until,
                reports.c.cancelled_at,
            )
            .where(condition)
            .order_by(reports.c.submitted_at.desc(), reports.c.reference)
            .limit(limit)
            .offset(offset)
        ).all()
        if not report_rows:
            return []
        by_report: defaultdict[uuid.UUID, list[DisclosureView]] = defaultdict(list)
        rows = self._connection.execute(
            sa.select(
                disclosures,
                recipients.c.name.label("recipient_name"),
                recipients.c.endpoint_url.label("endpoint_url"),
                consent_records.c.withdrawn_at.label("consent_withdrawn_at"),
            )
            .join(recipients, recipients.c.id == disclosures.c.recipient_id)
            .outerjoin(
                consent_records,
                sa.and_(
                    consent_records.c.report_id == disclosures.c.report_id,
                    consent_records.c.agreement_id == disclosures.c.agreement_id,
                ),
            )
            .where(disclosures.c.report_id.in_([r.id for r in report_rows]))
            .order_by(recipients.c.name, disclosures.c.agreement_id)
        ).mappings()
        for row in rows:
            by_report[row["report_id"]].append(
                DisclosureView(
                    id=row["id"],
                    recipient_id=row["recipient_id"],
                    recipient_name=row["recipient_name"],
                    agreement_id=row["agreement_id"],
                    agreement_version=row["agreement_version"],
                    basis=row["basis"],
                    fields=tuple(row["fields"]),
                    state=row["state"],
                    created_at=row["created_at"],
                    updated_at=row["updated_at"],
                    delivered_at=row["delivered_at"],
                    acknowledged_at=row["acknowledged_at"],
                    outcome=row["outcome"],
                    outcome_reason=row["outcome_reason"],
                    sealed_outcome_reason=row["sealed_outcome_reason"],
                    outcome_at=row["outcome_at"],
                    acknowledge_by=row["acknowledge_by"],
                    consent_withdrawn_at=row["consent_withdrawn_at"],
                    chases=row["chases"],
                    escalated_at=row["escalated_at"],
                    pushed=row["endpoint_url"] is not None,
                )
            )
        return [
            ReportView(
                id=r.id,
                reference=r.reference,
                event_type=r.event_type,
                schema_version=r.schema_version,
                submitted_at=r.submitted_at,
                disclosures=tuple(by_report[r.id]),
                subject_person_id=r.subject_person_id,
                reporter_role=r.reporter_role,
                held_until=r.held_until,
                cancelled_at=r.cancelled_at,
            )
            for r in report_rows
        ]

    def held(self, reference: str, account_id: uuid.UUID) -> HeldReport | None:
        row = self._connection.execute(
            sa.select(
                reports.c.id,
                reports.c.reference,
                reports.c.subject_person_id,
                reports.c.event_type,
                reports.c.held_until,
                reports.c.cancelled_at,
            ).where(reports.c.reference == reference, reports.c.account_id == account_id)
        ).first()
        return None if row is None else HeldReport(*row)

    def cancel(self, report_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
        self._connection.execute(
            sa.update(reports).where(reports.c.id == report_id).values(cancelled_at=now)
        )
        ids = list(
            self._connection.execute(
                sa.select(disclosures.c.id)
                .where(disclosures.c.report_id == report_id)
                .order_by(disclosures.c.id)
            ).scalars()
        )
        self._connection.execute(
            sa.update(disclosures)
            .where(disclosures.c.report_id == report_id)
            .values(
                state=DisclosureState.CANCELLED.value,
                updated_at=now,
                acknowledge_by=None,
                next_chase_at=None,
            )
        )
        return ids
