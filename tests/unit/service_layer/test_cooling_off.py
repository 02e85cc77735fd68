"""The fraud guard on changes of address (ADR 0088), on the fakes with an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tellonce.domain.disclosures import DisclosureState
from tellonce.domain.errors import Conflict, NotFound
from tellonce.service_layer.cooling_off import cancel_report
from tellonce.service_layer.delivery import DeliveryRound, DeliveryService, deliver_due
from tellonce.service_layer.disclosure_events import EventBuilder
from tellonce.service_layer.feed import read_feed
from tellonce.service_layer.identity import start_session
from tellonce.service_layer.processing_flags import lift_flag, set_flag
from tests.fakes import RecordingPusher
from tests.support.fake_world import World

from .conftest import HUB_URL

HOLD = timedelta(hours=24)


def feed_of(world: World, recipient_id: str) -> list[str]:
    page = read_feed(
        recipient_id,
        None,
        limit=50,
        unacknowledged_only=False,
        uow_factory=world.database.uow,
        clock=world.clock,
        events=EventBuilder(world.vault, HUB_URL),
    )
    return [event["id"] for event in page.events]


def held_messages(world: World) -> list[dict[str, str]]:
    return [
        dict(m.personalisation)
        for m in world.database.tables.citizen_messages.values()
        if m.template == "address-change-held"
    ]


def test_a_change_of_address_is_held_and_its_deadlines_count_from_the_end(world: World) -> None:
    now = world.clock.now()
    report = world.submit(cooling_off=HOLD)
    assert report.held_until == now + HOLD
    assert report.reporter_role == "self"
    tables = world.database.tables
    assert {q.due_at for q in tables.queue.values()} == {now + HOLD}
    assert all(
        d.acknowledge_by is not None and d.acknowledge_by > now + HOLD for d in report.disclosures
    )


def test_without_a_cooling_off_nothing_is_held(world: World) -> None:
    report = world.submit()
    assert report.held_until is None
    assert held_messages(world) == []


@pytest.mark.anyio
async def test_nothing_leaves_before_the_hold_ends_then_everything_does(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    report = world.submit(cooling_off=HOLD)
    leeds = next(d for d in report.disclosures if d.recipient_id == "leeds-electoral")
    world.clock.advance(HOLD - timedelta(seconds=1))
    assert await deliver_due(delivery) == DeliveryRound(claimed=0)
    assert feed_of(world, "leeds-electoral") == []
    assert pusher.sent == []
    world.clock.advance(timedelta(seconds=1))
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=2)
    assert feed_of(world, "leeds-electoral") == [str(leeds.id)]


def test_the_citizen_is_told_at_their_address_and_at_the_earlier_one(world: World) -> None:
    first = world.submit()  # an earlier report, not held: its address is on record
    world.clock.advance(timedelta(days=40))
    second = world.submit(cooling_off=HOLD)
    messages = held_messages(world)
    assert [m["reference"] for m in messages] == [second.reference, second.reference]
    assert [m.get("contact_reference") for m in messages] == [None, first.reference]
    assert all(m["held_until"] for m in messages)


@pytest.mark.anyio
async def test_a_cancelled_change_is_never_sent_and_is_logged(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    report = world.submit(cooling_off=HOLD)
    world.clock.advance(timedelta(hours=1))
    cancelled = cancel_report(
        report.reference,
        account=world.account,
        uow_factory=world.database.uow,
        vault=world.vault,
        clock=world.clock,
    )
    assert cancelled.cancelled_at == world.clock.now()
    assert {d.state for d in cancelled.disclosures} == {DisclosureState.CANCELLED.value}
    tables = world.database.tables
    assert tables.queue == {}  # the pushes are dropped
    kinds = [e.pending.kind for e in tables.log_entries]
    assert kinds.count("report-cancelled") == 1
    templates = [m.template for m in tables.citizen_messages.values()]
    assert "address-change-cancelled" in templates
    world.clock.advance(HOLD * 2)
    assert await deliver_due(delivery) == DeliveryRound(claimed=0)
    assert pusher.sent == []
    assert feed_of(world, "leeds-electoral") == []


def test_a_change_cannot_be_cancelled_twice_or_after_the_hold(world: World) -> None:
    report = world.submit(cooling_off=HOLD)
    other = world.submit(cooling_off=HOLD)

    def cancel(reference: str) -> None:
        cancel_report(
            reference,
            account=world.account,
            uow_factory=world.database.uow,
            vault=world.vault,
            clock=world.clock,
        )

    cancel(report.reference)
    with pytest.raises(Conflict, match="already been cancelled"):
        cancel(report.reference)
    world.clock.advance(HOLD)
    with pytest.raises(Conflict, match="no longer be cancelled"):
        cancel(other.reference)


def test_a_report_that_was_never_held_cannot_be_cancelled(world: World) -> None:
    report = world.submit()
    with pytest.raises(Conflict):
        cancel_report(
            report.reference,
            account=world.account,
            uow_factory=world.database.uow,
            vault=world.vault,
            clock=world.clock,
        )


def test_nobody_else_can_cancel_a_report(world: World) -> None:
    report = world.submit(cooling_off=HOLD)
    stranger = start_session(
        "test",
        "someone-else",
        uow_factory=world.database.uow,
        vault=world.vault,
        clock=world.clock,
        lifetime=timedelta(hours=1),
    ).account
    with pytest.raises(NotFound):
        cancel_report(
            report.reference,
            account=stranger,
            uow_factory=world.database.uow,
            vault=world.vault,
            clock=world.clock,
        )


def test_lifting_an_objection_during_the_hold_does_not_send_early(world: World) -> None:
    set_flag(
        "objection",
        account=world.account,
        uow=world.database.uow(),
        vault=world.vault,
        clock=world.clock,
    )
    report = world.submit(cooling_off=HOLD)
    assert report.held_until is not None
    world.clock.advance(timedelta(hours=1))
    lifted = lift_flag(
        "objection", account=world.account, uow=world.database.uow(), clock=world.clock
    )
    assert lifted.held
    dwp = next(d for d in report.disclosures if d.recipient_id == "dwp")
    tables = world.database.tables
    assert {q.due_at for q in tables.queue.values() if q.disclosure_id == dwp.id} == {
        report.held_until
    }
