"""deliver_due and chase_overdue on the fakes, with a recording pusher for receivers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.service_layer.delivery import (
    DeliveryRound,
    DeliveryService,
    chase_overdue,
    deliver_due,
    replay_dead_letters,
    stuck_deliveries,
)
from tellonce.service_layer.endpoints import enable_endpoint
from tests.fakes import RecordingPusher
from tests.support.fake_world import World


def states(world: World) -> dict[str, str]:
    return {d.recipient_id: d.state for d in world.database.tables.disclosures.values()}


@pytest.mark.anyio
async def test_due_disclosures_are_pushed_signed_and_recorded(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    report = world.submit()
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=2)
    sent = {w.url.rsplit("/", 1)[-1]: w for w in pusher.sent}
    assert set(sent) == {"dwp", "dvla"}  # the councils have no endpoint: they wait
    event = json.loads(sent["dwp"].body)
    dwp = next(d for d in report.disclosures if d.recipient_id == "dwp")
    assert sent["dwp"].message_id == event["id"] == str(dwp.id)
    assert set(event["data"]["payload"]) == {"person", "new_address"}  # its agreed fields only
    assert all(len(w.secrets) == 1 for w in pusher.sent)
    tables = world.database.tables
    assert states(world)["dwp"] == states(world)["dvla"] == "delivered"
    assert [a.verdict for a in tables.attempts] == ["delivered", "delivered"]
    assert {tables.disclosures[q.disclosure_id].recipient_id for q in tables.queue.values()} == {
        "leeds-council-tax",
        "manchester-council-tax",
        "leeds-electoral",
    }
    delivered = [e.pending.kind for e in tables.log_entries].count("disclosure-delivered")
    assert delivered == 2
    assert await deliver_due(delivery) == DeliveryRound(claimed=0)


@pytest.mark.anyio
async def test_a_failing_receiver_is_retried_on_schedule_with_the_same_id(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    pusher.behaviour = lambda _, attempt: (503 if attempt == 1 else 204, {})
    world.submit()
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, retrying=2)
    assert states(world)["dwp"] == DisclosureState.RETRYING
    assert await deliver_due(delivery) == DeliveryRound(claimed=0)  # not due for 5 seconds
    world.clock.advance(timedelta(seconds=5))
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=2)
    assert states(world)["dwp"] == DisclosureState.DELIVERED
    assert len({w.message_id for w in pusher.sent}) == 2  # two disclosures, one id each


@pytest.mark.anyio
async def test_a_refusal_is_dead_lettered_until_replayed(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    pusher.behaviour = lambda _, attempt: (400 if attempt == 1 else 204, {})
    world.submit()
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, dead_lettered=2)
    uow = world.database.uow
    assert {r.recipient_id for r in stuck_deliveries(uow=uow())} == {"dwp", "dvla"}
    assert states(world)["dwp"] == DisclosureState.DEAD_LETTERED
    assert len(replay_dead_letters(None, uow=uow(), clock=world.clock)) == 2
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=2)
    assert stuck_deliveries(uow=uow()) == []


@pytest.mark.anyio
async def test_410_gone_disables_the_endpoint_and_parks_its_messages(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    pusher.behaviour = lambda path, _: (410 if path == "dwp" else 204, {})
    world.submit()
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=1, endpoint_disabled=1)
    assert world.database.tables.recipients["dwp"].endpoint_state == "disabled"
    assert states(world)["dwp"] == DisclosureState.ENDPOINT_DISABLED
    world.clock.advance(timedelta(days=1))
    assert await deliver_due(delivery) == DeliveryRound(claimed=0)


def dwp_states(world: World) -> list[str]:
    return sorted(
        d.state for d in world.database.tables.disclosures.values() if d.recipient_id == "dwp"
    )


@pytest.mark.anyio
async def test_after_a_410_every_waiting_push_says_endpoint_disabled_until_enabled(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    # Report A's push fails once and waits to retry; report B's gets 410 Gone meanwhile.
    pusher.behaviour = lambda path, _attempt: (
        (503 if len(pusher.sent) <= 2 else 410) if path == "dwp" else 204,
        {},
    )
    world.submit()
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=1, retrying=1)
    world.submit()
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=1, endpoint_disabled=1)
    # A's push was not in that batch: it waits too, and says why (reliability.md, finding 6).
    assert dwp_states(world) == [DisclosureState.ENDPOINT_DISABLED] * 2
    world.submit()  # a report made while the endpoint is disabled says so from the start
    assert dwp_states(world) == [DisclosureState.ENDPOINT_DISABLED] * 3
    world.clock.advance(timedelta(days=1))  # only C's push to DVLA is sent
    assert await deliver_due(delivery) == DeliveryRound(claimed=1, delivered=1)
    pusher.behaviour = lambda _, __: (204, {})
    enable_endpoint("dwp", uow=world.database.uow(), clock=world.clock)
    assert dwp_states(world) == [DisclosureState.QUEUED] * 3
    assert await deliver_due(delivery) == DeliveryRound(claimed=3, delivered=3)


@pytest.mark.anyio
async def test_a_worker_that_lost_its_lease_does_not_settle(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    world.submit()
    with world.database.uow() as uow:  # another worker took the batch and its lease lapsed
        now = world.clock.now()
        uow.deliveries.claim(now, "worker-0", now + timedelta(seconds=1), 10)
        uow.commit()
    assert await deliver_due(delivery) == DeliveryRound(claimed=0)
    world.clock.advance(timedelta(seconds=2))
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=2)
    assert world.database.tables.attempts[0].message_id == pusher.sent[0].message_id


@pytest.mark.anyio
async def test_an_overdue_disclosure_is_chased_by_push_by_email_and_the_citizen_told(
    world: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    world.submit()
    await deliver_due(delivery)
    world.clock.advance(timedelta(days=30))
    assert chase_overdue(delivery) == 5
    tables = world.database.tables
    reminders = [q for q in tables.queue.values() if q.kind == QueueKind.OVERDUE]
    assert {tables.disclosures[q.disclosure_id].recipient_id for q in reminders} == {
        "dwp",
        "dvla",
    }  # only recipients with an endpoint are pushed reminders
    assert len(tables.recipient_messages) == 5  # every catalogue contact is emailed
    assert [m.template for m in tables.citizen_messages.values()] == ["disclosure-overdue"] * 5
    assert states(world)["dwp"] == DisclosureState.OVERDUE
    assert await deliver_due(delivery) == DeliveryRound(claimed=2, delivered=2)
    overdue = json.loads(pusher.sent[-1].body)
    assert overdue["id"] != overdue["subject"]  # a new id per reminder, about the disclosure
