"""Recipients acknowledge disclosures and report what they did with them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from tellonce.domain.delivery_queue import ABOUT_THE_DATA
from tellonce.domain.disclosures import OUTCOMES, DisclosureState, on_acknowledged
from tellonce.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tellonce.domain.free_text import checked_free_text
from tellonce.service_layer.hub_actions import Actor, record_action
from tellonce.service_layer.notifications import (
    acknowledged_personalisation,
    outcome_personalisation,
    queue_message,
    queue_messages,
)
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.messages import NewCitizenMessage
from tellonce.service_layer.transparency.entries import record_delivered

REASON_LIMIT = 500  # characters


def reason_context(disclosure_id: uuid.UUID) -> bytes:
    return b"outcome-reason:" + disclosure_id.bytes


def seal_reason(vault: Vault, record: DisclosureRecord, reason: str | None) -> bytes | None:
    """A recipient's reason is free text about a person: sealed under the subject's key like
    the report itself, so erasing the person erases it too (ADR 0086)."""
    if reason is None:
        return None
    return vault.seal(record.person_key, reason.encode(), reason_context(record.id))


@dataclass(frozen=True, slots=True)
class DisclosureProgress:
    id: uuid.UUID
    state: str
    acknowledged: bool
    outcome: str | None


def _own(uow: UnitOfWork, recipient_id: str, disclosure_id: uuid.UUID) -> DisclosureRecord:
    return _owned(uow.disclosures.get(disclosure_id), recipient_id)


def acknowledge(
    recipient_id: str,
    disclosure_ids: Sequence[uuid.UUID],
    *,
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor | None = None,
) -> list[DisclosureProgress]:
    """Acknowledge receipt. Idempotent; acknowledging also counts as delivered. A batch is
    read, updated and logged in a few statements, not a few per disclosure (issue 12).
    With an ``actor`` (console staff), a hub action counts those newly acknowledged, in the
    same transaction; none if there were none."""
    now = clock.now()
    with uow:
        found = uow.disclosures.get_many(disclosure_ids)
        records = [_owned(found.get(i), recipient_id) for i in disclosure_ids]
        fresh: dict[uuid.UUID, DisclosureRecord] = {}
        for record in records:
            if record.acknowledged_at is None:
                fresh.setdefault(record.id, record)
        states = {
            record.id: on_acknowledged(DisclosureState(record.state)).value for record in records
        }
        addressees = uow.disclosures.addressees(list(fresh))
        told = [
            NewCitizenMessage(
                addressees[record.id][0],
                "disclosure-acknowledged",
                acknowledged_personalisation(record.report_reference, addressees[record.id][1]),
            )
            for record in fresh.values()
        ]
        queue_messages(uow, told, now)
        uow.disclosures.mark_acknowledged([(i, states[i]) for i in fresh], now)
        # The recipient has it: a push still waiting, or a reminder, would be noise.
        if fresh:
            uow.deliveries.drop_pending_pushes(list(fresh), now, ABOUT_THE_DATA)
        record_delivered(uow, list(fresh.values()), now)  # logs nothing if already delivered
        if fresh:  # citizens see it: logged as how many, never which
            record_action(uow, actor, "disclosures-acknowledged", now, {"count": len(fresh)})
        uow.commit()
    return [DisclosureProgress(r.id, states[r.id], True, r.outcome) for r in records]


def _owned(record: DisclosureRecord | None, recipient_id: str) -> DisclosureRecord:
    # Another recipient's disclosure is "not found": we do not confirm it exists.
    if record is None or record.recipient_id != recipient_id:
        raise NotFound("There is no disclosure with that id for this recipient")
    if record.state == DisclosureState.WITHDRAWN:
        raise Conflict(
            "The person withdrew their consent before this disclosure was sent, "
            "so there is nothing to acknowledge"
        )
    return record


def report_outcome(
    recipient_id: str,
    disclosure_id: uuid.UUID,
    outcome: str,
    reason: str | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
    vault: Vault,
    actor: Actor | None = None,
) -> DisclosureProgress:
    """Record what the recipient did. The same outcome again is a no-op; a different one, 409.
    With an ``actor`` (console staff), a hub action in the same transaction, only when the
    outcome is recorded (the no-op logs nothing)."""
    try:
        state = DisclosureState(outcome)
    except ValueError:
        state = DisclosureState.QUEUED  # not an outcome: refused just below
    if state not in OUTCOMES:
        raise InvalidInput(
            [
                FieldProblem(
                    ("outcome",), "Give one of actioned, no-record-found, not-applicable, rejected"
                )
            ]
        )
    if state is DisclosureState.REJECTED and not (reason and reason.strip()):
        raise InvalidInput([FieldProblem(("reason",), "Say why the disclosure was rejected")])
    reason = checked_free_text(reason, ("reason",), limit=REASON_LIMIT)
    now = clock.now()
    with uow:
        record = _own(uow, recipient_id, disclosure_id)
        if record.outcome is not None and record.outcome != state.value:
            raise Conflict("An outcome has already been reported for this disclosure")
        if record.outcome is None:
            account_id, name = uow.disclosures.addressee(record.id)
            message = outcome_personalisation(record.report_reference, name, state.value)
            queue_message(uow, account_id, "disclosure-outcome", message, now)
            uow.disclosures.update(
                record.id,
                now,
                state=state.value,
                outcome=state.value,
                outcome_reason=None,
                sealed_outcome_reason=seal_reason(vault, record, reason),
                outcome_at=now,
                acknowledged_at=record.acknowledged_at or now,
                delivered_at=record.delivered_at or now,
                next_chase_at=None,
            )
            uow.deliveries.drop_pending_pushes([record.id], now, ABOUT_THE_DATA)
            record_delivered(uow, [record], now)
            record_action(uow, actor, "outcome-recorded", now, {"outcome": state.value})
        uow.commit()
    return DisclosureProgress(record.id, state.value, True, state.value)
