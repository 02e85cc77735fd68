"""Withdrawing consent (UK GDPR Art. 7(3)): as easy as giving it, and it reaches the recipient.

A disclosure made by consent and not yet in the recipient's hands is never sent. One already
delivered keeps its record (withdrawal does not make earlier processing unlawful), and the
recipient is told to stop using the data for that purpose: a ``consent-withdrawn`` CloudEvent
with no personal data, pushed through the outbox like any other message and listed in the
feed for recipients that pull. The withdrawal is logged in the transparency log in the same
transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tellonce.domain.cloudevents import consent_withdrawn_message_id
from tellonce.domain.delivery_queue import ABOUT_THE_DATA, QueueKind
from tellonce.domain.disclosures import DisclosureState, on_consent_withdrawn
from tellonce.domain.errors import Conflict, NotFound
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.consents import ConsentRecord
from tellonce.service_layer.ports.deliveries import NewQueuedMessage
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.transparency.entries import record_consent_withdrawn

NOT_GIVEN = "You did not give this consent, so there is nothing to withdraw"
IN_FLIGHT = (
    "This organisation is being sent your details right now. Try again in a few minutes: "
    "your consent has not been withdrawn yet"
)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    consent_id: uuid.UUID
    withdrawn_at: datetime
    disclosure_state: str | None
    recipient_told: bool  # the recipient had the data and is told to stop using it


def withdraw_consent(
    consent_id: uuid.UUID, *, account: Account, uow: UnitOfWork, vault: Vault, clock: Clock
) -> Withdrawal:
    """Withdraw one consent the citizen gave. Idempotent: a repeat changes nothing."""
    now = clock.now()
    with uow:
        consent = uow.consents.for_account(consent_id, account.id)
        if consent is None:  # another person's consent is "not found": we do not confirm it
            raise NotFound("There is no consent with that id")
        if consent.decision != "granted":
            raise Conflict(NOT_GIVEN)
        record = (
            None if consent.disclosure_id is None else uow.disclosures.get(consent.disclosure_id)
        )
        if consent.withdrawn_at is not None:
            return Withdrawal(
                consent.id,
                consent.withdrawn_at,
                None if record is None else record.state,
                record is not None and record.delivered_at is not None,
            )
        state, told = (None, False) if record is None else _stop_or_tell(uow, record, now)
        close_consent(uow, vault, consent, now)
        uow.commit()
    return Withdrawal(consent.id, now, state, told)


def close_consent(uow: UnitOfWork, vault: Vault, consent: ConsentRecord, now: datetime) -> None:
    """Mark a consent withdrawn and log it (the citizen's withdrawal, or erasure's)."""
    uow.consents.withdraw(consent.id, now)
    agreement = uow.catalogue.agreement(consent.agreement_id, consent.agreement_version)
    record_consent_withdrawn(
        uow,
        vault,
        person_id=consent.person_id,
        agreement=agreement,
        now=now,
        report_id=consent.report_id,
    )


def _stop_or_tell(uow: UnitOfWork, record: DisclosureRecord, now: datetime) -> tuple[str, bool]:
    """Stop a disclosure that has not left, or queue the notice to the recipient that has it.
    Returns the disclosure's state and whether the recipient is told."""
    if uow.deliveries.in_flight(record.id, now):
        raise Conflict(IN_FLIGHT)
    uow.deliveries.drop_pending_pushes([record.id], now, kinds=ABOUT_THE_DATA)
    state = on_consent_withdrawn(
        DisclosureState(record.state), delivered=record.delivered_at is not None
    )
    if state is DisclosureState.WITHDRAWN:
        uow.disclosures.update(record.id, now, state=state.value, next_chase_at=None)
        uow.log.take_commitments([record.id])  # it will never be delivered
        return state.value, False
    uow.disclosures.update(record.id, now, next_chase_at=None)  # no more reminders
    endpoint = uow.endpoints.get(record.recipient_id)
    if endpoint is not None and endpoint.url:  # pull recipients find it in the feed
        message_id = consent_withdrawn_message_id(record.id)
        notice = NewQueuedMessage(
            message_id, record.id, QueueKind.CONSENT_WITHDRAWN, now, record.recipient_id
        )
        uow.deliveries.enqueue([notice])
    return state.value, True
