"""Rectification (UK GDPR Art. 16) told to every earlier recipient that holds the detail
(Art. 19), as a signed ``correction`` event through the same outbox and feed as disclosures.

The hub corrects the report's sealed details (re-sealed under the subject's key), so
disclosures not yet delivered carry the corrected values when they go. Each disclosure
already in a recipient's hands whose agreed fields include a corrected detail gets one
correction: the recipient's agreed fields with the corrected values, and which changed —
nothing outside its agreement; a recipient that never received a corrected field is not told.
Corrections are tracked per recipient like disclosures (delivered, acknowledged, outcome),
logged as ``correction-sent`` (field names, never values). The request is recorded with its
deadline and stays open until every recipient told has answered (or closes at once when
nobody needed telling): an overdue correction shows in ``tellonce rights list --overdue``.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tellonce.domain.cloudevents import correction_event
from tellonce.domain.corrections import apply_changes, changed_paths, touched
from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import OUTCOMES, DisclosureState
from tellonce.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tellonce.domain.events import field_paths, parse_payload
from tellonce.domain.free_text import checked_free_text
from tellonce.domain.references import normalise_reference
from tellonce.domain.rights import Outcome, RequestState, RightKind
from tellonce.domain.transparency import entries
from tellonce.domain.transparency.entries import COMMITMENT_KEY_PURPOSE, Commitment
from tellonce.service_layer.acknowledgement import REASON_LIMIT
from tellonce.service_layer.disclosure_events import EventBuilder
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.deliveries import NewQueuedMessage
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.rights import CorrectionView, NewCorrection
from tellonce.service_layer.ports.transparency import PendingLogEntry
from tellonce.service_layer.ports.vault import SealedDataError
from tellonce.service_layer.rights_requests import close_request, open_request

ERASED = "The details of this report were erased, so there is nothing to correct"
NO_CHANGE = "These are the details we already hold"
CORRECTION_OUTCOMES = frozenset(s.value for s in OUTCOMES)


def correction_reason_context(correction_id: uuid.UUID) -> bytes:
    return b"correction-reason:" + correction_id.bytes


def _opened(uow: UnitOfWork, vault: Vault, views: Sequence[CorrectionView]) -> list[CorrectionView]:
    """Recipients' reasons opened for the reader: sealed at rest under the subject's key, so
    after erasure there is none (ADR 0077)."""
    opened = []
    for view in views:
        reason = None
        if view.sealed_outcome_reason is not None:
            record = uow.disclosures.get(view.disclosure_id)
            assert record is not None
            try:
                reason = vault.open(
                    record.person_key,
                    view.sealed_outcome_reason,
                    correction_reason_context(view.id),
                ).decode()
            except SealedDataError:
                reason = None
        opened.append(dataclasses.replace(view, outcome_reason=reason, sealed_outcome_reason=None))
    return opened


@dataclass(frozen=True, slots=True)
class Rectification:
    reference: str
    corrected_fields: tuple[str, ...]
    corrections: tuple[CorrectionView, ...]  # one per earlier recipient told


def correct_report(
    reference: str,
    changes: Mapping[str, Any],
    *,
    account: Account,
    uow: UnitOfWork,
    vault: Vault,
    clock: Clock,
) -> Rectification:
    """Correct details of the citizen's report and tell the earlier recipients that hold them."""
    now = clock.now()
    normalised = normalise_reference(reference)
    with uow:
        view = uow.reports.view(normalised, account.id) if normalised else None
        if view is None:
            raise NotFound("There is no report with that reference")
        [sealed] = [r for r in uow.your_data.sealed_reports(account.id) if r.id == view.id]
        key = uow.people.key_for(sealed.subject_person_id)
        try:
            stored = json.loads(vault.open(key, sealed.sealed_payload, sealed.id.bytes))
        except SealedDataError as error:
            raise Conflict(ERASED) from error
        before = stored["payload"]
        after = apply_changes(before, changes, field_paths(view.event_type))
        _validate(view.event_type, after, view.submitted_at.date())
        changed = changed_paths(before, after, changes)
        if not changed:
            raise InvalidInput([FieldProblem(("corrections",), NO_CHANGE)])
        request = open_request(uow, vault, account=account, kind=RightKind.RECTIFICATION, now=now)
        stored["payload"] = after
        uow.rights.reseal_report(
            view.id, vault.seal(key, json.dumps(stored).encode(), view.id.bytes)
        )
        told = []
        log_key = vault.derive_person_key(key, COMMITMENT_KEY_PURPOSE)
        pending = []
        for disclosure in view.disclosures:
            fields = touched(disclosure.fields, changed)
            if disclosure.delivered_at is None or not fields:
                continue  # not in their hands yet (it will go corrected), or not theirs
            if disclosure.state == DisclosureState.WITHDRAWN:
                continue
            correction = NewCorrection(
                uuid.uuid4(),
                view.id,
                disclosure.id,
                disclosure.recipient_id,
                fields,
                now,
                request.id,
            )
            told.append(correction)
            record = uow.disclosures.get(disclosure.id)
            assert record is not None
            agreement = uow.catalogue.agreement(record.agreement_id, record.agreement_version)
            entry = entries.correction_sent(
                agreement, view.event_type, fields, now, Commitment.new(log_key)
            )
            pending.append(
                PendingLogEntry(
                    entry.kind.value, entry.encode(), now, view.id, sealed.subject_person_id
                )
            )
        uow.rights.add_corrections(told)
        uow.deliveries.enqueue(
            [
                NewQueuedMessage(
                    c.message_id, c.disclosure_id, QueueKind.CORRECTION, now, c.recipient_id
                )
                for c in told
                if _pushed(uow, c.recipient_id)
            ]
        )
        uow.log.add_pending(pending)
        if not told:  # nobody to tell: the hub's part is done
            close_request(uow, vault, request, outcome=Outcome.FULFILLED, now=now)
        views = uow.rights.corrections_for_report(view.id)
        uow.commit()
    mine = {c.id for c in told}
    return Rectification(view.reference, tuple(changed), tuple(v for v in views if v.id in mine))


def corrections_for_report(
    reference: str, *, account: Account, uow: UnitOfWork, vault: Vault
) -> list[CorrectionView]:
    normalised = normalise_reference(reference)
    with uow:
        view = uow.reports.view(normalised, account.id) if normalised else None
        if view is None:
            raise NotFound("There is no report with that reference")
        return _opened(uow, vault, uow.rights.corrections_for_report(view.id))


def answer_correction(
    correction_id: uuid.UUID,
    *,
    recipient_id: str,
    outcome: str | None,
    reason: str | None,
    uow: UnitOfWork,
    vault: Vault,
    clock: Clock,
) -> CorrectionView:
    """A recipient acknowledges a correction, or says what it did with it. The rectification
    request is closed (fulfilled) when the last recipient told has answered."""
    if outcome is not None and outcome not in CORRECTION_OUTCOMES:
        allowed = ", ".join(sorted(CORRECTION_OUTCOMES))
        raise InvalidInput([FieldProblem(("outcome",), f"The outcome must be one of: {allowed}")])
    reason = checked_free_text(reason, ("reason",), limit=REASON_LIMIT)
    with uow:
        mine = {
            c.id: c
            for c in uow.rights.corrections_for_recipient(recipient_id, unanswered_only=False)
        }
        if correction_id not in mine:
            raise NotFound("There is no correction with that id")
        now = clock.now()
        sealed = None
        if outcome is not None and reason is not None:
            # Free text about a person: sealed under the subject's key (ADR 0077).
            record = uow.disclosures.get(mine[correction_id].disclosure_id)
            assert record is not None
            sealed = vault.seal(
                record.person_key, reason.encode(), correction_reason_context(correction_id)
            )
        uow.rights.answer_correction(correction_id, now, outcome=outcome, sealed_reason=sealed)
        request_id = uow.rights.request_of_correction(correction_id)
        request = None if request_id is None else uow.rights.get(request_id)
        if (
            request is not None
            and request.state != RequestState.CLOSED.value
            and uow.rights.unanswered_for_request(request.id) == 0
        ):
            close_request(uow, vault, request, outcome=Outcome.FULFILLED, now=now)
        [answered] = _opened(
            uow,
            vault,
            [
                c
                for c in uow.rights.corrections_for_recipient(recipient_id, unanswered_only=False)
                if c.id == correction_id
            ],
        )
        uow.commit()
    return answered


def _validate(event_type: str, payload: dict[str, Any], submitted: Any) -> None:
    """The corrected details must be valid as the report was (dates judged on its day)."""
    try:
        parse_payload(event_type, payload, today=submitted)
    except InvalidInput as error:
        raise InvalidInput(
            [
                FieldProblem(("corrections", ".".join(map(str, p.location))), p.message, p.code)
                for p in error.problems
            ]
        ) from error


def _pushed(uow: UnitOfWork, recipient_id: str) -> bool:
    endpoint = uow.endpoints.get(recipient_id)
    return endpoint is not None and bool(endpoint.url)


def read_corrections(
    recipient_id: str, *, uow: UnitOfWork, clock: Clock, events: EventBuilder
) -> list[dict[str, Any]]:
    """The recipient's unanswered corrections as the CloudEvents that are pushed (pull
    recipients collect them here); collecting one counts as delivering it."""
    now = clock.now()
    with uow:
        waiting = uow.rights.corrections_for_recipient(recipient_id, unanswered_only=True)
        records = {}
        for correction in waiting:
            record = uow.disclosures.get(correction.disclosure_id)
            assert record is not None
            records[correction.id] = record
        events.load_terms(uow, list(records.values()))
        uow.rights.mark_corrections_fetched([c.id for c in waiting], now)
        uow.commit()
    built = []
    for correction in waiting:
        try:
            disclosure = events.event(records[correction.id])
        except SealedDataError:  # erased since: the corrected details no longer exist
            continue
        built.append(
            correction_event(disclosure, str(correction.id), list(correction.fields), now=now)
        )
    return built


def report_details(
    reference: str, *, account: Account, uow: UnitOfWork, vault: Vault
) -> tuple[str, dict[str, str]]:
    """A report's event type and each detail the citizen can correct (text leaves, by dotted
    path) with its current value, for the portal's correction form. ``Conflict`` if erased."""
    normalised = normalise_reference(reference)
    with uow:
        view = uow.reports.view(normalised, account.id) if normalised else None
        if view is None:
            raise NotFound("There is no report with that reference")
        [sealed] = [r for r in uow.your_data.sealed_reports(account.id) if r.id == view.id]
        key = uow.people.key_for(sealed.subject_person_id)
    try:
        payload = json.loads(vault.open(key, sealed.sealed_payload, sealed.id.bytes))["payload"]
    except SealedDataError as error:
        raise Conflict(ERASED) from error
    known = field_paths(view.event_type)
    return view.event_type, {p: v for p, v in _leaves(payload) if p in known}


def _leaves(node: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        found = []
        for name, value in node.items():
            found += _leaves(value, f"{prefix}{name}" if not prefix else f"{prefix}.{name}")
        return found
    return [(prefix, node)] if isinstance(node, str) else []
