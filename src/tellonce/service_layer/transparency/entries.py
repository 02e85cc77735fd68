"""The transparency log's use cases: record entries with what they record; citizens' receipts.

Every ``record_*`` function writes pending entries through the caller's unit of work, so an
entry commits or rolls back with the fact it records. The sequencer (``log_sequencer``)
later numbers them and signs a checkpoint; reads and audits live in ``log_reads``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tellonce.domain.catalogue import Agreement
from tellonce.domain.errors import Conflict, NotFound
from tellonce.domain.references import normalise_reference
from tellonce.domain.routing import RoutingPlan
from tellonce.domain.transparency import entries
from tellonce.domain.transparency.checkpoints import Checkpoint
from tellonce.domain.transparency.entries import COMMITMENT_KEY_PURPOSE, Commitment, EntryKind
from tellonce.domain.transparency.notes import parse_note
from tellonce.domain.transparency.receipts import build_receipt
from tellonce.domain.transparency.report_receipts import ReceiptItem, ReportReceipt
from tellonce.domain.transparency.tile_cache import CachedTileHashes, TileCache
from tellonce.service_layer.ports import UnitOfWork, Vault
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.reports import NewConsentRecord, NewDisclosure, NewReport
from tellonce.service_layer.ports.transparency import PendingLogEntry, PreparedCommitment
from tellonce.service_layer.ports.vault import PersonKey, SealedDataError
from tellonce.service_layer.transparency.reads import stored_tile_reader
from tellonce.service_layer.transparency.sequencer import (
    Integrated,
    LogIntegrityError,
    Sequencer,
    integrate_pending,
    publish_checkpoint,
    release_lease,
)

__all__ = [
    "Integrated",
    "LogIntegrityError",
    "ReportEntries",
    "Sequencer",
    "integrate_pending",
    "prepare_report_entries",
    "publish_checkpoint",
    "receipt_for_report",
    "record_agreement_published",
    "record_consent_withdrawn",
    "record_delivered",
    "record_report_entries",
    "record_rights_extended",
    "record_rights_request",
    "release_lease",
    "write_report_entries",
]  # fmt: skip

# The kinds ``prepare_report_entries`` writes when a report is accepted.
REPORT_ENTRY_KINDS = frozenset({EntryKind.DISCLOSURE_AUTHORISED, EntryKind.CONSENT_GIVEN})

NOT_YET_LOGGED = (
    "The receipt is not ready yet: the transparency log has not yet covered this report's "
    "entries with a signed checkpoint. Try again in a few seconds."
)


class _LogKeys:
    """Each person's log key, derived once per use case."""

    def __init__(
        self, uow: UnitOfWork, vault: Vault, known: Mapping[uuid.UUID, PersonKey] | None = None
    ) -> None:
        self._uow, self._vault = uow, vault
        self._known = dict(known or {})
        self._keys: dict[uuid.UUID, bytes] = {}

    def of(self, person_id: uuid.UUID) -> bytes:
        key = self._keys.get(person_id)
        if key is None:
            data_key = self._known.get(person_id) or self._uow.people.key_for(person_id)
            key = self._vault.derive_person_key(data_key, COMMITMENT_KEY_PURPOSE)
            self._keys[person_id] = key
        return key


def _pending(
    entry: entries.LogEntry, at: datetime, report_id: uuid.UUID | None, person: uuid.UUID | None
) -> PendingLogEntry:
    return PendingLogEntry(entry.kind.value, entry.encode(), at, report_id, person)


@dataclass(frozen=True, slots=True)
class ReportEntries:
    """A report's log entries and delivery commitments, made before its transaction."""

    pending: list[PendingLogEntry]
    commitments: list[PreparedCommitment]


def prepare_report_entries(
    vault: Vault,
    report: NewReport,
    disclosures: Sequence[NewDisclosure],
    consents: Sequence[NewConsentRecord],
    plan: RoutingPlan,
    key_of: Callable[[uuid.UUID], PersonKey],
) -> ReportEntries:
    """A submitted report's entries: "disclosure-authorised" per disclosure and
    "consent-given" per consent granted (refusals disclose nothing and are not logged). Each
    disclosure also gets the commitment its "disclosure-delivered" entry will carry, made now
    while the person's key is at hand. No database: ``key_of`` gives each person's data key."""
    agreements = {route.agreement.id: route.agreement for route in plan.routes}
    log_keys: dict[uuid.UUID, bytes] = {}

    def log_key(person_id: uuid.UUID) -> bytes:
        if person_id not in log_keys:
            log_keys[person_id] = vault.derive_person_key(key_of(person_id), COMMITMENT_KEY_PURPOSE)
        return log_keys[person_id]

    pending, prepared = [], []
    for disclosure in disclosures:
        key = log_key(disclosure.person_id)
        entry = entries.disclosure(
            EntryKind.DISCLOSURE_AUTHORISED,
            agreements[disclosure.agreement_id],
            report.event_type,
            disclosure.fields,
            report.submitted_at,
            Commitment.new(key),
        )
        pending.append(_pending(entry, report.submitted_at, report.id, disclosure.person_id))
        delivered = Commitment.new(key)
        prepared.append(PreparedCommitment(disclosure.id, delivered.entry_id, delivered.value))
    for consent in consents:
        if consent.decision == "granted":
            commitment = Commitment.new(log_key(consent.person_id))
            agreement = agreements[consent.agreement_id]
            entry = entries.consent(
                EntryKind.CONSENT_GIVEN, agreement, consent.recorded_at, commitment
            )
            pending.append(_pending(entry, consent.recorded_at, report.id, consent.person_id))
    return ReportEntries(pending, prepared)


def write_report_entries(uow: UnitOfWork, prepared: Sequence[ReportEntries]) -> None:
    """Write reports' prepared entries in their transaction (one statement a table)."""
    uow.log.add_pending([entry for report in prepared for entry in report.pending])
    uow.log.prepare_commitments([c for report in prepared for c in report.commitments])


def record_report_entries(
    uow: UnitOfWork,
    vault: Vault,
    report: NewReport,
    disclosures: Sequence[NewDisclosure],
    consents: Sequence[NewConsentRecord],
    plan: RoutingPlan,
    person_keys: Mapping[uuid.UUID, PersonKey] | None = None,
) -> None:
    """Prepare and write a report's entries in one go. ``person_keys`` saves looking up keys
    the caller holds."""
    known = dict(person_keys or {})

    def key_of(person_id: uuid.UUID) -> PersonKey:
        return known.get(person_id) or uow.people.key_for(person_id)

    write_report_entries(
        uow, [prepare_report_entries(vault, report, disclosures, consents, plan, key_of)]
    )


def record_agreement_published(
    uow: UnitOfWork, agreement: Agreement, digest: str, now: datetime
) -> None:
    """A new agreement version (so even a fresh hub's log says who may receive what)."""
    uow.log.add_pending(
        [_pending(entries.agreement_published(agreement, digest, now), now, None, None)]
    )


def record_delivered(uow: UnitOfWork, records: Sequence[DisclosureRecord], now: datetime) -> None:
    """ "disclosure-delivered" for disclosures first pushed or fetched now. Idempotent: each
    disclosure's prepared commitment is used once, so a repeat logs nothing more."""
    prepared = uow.log.take_commitments([record.id for record in records])
    agreements: dict[tuple[str, int], Agreement] = {}
    pending = []
    for record in records:
        commitment = prepared.get(record.id)
        if commitment is None:
            continue
        ref = (record.agreement_id, record.agreement_version)
        if ref not in agreements:
            agreements[ref] = uow.catalogue.agreement(*ref)
        entry = entries.disclosure(
            EntryKind.DISCLOSURE_DELIVERED,
            agreements[ref],
            record.event_type,
            record.fields,
            now,
            Commitment(commitment.entry_id, commitment.value),
        )
        pending.append(_pending(entry, now, record.report_id, record.person_id))
    uow.log.add_pending(pending)


def record_consent_withdrawn(
    uow: UnitOfWork,
    vault: Vault,
    *,
    person_id: uuid.UUID,
    agreement: Agreement,
    now: datetime,
    report_id: uuid.UUID | None = None,
) -> None:
    commitment = Commitment.new(_LogKeys(uow, vault).of(person_id))
    entry = entries.consent(EntryKind.CONSENT_WITHDRAWN, agreement, now, commitment)
    uow.log.add_pending([_pending(entry, now, report_id, person_id)])


def record_report_cancelled(
    uow: UnitOfWork,
    vault: Vault,
    *,
    person_id: uuid.UUID,
    report_id: uuid.UUID,
    event_type: str,
    recipients: Sequence[str],
    now: datetime,
) -> None:
    """ "report-cancelled": the citizen cancelled the report before anything left (ADR 0088)."""
    commitment = Commitment.new(_LogKeys(uow, vault).of(person_id))
    entry = entries.report_cancelled(event_type, recipients, now, commitment)
    uow.log.add_pending([_pending(entry, now, report_id, person_id)])


def record_rights_request(
    uow: UnitOfWork,
    vault: Vault,
    *,
    person_id: uuid.UUID,
    request: entries.RightsRequestType,
    now: datetime,
    outcome: str | None = None,
    due: date | None = None,
    reasons: Sequence[str] = (),
) -> None:
    """A rights request received (``outcome`` None) or closed with its outcome. Erasure
    writes its entries before destroying the key they are committed under."""
    commitment = Commitment.new(_log_key_or_nobodys(uow, vault, person_id))
    entry = entries.rights_request(request, now, commitment, outcome, due=due, reasons=reasons)
    uow.log.add_pending([_pending(entry, now, None, person_id)])


def _log_key_or_nobodys(uow: UnitOfWork, vault: Vault, person_id: uuid.UUID) -> bytes:
    """The person's log key; for a person already erased, a random key thrown away at once:
    their later requests are still logged, committed to nobody anyone can name."""
    try:
        return _LogKeys(uow, vault).of(person_id)
    except SealedDataError:
        return secrets.token_bytes(entries.COMMITMENT_KEY_SIZE)


def record_rights_extended(
    uow: UnitOfWork,
    vault: Vault,
    *,
    person_id: uuid.UUID,
    request: entries.RightsRequestType,
    now: datetime,
    months: int,
    due: date,
) -> None:
    commitment = Commitment.new(_log_key_or_nobodys(uow, vault, person_id))
    entry = entries.rights_request_extended(request, now, commitment, months=months, due=due)
    uow.log.add_pending([_pending(entry, now, None, person_id)])


def receipt_for_report(
    reference: str,
    *,
    account: Account,
    uow: UnitOfWork,
    vault: Vault,
    cache: TileCache | None = None,
) -> ReportReceipt:
    """The citizen's receipt: each of the report's entries that the latest checkpoint covers,
    with its tlog-proof and the key of the person it is committed to.

    ``Conflict`` until a checkpoint covers every entry made when the report was sent. Entries
    recorded later (a delivery, a withdrawn consent) join the receipt once a checkpoint covers
    them: until then they are left out, so a receipt that was ready stays ready (ADR 0098)."""
    normalised = normalise_reference(reference)
    with uow:
        view = uow.reports.view(normalised, account.id) if normalised else None
        if view is None:
            raise NotFound("There is no report with that reference")
        logged = uow.log.entries_for_report(view.id)
        latest = uow.log.latest_checkpoint()
        size = latest.size if latest is not None else 0
        covered = [e for e in logged if e.leaf_index is not None and e.leaf_index < size]
        waiting = [e for e in logged if e.leaf_index is None or e.leaf_index >= size]
        if latest is None or any(_made_when_sent(entry.entry) for entry in waiting):
            raise Conflict(NOT_YET_LOGGED)
        hashes = CachedTileHashes(
            latest.size, stored_tile_reader(uow.log), TileCache(16) if cache is None else cache
        )
        keys = _receipt_keys(uow, vault, {e.person_id for e in covered if e.person_id})
        items = []
        for entry in covered:
            assert entry.leaf_index is not None  # covered
            proof = hashes.inclusion_proof(entry.leaf_index)
            receipt = build_receipt(entry.leaf_index, proof, latest.note)
            key = keys.get(entry.person_id) if entry.person_id else None
            items.append(ReceiptItem(entry.entry, receipt, key))
    origin = Checkpoint.from_note_text(parse_note(latest.note).text).origin
    return ReportReceipt(view.reference, origin, tuple(items))


def _made_when_sent(entry: bytes) -> bool:
    """Whether an entry is one of those written in the transaction that accepted its report
    (``prepare_report_entries``): a receipt waits for those, not for later ones."""
    return entries.parse_entry(entry)["kind"] in REPORT_ENTRY_KINDS


def _receipt_keys(
    uow: UnitOfWork, vault: Vault, people: set[uuid.UUID]
) -> Mapping[uuid.UUID, bytes | None]:
    keys = _LogKeys(uow, vault)
    found: dict[uuid.UUID, bytes | None] = {}
    for person_id in people:
        try:
            found[person_id] = keys.of(person_id)
        except SealedDataError:  # erased: their entries stay provable, no longer theirs
            found[person_id] = None
    return found
