"""Data rights exercised at the hub. Each request, and how it ended, is logged in the
transparency log in the same transaction as the work it records.

Access (UK GDPR Art. 15) and portability (Art. 20): a copy of the citizen's data, as JSON —
the reports they made with every detail they gave, every disclosure, every attempt to push it
(or a reminder or notice about it) to its recipient, every consent choice, and every message
the hub sent them or has queued for them. No secrets (keys, session or signing material) and
nothing about other people: only ids, times and outcomes of the citizen's own records. Not in
it: answers to a report not yet sent (they expire within hours) and the public transparency
log's entries (the receipt proves those). The hub answers at once, so it is logged received
and fulfilled.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tellonce.domain.errors import Conflict, NotFound
from tellonce.domain.rights import Outcome, RightKind
from tellonce.domain.transparency.checkpoints import Checkpoint
from tellonce.domain.transparency.notes import parse_note
from tellonce.domain.transparency.receipts import TlogProof
from tellonce.service_layer.notifications import UnknownTemplate, render_message
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.vault import PersonKey, SealedDataError
from tellonce.service_layer.ports.your_data import MessageToYou, SealedReport
from tellonce.service_layer.rights_requests import close_request, open_request
from tellonce.service_layer.transparency.entries import receipt_for_report


@dataclass(frozen=True, slots=True)
class YourDataExport:
    document: dict[str, Any]
    exported_at: datetime

    @property
    def filename(self) -> str:
        return f"tellonce-your-data-{self.exported_at:%Y-%m-%d}.json"

    def as_json(self) -> bytes:
        return json.dumps(self.document, indent=2, ensure_ascii=False, default=_plain).encode()


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot export {type(value).__name__}")


def export_your_data(
    account: Account, *, uow: UnitOfWork, vault: Vault, clock: Clock
) -> YourDataExport:
    """Answer an access request: a copy of the citizen's data, logged as received and
    fulfilled."""
    now = clock.now()
    with uow:
        keys: dict[uuid.UUID, PersonKey] = {}
        reports = []
        for report in uow.your_data.sealed_reports(account.id):
            if report.subject_person_id not in keys:
                keys[report.subject_person_id] = uow.people.key_for(report.subject_person_id)
            reports.append(_report(report, vault, keys[report.subject_person_id]))
        disclosures = uow.your_data.disclosures_for_account(account.id)
        consents = uow.your_data.consents_for_account(account.id)
        messages = uow.your_data.messages_for_account(account.id)
        attempts = uow.your_data.push_attempts_for_account(account.id)
        request = open_request(uow, vault, account=account, kind=RightKind.ACCESS, now=now)
        close_request(uow, vault, request, outcome=Outcome.FULFILLED, now=now)
        uow.commit()
    document = {
        "exported_at": now,
        "reports": reports,
        "disclosures": [asdict(d) for d in disclosures],
        "consents": [asdict(c) for c in consents],
        "delivery_attempts": [asdict(a) for a in attempts],
        "messages": [_message(m) for m in messages],
    }
    return YourDataExport(document, now)


def _report(report: SealedReport, vault: Vault, key: PersonKey) -> dict[str, Any]:
    try:
        opened = json.loads(vault.open(key, report.sealed_payload, report.id.bytes))
    except SealedDataError:  # the subject's key was destroyed: the details no longer exist
        opened = {"payload": None, "answers": None}
    return {
        "reference": report.reference,
        "event_type": report.event_type,
        "schema_version": report.schema_version,
        "submitted_at": report.submitted_at,
        "details": opened["payload"],
        "answers": opened["answers"],
    }


def _message(message: MessageToYou) -> dict[str, Any]:
    """A message as the citizen read it (or would have): its subject and text."""
    try:
        subject, body = render_message(message.template, message.personalisation)
    except UnknownTemplate:  # a template since retired: what it was filled with is still theirs
        subject, body = None, None
    return {
        "id": message.id,
        "template": message.template,
        "subject": subject,
        "body": body,
        "state": message.state,
        "created_at": message.created_at,
        "sent_at": message.sent_at,
    }


@dataclass(frozen=True, slots=True)
class LoggedProof:
    """One log entry about a disclosure, with what proves it is in the signed log."""

    kind: str  # disclosure-authorised or disclosure-delivered
    leaf_index: int
    entry: str  # canonical JSON, exactly as logged
    tlog_proof: str  # c2sp.org/tlog-proof@v1: index, inclusion proof, signed checkpoint
    checkpoint_size: int
    checkpoint: str  # the signed note


@dataclass(frozen=True, slots=True)
class PrintableCopy:
    """A copy of the citizen's data to read, print or save, verifiable offline: the export,
    and for each disclosure its log entries with inclusion proofs and checkpoints."""

    export: YourDataExport
    proofs: dict[str, list[LoggedProof]]  # disclosure id -> entries (none: not yet signed)
    log_origin: str | None


def printable_copy(
    account: Account, *, uow: UnitOfWork, vault: Vault, clock: Clock
) -> PrintableCopy:
    """Answer an access request as a page: the same copy as the JSON, plus the proofs."""
    export = export_your_data(account, uow=uow, vault=vault, clock=clock)
    proofs: dict[str, list[LoggedProof]] = {}
    origin = None
    disclosures = export.document["disclosures"]
    for reference in {d["report_reference"] for d in disclosures}:
        try:
            receipt = receipt_for_report(reference, account=account, uow=uow, vault=vault)
        except (Conflict, NotFound):  # not yet covered by a signed checkpoint
            continue
        origin = receipt.origin
        mine = [d for d in disclosures if d["report_reference"] == reference]
        for item in receipt.items:
            body = json.loads(item.entry)
            for d in mine:
                agreement = body.get("agreement") or {}
                if (
                    body.get("recipient") == d["recipient_id"]
                    and agreement.get("id") == d["agreement_id"]
                    and agreement.get("version") == d["agreement_version"]
                    and str(body.get("kind", "")).startswith("disclosure-")
                ):
                    proof = TlogProof.from_text(item.proof)
                    size = Checkpoint.from_note_text(parse_note(proof.checkpoint).text).size
                    proofs.setdefault(str(d["id"]), []).append(
                        LoggedProof(
                            str(body["kind"]),
                            proof.index,
                            item.entry.decode("utf-8"),
                            item.proof,
                            size,
                            proof.checkpoint,
                        )
                    )
    return PrintableCopy(export, proofs, origin)
