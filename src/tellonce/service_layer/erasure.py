"""Erasure (UK GDPR Art. 17) by crypto-shredding, and telling consent recipients (Art. 19).

The hub destroys the data key of every person whose data it holds only through the account
(the citizen, and the subjects of their reports nobody else reported): every ciphertext sealed
under those keys -- in the database and in any backup taken before -- can no longer be opened.
What stays is what is not personal: the reports' and disclosures' states and times, and the
transparency log's entries, whose commitments were keyed by the destroyed key and so no longer
point at anyone (docs/rights.md explains why the log is never rewritten).

The hub refuses while a disclosure the law requires has not reached its recipient (sending it
needs the data: Art. 17(3)(b)), and always keeps the records of what it disclosed to whom and
under which law (Art. 5(2), 17(3)(b), (e)); the answer names both, with W3C DPV codes.
Erasing withdraws every consent the citizen gave (Art. 17(1)(b)): consent disclosures not yet
sent never are; recipients that already received data under consent are sent an
``erasure-requested`` event (Art. 19) besides the ``consent-withdrawn`` notice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tellonce.domain.cloudevents import (
    consent_withdrawn_message_id,
    erasure_requested_message_id,
)
from tellonce.domain.delivery_queue import ABOUT_THE_DATA, QueueKind
from tellonce.domain.disclosures import UNDELIVERED, DisclosureState, on_consent_withdrawn
from tellonce.domain.errors import Conflict
from tellonce.domain.rights import (
    ERASURE_LIMIT_ARTICLE,
    ERASURE_LIMIT_DPV,
    ErasureLimit,
    Outcome,
    RightKind,
)
from tellonce.service_layer.consents import close_consent
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.deliveries import NewQueuedMessage
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.rights import RightsRequestRecord
from tellonce.service_layer.ports.your_data import PastDisclosure
from tellonce.service_layer.rights_requests import close_request, open_request

IN_FLIGHT = (
    "An organisation is being sent your details right now. Try again in a few minutes: "
    "nothing has been erased yet"
)


@dataclass(frozen=True, slots=True)
class ErasureLimitNote:
    """One refusal or limit, as the answer names it."""

    reason: ErasureLimit
    article: str
    dpv: str
    recipients: tuple[str, ...] = ()  # names of the organisations concerned, for the citizen

    def as_record(self) -> dict[str, object]:
        return {"reason": self.reason.value, "article": self.article, "dpv": self.dpv}


@dataclass(frozen=True, slots=True)
class ErasureAnswer:
    request: RightsRequestRecord
    erased_at: datetime | None  # None: refused, nothing erased
    limits: tuple[ErasureLimitNote, ...]
    people_erased: int
    consents_withdrawn: int
    recipients_told: int  # consent recipients sent an erasure-requested event


def _note(reason: ErasureLimit, recipients: tuple[str, ...] = ()) -> ErasureLimitNote:
    return ErasureLimitNote(
        reason, ERASURE_LIMIT_ARTICLE[reason], ERASURE_LIMIT_DPV[reason], recipients
    )


def _not_yet_received(d: PastDisclosure) -> bool:
    return DisclosureState(d.state) in UNDELIVERED or (
        d.state == DisclosureState.OVERDUE and d.delivered_at is None
    )


def erase_your_data(
    account: Account, *, uow: UnitOfWork, vault: Vault, clock: Clock
) -> ErasureAnswer:
    """Answer an erasure request at once: refuse, or erase with the limits the law sets."""
    now = clock.now()
    with uow:
        request = open_request(uow, vault, account=account, kind=RightKind.ERASURE, now=now)
        disclosures = uow.your_data.disclosures_for_account(account.id)
        owed = [d for d in disclosures if d.basis == "law" and _not_yet_received(d)]
        if owed:
            note = _note(
                ErasureLimit.LAW_DISCLOSURE_IN_FLIGHT,
                tuple(sorted({d.recipient_name for d in owed})),
            )
            closed = close_request(
                uow, vault, request, outcome=Outcome.REFUSED, now=now, limits=[note.as_record()]
            )
            uow.commit()
            return ErasureAnswer(closed, None, (note,), 0, 0, 0)
        withdrawn, told = _withdraw_consents(uow, vault, account, disclosures, now)
        for past in disclosures:  # held by objection or restriction: now never sent
            if past.state == DisclosureState.HELD:
                uow.disclosures.update(past.id, now, state=DisclosureState.WITHDRAWN.value)
                uow.log.take_commitments([past.id])
        kept = _note(ErasureLimit.ACCOUNTABILITY_RECORDS)
        # The log's entries are committed under the person's key: write them before it goes.
        closed = close_request(
            uow,
            vault,
            request,
            outcome=Outcome.PARTLY_FULFILLED,
            now=now,
            limits=[kept.as_record()],
        )
        uow.rights.delete_drafts(account.id)
        # The registered details behind the account's death and birth reports are sealed under
        # the hub's key, not the person's: shredding keys would not reach them (ADR 0087).
        uow.registrations.delete_used_by([r.id for r in uow.your_data.sealed_reports(account.id)])
        people = uow.rights.only_in_account(account.id)
        uow.rights.destroy_keys(people, now)
        # The citizen may go on using the service: as a new person, under a new key.
        fresh = uuid.uuid4()
        uow.people.add({fresh: vault.new_person_key()}, now)
        uow.rights.repoint_account(account.id, fresh)
        uow.commit()
    return ErasureAnswer(closed, now, (kept,), len(people), withdrawn, told)


def _withdraw_consents(
    uow: UnitOfWork,
    vault: Vault,
    account: Account,
    disclosures: Sequence[PastDisclosure],
    now: datetime,
) -> tuple[int, int]:
    """Withdraw every consent still given; stop what has not left, tell who has it."""
    by_agreement = {
        (d.report_reference, d.agreement_id): d for d in disclosures if d.basis == "consent"
    }
    withdrawn = told = 0
    for choice in uow.your_data.consents_for_account(account.id):
        if choice.decision != "granted" or choice.withdrawn_at is not None:
            continue
        consent = uow.consents.for_account(choice.id, account.id)
        if consent is None:  # pragma: no cover - listed for this account a moment ago
            continue
        past = by_agreement.get((choice.report_reference, choice.agreement_id))
        if past is not None and consent.disclosure_id is not None:
            told += _stop_or_tell(uow, past, now)
        close_consent(uow, vault, consent, now)
        withdrawn += 1
    return withdrawn, told


def _stop_or_tell(uow: UnitOfWork, past: PastDisclosure, now: datetime) -> int:
    """As withdrawing one consent does, plus the erasure notice (Art. 19) for a recipient
    that has the data. Returns 1 if the recipient is told of the erasure."""
    if uow.deliveries.in_flight(past.id, now):
        raise Conflict(IN_FLIGHT)
    uow.deliveries.drop_pending_pushes([past.id], now, kinds=ABOUT_THE_DATA)
    state = on_consent_withdrawn(
        DisclosureState(past.state), delivered=past.delivered_at is not None
    )
    if state is DisclosureState.WITHDRAWN:
        uow.disclosures.update(past.id, now, state=state.value, next_chase_at=None)
        uow.log.take_commitments([past.id])
        return 0
    uow.disclosures.update(past.id, now, next_chase_at=None)
    endpoint = uow.endpoints.get(past.recipient_id)
    if endpoint is not None and endpoint.url:  # pull recipients: the feed (docs/rights.md)
        uow.deliveries.enqueue(
            [
                NewQueuedMessage(
                    consent_withdrawn_message_id(past.id),
                    past.id,
                    QueueKind.CONSENT_WITHDRAWN,
                    now,
                    past.recipient_id,
                ),
                NewQueuedMessage(
                    erasure_requested_message_id(past.id),
                    past.id,
                    QueueKind.ERASURE_REQUESTED,
                    now,
                    past.recipient_id,
                ),
            ]
        )
    return 1
