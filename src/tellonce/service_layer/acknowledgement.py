"""Recipients acknowledge disclosures and report what they did with them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from tellonce.domain.disclosures import OUTCOMES, DisclosureState, on_acknowledged
from tellonce.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tellonce.service_layer.notifications import (
    acknowledged_personalisation,
    outcome_personalisation,
    queue_message,
)
from tellonce.service_layer.ports import Clock, DisclosureRecord, UnitOfWork
from tellonce.service_layer.transparency import record_delivered

ANSWERED_KINDS = ("disclosure", "overdue")


@dataclass(frozen=True, slots=True)
class DisclosureProgress:
    id: uuid.UUID
    state: str
    acknowledged: bool
    outcome: str | None


def _own(uow: UnitOfWork, recipient_id: str, disclosure_id: uuid.UUID) -> DisclosureRecord:
    record = uow.disclosures.get(disclosure_id)
    # Another recipient's disclosure is "not found": we do not confirm it exists.
    if record is None or record.recipient_id != recipient_id:
        raise NotFound("There is no disclosure with that id for this recipient")
    if record.state == DisclosureState.WITHDRAWN:
        raise Conflict(
            "The person withdrew their consent before this disclosure was sent, "
            "so there is nothing to acknowledge"
        )
    return record


def acknowledge(
    recipient_id: str,
    disclosure_ids: Sequence[uuid.UUID],
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> list[DisclosureProgress]:
    """Acknowledge receipt. Idempotent; acknowledging also counts as delivered."""
    now = clock.now()
    progress = []
    with uow:
        for disclosure_id in disclosure_ids:
            record = _own(uow, recipient_id, disclosure_id)
            state = on_acknowledged(DisclosureState(record.state))
            if record.acknowledged_at is None:
                account_id, name = uow.disclosures.addressee(record.id)
                message = acknowledged_personalisation(record.report_reference, name)
                queue_message(uow, account_id, "disclosure-acknowledged", message, now)
                uow.disclosures.update(
                    record.id,
                    now,
                    state=state.value,
                    acknowledged_at=now,
                    delivered_at=record.delivered_at or now,
                    next_chase_at=None,
                )
                # The recipient has it: a push still waiting, or a reminder, would be noise.
                uow.deliveries.drop_pending_pushes([record.id], now, ANSWERED_KINDS)
                record_delivered(uow, [record], now)  # logs nothing if already delivered
            progress.append(DisclosureProgress(record.id, state.value, True, record.outcome))
        uow.commit()
    return progress


def report_outcome(
    recipient_id: str,
    disclosure_id: uuid.UUID,
    outcome: str,
    reason: str | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> DisclosureProgress:
    """Record what the recipient did. The same outcome again is a no-op; a different one, 409."""
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
                outcome_reason=reason.strip() if reason else None,
                outcome_at=now,
                acknowledged_at=record.acknowledged_at or now,
                delivered_at=record.delivered_at or now,
                next_chase_at=None,
            )
            uow.deliveries.drop_pending_pushes([record.id], now, ANSWERED_KINDS)
            record_delivered(uow, [record], now)
        uow.commit()
    return DisclosureProgress(record.id, state.value, True, state.value)
