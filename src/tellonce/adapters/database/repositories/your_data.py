"""Read models for "Your data": a citizen's disclosures and consent choices, with the agreement
version each was made under (not today's version: the record is what happened)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tellonce.adapters.database.repositories.catalogue import agreement_from_json
from tellonce.adapters.database.schema import (
    agreement_versions,
    citizen_messages,
    consent_records,
    delivery_attempts,
    disclosures,
    recipients,
    reports,
)
from tellonce.domain.catalogue import Agreement
from tellonce.service_layer.ports.your_data import (
    ConsentChoice,
    MessageToYou,
    PastDisclosure,
    PushAttempt,
    SealedReport,
)


class SqlYourDataRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def disclosures_for_account(self, account_id: uuid.UUID) -> list[PastDisclosure]:
        rows = self._connection.execute(
            sa.select(
                disclosures,
                reports.c.reference,
                reports.c.event_type,
                recipients.c.name.label("recipient_name"),
                recipients.c.controller,
                recipients.c.endpoint_url,
                agreement_versions.c.definition,
            )
            .join(reports, reports.c.id == disclosures.c.report_id)
            .join(recipients, recipients.c.id == disclosures.c.recipient_id)
            .join(
                agreement_versions,
                sa.and_(
                    agreement_versions.c.agreement_id == disclosures.c.agreement_id,
                    agreement_versions.c.version == disclosures.c.agreement_version,
                ),
            )
            .where(reports.c.account_id == account_id)
            .order_by(disclosures.c.created_at.desc(), recipients.c.name)
        ).mappings()
        return [_disclosure(row) for row in rows]

    def consents_for_account(self, account_id: uuid.UUID) -> list[ConsentChoice]:
        rows = self._connection.execute(
            sa.select(
                consent_records,
                reports.c.reference,
                recipients.c.name.label("recipient_name"),
                agreement_versions.c.definition,
            )
            .join(reports, reports.c.id == consent_records.c.report_id)
            .join(recipients, recipients.c.id == consent_records.c.recipient_id)
            .join(
                agreement_versions,
                sa.and_(
                    agreement_versions.c.agreement_id == consent_records.c.agreement_id,
                    agreement_versions.c.version == consent_records.c.agreement_version,
                ),
            )
            .where(reports.c.account_id == account_id)
            .order_by(consent_records.c.recorded_at.desc(), recipients.c.name)
        ).mappings()
        return [_consent(row) for row in rows]

    def sealed_reports(self, account_id: uuid.UUID) -> list[SealedReport]:
        rows = self._connection.execute(
            sa.select(
                reports.c.id,
                reports.c.reference,
                reports.c.event_type,
                reports.c.schema_version,
                reports.c.submitted_at,
                reports.c.subject_person_id,
                reports.c.sealed_payload,
            )
            .where(reports.c.account_id == account_id)
            .order_by(reports.c.submitted_at.desc())
        )
        return [SealedReport(*row) for row in rows]

    def messages_for_account(self, account_id: uuid.UUID) -> list[MessageToYou]:
        m = citizen_messages
        rows = self._connection.execute(
            sa.select(
                m.c.id, m.c.template, m.c.personalisation, m.c.state, m.c.created_at, m.c.sent_at
            )
            .where(m.c.account_id == account_id)
            .order_by(m.c.created_at, m.c.id)
        )
        return [MessageToYou(*row) for row in rows]

    def push_attempts_for_account(self, account_id: uuid.UUID) -> list[PushAttempt]:
        a = delivery_attempts
        rows = self._connection.execute(
            sa.select(
                a.c.disclosure_id,
                reports.c.reference,
                disclosures.c.recipient_id,
                a.c.message_id,
                a.c.attempted_at,
                a.c.status_code,
                a.c.error,
                a.c.duration_ms,
                a.c.verdict,
            )
            .join(disclosures, disclosures.c.id == a.c.disclosure_id)
            .join(reports, reports.c.id == disclosures.c.report_id)
            .where(reports.c.account_id == account_id)
            .order_by(a.c.attempted_at, a.c.id)
        )
        return [PushAttempt(*row) for row in rows]


def _disclosure(row: sa.RowMapping) -> PastDisclosure:
    agreement = agreement_from_json(row["definition"])
    return PastDisclosure(
        id=row["id"],
        report_reference=row["reference"],
        event_type=row["event_type"],
        recipient_id=row["recipient_id"],
        recipient_name=row["recipient_name"],
        controller=row["controller"],
        agreement_id=row["agreement_id"],
        agreement_version=row["agreement_version"],
        agreement_title=agreement.title,
        basis=row["basis"],
        fields=tuple(row["fields"]),
        purpose=agreement.purpose.description,
        purpose_code=agreement.purpose.dpv_code,
        lawful_basis=agreement.lawful_basis.describe(),
        gateway=agreement.gateway.citation if agreement.gateway else None,
        gateway_source=agreement.gateway.source if agreement.gateway else None,
        retention=agreement.retention,
        state=row["state"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        acknowledged_at=row["acknowledged_at"],
        outcome=row["outcome"],
        outcome_at=row["outcome_at"],
        pushed=row["endpoint_url"] is not None,
    )


def _consent(row: sa.RowMapping) -> ConsentChoice:
    agreement: Agreement = agreement_from_json(row["definition"])
    return ConsentChoice(
        id=row["id"],
        report_reference=row["reference"],
        recipient_name=row["recipient_name"],
        agreement_id=row["agreement_id"],
        agreement_version=row["agreement_version"],
        agreement_title=agreement.title,
        decision=row["decision"],
        purpose=agreement.purpose.description,
        purpose_code=row["purpose"],
        method=row["method"],
        preview_digest=row["preview_digest"],
        recorded_at=row["recorded_at"],
        withdrawn_at=row["withdrawn_at"],
    )
