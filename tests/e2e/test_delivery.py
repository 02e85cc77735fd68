"""Push delivery end to end: real loopback receivers verifying Standard Webhooks signatures."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import delivery_attempts, delivery_queue
from tellonce.bootstrap import Hub
from tellonce.domain.backoff import RetrySchedule
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.delivery import replay_dead_letters
from tellonce.service_layer.endpoints import enable_endpoint, rotate_secret
from tests.fakes import FakeClock
from tests.support.delivery import connect, report_of, run_rounds, states, submit_move

FAST = RetrySchedule.from_spec("1s,1s,1s", jitter=0)


@pytest.fixture
def receiver() -> Iterator[ReceiverServer]:
    with ReceiverServer() as server:
        yield server


def advance(hub: Hub, seconds: float) -> None:
    assert isinstance(hub.clock, FakeClock)
    hub.clock.advance(timedelta(seconds=seconds))


def test_every_disclosure_is_delivered_once_with_only_its_fields(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    report = submit_move(client)
    connect(hub, receiver)
    [first] = run_rounds(hub)
    assert first.claimed == first.delivered == 5
    assert run_rounds(hub)[0].claimed == 0  # nothing left, nothing sent twice
    delivered = receiver.state.delivered()
    assert Counter(r.webhook_id for r in delivered).most_common(1)[0][1] == 1
    assert receiver.state.rejected == []
    by_path = {r.path: r.event for r in delivered}
    manchester = by_path["manchester-council-tax"]
    assert manchester["specversion"] == "1.0"
    assert manchester["type"] == "uk.tellonce.disclosure.change-of-address"
    assert manchester["data"]["payload"]["previous_address"] == {"postcode": "LS6 2AB"}
    assert set(manchester["data"]["payload"]) == {
        "person",
        "new_address",
        "move_date",
        "previous_address",
    }
    assert manchester["data"]["report_reference"] == report["reference"]
    assert manchester["id"] == manchester["subject"]
    dwp = by_path["dwp"]
    assert set(dwp["data"]["payload"]["person"]) == {"name", "national_insurance_number"}
    assert dwp["data"]["person_ref"] != manchester["data"]["person_ref"]  # unlinkable
    status = report_of(client, report["reference"])
    assert set(states(status).values()) == {"delivered"}
    assert all(d["timeline"]["delivered_at"] for d in status["disclosures"])


def test_a_retry_keeps_its_webhook_id_and_is_re_signed(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    receiver.state.behaviour = lambda _path, attempt: (503, {}) if attempt <= 2 else (200, {})
    report = submit_move(client)
    connect(hub, receiver, "dwp")
    assert run_rounds(hub, schedule=FAST)[0].retrying == 1
    assert states(report_of(client, report["reference"]))["dwp"] == "retrying"
    assert run_rounds(hub, schedule=FAST)[0].claimed == 0  # not due yet
    advance(hub, 2)
    run_rounds(hub, schedule=FAST)
    advance(hub, 2)
    assert run_rounds(hub, schedule=FAST)[0].delivered == 1
    ids = {r.webhook_id for r in receiver.state.received}
    assert len(ids) == 1 and len(receiver.state.received) == 3
    assert receiver.state.rejected == []  # every attempt's fresh signature verified
    with hub.engine.connect() as connection:
        codes = (
            connection.execute(
                sa.select(delivery_attempts.c.status_code).order_by(delivery_attempts.c.id)
            )
            .scalars()
            .all()
        )
    assert codes == [503, 503, 200]


def test_retry_after_is_honoured(client: TestClient, hub: Hub, receiver: ReceiverServer) -> None:
    receiver.state.behaviour = lambda _path, attempt: (
        (429, {"Retry-After": "120"}) if attempt == 1 else (200, {})
    )
    patient = dataclasses.replace(FAST, max_delay=timedelta(hours=1))  # caps Retry-After
    submit_move(client)
    connect(hub, receiver, "dwp")
    run_rounds(hub, schedule=patient)
    advance(hub, 60)
    assert run_rounds(hub, schedule=patient)[0].claimed == 0
    advance(hub, 61)
    assert run_rounds(hub, schedule=patient)[0].delivered == 1


def test_gone_disables_the_endpoint_until_re_enabled(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    receiver.state.behaviour = lambda _path, attempt: (410, {}) if attempt == 1 else (200, {})
    report = submit_move(client)
    connect(hub, receiver, "dwp")
    assert run_rounds(hub)[0].endpoint_disabled == 1
    assert states(report_of(client, report["reference"]))["dwp"] == "endpoint-disabled"
    advance(hub, 3600)
    assert run_rounds(hub)[0].claimed == 0  # waits, visible, while the endpoint is disabled
    assert enable_endpoint("dwp", uow=hub.uow(), clock=hub.clock) == 1
    assert run_rounds(hub)[0].delivered == 1
    assert states(report_of(client, report["reference"]))["dwp"] == "delivered"


def test_other_client_errors_dead_letter_at_once_and_replay_works(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    receiver.state.behaviour = lambda _path, attempt: (400, {}) if attempt == 1 else (200, {})
    report = submit_move(client)
    connect(hub, receiver, "dwp")
    assert run_rounds(hub)[0].dead_lettered == 1
    assert states(report_of(client, report["reference"]))["dwp"] == "dead-lettered"
    replayed = replay_dead_letters(None, uow=hub.uow(), clock=hub.clock)
    assert len(replayed) == 1
    assert run_rounds(hub)[0].delivered == 1
    assert states(report_of(client, report["reference"]))["dwp"] == "delivered"


def test_a_spent_schedule_dead_letters(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    receiver.state.behaviour = lambda _path, _attempt: (500, {})
    report = submit_move(client)
    connect(hub, receiver, "dwp")
    for _ in range(4):
        run_rounds(hub, schedule=FAST)
        advance(hub, 2)
    assert states(report_of(client, report["reference"]))["dwp"] == "dead-lettered"
    assert len(receiver.state.received) == 4  # the first try and three retries


def test_a_worker_killed_mid_batch_loses_nothing(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    submit_move(client)
    connect(hub, receiver)
    now = hub.clock.now()
    with hub.uow() as uow:  # a worker claims a batch... and dies before sending
        claimed = uow.deliveries.claim(now, "doomed", now + timedelta(minutes=2), 100)
        uow.commit()
    assert len(claimed) == 5
    assert run_rounds(hub, owner="survivor")[0].claimed == 0  # leased: nobody else takes them
    advance(hub, 121)
    assert run_rounds(hub, owner="survivor")[0].delivered == 5
    with hub.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(delivery_queue)).scalar() == 0
        )


def test_a_stale_worker_cannot_settle_rows_it_lost(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    submit_move(client)
    connect(hub, receiver, "dwp")
    now = hub.clock.now()
    with hub.uow() as uow:
        [message] = uow.deliveries.claim(now, "slow", now + timedelta(seconds=1), 10)
        uow.commit()
    advance(hub, 2)
    assert run_rounds(hub, owner="fast")[0].delivered == 1
    with hub.uow() as uow:  # the slow worker's late result changes nothing
        assert not uow.deliveries.finish([message.queue_id], "slow")


def test_secret_rotation_signs_with_both(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    submit_move(client)
    connect(hub, receiver, "dwp")
    old = receiver.state.secrets["dwp"]
    new = rotate_secret("dwp", timedelta(hours=1), uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    receiver.state.secrets["dwp"] = new.secret  # the recipient switches at once...
    assert run_rounds(hub)[0].delivered == 1
    assert receiver.state.rejected == []
    assert old != new.secret


def test_a_second_rotation_keeps_the_first_ones_promise(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    """The outside probe: a second rotate-secret within the first's overlap cut the old secret
    short. Now each rotation's promise is kept (ADR 0086)."""
    connect(hub, receiver, "dwp")
    rotate_secret("dwp", timedelta(hours=24), uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    rotate_secret("dwp", timedelta(hours=1), uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    # Three hours on, the recipient still verifies with the first secret only: it was promised
    # 24 hours, so pushes are still signed with it.
    advance(hub, 3 * 3600)
    submit_move(client)
    assert run_rounds(hub)[0].delivered == 1
    assert receiver.state.rejected == []
    # Once the 24 hours are over it no longer signs.
    advance(hub, 22 * 3600)
    submit_move(client)
    assert run_rounds(hub)[0].delivered == 0
    assert receiver.state.rejected != []


def test_sequences_count_per_person_and_recipient(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    submit_move(client)
    submit_move(client)
    connect(hub, receiver, "dwp", "dvla")
    run_rounds(hub)
    numbers: dict[str, list[int]] = {}
    for received in receiver.state.delivered():
        numbers.setdefault(received.path, []).append(received.event["data"]["sequence"])
        assert received.event["sequence"] == f"{received.event['data']['sequence']:020d}"
    # 1, 2 at each recipient: what one recipient sees says nothing about the others.
    assert {path: sorted(n) for path, n in numbers.items()} == {"dwp": [1, 2], "dvla": [1, 2]}


def test_acknowledging_cancels_a_push_still_waiting(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    from tellonce.service_layer.acknowledgement import acknowledge

    report = submit_move(client)
    connect(hub, receiver, "dwp")
    disclosure = next(d for d in report["disclosures"] if d["recipient"]["id"] == "dwp")
    acknowledge("dwp", [uuid.UUID(disclosure["id"])], uow=hub.uow(), clock=hub.clock)
    assert run_rounds(hub)[0].claimed == 0
    assert receiver.state.received == []


def delivered_entries(hub: Hub) -> int:
    from tellonce.adapters.database.schema import log_entries

    with hub.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(log_entries)
                .where(log_entries.c.kind == "disclosure-delivered")
            ).scalar_one()
        )


def test_first_delivery_is_written_to_the_transparency_log_once(
    client: TestClient, hub: Hub, receiver: ReceiverServer
) -> None:
    from tellonce.service_layer.feed import read_feed

    submit_move(client)
    connect(hub, receiver, "dwp")
    assert delivered_entries(hub) == 0
    run_rounds(hub)
    assert delivered_entries(hub) == 1  # pushed to DWP
    read_feed(
        "dwp",
        None,
        limit=10,
        unacknowledged_only=False,
        uow_factory=hub.uow,
        clock=hub.clock,
        events=hub.events,
    )
    assert delivered_entries(hub) == 1  # fetched again: already delivered, not logged again
    read_feed(
        "leeds-electoral",
        None,
        limit=10,
        unacknowledged_only=False,
        uow_factory=hub.uow,
        clock=hub.clock,
        events=hub.events,
    )
    assert delivered_entries(hub) == 2  # first fetched from the feed
