"""The recipient console's use cases (ADR 0091): a recipient's staff read their disclosures
and act on them through the same use cases as the API (acknowledge, report an outcome, set
an endpoint, rotate a secret, issue and revoke keys), and only ever their own organisation's.

Each function takes the signed-in ``StaffMember`` and derives the recipient from it: no
caller can name another organisation. Actions that change what recipients receive or what
citizens see are logged as hub actions (ADR 0093), in the transaction of the change: the
reused use cases take the actor and write the entry themselves, only when something changed
(ADR 0078). Issuing and revoking API keys still log in a second transaction, just after
(service_layer/identity.py is being changed on its own branch).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tellonce.domain.catalogue import Agreement
from tellonce.domain.errors import FieldProblem, InvalidInput, NotFound
from tellonce.service_layer import acknowledgement, endpoints, identity
from tellonce.service_layer.disclosure_events import EventBuilder
from tellonce.service_layer.hub_actions import actor_of, record_hub_action
from tellonce.service_layer.ports import Clock, Endpoint, Vault
from tellonce.service_layer.ports.console import (
    ApiKey,
    Attempt,
    ConsoleUnitOfWorkFactory,
    InboxQuery,
    InboxRow,
    StaffMember,
)
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.endpoints import DestinationCheck
from tellonce.service_layer.staff import MANAGER, RECIPIENT_ROLES, require

PAGE_SIZE = 25
MAX_EXPORT = 500
ROTATION_OVERLAP = timedelta(hours=24)


def recipient_of(member: StaffMember) -> str:
    require(member, *RECIPIENT_ROLES)
    assert member.recipient_id is not None  # recipients' roles always have one
    return member.recipient_id


def _log(
    uow_factory: ConsoleUnitOfWorkFactory,
    member: StaffMember,
    action: str,
    now: datetime,
    subject: dict[str, Any] | None = None,
) -> None:
    with uow_factory() as uow:
        record_hub_action(uow, member, action, now, subject)
        uow.commit()


@dataclass(frozen=True, slots=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    offset: int
    limit: int


def inbox(
    member: StaffMember,
    query: InboxQuery,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> InboxPage:
    # Whatever the form said, the recipient is the member's own.
    own = InboxQuery(
        recipient_of(member),
        query.event_type,
        query.state,
        query.overdue_only,
        query.since,
        query.until,
        query.newest_first,
        max(query.offset, 0),
        min(max(query.limit, 1), 100),
    )
    with uow_factory() as uow:
        rows, total = uow.console.inbox(own, clock.now())
    return InboxPage(rows, total, own.offset, own.limit)


@dataclass(frozen=True, slots=True)
class OpenedDisclosure:
    record: DisclosureRecord
    agreement: Agreement
    payload: dict[str, Any]  # exactly the agreed fields, as the API and webhooks send them


def _open(
    uow_factory: ConsoleUnitOfWorkFactory,
    events: EventBuilder,
    recipient_id: str,
    ids: Sequence[uuid.UUID],
) -> list[OpenedDisclosure]:
    with uow_factory() as uow:
        records = uow.console.records(recipient_id, ids)
        agreements = [events.agreement(uow, record) for record in records]
    opened = []
    for record, agreement in zip(records, agreements, strict=True):
        event = events.event(record)  # the same minimisation as push and feed
        opened.append(OpenedDisclosure(record, agreement, dict(event["data"]["payload"])))
    return opened


def open_disclosure(
    member: StaffMember,
    disclosure_id: uuid.UUID,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    events: EventBuilder,
) -> OpenedDisclosure:
    found = _open(uow_factory, events, recipient_of(member), [disclosure_id])
    if not found or found[0].record.state == "withdrawn":
        raise NotFound("There is no disclosure with that id for your organisation")
    return found[0]


def acknowledge(
    member: StaffMember,
    disclosure_ids: Sequence[uuid.UUID],
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> int:
    if not disclosure_ids:
        raise InvalidInput([FieldProblem(("disclosures",), "Select at least one disclosure")])
    # Citizens see it (their tracking page, a message): logged, as how many, never which.
    done = acknowledgement.acknowledge(
        recipient_of(member),
        list(disclosure_ids),
        uow=uow_factory(),
        clock=clock,
        actor=actor_of(member),
    )
    return len(done)


def record_outcome(
    member: StaffMember,
    disclosure_id: uuid.UUID,
    outcome: str,
    reason: str,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
) -> None:
    if len(reason) > 500:
        raise InvalidInput(
            [FieldProblem(("reason",), "The reason must be 500 characters or fewer")]
        )
    acknowledgement.report_outcome(
        recipient_of(member),
        disclosure_id,
        outcome,
        reason.strip() or None,
        uow=uow_factory(),
        vault=vault,
        clock=clock,
        actor=actor_of(member),
    )


def export(
    member: StaffMember,
    disclosure_ids: Sequence[uuid.UUID],
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    events: EventBuilder,
    clock: Clock,
) -> list[OpenedDisclosure]:
    """The selected disclosures to export; the export itself is logged (how many, not whom)."""
    if not disclosure_ids:
        raise InvalidInput([FieldProblem(("disclosures",), "Select at least one disclosure")])
    if len(disclosure_ids) > MAX_EXPORT:
        raise InvalidInput(
            [FieldProblem(("disclosures",), f"Export at most {MAX_EXPORT} disclosures at once")]
        )
    opened = [
        o
        for o in _open(uow_factory, events, recipient_of(member), disclosure_ids)
        if o.record.state != "withdrawn"
    ]
    _log(uow_factory, member, "disclosures-exported", clock.now(), {"count": len(opened)})
    return opened


@dataclass(frozen=True, slots=True)
class Settings:
    endpoint: Endpoint | None
    attempts: list[Attempt]
    failure_rate: float | None  # of the recent attempts; None if there were none
    last_error: Attempt | None
    keys: list[ApiKey]
    staff: list[StaffMember]


def settings(member: StaffMember, *, uow_factory: ConsoleUnitOfWorkFactory) -> Settings:
    require(member, MANAGER)
    recipient_id = recipient_of(member)
    with uow_factory() as uow:
        endpoint = uow.endpoints.get(recipient_id)
        attempts = uow.console.attempts(recipient_id, 20)
        keys = uow.console.api_keys(recipient_id)
        staff = uow.staff.of_recipient(recipient_id)
    failed = [a for a in attempts if a.verdict != "delivered"]
    return Settings(
        endpoint=endpoint,
        attempts=attempts,
        failure_rate=len(failed) / len(attempts) if attempts else None,
        last_error=failed[0] if failed else None,
        keys=keys,
        staff=staff,
    )


def set_endpoint(
    member: StaffMember,
    url: str,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
    destinations: DestinationCheck,
) -> str:
    """Point pushes at ``url`` with a fresh secret (shown once), refused now if the sender
    would refuse it (the same check as ``tellonce recipients set-endpoint``)."""
    require(member, MANAGER)
    if not url.strip():
        raise InvalidInput([FieldProblem(("url",), "Enter the URL of your webhook endpoint")])
    chosen = endpoints.set_endpoint(
        recipient_of(member),
        url.strip(),
        None,
        uow=uow_factory(),
        vault=vault,
        clock=clock,
        destinations=destinations,
        actor=actor_of(member),
    )
    return chosen.secret


def rotate_secret(
    member: StaffMember,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
) -> str:
    require(member, MANAGER)
    chosen = endpoints.rotate_secret(
        recipient_of(member),
        ROTATION_OVERLAP,
        uow=uow_factory(),
        vault=vault,
        clock=clock,
        actor=actor_of(member),
    )
    return chosen.secret


def create_key(
    member: StaffMember,
    environment: str,
    label: str,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> identity.IssuedKey:
    require(member, MANAGER)
    if environment not in identity.KEY_PREFIXES:
        raise InvalidInput([FieldProblem(("environment",), "Select live or test")])
    if len(label) > 100:
        raise InvalidInput([FieldProblem(("label",), "The label must be 100 characters or fewer")])
    return identity.create_recipient_key(
        recipient_of(member),
        environment,
        label.strip() or None,
        uow=uow_factory(),
        clock=clock,
        actor=actor_of(member),
    )


def revoke_key(
    member: StaffMember,
    prefix: str,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> None:
    require(member, MANAGER)
    with uow_factory() as uow:
        owner = uow.console.key_recipient(prefix)
    if owner != recipient_of(member):
        raise NotFound("Your organisation has no API key with that prefix")
    identity.revoke_recipient_key(prefix, uow=uow_factory(), clock=clock, actor=actor_of(member))
