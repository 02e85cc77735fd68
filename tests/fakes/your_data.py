"""The in-memory read model behind "Your data": a citizen's disclosures, consents, reports,
messages and push attempts, each with the agreement version it was made under."""

from __future__ import annotations

import uuid

from tellonce.domain.catalogue import Agreement
from tellonce.service_layer.ports.your_data import (
    ConsentChoice,
    MessageToYou,
    PastDisclosure,
    PushAttempt,
    SealedReport,
)
from tests.fakes.tables import Tables


class FakeYourDataRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _agreement(self, agreement_id: str, version: int) -> Agreement:
        for row in self._t.agreements:
            if (row.agreement.id, row.agreement.version) == (agreement_id, version):
                return row.agreement
        raise LookupError(f"no agreement {agreement_id} version {version}")

    def _mine(self, account_id: uuid.UUID) -> set[uuid.UUID]:
        return {r.id for r in self._t.reports.values() if r.account_id == account_id}

    def disclosures_for_account(self, account_id: uuid.UUID) -> list[PastDisclosure]:
        mine = self._mine(account_id)
        found = []
        for row in self._t.disclosures.values():
            if row.report_id not in mine:
                continue
            report = self._t.reports[row.report_id]
            recipient = self._t.recipients[row.recipient_id]
            agreement = self._agreement(row.agreement_id, row.agreement_version)
            found.append(
                PastDisclosure(
                    id=row.id,
                    report_reference=report.reference,
                    event_type=report.event_type,
                    recipient_id=row.recipient_id,
                    recipient_name=recipient.recipient.name,
                    controller=recipient.recipient.controller,
                    agreement_id=row.agreement_id,
                    agreement_version=row.agreement_version,
                    agreement_title=agreement.title,
                    basis=row.basis,
                    fields=row.fields,
                    purpose=agreement.purpose.description,
                    purpose_code=agreement.purpose.dpv_code,
                    lawful_basis=agreement.lawful_basis.describe(),
                    gateway=agreement.gateway.citation if agreement.gateway else None,
                    gateway_source=agreement.gateway.source if agreement.gateway else None,
                    retention=agreement.retention,
                    state=row.state,
                    created_at=row.created_at,
                    delivered_at=row.delivered_at,
                    acknowledged_at=row.acknowledged_at,
                    outcome=row.outcome,
                    outcome_at=row.outcome_at,
                    pushed=recipient.endpoint_url is not None,
                )
            )
        found.sort(key=lambda d: d.recipient_name)
        found.sort(key=lambda d: d.created_at, reverse=True)
        return found

    def consents_for_account(self, account_id: uuid.UUID) -> list[ConsentChoice]:
        mine = self._mine(account_id)
        found = []
        for row in self._t.consents.values():
            c = row.record
            if c.report_id not in mine:
                continue
            agreement = self._agreement(c.agreement_id, c.agreement_version)
            found.append(
                ConsentChoice(
                    id=c.id,
                    report_reference=self._t.reports[c.report_id].reference,
                    recipient_name=self._t.recipients[c.recipient_id].recipient.name,
                    agreement_id=c.agreement_id,
                    agreement_version=c.agreement_version,
                    agreement_title=agreement.title,
                    decision=c.decision,
                    purpose=agreement.purpose.description,
                    purpose_code=c.purpose,
                    method=c.method,
                    preview_digest=c.preview_digest,
                    recorded_at=c.recorded_at,
                    withdrawn_at=row.withdrawn_at,
                )
            )
        found.sort(key=lambda c: c.recipient_name)
        found.sort(key=lambda c: c.recorded_at, reverse=True)
        return found

    def sealed_reports(self, account_id: uuid.UUID) -> list[SealedReport]:
        reports = [r for r in self._t.reports.values() if r.account_id == account_id]
        reports.sort(key=lambda r: r.submitted_at, reverse=True)
        return [
            SealedReport(
                r.id,
                r.reference,
                r.event_type,
                r.schema_version,
                r.submitted_at,
                r.subject_person_id,
                r.sealed_payload,
            )
            for r in reports
        ]

    def messages_for_account(self, account_id: uuid.UUID) -> list[MessageToYou]:
        rows = [m for m in self._t.citizen_messages.values() if m.to == account_id]
        rows.sort(key=lambda m: (m.created_at, m.id))
        return [
            MessageToYou(
                m.id, m.template, dict(m.personalisation), m.state, m.created_at, m.sent_at
            )
            for m in rows
        ]

    def push_attempts_for_account(self, account_id: uuid.UUID) -> list[PushAttempt]:
        mine = self._mine(account_id)
        found = []
        for attempt in self._t.attempts:  # in the order recorded, as by their ids
            row = self._t.disclosures.get(attempt.disclosure_id)
            if row is None or row.report_id not in mine:
                continue
            found.append(
                PushAttempt(
                    attempt.disclosure_id,
                    self._t.reports[row.report_id].reference,
                    row.recipient_id,
                    attempt.message_id,
                    attempt.attempted_at,
                    attempt.status_code,
                    attempt.error,
                    attempt.duration_ms,
                    attempt.verdict,
                )
            )
        found.sort(key=lambda a: a.attempted_at)
        return found
