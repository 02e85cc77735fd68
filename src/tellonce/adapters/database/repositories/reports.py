"""Reports with their disclosures, delivery-queue rows and consent records."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict

import sqlalchemy as sa

from tellonce.adapters.database.schema import (
    consent_records,
    delivery_queue,
    disclosures,
    recipients,
    reports,
)
from tellonce.service_layer.ports import (
    DisclosureView,
    NewConsentRecord,
    NewDisclosure,
    NewReport,
    ReportView,
)


class SqlReportRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def reference_taken(self, reference: str) -> bool:
        found = self._connection.execute(
            sa.select(reports.c.id).where(reports.c.reference == reference)
        ).first()
        return found is not None

    def add(
        self,
        report: NewReport,
        new_disclosures: Sequence[NewDisclosure],
        consents: Sequence[NewConsentRecord],
    ) -> None:
        self._connection.execute(sa.insert(reports), [asdict(report)])
        if new_disclosures:
            self._connection.execute(
                sa.insert(disclosures),
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
                    }
                    for d in new_disclosures
                ],
            )
        queued = [
            {
                "message_id": str(d.id),
                "disclosure_id": d.id,
                "kind": "disclosure",
                "state": "pending",
                "due_at": d.created_at,
                "attempts": 0,
                "created_at": d.created_at,
            }
            for d in new_disclosures
            if d.push
        ]
        if queued:
            self._connection.execute(sa.insert(delivery_queue), queued)
        if consents:
            self._connection.execute(sa.insert(consent_records), [asdict(c) for c in consents])

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
                    outcome_at=row["outcome_at"],
                    acknowledge_by=row["acknowledge_by"],
                    consent_withdrawn_at=row["consent_withdrawn_at"],
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
            )
            for r in report_rows
        ]
