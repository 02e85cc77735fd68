"""What the transparency log records: one canonical JSON (RFC 8785) object per logged fact.

An entry names who received what kind of data under which agreement -- recipient, agreement
and version, event type, field *names* (never values), purpose and legal basis as W3C DPV
codes -- and when, rounded down to the hour: exact times stay in the hub's private records,
because the precise time of a death reported to a small council could identify someone.

Entries about a person carry a *commitment* instead of anything about them:
``HMAC-SHA256(person's log key, entry id)`` over the entry's random id. Without the key the
commitments of one person's entries look unrelated (no two entries are linkable); the person
holds the key in their receipt and can recompute the commitment to show an entry is theirs.
The log key is derived from the person's data key, so erasing the person destroys it too.
Nothing low-entropy (a name, a date, a postcode) is ever hashed bare.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import rfc8785

from tellonce.domain.catalogue import Agreement
from tellonce.domain.transparency.errors import TransparencyError
from tellonce.domain.transparency.tiles import MAX_ENTRY_SIZE

ENTRY_FORMAT = 1
COMMITMENT_KEY_PURPOSE = "transparency-log-commitment"
"""The label under which a person's log key is derived from their data key."""
COMMITMENT_KEY_SIZE = 32


class EntryError(TransparencyError):
    """A log entry is malformed, or its commitment does not match."""


class EntryKind(StrEnum):
    AGREEMENT_VERSION_PUBLISHED = "agreement-version-published"
    DISCLOSURE_AUTHORISED = "disclosure-authorised"
    DISCLOSURE_DELIVERED = "disclosure-delivered"
    CONSENT_GIVEN = "consent-given"
    CONSENT_WITHDRAWN = "consent-withdrawn"
    RIGHTS_REQUEST_RECEIVED = "rights-request-received"
    RIGHTS_REQUEST_CLOSED = "rights-request-closed"
    RIGHTS_REQUEST_EXTENDED = "rights-request-extended"
    CORRECTION_SENT = "correction-sent"
    PERSONAL_DATA_PURGED = "personal-data-purged"
    # An operator's or caseworker's change to what recipients receive or citizens see (ADR 0093).
    HUB_ACTION = "hub-action"
    # The citizen cancelled a report during its cooling-off: none of it was sent (ADR 0088).
    REPORT_CANCELLED = "report-cancelled"


class RightsRequestType(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"


def new_entry_id() -> str:
    """A random UUID: entry ids carry no information and never repeat."""
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))


def hour_of(moment: datetime) -> str:
    """The UTC hour ``moment`` falls in, as RFC 3339 (``2026-11-25T10:00:00Z``)."""
    if moment.tzinfo is None:
        raise EntryError("entry times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def _mac(key: bytes, entry_id: str) -> bytes:
    if len(key) != COMMITMENT_KEY_SIZE:
        raise EntryError(f"a commitment key is {COMMITMENT_KEY_SIZE} bytes")
    return hmac.digest(key, entry_id.encode("ascii"), hashlib.sha256)


@dataclass(frozen=True, slots=True)
class Commitment:
    """An entry id and the person's HMAC over it: the only trace of the person in the log."""

    entry_id: str
    value: bytes

    @classmethod
    def new(cls, person_log_key: bytes) -> Commitment:
        entry_id = new_entry_id()
        return cls(entry_id, _mac(person_log_key, entry_id))

    def matches(self, person_log_key: bytes) -> bool:
        return hmac.compare_digest(self.value, _mac(person_log_key, self.entry_id))


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One entry: its kind, id and JSON body (which includes both)."""

    kind: EntryKind
    entry_id: str
    body: Mapping[str, Any]

    def encode(self) -> bytes:
        data = encode_entry(self.body)
        if len(data) > MAX_ENTRY_SIZE:
            raise EntryError(f"an entry must be at most {MAX_ENTRY_SIZE} bytes")
        return data


_SAFE_INTEGER = 2**53 - 1


def _plain(value: Any) -> bool:
    """Whether ``value`` is JSON that ``json.dumps`` already writes as RFC 8785 does.

    For strings, booleans, null, integers up to 2**53 and objects with ASCII keys, sorted
    compact ``json.dumps`` output *is* the canonical form (RFC 8785 escapes exactly what it
    escapes, and sorts ASCII keys the same way). Only numbers with fractions or exponents
    and keys outside ASCII need the full algorithm. A test checks the two agree.
    """
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    return False


def encode_entry(body: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON: one byte string per value, whoever serialises it.

    Entries are written on every report's hot path, where the ``rfc8785`` package (pure
    Python) costs about 0.1 ms an entry; plain JSON values take the equivalent fast path.
    """
    value = dict(body)
    if not _plain(value):
        return rfc8785.dumps(value)
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _entry(
    kind: EntryKind, at: datetime, commitment: Commitment | None, **content: Any
) -> LogEntry:
    entry_id = new_entry_id() if commitment is None else commitment.entry_id
    body: dict[str, Any] = {"v": ENTRY_FORMAT, "kind": kind.value, "id": entry_id}
    body["time"] = hour_of(at)
    if commitment is not None:
        body["commitment"] = base64.b64encode(commitment.value).decode("ascii")
    body.update(content)
    return LogEntry(kind, entry_id, body)


def _agreement_ref(agreement: Agreement) -> dict[str, Any]:
    return {"id": agreement.id, "version": agreement.version}


def _basis(agreement: Agreement) -> dict[str, Any]:
    return {
        "purpose": agreement.purpose.dpv_code,
        "legal_basis": agreement.lawful_basis.dpv_code,
        "basis": "consent" if agreement.consent_required else "law",
    }


def agreement_published(agreement: Agreement, digest: str, at: datetime) -> LogEntry:
    """A new agreement version: what a recipient may receive, why and under which law."""
    return _entry(
        EntryKind.AGREEMENT_VERSION_PUBLISHED,
        at,
        None,
        recipient=agreement.recipient_id,
        agreement=_agreement_ref(agreement),
        digest=digest,
        fields={event: sorted(paths) for event, paths in sorted(agreement.fields.items())},
        article_9=agreement.lawful_basis.article_9,
        gateway=agreement.gateway.citation if agreement.gateway else None,
        **_basis(agreement),
    )


def disclosure(
    kind: EntryKind,
    agreement: Agreement,
    event_type: str,
    fields: Iterable[str],
    at: datetime,
    commitment: Commitment,
) -> LogEntry:
    """A disclosure authorised (at submission) or delivered (first push or fetch)."""
    if kind not in {EntryKind.DISCLOSURE_AUTHORISED, EntryKind.DISCLOSURE_DELIVERED}:
        raise EntryError(f"{kind} is not a disclosure entry")
    return _entry(
        kind,
        at,
        commitment,
        recipient=agreement.recipient_id,
        agreement=_agreement_ref(agreement),
        event_type=event_type,
        fields=sorted(fields),
        **_basis(agreement),
    )


def consent(
    kind: EntryKind, agreement: Agreement, at: datetime, commitment: Commitment
) -> LogEntry:
    """Consent given or withdrawn for one agreement."""
    if kind not in {EntryKind.CONSENT_GIVEN, EntryKind.CONSENT_WITHDRAWN}:
        raise EntryError(f"{kind} is not a consent entry")
    return _entry(
        kind,
        at,
        commitment,
        recipient=agreement.recipient_id,
        agreement=_agreement_ref(agreement),
        purpose=agreement.purpose.dpv_code,
        legal_basis=agreement.lawful_basis.dpv_code,
    )


def rights_request(
    request: RightsRequestType,
    at: datetime,
    commitment: Commitment,
    outcome: str | None = None,
    *,
    due: date | None = None,
    reasons: Iterable[str] = (),
) -> LogEntry:
    """A rights request received (no outcome yet) or closed with its outcome. ``due`` is the
    statutory deadline (a day: it says no more than the hour of the entry already does) and
    ``reasons`` the W3C DPV codes of a refusal or limit -- never the citizen's words."""
    kind = EntryKind.RIGHTS_REQUEST_RECEIVED if outcome is None else EntryKind.RIGHTS_REQUEST_CLOSED
    content: dict[str, Any] = {"request": request.value}
    if outcome is not None:
        content["outcome"] = outcome
    if due is not None:
        content["due"] = due.isoformat()
    if reasons:
        content["reasons"] = sorted(set(reasons))
    return _entry(kind, at, commitment, **content)


def rights_request_extended(
    request: RightsRequestType, at: datetime, commitment: Commitment, *, months: int, due: date
) -> LogEntry:
    """The hub took more time (UK GDPR Art. 12(3)): by how many months in all, and the new
    deadline. The reason is told to the citizen, not the log (it may describe them)."""
    return _entry(
        EntryKind.RIGHTS_REQUEST_EXTENDED,
        at,
        commitment,
        request=request.value,
        months=months,
        due=due.isoformat(),
    )


def correction_sent(
    agreement: Agreement,
    event_type: str,
    fields: Iterable[str],
    at: datetime,
    commitment: Commitment,
) -> LogEntry:
    """A correction of earlier disclosed fields sent to a recipient (Art. 16, 19): which
    field names, never their old or new values."""
    return _entry(
        EntryKind.CORRECTION_SENT,
        at,
        commitment,
        recipient=agreement.recipient_id,
        agreement=_agreement_ref(agreement),
        event_type=event_type,
        fields=sorted(fields),
        **_basis(agreement),
    )


def report_cancelled(
    event_type: str, recipients: Iterable[str], at: datetime, commitment: Commitment
) -> LogEntry:
    """A report cancelled during its cooling-off: the recipients whose disclosures, authorised
    at submission, were never sent."""
    return _entry(
        EntryKind.REPORT_CANCELLED,
        at,
        commitment,
        event_type=event_type,
        recipients=sorted(set(recipients)),
    )


def personal_data_purged(
    at: datetime, *, reports: int, people: int, registrations: int = 0
) -> LogEntry:
    """The retention job destroyed personal data: counts only, about nobody in particular
    (``registrations``: registration references deleted with their registered details)."""
    return _entry(
        EntryKind.PERSONAL_DATA_PURGED,
        at,
        None,
        reports=reports,
        people=people,
        registrations=registrations,
    )


def hub_action(
    action: str, at: datetime, actor: Mapping[str, str], subject: Mapping[str, Any]
) -> LogEntry:
    """Who changed the hub, and what: the actor as a role, an organisation and a pseudonymous
    staff id (never a name or an address); the subject as ids, never a person's data."""
    return _entry(EntryKind.HUB_ACTION, at, None, action=action, actor=dict(actor), **subject)


def parse_entry(data: bytes) -> dict[str, Any]:
    """Decode an entry and check it is a canonical JSON object of a known format."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise EntryError("entry is not JSON") from exc
    if not isinstance(body, dict):
        raise EntryError("entry is not a JSON object")
    if encode_entry(body) != data:
        raise EntryError("entry is not canonical JSON (RFC 8785)")
    if body.get("v") != ENTRY_FORMAT or not isinstance(body.get("id"), str):
        raise EntryError(f"entry is not format {ENTRY_FORMAT} with an id")
    if body.get("kind") not in set(EntryKind):
        raise EntryError("entry has an unknown kind")
    return body


def entry_commitment(body: Mapping[str, Any]) -> Commitment | None:
    """The commitment an entry carries, if it is about a person."""
    text = body.get("commitment")
    if text is None:
        return None
    try:
        value = base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EntryError("entry commitment is not base64") from exc
    return Commitment(str(body["id"]), value)


def check_commitment(data: bytes, person_log_key: bytes) -> None:
    """Raise ``EntryError`` unless the entry is committed to the holder of ``person_log_key``."""
    commitment = entry_commitment(parse_entry(data))
    if commitment is None:
        raise EntryError("entry is not about a person")
    if not commitment.matches(person_log_key):
        raise EntryError("entry commitment does not match the key")
