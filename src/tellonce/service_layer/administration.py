"""The hub's administration (operators only): the catalogue in force and its history,
four-eyes changes to it (ADR 0092), and delivery operations. Every change is logged as a hub
action (ADR 0093); a published agreement version is also logged as the YAML path logs it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from tellonce.domain.areas import Area, Nation
from tellonce.domain.catalogue import Catalogue, Channel, Recipient, RecipientKind
from tellonce.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tellonce.domain.events import UnknownEventType, model_for
from tellonce.domain.payload_fields import model_field_paths
from tellonce.service_layer import delivery, endpoints
from tellonce.service_layer.catalogue import publish_if_changed
from tellonce.service_layer.hub_actions import actor_of, record_hub_action
from tellonce.service_layer.ports import Clock
from tellonce.service_layer.ports.console import (
    AgreementVersion,
    ConsoleUnitOfWork,
    ConsoleUnitOfWorkFactory,
    Proposal,
    QueueDepth,
    StaffMember,
)
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.rights import RightsRequestRecord
from tellonce.service_layer.rights_requests import list_requests, uk_day
from tellonce.service_layer.staff import OPERATOR, Forbidden, require

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"


@dataclass(frozen=True, slots=True)
class CatalogueState:
    catalogue: Catalogue
    history: list[AgreementVersion]
    proposals: list[Proposal]


def catalogue_state(
    member: StaffMember, *, uow_factory: ConsoleUnitOfWorkFactory
) -> CatalogueState:
    require(member, OPERATOR)
    with uow_factory() as uow:
        return CatalogueState(
            uow.catalogue.current(), uow.console.agreement_history(), uow.proposals.all(100)
        )


@dataclass(frozen=True, slots=True)
class AgreementChange:
    """What the administration's form may change in an agreement; the YAML catalogue stays
    the source for everything else (lawful basis, gateway, questions)."""

    title: str
    purpose: str
    retention: str
    fields: Mapping[str, tuple[str, ...]]


def _check_fields(fields: Mapping[str, tuple[str, ...]]) -> list[FieldProblem]:
    problems = []
    if not fields:
        problems.append(FieldProblem(("fields",), "Give at least one event type and its fields"))
    for event_type, paths in fields.items():
        try:
            known = model_field_paths(model_for(event_type))
        except UnknownEventType:
            problems.append(FieldProblem(("fields",), f"{event_type} is not a life event"))
            continue
        unknown = sorted(set(paths) - known)
        if unknown or not paths:
            problems.append(
                FieldProblem(
                    ("fields",), f"{event_type} has no field {', '.join(unknown) or '(none given)'}"
                )
            )
    return problems


def propose_agreement_change(
    member: StaffMember,
    agreement_id: str,
    change: AgreementChange,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> uuid.UUID:
    require(member, OPERATOR)
    problems = _check_fields(change.fields)
    for name, value in (
        ("title", change.title),
        ("purpose", change.purpose),
        ("retention", change.retention),
    ):
        if not value.strip() or len(value) > 500:
            problems.append(FieldProblem((name,), f"Enter the {name} (up to 500 characters)"))
    if problems:
        raise InvalidInput(problems)
    now = clock.now()
    with uow_factory() as uow:
        current = {a.id: a for a in uow.catalogue.current().agreements}.get(agreement_id)
        if current is None:
            raise NotFound(f"There is no agreement {agreement_id!r} in force")
        proposed = replace(
            current,
            title=change.title.strip(),
            purpose=replace(current.purpose, description=change.purpose.strip()),
            retention=change.retention.strip(),
            fields=dict(change.fields),
        )
        if proposed.content_digest() == current.content_digest():
            raise InvalidInput([FieldProblem(("title",), "Change something before proposing")])
        proposal = _proposal("agreement", agreement_id, member, now, f"Change {current.title}")
        uow.proposals.add(replace(proposal, agreement=proposed))
        record_hub_action(uow, member, "change-proposed", now, {"agreement": agreement_id})
        uow.commit()
    return proposal.id


def _proposal(
    kind: str, subject: str, member: StaffMember, now: datetime, summary: str
) -> Proposal:
    return Proposal(
        uuid.uuid4(), kind, subject, None, None, summary[:500], PROPOSED, member.id, now, None, None
    )


def propose_recipient(
    member: StaffMember,
    recipient: Recipient,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> uuid.UUID:
    require(member, OPERATOR)
    now = clock.now()
    with uow_factory() as uow:
        if recipient.id in uow.catalogue.current().recipients:
            raise InvalidInput([FieldProblem(("id",), "A recipient with that id already exists")])
        proposal = _proposal("recipient", recipient.id, member, now, f"Add {recipient.name}")
        uow.proposals.add(replace(proposal, recipient=recipient))
        record_hub_action(uow, member, "change-proposed", now, {"recipient": recipient.id})
        uow.commit()
    return proposal.id


def new_recipient(
    recipient_id: str, name: str, controller: str, kind: str, channel: str, nations: Sequence[str]
) -> Recipient:
    """A recipient from the administration's form, or every problem with it."""
    problems = []
    if (
        not recipient_id
        or len(recipient_id) > 64
        or not all(c.isalnum() or c == "-" for c in recipient_id)
    ):
        problems.append(FieldProblem(("id",), "Enter an id of letters, digits and hyphens"))
    if not name.strip():
        problems.append(FieldProblem(("name",), "Enter the name of the recipient"))
    if not controller.strip():
        problems.append(FieldProblem(("controller",), "Enter the data controller"))
    if kind not in set(RecipientKind):
        problems.append(FieldProblem(("kind",), "Select the kind of organisation"))
    if channel not in set(Channel):
        problems.append(FieldProblem(("channel",), "Select how it receives disclosures"))
    if not nations or not set(nations) <= set(Nation):
        problems.append(FieldProblem(("nations",), "Select the nations it serves"))
    if problems:
        raise InvalidInput(problems)
    return Recipient(
        id=recipient_id.strip(),
        name=name.strip(),
        controller=controller.strip(),
        kind=RecipientKind(kind),
        area=Area.build(nations=nations),
        channel=Channel(channel),
    )


def propose_retirement(
    member: StaffMember, agreement_id: str, *, uow_factory: ConsoleUnitOfWorkFactory, clock: Clock
) -> uuid.UUID:
    require(member, OPERATOR)
    now = clock.now()
    with uow_factory() as uow:
        if agreement_id not in uow.catalogue.published_versions():
            raise NotFound(f"There is no agreement {agreement_id!r} in force")
        proposal = _proposal("retirement", agreement_id, member, now, f"Retire {agreement_id}")
        uow.proposals.add(proposal)
        record_hub_action(uow, member, "change-proposed", now, {"retire": agreement_id})
        uow.commit()
    return proposal.id


def decide(
    member: StaffMember,
    proposal_id: uuid.UUID,
    *,
    approve: bool,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> str | None:
    """Approve (and apply) or reject a proposal. Four-eyes: the operator who proposed a change
    can never approve it. The version published, if any, as "agreement-id vN"."""
    require(member, OPERATOR)
    now = clock.now()
    published = None
    with uow_factory() as uow:
        proposal = uow.proposals.get(proposal_id)  # locked: two approvers cannot both apply it
        if proposal is None:
            raise NotFound("There is no such proposal")
        if proposal.state != PROPOSED:
            raise Conflict("This proposal has already been decided")
        if approve and proposal.proposed_by == member.id:
            raise Forbidden("You proposed this change: another operator must approve it")
        if approve:
            published = _apply(uow, member, proposal, now)
        uow.proposals.decide(proposal_id, APPROVED if approve else REJECTED, member.id, now)
        action = "change-approved" if approve else "change-rejected"
        record_hub_action(uow, member, action, now, {"proposal": str(proposal_id)})
        uow.commit()
    return published


def _apply(
    work: ConsoleUnitOfWork, member: StaffMember, proposal: Proposal, now: datetime
) -> str | None:
    if proposal.agreement is not None:
        version = publish_if_changed(
            work, proposal.agreement, work.catalogue.published_versions(), now
        )
        return None if version is None else f"{proposal.agreement.id} v{version}"
    if proposal.recipient is not None:
        work.catalogue.save_recipient(proposal.recipient, now)
        return None
    if proposal.kind == "retirement":
        work.catalogue.retire(proposal.subject_id, now)
        record_hub_action(
            work, member, "agreement-retired", now, {"agreement": proposal.subject_id}
        )
    return None


@dataclass(frozen=True, slots=True)
class DeliveryOverview:
    depths: list[QueueDepth]
    stuck: list[DisclosureRecord]
    escalated: list[DisclosureRecord]


def delivery_overview(
    member: StaffMember, *, uow_factory: ConsoleUnitOfWorkFactory, clock: Clock
) -> DeliveryOverview:
    require(member, OPERATOR)
    with uow_factory() as uow:
        depths = uow.console.queue_depths(clock.now())
    return DeliveryOverview(
        depths,
        delivery.stuck_deliveries(uow=uow_factory()),
        delivery.escalated_disclosures(uow=uow_factory()),
    )


def replay(
    member: StaffMember,
    recipient_id: str,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> int:
    """Replay one recipient's dead letters (never everyone's by accident)."""
    require(member, OPERATOR)
    ids = [
        r.id for r in delivery.stuck_deliveries(uow=uow_factory()) if r.recipient_id == recipient_id
    ]
    if not ids:
        return 0  # nothing changed: nothing logged
    replayed = delivery.replay_dead_letters(
        ids, uow=uow_factory(), clock=clock, actor=actor_of(member), recipient_id=recipient_id
    )
    return len(replayed)


def set_endpoint_enabled(
    member: StaffMember,
    recipient_id: str,
    enabled: bool,
    *,
    uow_factory: ConsoleUnitOfWorkFactory,
    clock: Clock,
) -> None:
    require(member, OPERATOR)
    if enabled:  # logged by the use case, in its transaction (ADR 0078)
        endpoints.enable_endpoint(
            recipient_id, uow=uow_factory(), clock=clock, actor=actor_of(member)
        )
        return
    now = clock.now()
    with uow_factory() as uow:
        endpoint = uow.endpoints.get(recipient_id)
        if endpoint is None or endpoint.url is None:
            raise NotFound(f"Recipient {recipient_id!r} has no push endpoint")
        # The worker claims only enabled endpoints' pushes: they wait, none is lost.
        uow.endpoints.disable(recipient_id, now)
        record_hub_action(uow, member, "endpoint-disabled", now, {"recipient": recipient_id})
        uow.commit()


@dataclass(frozen=True, slots=True)
class RightsOverview:
    """Citizens' rights requests not yet answered, soonest due first, for operators: kinds,
    dates and ids only (docs/rights.md); ``today`` is the UK day deadlines are read against."""

    requests: list[RightsRequestRecord]
    overdue: list[RightsRequestRecord]
    today: date


def rights_overview(
    member: StaffMember, *, uow_factory: ConsoleUnitOfWorkFactory, clock: Clock
) -> RightsOverview:
    require(member, OPERATOR)
    requests = list_requests(overdue=False, uow=uow_factory(), clock=clock)
    today = uk_day(clock.now())
    overdue = [r for r in requests if r.due_on is not None and r.due_on < today]
    return RightsOverview(requests, overdue, today)
