"""In-memory repositories: the catalogue, people and accounts, reports, consents, endpoints,
the message outboxes and the portal's drafts. Each mirrors its SQL adapter's semantics."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from tellonce.domain.catalogue import Agreement, Catalogue, Recipient
from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.service_layer.ports.catalogue import PublishedVersion
from tellonce.service_layer.ports.consents import ConsentRecord, WithdrawnDisclosure
from tellonce.service_layer.ports.endpoints import Endpoint
from tellonce.service_layer.ports.idempotency import IdempotencyClaim
from tellonce.service_layer.ports.identity import (
    Account,
    RecipientKeyHolder,
    RegistrarKey,
    RegistrarKeyHolder,
    SessionSeen,
)
from tellonce.service_layer.ports.messages import (
    NewCitizenMessage,
    QueuedContactMessage,
    QueuedMessage,
    SettledMessage,
)
from tellonce.service_layer.ports.reports import (
    DisclosureView,
    HeldReport,
    NewConsentRecord,
    NewDisclosure,
    NewReport,
    ReportView,
)
from tellonce.service_layer.ports.vault import PersonKey
from tests.fakes.tables import (
    AgreementRow,
    ConsentRow,
    DisclosureRow,
    OutboxRow,
    RecipientRow,
    SecretRow,
    Tables,
)


class _Repository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables


class FakeCatalogueRepository(_Repository):
    def current(self) -> Catalogue:
        recipients = {rid: row.recipient for rid, row in self._t.recipients.items()}
        agreements = tuple(a.agreement for a in self._t.agreements if a.superseded_at is None)
        return Catalogue(recipients=recipients, agreements=agreements)

    def save_recipient(self, recipient: Recipient, now: datetime) -> None:  # noqa: ARG002
        row = self._t.recipients.get(recipient.id)
        if row is None:
            self._t.recipients[recipient.id] = RecipientRow(recipient)
        else:
            row.recipient = recipient

    def published_versions(self) -> Mapping[str, PublishedVersion]:
        return {
            a.agreement.id: PublishedVersion(a.agreement.version, a.digest)
            for a in self._t.agreements
            if a.superseded_at is None
        }

    def publish(self, agreement: Agreement, digest: str, now: datetime) -> None:
        self.retire(agreement.id, now)
        self._t.agreements.append(AgreementRow(agreement, digest, now))

    def retire(self, agreement_id: str, now: datetime) -> None:
        for row in self._t.agreements:
            if row.agreement.id == agreement_id and row.superseded_at is None:
                row.superseded_at = now

    def agreement(self, agreement_id: str, version: int) -> Agreement:
        for row in self._t.agreements:
            if (row.agreement.id, row.agreement.version) == (agreement_id, version):
                return row.agreement
        raise LookupError(f"no agreement {agreement_id} version {version}")


class FakePeopleRepository(_Repository):
    def add(self, keys: Mapping[uuid.UUID, PersonKey], now: datetime) -> None:  # noqa: ARG002
        self._t.people.update(keys)

    def key_for(self, person_id: uuid.UUID) -> PersonKey:
        return self._t.people[person_id]

    def next_sequences(self, wanted: Sequence[tuple[uuid.UUID, Sequence[str]]]) -> list[list[int]]:
        taken = []
        for person_id, recipient_ids in wanted:
            for recipient_id in sorted(set(recipient_ids)):
                key = (person_id, recipient_id)
                self._t.sequences[key] = self._t.sequences.get(key, 0) + 1
            taken.append([self._t.sequences[(person_id, r)] for r in recipient_ids])
        return taken


class FakeAccountRepository(_Repository):
    def by_subject(self, subject_index: bytes) -> Account | None:
        for account_id, (person_id, index) in self._t.accounts.items():
            if index == subject_index:
                return Account(account_id, person_id)
        return None

    def add(self, account: Account, subject_index: bytes, now: datetime) -> None:  # noqa: ARG002
        self._t.accounts[account.id] = (account.person_id, subject_index)

    def add_session(
        self,
        token_hash: bytes,
        account_id: uuid.UUID,
        now: datetime,
        expires_at: datetime,
        *,
        via: str,
        vot: str | None,  # noqa: ARG002
    ) -> None:
        self._t.sessions[token_hash] = (account_id, expires_at, now, via)

    def for_session(
        self, token_hash: bytes, now: datetime, idle_since: datetime
    ) -> SessionSeen | None:
        found = self._t.sessions.get(token_hash)
        if found is None or found[1] <= now or found[2] <= idle_since:
            return None
        return SessionSeen(Account(found[0], self._t.accounts[found[0]][0]), found[2])

    def mark_seen(self, token_hash: bytes, now: datetime) -> None:
        found = self._t.sessions[token_hash]
        self._t.sessions[token_hash] = (found[0], found[1], now, found[3])

    def end_session(self, token_hash: bytes) -> str | None:
        found = self._t.sessions.pop(token_hash, None)
        return found[3] if found else None

    def add_registrar_key(self, key: RegistrarKey, key_hash: bytes, now: datetime) -> None:  # noqa: ARG002
        self._t.registrar_keys[key_hash] = (key, None)

    def for_registrar_key(self, key_hash: bytes) -> RegistrarKeyHolder | None:
        found = self._t.registrar_keys.get(key_hash)
        if found is None or found[1] is not None:
            return None
        key = found[0]
        account = Account(key.account_id, self._t.accounts[key.account_id][0])
        return RegistrarKeyHolder(account, key.environment, key.scopes)

    def revoke_registrar_key(self, prefix: str, now: datetime) -> bool:
        revoked = False
        for key_hash, (key, revoked_at) in list(self._t.registrar_keys.items()):
            if key.prefix == prefix and revoked_at is None:
                self._t.registrar_keys[key_hash] = (key, now)
                revoked = True
        return revoked


class FakeRecipientKeyRepository(_Repository):
    def add(
        self,
        key_id: uuid.UUID,
        recipient_id: str,
        environment: str,
        prefix: str,
        key_hash: bytes,
        label: str | None,
        now: datetime,
        *,
        scopes: frozenset[str],
    ) -> None:
        self._t.recipient_keys[key_hash] = {
            "scopes": scopes,
            "id": key_id,
            "recipient_id": recipient_id,
            "environment": environment,
            "prefix": prefix,
            "label": label,
            "created_at": now,
            "revoked_at": None,
        }

    def holder_for(self, key_hash: bytes) -> RecipientKeyHolder | None:
        row = self._t.recipient_keys.get(key_hash)
        if row is None or row["revoked_at"] is not None:
            return None
        return RecipientKeyHolder(row["recipient_id"], row["environment"], row["scopes"])

    def revoke(self, prefix: str, now: datetime) -> str | None:
        owner = None
        for row in self._t.recipient_keys.values():
            if row["prefix"] == prefix and row["revoked_at"] is None:
                row["revoked_at"] = now
                owner = row["recipient_id"]
        return owner


class FakeIdempotencyRepository(_Repository):
    def claim(
        self,
        caller: str,
        key: str,
        request_digest: str,
        now: datetime,
        locked_until: datetime,
        expires_at: datetime,
    ) -> IdempotencyClaim:
        values = {
            "request_digest": request_digest,
            "locked_until": locked_until,
            "expires_at": expires_at,
            "report_reference": None,
        }
        row = self._t.idempotency.get((caller, key))
        if row is None:
            self._t.idempotency[(caller, key)] = values
            return IdempotencyClaim("claimed")
        if row["expires_at"] <= now or (
            row["report_reference"] is None and row["locked_until"] <= now
        ):
            row.update(values)  # expired, or abandoned mid-request: start afresh
            return IdempotencyClaim("claimed")
        if row["request_digest"] != request_digest:
            return IdempotencyClaim("mismatch")
        if row["report_reference"] is None:
            return IdempotencyClaim("in-progress")
        return IdempotencyClaim("replay", row["report_reference"])

    def complete(self, caller: str, key: str, report_reference: str) -> None:
        row = self._t.idempotency.get((caller, key))
        if row is not None:
            row["report_reference"] = report_reference

    def release(self, caller: str, key: str) -> None:
        row = self._t.idempotency.get((caller, key))
        if row is not None and row["report_reference"] is None:
            del self._t.idempotency[(caller, key)]

    def record_items(
        self,
        caller: str,
        references: Mapping[str, str],
        request_digest: str,
        locked_until: datetime,
        expires_at: datetime,
    ) -> None:
        for stored in [k for k in self._t.idempotency if k[0] == caller]:
            del self._t.idempotency[stored]
        for key, reference in references.items():
            self._t.idempotency[(caller, key)] = {
                "request_digest": request_digest,
                "locked_until": locked_until,
                "expires_at": expires_at,
                "report_reference": reference,
            }

    def items(self, caller: str) -> dict[str, str]:
        return {
            key: row["report_reference"]
            for (stored, key), row in self._t.idempotency.items()
            if stored == caller and row["report_reference"] is not None
        }


class FakeReportRepository(_Repository):
    def references_taken(self, references: Sequence[str]) -> set[str]:
        return {r.reference for r in self._t.reports.values()} & set(references)

    def add(
        self,
        reports: Sequence[NewReport],
        disclosures: Sequence[NewDisclosure],
        consents: Sequence[NewConsentRecord],
    ) -> None:
        for report in reports:
            self._t.reports[report.id] = report
        for disclosure in disclosures:
            self._t.disclosures[disclosure.id] = DisclosureRow.new(disclosure)
        for consent in consents:
            self._t.consents[consent.id] = ConsentRow(consent)

    def pushed(self, recipient_ids: Sequence[str]) -> dict[str, str]:
        return {
            r: self._t.recipients[r].endpoint_state or "enabled"
            for r in recipient_ids
            if r in self._t.recipients and self._t.recipients[r].endpoint_url is not None
        }

    def view(self, reference: str, account_id: uuid.UUID) -> ReportView | None:
        found = [
            r
            for r in self._t.reports.values()
            if r.reference == reference and r.account_id == account_id
        ]
        return self._view(found[0]) if found else None

    def for_account(self, account_id: uuid.UUID, limit: int, offset: int) -> list[ReportView]:
        mine = [r for r in self._t.reports.values() if r.account_id == account_id]
        mine.sort(key=lambda r: r.reference)
        mine.sort(key=lambda r: r.submitted_at, reverse=True)
        return [self._view(r) for r in mine[offset : offset + limit]]

    def _view(self, report: NewReport) -> ReportView:
        rows = [d for d in self._t.disclosures.values() if d.report_id == report.id]
        views = [self._disclosure(row) for row in rows]
        views.sort(key=lambda v: (v.recipient_name, v.agreement_id))
        return ReportView(
            id=report.id,
            reference=report.reference,
            event_type=report.event_type,
            schema_version=report.schema_version,
            submitted_at=report.submitted_at,
            disclosures=tuple(views),
            subject_person_id=report.subject_person_id,
            reporter_role=report.reporter_role,
            held_until=report.held_until,
            cancelled_at=self._t.cancelled_reports.get(report.id),
        )

    def held(self, reference: str, account_id: uuid.UUID) -> HeldReport | None:
        for r in self._t.reports.values():
            if r.reference == reference and r.account_id == account_id:
                cancelled = self._t.cancelled_reports.get(r.id)
                return HeldReport(
                    r.id, r.reference, r.subject_person_id, r.event_type, r.held_until, cancelled
                )
        return None

    def cancel(self, report_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
        self._t.cancelled_reports[report_id] = now
        rows = sorted(
            (d for d in self._t.disclosures.values() if d.report_id == report_id),
            key=lambda d: d.id,
        )
        for row in rows:
            row.state, row.updated_at = DisclosureState.CANCELLED, now
            row.acknowledge_by = row.next_chase_at = None
        return [row.id for row in rows]

    def _disclosure(self, row: DisclosureRow) -> DisclosureView:
        recipient = self._t.recipients[row.recipient_id]
        consent = self._t.consent_for(row)
        return DisclosureView(
            id=row.id,
            recipient_id=row.recipient_id,
            recipient_name=recipient.recipient.name,
            agreement_id=row.agreement_id,
            agreement_version=row.agreement_version,
            basis=row.basis,
            fields=row.fields,
            state=row.state,
            created_at=row.created_at,
            updated_at=row.updated_at,
            delivered_at=row.delivered_at,
            acknowledged_at=row.acknowledged_at,
            outcome=row.outcome,
            outcome_reason=row.outcome_reason,
            sealed_outcome_reason=row.sealed_outcome_reason,
            outcome_at=row.outcome_at,
            acknowledge_by=row.acknowledge_by,
            consent_withdrawn_at=None if consent is None else consent.withdrawn_at,
            chases=row.chases,
            escalated_at=row.escalated_at,
            pushed=recipient.endpoint_url is not None,
        )


class FakeConsentRepository(_Repository):
    def for_account(self, consent_id: uuid.UUID, account_id: uuid.UUID) -> ConsentRecord | None:
        row = self._t.consents.get(consent_id)
        if row is None or self._t.reports[row.record.report_id].account_id != account_id:
            return None
        c = row.record
        made = [
            d.id
            for d in self._t.disclosures.values()
            if d.report_id == c.report_id and d.agreement_id == c.agreement_id
        ]
        return ConsentRecord(
            id=c.id,
            report_id=c.report_id,
            person_id=c.person_id,
            recipient_id=c.recipient_id,
            agreement_id=c.agreement_id,
            agreement_version=c.agreement_version,
            decision=c.decision,
            withdrawn_at=row.withdrawn_at,
            disclosure_id=made[0] if made else None,
        )

    def withdraw(self, consent_id: uuid.UUID, now: datetime) -> None:
        row = self._t.consents.get(consent_id)
        if row is not None and row.withdrawn_at is None:
            row.withdrawn_at = now

    def withdrawn_at(self, disclosure_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
        found = {}
        for disclosure_id in disclosure_ids:
            row = self._t.disclosures.get(disclosure_id)
            consent = None if row is None else self._t.consent_for(row)
            if consent is not None and consent.withdrawn_at is not None:
                found[disclosure_id] = consent.withdrawn_at
        return found

    def withdrawn_after_delivery(
        self, recipient_id: str, after: int, limit: int
    ) -> list[WithdrawnDisclosure]:
        found = []
        for row in self._t.disclosures.values():
            consent = self._t.consent_for(row)
            if (
                row.recipient_id == recipient_id
                and row.feed_position is not None
                and row.feed_position > after
                and row.delivered_at is not None
                and consent is not None
                and consent.withdrawn_at is not None
            ):
                found.append(
                    WithdrawnDisclosure(
                        row.id,
                        row.agreement_id,
                        row.agreement_version,
                        consent.withdrawn_at,
                        row.feed_position,
                    )
                )
        found.sort(key=lambda w: w.feed_position)
        return found[:limit]


class FakeEndpointRepository(_Repository):
    def get(self, recipient_id: str) -> Endpoint | None:
        row = self._t.recipients.get(recipient_id)
        return None if row is None else Endpoint(recipient_id, row.endpoint_url, row.endpoint_state)

    def contact_email(self, recipient_id: str) -> str | None:
        row = self._t.recipients.get(recipient_id)
        return None if row is None else row.recipient.contact_email

    def set(self, recipient_id: str, url: str, now: datetime) -> None:
        row = self._t.recipients.get(recipient_id)
        if row is not None:
            row.endpoint_url, row.endpoint_state, row.endpoint_changed_at = url, "enabled", now

    def set_state(self, recipient_id: str, state: str, now: datetime) -> None:
        row = self._t.recipients.get(recipient_id)
        if row is not None:
            row.endpoint_state, row.endpoint_changed_at = state, now

    def add_secret(self, recipient_id: str, sealed: bytes, now: datetime) -> None:
        self._t.secrets.append(SecretRow(recipient_id, sealed, now))

    def retire_secrets(self, recipient_id: str, at: datetime) -> None:
        for secret in self._t.secrets:
            live = secret.retires_at is None or secret.retires_at > at
            if secret.recipient_id == recipient_id and live:
                secret.retires_at = at

    def retire_current_secrets(self, recipient_id: str, at: datetime) -> None:
        for secret in self._t.secrets:
            if secret.recipient_id == recipient_id and secret.retires_at is None:
                secret.retires_at = at

    def disable(self, recipient_id: str, now: datetime) -> int:
        self.set_state(recipient_id, "disabled", now)
        waiting = {
            q.disclosure_id
            for q in self._t.queue.values()
            if q.kind == QueueKind.DISCLOSURE.value and q.state == "pending"
        }
        held = 0
        for row in self._t.disclosures.values():
            if (
                row.recipient_id == recipient_id
                and row.id in waiting
                and row.state in (DisclosureState.QUEUED.value, DisclosureState.RETRYING.value)
            ):
                row.state, row.updated_at = DisclosureState.ENDPOINT_DISABLED.value, now
                held += 1
        return held

    def release_disabled(self, recipient_id: str, now: datetime) -> int:
        released = 0
        theirs = set()
        for row in self._t.disclosures.values():
            if row.recipient_id != recipient_id:
                continue
            theirs.add(row.id)
            if row.state == DisclosureState.ENDPOINT_DISABLED:
                row.state, row.updated_at = DisclosureState.QUEUED.value, now
                released += 1
        for queued in self._t.queue.values():
            if queued.disclosure_id in theirs and queued.state == "pending":
                queued.due_at = now
        return released


class _FakeOutbox(_Repository):
    """Both outboxes: claimed with a lease, settled only by the lease's owner."""

    def _rows(self) -> dict[uuid.UUID, OutboxRow]:
        raise NotImplementedError

    def _add(
        self,
        message_id: uuid.UUID,
        to: object,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None:
        self._rows()[message_id] = OutboxRow(
            message_id, to, template, dict(personalisation), "pending", now, 0, now
        )

    def _claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[OutboxRow]:
        due = [
            row
            for row in self._rows().values()
            if row.state == "pending"
            and row.due_at <= now
            and (row.lease_expires_at is None or row.lease_expires_at < now)
        ]
        due.sort(key=lambda row: (row.due_at, row.id))
        for row in due[:limit]:
            row.lease_owner, row.lease_expires_at = owner, lease_until
        return due[:limit]

    def settle(
        self,
        owner: str,
        now: datetime,
        sent: Sequence[uuid.UUID],
        retry: Sequence[tuple[uuid.UUID, datetime]],
        failed: Sequence[uuid.UUID],
        no_email: Sequence[uuid.UUID] = (),
    ) -> None:
        # In the SQL adapter's order: the first outcome given for a message is the one kept.
        outcomes: dict[uuid.UUID, tuple[str, datetime | None]] = {}
        for message_id in sent:
            outcomes.setdefault(message_id, ("sent", None))
        for message_id in no_email:
            outcomes.setdefault(message_id, ("no-email", None))
        for message_id in failed:
            outcomes.setdefault(message_id, ("failed", None))
        for message_id, due_at in retry:
            outcomes.setdefault(message_id, ("pending", due_at))
        for message_id, (state, next_due) in outcomes.items():
            row = self._rows().get(message_id)
            if row is None or row.lease_owner != owner:
                continue  # its lease passed to another worker: that worker settles it
            row.state, row.attempts = state, row.attempts + 1
            row.lease_owner = row.lease_expires_at = None
            if state in {"sent", "no-email"}:
                row.sent_at = now
            if next_due is not None:
                row.due_at = next_due


class FakeCitizenMessageRepository(_FakeOutbox):
    def _rows(self) -> dict[uuid.UUID, OutboxRow]:
        return self._t.citizen_messages

    def add(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None:
        self._add(message_id, account_id, template, personalisation, now)

    def add_many(self, messages: Sequence[NewCitizenMessage], now: datetime) -> None:
        for m in messages:
            self._add(uuid.uuid4(), m.account_id, m.template, m.personalisation, now)

    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[QueuedMessage]:
        return [
            QueuedMessage(row.id, row.to, row.template, dict(row.personalisation), row.attempts)
            for row in self._claim(now, owner, lease_until, limit)
        ]

    def settled_for(self, account_id: uuid.UUID) -> list[SettledMessage]:
        rows = [
            row
            for row in self._t.citizen_messages.values()
            if row.to == account_id and row.state in {"sent", "no-email"} and row.sent_at
        ]
        rows.sort(key=lambda row: row.id)
        rows.sort(key=lambda row: row.sent_at or row.created_at, reverse=True)
        return [
            SettledMessage(row.id, row.template, dict(row.personalisation), row.state, row.sent_at)
            for row in rows
            if row.sent_at is not None
        ]


class FakeRecipientMessageRepository(_FakeOutbox):
    def _rows(self) -> dict[uuid.UUID, OutboxRow]:
        return self._t.recipient_messages

    def add(
        self,
        message_id: uuid.UUID,
        recipient_id: str,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None:
        self._add(message_id, recipient_id, template, personalisation, now)

    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[QueuedContactMessage]:
        return [
            QueuedContactMessage(
                row.id,
                row.to,
                self._t.recipients[row.to].recipient.contact_email,
                row.template,
                dict(row.personalisation),
                row.attempts,
            )
            for row in self._claim(now, owner, lease_until, limit)
        ]


class FakePortalDraftRepository(_Repository):
    def add(
        self,
        draft_id: uuid.UUID,
        account_id: uuid.UUID,
        sealed: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        self._t.drafts[draft_id] = {
            "account_id": account_id,
            "sealed": sealed,
            "updated_at": now,
            "expires_at": expires_at,
        }

    def _live(self, draft_id: uuid.UUID, account_id: uuid.UUID, now: datetime) -> dict | None:  # type: ignore[type-arg]
        draft = self._t.drafts.get(draft_id)
        if draft is None or draft["account_id"] != account_id or draft["expires_at"] <= now:
            return None
        return draft

    def sealed(self, draft_id: uuid.UUID, account_id: uuid.UUID, now: datetime) -> bytes | None:
        draft = self._live(draft_id, account_id, now)
        return None if draft is None else draft["sealed"]

    def replace(
        self,
        draft_id: uuid.UUID,
        account_id: uuid.UUID,
        sealed: bytes,
        now: datetime,
        expires_at: datetime,
    ) -> bool:
        draft = self._live(draft_id, account_id, now)
        if draft is None:
            return False
        draft.update(sealed=sealed, updated_at=now, expires_at=expires_at)
        return True

    def delete(self, draft_id: uuid.UUID, account_id: uuid.UUID) -> None:
        draft = self._t.drafts.get(draft_id)
        if draft is not None and draft["account_id"] == account_id:
            del self._t.drafts[draft_id]

    def delete_expired(self, now: datetime) -> int:
        expired = [i for i, d in self._t.drafts.items() if d["expires_at"] <= now]
        for draft_id in expired:
            del self._t.drafts[draft_id]
        return len(expired)
