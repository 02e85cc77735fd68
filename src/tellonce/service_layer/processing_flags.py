"""Restriction (UK GDPR Art. 18) and objection (Art. 21): flags that stop further disclosures
under the lawful bases the law says they stop (``domain.rights.STOPPED_BY``, docs/rights.md).

Setting a flag holds every disclosure of the citizen's that has not reached its recipient and
whose agreement's basis the flag stops (its queued pushes are dropped, the feed stops serving
it), and new reports' disclosures under those bases are held from the start. Disclosures
already delivered are history and stay. Lifting the flag queues the held disclosures again,
with a fresh acknowledgement deadline and a new place at the end of the recipient's feed.
The request is recorded and logged (received, then fulfilled) like every rights request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tellonce.domain.deadlines import acknowledgement_due
from tellonce.domain.delivery_queue import ABOUT_THE_DATA, QueueKind
from tellonce.domain.disclosures import INITIAL_STATE, UNDELIVERED, DisclosureState
from tellonce.domain.errors import Conflict, FieldProblem, InvalidInput
from tellonce.domain.rights import Outcome, RightKind, stops
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.deliveries import NewQueuedMessage
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.rights import RightsRequestRecord
from tellonce.service_layer.ports.your_data import PastDisclosure
from tellonce.service_layer.rights_requests import close_request, open_request

FLAGS = (RightKind.RESTRICTION, RightKind.OBJECTION)
IN_FLIGHT = (
    "An organisation is being sent your details right now. Try again in a few minutes: "
    "nothing has changed yet"
)


@dataclass(frozen=True, slots=True)
class FlagAnswer:
    kind: RightKind
    request: RightsRequestRecord | None  # None when lifting
    held: tuple[str, ...]  # disclosure ids now held (set) or queued again (lifted)
    in_force: bool


def _check_kind(kind: str) -> RightKind:
    if kind not in {k.value for k in FLAGS}:
        raise InvalidInput([FieldProblem(("kind",), "Choose restriction or objection")])
    return RightKind(kind)


def set_flag(
    kind: str, *, account: Account, uow: UnitOfWork, vault: Vault, clock: Clock
) -> FlagAnswer:
    """Restrict, or object to, the hub's further disclosures. Idempotent while in force."""
    flag = _check_kind(kind)
    now = clock.now()
    with uow:
        active = uow.rights.active_flags(account.id)
        request = open_request(uow, vault, account=account, kind=flag, now=now)
        if flag.value not in active:
            uow.rights.set_flag(account.id, flag.value, request.id, now)
        flags = {RightKind(k) for k in active} | {flag}
        held = []
        for past in uow.your_data.disclosures_for_account(account.id):
            if _not_yet_received(past) and stops(flags, _article_6(uow, past)):
                _hold(uow, past, now)
                held.append(str(past.id))
        closed = close_request(uow, vault, request, outcome=Outcome.FULFILLED, now=now)
        uow.commit()
    return FlagAnswer(flag, closed, tuple(held), in_force=True)


def lift_flag(kind: str, *, account: Account, uow: UnitOfWork, clock: Clock) -> FlagAnswer:
    """The citizen lifts their restriction or objection: what it held is queued again."""
    flag = _check_kind(kind)
    now = clock.now()
    with uow:
        uow.rights.lift_flag(account.id, flag.value, now)
        remaining = {RightKind(k) for k in uow.rights.active_flags(account.id)}
        released = []
        for past in uow.your_data.disclosures_for_account(account.id):
            if past.state == DisclosureState.HELD and not stops(remaining, _article_6(uow, past)):
                _release(uow, past, now, _hold_end(uow, past, account, now))
                released.append(str(past.id))
        uow.commit()
    return FlagAnswer(flag, None, tuple(released), in_force=False)


def active_flags(account: Account, *, uow: UnitOfWork) -> set[str]:
    with uow:
        return uow.rights.active_flags(account.id)


def _article_6(uow: UnitOfWork, past: PastDisclosure) -> str:
    return uow.catalogue.agreement(past.agreement_id, past.agreement_version).lawful_basis.article_6


def _not_yet_received(past: PastDisclosure) -> bool:
    return DisclosureState(past.state) in UNDELIVERED or (
        past.state == DisclosureState.OVERDUE and past.delivered_at is None
    )


def _hold(uow: UnitOfWork, past: PastDisclosure, now: datetime) -> None:
    if uow.deliveries.in_flight(past.id, now):
        raise Conflict(IN_FLIGHT)
    uow.deliveries.drop_pending_pushes([past.id], now, kinds=ABOUT_THE_DATA)
    uow.disclosures.update(
        past.id, now, state=DisclosureState.HELD.value, next_chase_at=None, acknowledge_by=None
    )


def _hold_end(uow: UnitOfWork, past: PastDisclosure, account: Account, now: datetime) -> datetime:
    """When the disclosure may leave: now, or the end of its report's cooling-off (ADR 0088)."""
    report = uow.reports.held(past.report_reference, account.id)
    until = report.held_until if report is not None else None
    return until if until is not None and until > now else now


def _release(uow: UnitOfWork, past: PastDisclosure, now: datetime, available: datetime) -> None:
    agreement = uow.catalogue.agreement(past.agreement_id, past.agreement_version)
    due = acknowledgement_due(available, agreement.acknowledgement)
    # A push to an endpoint that is disabled waits, and says so (finding 6).
    endpoint = (
        uow.reports.pushed([past.recipient_id]).get(past.recipient_id) if past.pushed else None
    )
    state = DisclosureState.ENDPOINT_DISABLED if endpoint == "disabled" else INITIAL_STATE
    # A new feed position: the recipient's cursor may have passed the old one.
    uow.disclosures.update(
        past.id,
        now,
        state=state.value,
        feed_position=None,
        acknowledge_by=due,
        next_chase_at=due,
        escalated_at=None,
        chases=0,
    )
    if past.pushed:
        message = NewQueuedMessage(
            str(past.id), past.id, QueueKind.DISCLOSURE, available, past.recipient_id
        )
        uow.deliveries.enqueue([message])
