"""Rights requests and their statutory deadlines (UK GDPR Art. 12(3); docs/rights.md).

Every request the hub receives -- access, rectification, erasure, restriction, objection --
is recorded with its deadline, in the transaction of the work it starts, and logged in the
transparency log as received; each extension and the outcome are logged too. Operators list
what is due or overdue (``tellonce rights list --overdue``), extend a complex request by up
to two further months with a reason, and stop the clock while they check identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tellonce.domain.errors import Conflict, NotFound
from tellonce.domain.rights import (
    Outcome,
    Pause,
    RequestState,
    RightKind,
    check_extension,
    due_date,
)
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.rights import RightsRequestRecord
from tellonce.service_layer.transparency.entries import (
    record_rights_extended,
    record_rights_request,
)

# A request's day of receipt is the day in the UK, where the citizen made it.
UK = ZoneInfo("Europe/London")
ALREADY_CLOSED = "This request has already been answered"
NOT_PAUSED = "This request is not waiting for proof of identity"
ALREADY_PAUSED = "This request is already waiting for proof of identity"


def uk_day(moment: datetime) -> date:
    return moment.astimezone(UK).date()


def _due(request: RightsRequestRecord) -> date | None:
    return due_date(
        uk_day(request.received_at),
        extension_months=request.extension_months,
        pauses=request.pauses,
    )


def open_request(
    uow: UnitOfWork, vault: Vault, *, account: Account, kind: RightKind, now: datetime
) -> RightsRequestRecord:
    """Record a request received now, with its deadline, and log it (in the caller's
    transaction)."""
    request = RightsRequestRecord(
        id=uuid.uuid4(),
        account_id=account.id,
        person_id=account.person_id,
        kind=kind.value,
        state=RequestState.OPEN.value,
        received_at=now,
        due_on=due_date(uk_day(now)),
    )
    uow.rights.add(request)
    record_rights_request(
        uow, vault, person_id=account.person_id, request=kind, now=now, due=request.due_on
    )
    return request


def close_request(
    uow: UnitOfWork,
    vault: Vault,
    request: RightsRequestRecord,
    *,
    outcome: Outcome,
    now: datetime,
    limits: Sequence[Mapping[str, Any]] = (),
) -> RightsRequestRecord:
    """Record the outcome and log it, with the DPV codes of any refusal or limit."""
    closed = replace(
        request,
        state=RequestState.CLOSED.value,
        outcome=outcome.value,
        limits=tuple(limits),
        closed_at=now,
    )
    uow.rights.save(closed)
    record_rights_request(
        uow,
        vault,
        person_id=request.person_id,
        request=RightKind(request.kind),
        now=now,
        outcome=outcome.value,
        reasons=[str(limit["dpv"]) for limit in limits],
    )
    return closed


def extend_request(
    request_id: uuid.UUID,
    *,
    months: int,
    reason: str,
    uow: UnitOfWork,
    vault: Vault,
    clock: Clock,
) -> RightsRequestRecord:
    """Take up to two further months (in all) for a complex request, saying why."""
    now = clock.now()
    with uow:
        request = _open(uow, request_id)
        check_extension(request.extension_months, months, reason)
        extended = replace(
            request,
            extension_months=request.extension_months + months,
            extension_reason=reason.strip(),
        )
        extended = replace(extended, due_on=_due(extended))
        uow.rights.save(extended)
        if extended.due_on is not None:  # logged with the deadline it now has
            record_rights_extended(
                uow,
                vault,
                person_id=request.person_id,
                request=RightKind(request.kind),
                now=now,
                months=extended.extension_months,
                due=extended.due_on,
            )
        uow.commit()
    return extended


def pause_request(request_id: uuid.UUID, *, uow: UnitOfWork, clock: Clock) -> RightsRequestRecord:
    """Stop the clock: the hub is waiting for proof of the requester's identity."""
    today = uk_day(clock.now())
    with uow:
        request = _open(uow, request_id)
        if request.state == RequestState.PAUSED.value:
            raise Conflict(ALREADY_PAUSED)
        paused = replace(
            request,
            state=RequestState.PAUSED.value,
            pauses=(*request.pauses, Pause(today)),
            due_on=None,
        )
        uow.rights.save(paused)
        uow.commit()
    return paused


def resume_request(request_id: uuid.UUID, *, uow: UnitOfWork, clock: Clock) -> RightsRequestRecord:
    """Start the clock again: identity is confirmed. The days paused do not count."""
    today = uk_day(clock.now())
    with uow:
        request = _open(uow, request_id)
        if request.state != RequestState.PAUSED.value:
            raise Conflict(NOT_PAUSED)
        *done, last = request.pauses
        resumed = replace(
            request, state=RequestState.OPEN.value, pauses=(*done, Pause(last.start, today))
        )
        resumed = replace(resumed, due_on=_due(resumed))
        uow.rights.save(resumed)
        uow.commit()
    return resumed


def list_requests(
    *, overdue: bool, uow: UnitOfWork, clock: Clock, limit: int = 500
) -> list[RightsRequestRecord]:
    """Requests not yet answered, soonest due first; with ``overdue``, only those past
    their deadline (due before today, in the UK)."""
    today = uk_day(clock.now())
    with uow:
        return uow.rights.listing(overdue_on=today if overdue else None, limit=limit)


def requests_for_account(account: Account, *, uow: UnitOfWork) -> list[RightsRequestRecord]:
    with uow:
        return uow.rights.for_account(account.id)


def _open(uow: UnitOfWork, request_id: uuid.UUID) -> RightsRequestRecord:
    request = uow.rights.get(request_id)
    if request is None:
        raise NotFound("There is no rights request with that id")
    if request.state == RequestState.CLOSED.value:
        raise Conflict(ALREADY_CLOSED)
    return request
