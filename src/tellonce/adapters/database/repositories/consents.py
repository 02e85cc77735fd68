"""Consent records as the withdrawal needs them, and the withdrawals recipients are told of."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from tellonce.adapters.database.schema import consent_records, disclosures, reports
from tellonce.service_layer.ports.consents import ConsentRecord, WithdrawnDisclosure

# A consent and the disclosure made under it share their report and agreement.
_DISCLOSURE_JOIN = sa.and_(
    disclosures.c.report_id == consent_records.c.report_id,
    disclosures.c.agreement_id == consent_records.c.agreement_id,
)


class SqlConsentRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def for_account(self, consent_id: uuid.UUID, account_id: uuid.UUID) -> ConsentRecord | None:
        row = self._connection.execute(
            sa.select(consent_records, disclosures.c.id.label("disclosure_id"))
            .join(reports, reports.c.id == consent_records.c.report_id)
            .outerjoin(disclosures, _DISCLOSURE_JOIN)
            .where(consent_records.c.id == consent_id, reports.c.account_id == account_id)
        ).first()
        if row is None:
            return None
        return ConsentRecord(
            id=row.id,
            report_id=row.report_id,
            person_id=row.person_id,
            recipient_id=row.recipient_id,
            agreement_id=row.agreement_id,
            agreement_version=row.agreement_version,
            decision=row.decision,
            withdrawn_at=row.withdrawn_at,
            disclosure_id=row.disclosure_id,
        )

    def withdraw(self, consent_id: uuid.UUID, now: datetime) -> None:
        self._connection.execute(
            sa.update(consent_records)
            .where(consent_records.c.id == consent_id, consent_records.c.withdrawn_at.is_(None))
            .values(withdrawn_at=now)
        )

    def withdrawn_at(self, disclosure_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        if not disclosure_ids:
            return {}
        rows = self._connection.execute(
            sa.select(disclosures.c.id, consent_records.c.withdrawn_at)
            .join(consent_records, _DISCLOSURE_JOIN)
            .where(
                disclosures.c.id.in_(disclosure_ids),
                consent_records.c.withdrawn_at.is_not(None),
            )
        )
        return {row.id: row.withdrawn_at for row in rows}

    def withdrawn_after_delivery(
        self, recipient_id: str, after: int, limit: int
    ) -> list[WithdrawnDisclosure]:
        rows = self._connection.execute(
            sa.select(
                disclosures.c.id,
                disclosures.c.agreement_id,
                disclosures.c.agreement_version,
                disclosures.c.feed_position,
                consent_records.c.withdrawn_at,
            )
            .join(consent_records, _DISCLOSURE_JOIN)
            .where(
                disclosures.c.recipient_id == recipient_id,
                disclosures.c.feed_position > after,
                disclosures.c.delivered_at.is_not(None),
                consent_records.c.withdrawn_at.is_not(None),
            )
            .order_by(disclosures.c.feed_position)
            .limit(limit)
        )
        return [
            WithdrawnDisclosure(
                row.id, row.agreement_id, row.agreement_version, row.withdrawn_at, row.feed_position
            )
            for row in rows
        ]
