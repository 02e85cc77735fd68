"""The in-memory rights repository: requests, flags and what erasure destroys."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from tellonce.domain.disclosures import FINAL
from tellonce.domain.rights import RequestState
from tellonce.service_layer.ports.consents import WithdrawnDisclosure
from tellonce.service_layer.ports.rights import (
    ConsentEvidence,
    CorrectionView,
    NewCorrection,
    RightsRequestRecord,
    SettledReport,
)
from tellonce.service_layer.ports.vault import PersonKey
from tests.fakes.tables import Tables


@dataclass
class CorrectionRow:
    new: NewCorrection
    fetched_at: datetime | None = None
    acknowledged_at: datetime | None = None
    outcome: str | None = None
    sealed_outcome_reason: bytes | None = None
    outcome_at: datetime | None = None


class FakeRightsRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, request: RightsRequestRecord) -> None:
        self._t.rights_requests[request.id] = request

    def save(self, request: RightsRequestRecord) -> None:
        stored = self._t.rights_requests[request.id]
        self._t.rights_requests[request.id] = replace(
            request,
            account_id=stored.account_id,
            person_id=stored.person_id,
            kind=stored.kind,
            received_at=stored.received_at,
        )

    def get(self, request_id: uuid.UUID) -> RightsRequestRecord | None:
        found: RightsRequestRecord | None = self._t.rights_requests.get(request_id)
        return found

    def for_account(self, account_id: uuid.UUID) -> list[RightsRequestRecord]:
        mine = [r for r in self._t.rights_requests.values() if r.account_id == account_id]
        return sorted(mine, key=lambda r: (-r.received_at.timestamp(), r.id))

    def listing(self, *, overdue_on: date | None, limit: int) -> list[RightsRequestRecord]:
        requests: list[RightsRequestRecord] = [
            r
            for r in self._t.rights_requests.values()
            if r.state != RequestState.CLOSED.value
            and (overdue_on is None or (r.due_on is not None and r.due_on < overdue_on))
        ]
        requests.sort(key=lambda r: (r.due_on is None, r.due_on or date.min, r.received_at, r.id))
        return requests[:limit]

    def active_flags(self, account_id: uuid.UUID) -> set[str]:
        return {
            f["kind"]
            for f in self._t.flags
            if f["account_id"] == account_id and f["lifted_at"] is None
        }

    def set_flag(
        self, account_id: uuid.UUID, kind: str, request_id: uuid.UUID, now: datetime
    ) -> None:
        self._t.flags.append(
            {
                "account_id": account_id,
                "kind": kind,
                "request_id": request_id,
                "set_at": now,
                "lifted_at": None,
            }
        )

    def lift_flag(self, account_id: uuid.UUID, kind: str, now: datetime) -> bool:
        lifted = False
        for flag in self._t.flags:
            mine = flag["account_id"] == account_id and flag["kind"] == kind
            if mine and flag["lifted_at"] is None:
                flag["lifted_at"] = now
                lifted = True
        return lifted

    def destroy_keys(self, person_ids: Sequence[uuid.UUID], now: datetime) -> None:
        for person_id in person_ids:
            if person_id in self._t.erased:
                continue
            key = self._t.people[person_id]
            self._t.people[person_id] = PersonKey(key.data_key_id, None, None)
            self._t.erased[person_id] = now

    def erased_at(self, person_id: uuid.UUID) -> datetime | None:
        return self._t.erased.get(person_id)

    def repoint_account(self, account_id: uuid.UUID, person_id: uuid.UUID) -> None:
        _, index = self._t.accounts[account_id]
        self._t.accounts[account_id] = (person_id, index)

    def delete_drafts(self, account_id: uuid.UUID) -> int:
        mine = [k for k, v in self._t.drafts.items() if v["account_id"] == account_id]
        for draft_id in mine:
            del self._t.drafts[draft_id]
        return len(mine)

    def reseal_report(self, report_id: uuid.UUID, sealed_payload: bytes) -> None:
        report = self._t.reports[report_id]
        self._t.reports[report_id] = replace(report, sealed_payload=sealed_payload)

    def add_corrections(self, corrections: Sequence[NewCorrection]) -> None:
        for c in corrections:
            self._t.corrections[c.id] = CorrectionRow(c)

    def corrected_fields(self, message_ids: Sequence[str]) -> Mapping[str, list[str]]:
        rows = self._t.corrections.values()
        return {
            r.new.message_id: list(r.new.fields) for r in rows if r.new.message_id in message_ids
        }

    def _view(self, row: CorrectionRow) -> CorrectionView:
        pushed = [
            a.attempted_at
            for a in self._t.attempts
            if a.message_id == row.new.message_id and a.verdict == "delivered"
        ]
        moments = [m for m in (*pushed, row.fetched_at) if m is not None]
        c = row.new
        return CorrectionView(
            c.id, c.report_id, c.disclosure_id, c.recipient_id, c.fields, c.created_at,
            min(moments) if moments else None, row.acknowledged_at, row.outcome,
            None, row.outcome_at, row.sealed_outcome_reason,
        )  # fmt: skip

    def _views(self, rows: list[CorrectionRow]) -> list[CorrectionView]:
        rows.sort(key=lambda r: (r.new.created_at, r.new.id))
        return [self._view(r) for r in rows]

    def corrections_for_report(self, report_id: uuid.UUID) -> list[CorrectionView]:
        return self._views(
            [r for r in self._t.corrections.values() if r.new.report_id == report_id]
        )

    def corrections_for_recipient(
        self, recipient_id: str, *, unanswered_only: bool
    ) -> list[CorrectionView]:
        return self._views(
            [
                r
                for r in self._t.corrections.values()
                if r.new.recipient_id == recipient_id
                and not (unanswered_only and r.acknowledged_at is not None)
            ]
        )

    def unanswered_for_request(self, request_id: uuid.UUID) -> int:
        return sum(
            1
            for r in self._t.corrections.values()
            if r.new.request_id == request_id and r.acknowledged_at is None
        )

    def request_of_correction(self, correction_id: uuid.UUID) -> uuid.UUID | None:
        row = self._t.corrections.get(correction_id)
        return None if row is None else row.new.request_id

    def mark_corrections_fetched(self, ids: Sequence[uuid.UUID], now: datetime) -> None:
        for correction_id in ids:
            row = self._t.corrections[correction_id]
            row.fetched_at = row.fetched_at or now

    def answer_correction(
        self,
        correction_id: uuid.UUID,
        now: datetime,
        *,
        outcome: str | None = None,
        sealed_reason: bytes | None = None,
    ) -> None:
        row = self._t.corrections[correction_id]
        row.acknowledged_at = row.acknowledged_at or now
        if outcome is not None:
            row.outcome, row.sealed_outcome_reason, row.outcome_at = outcome, sealed_reason, now

    def settled_reports(self, limit: int, submitted_before: datetime) -> list[SettledReport]:
        found = []
        for report in self._t.reports.values():
            if report.id in self._t.purged or report.submitted_at > submitted_before:
                continue
            rows = [d for d in self._t.disclosures.values() if d.report_id == report.id]
            if any(d.state not in FINAL for d in rows):
                continue
            times = [d.outcome_at or d.updated_at for d in rows]
            settled = max(times) if times else report.submitted_at
            found.append(
                SettledReport(report.id, report.event_type, report.subject_person_id, settled)
            )
        found.sort(key=lambda r: r.settled_at)
        return found[:limit]

    def live_reports_of(self, person_id: uuid.UUID) -> set[uuid.UUID]:
        return {
            r.id
            for r in self._t.reports.values()
            if r.subject_person_id == person_id and r.id not in self._t.purged
        }

    def has_account(self, person_id: uuid.UUID) -> bool:
        return any(p == person_id for p, _ in self._t.accounts.values())

    def purge_payload(self, report_id: uuid.UUID, now: datetime, *, delete: bool) -> None:
        self._t.purged[report_id] = now
        if delete:
            self.reseal_report(report_id, b"")

    def purged_at(self, report_id: uuid.UUID) -> datetime | None:
        return self._t.purged.get(report_id)

    def erased_after_delivery(
        self, recipient_id: str, after: int, limit: int
    ) -> list[WithdrawnDisclosure]:
        rows = [
            d
            for d in self._t.disclosures.values()
            if d.recipient_id == recipient_id
            and d.basis == "consent"
            and d.feed_position is not None
            and d.feed_position > after
            and d.delivered_at is not None
            and d.person_id in self._t.erased
        ]
        rows.sort(key=lambda d: d.feed_position or 0)
        return [
            WithdrawnDisclosure(
                d.id,
                d.agreement_id,
                d.agreement_version,
                self._t.erased[d.person_id],
                d.feed_position or 0,
            )
            for d in rows[:limit]
        ]

    def consent_evidence(self, account_id: uuid.UUID) -> list[ConsentEvidence]:
        found = []
        for row in self._t.consents.values():
            record = row.record
            report = self._t.reports[record.report_id]
            if report.account_id != account_id:
                continue
            controller = self._t.recipients[record.recipient_id].recipient.controller
            found.append(
                ConsentEvidence(record.id, report.event_type, controller, record.preview_version)
            )
        return found

    def only_in_account(self, account_id: uuid.UUID) -> list[uuid.UUID]:
        own = self._t.accounts[account_id][0]
        subjects = {
            r.subject_person_id for r in self._t.reports.values() if r.account_id == account_id
        }
        shared = {p for a, (p, _) in self._t.accounts.items() if a != account_id} | {
            r.subject_person_id for r in self._t.reports.values() if r.account_id != account_id
        }
        return sorted(p for p in subjects | {own} if p == own or p not in shared)
