"""The repository behaviours the use cases rely on, held on the in-memory fakes, SQLite and
PostgreSQL alike: a fake that passes these can stand in for the database in unit tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tellonce.adapters.database.schema import metadata
from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
from tellonce.domain.delivery_queue import ABOUT_THE_DATA, QueueKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.ports.deliveries import AttemptRecord
from tellonce.service_layer.ports.identity import Account, RegistrarKey
from tellonce.service_layer.ports.messages import NewCitizenMessage
from tellonce.service_layer.ports.transparency import (
    LogQueueChanged,
    PendingLogEntry,
    StoredCheckpoint,
)
from tellonce.service_layer.ports.vault import PersonKey
from tests.factories import small_catalogue
from tests.fakes import FakeClock, FakeDatabase
from tests.support.databases import migrated_database
from tests.support.seeded import Factory, Seeded, push, queue, seed


@pytest.fixture(scope="module", params=["fake", "sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine | None]:
    if request.param == "fake":
        yield None
        return
    with migrated_database(request.param, tmp_path_factory.mktemp("contracts")) as engine:
        yield engine


@pytest.fixture
def uow(backend: sa.Engine | None) -> Iterator[Factory]:
    """A unit-of-work factory over an empty database of the backend under test."""
    if backend is None:
        database = FakeDatabase()
        yield database.uow
        return
    engine = backend
    yield lambda: SqlUnitOfWork(engine)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --- the unit of work -----------------------------------------------------------------------


def test_nothing_is_kept_without_commit(uow: Factory, clock: FakeClock) -> None:
    person = uuid.uuid4()
    key = PersonKey(uuid.uuid4(), "test1", b"wrapped")
    with uow() as u:
        u.people.add({person: key}, clock.now())
    with uow() as u:
        assert u.people.next_sequences([]) == []
        u.people.add({person: key}, clock.now())
        u.commit()
    with uow() as u:
        assert u.people.key_for(person) == key


def test_a_failure_inside_the_unit_of_work_rolls_everything_back(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    with pytest.raises(RuntimeError), uow() as u:
        u.disclosures.update(seeded.disclosures["dwp"].id, clock.now(), chases=3)
        raise RuntimeError
    with uow() as u:
        record = u.disclosures.get(seeded.disclosures["dwp"].id)
    assert record is not None
    assert record.chases == 0


# --- reports --------------------------------------------------------------------------------


def test_a_report_is_viewed_by_its_account_only_with_its_disclosures_by_recipient_name(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    with uow() as u:
        assert u.reports.references_taken([seeded.report.reference, "TX-NONE"]) == {
            seeded.report.reference
        }
        assert u.reports.view(seeded.report.reference, uuid.uuid4()) is None
        view = u.reports.view(seeded.report.reference, seeded.account.id)
        listed = u.reports.for_account(seeded.account.id, 10, 0)
    assert view is not None
    assert listed == [view]
    assert [d.recipient_id for d in view.disclosures] == ["dvla", "dwp", "leeds-electoral"]
    pushed = {d.recipient_id: d.pushed for d in view.disclosures}
    assert pushed == {"dvla": True, "dwp": True, "leeds-electoral": False}
    assert all(d.acknowledge_by == clock.now() + timedelta(days=10) for d in view.disclosures)


def test_sequences_increase_per_person_and_recipient(uow: Factory, clock: FakeClock) -> None:
    person = uuid.uuid4()
    with uow() as u:
        u.people.add({person: PersonKey(uuid.uuid4(), "test1", b"wrapped")}, clock.now())
        assert u.people.next_sequences([(person, ["b", "a"])]) == [[1, 1]]
        assert u.people.next_sequences([(person, ["a"])]) == [[2]]
        assert u.people.next_sequences([(person, ["b", "a"])]) == [[2, 3]]


def test_reports_in_one_batch_take_sequences_in_turn_and_once_per_recipient(
    uow: Factory, clock: FakeClock
) -> None:
    """A batch of reports (the registrars' bulk intake) takes its numbers in one go: reports
    about the same person number on from each other, in the batch's order; a report telling
    one recipient twice takes one number there."""
    person, other = uuid.uuid4(), uuid.uuid4()
    with uow() as u:
        u.people.add(
            {p: PersonKey(uuid.uuid4(), "test1", b"wrapped") for p in (person, other)}, clock.now()
        )
        assert u.people.next_sequences([(person, ["a"])]) == [[1]]
        taken = u.people.next_sequences(
            [(person, ["a", "b"]), (other, ["a"]), (person, ["b", "a", "b"]), (person, [])]
        )
        assert taken == [[2, 1], [1], [2, 3, 2], []]
        assert u.people.next_sequences([(other, ["a"]), (person, ["a"])]) == [[2], [4]]


def test_an_idempotency_key_is_claimed_once_then_replayed(uow: Factory, clock: FakeClock) -> None:
    now = clock.now()
    later, expires = now + timedelta(minutes=2), now + timedelta(days=1)
    with uow() as u:
        assert u.idempotency.claim("c", "k", "d1", now, later, expires).status == "claimed"
        assert u.idempotency.claim("c", "k", "d1", now, later, expires).status == "in-progress"
        assert u.idempotency.claim("c", "k", "d2", now, later, expires).status == "mismatch"
        u.idempotency.complete("c", "k", "TLO-AAAA-BBBB")
        replay = u.idempotency.claim("c", "k", "d1", now, later, expires)
        assert (replay.status, replay.report_reference) == ("replay", "TLO-AAAA-BBBB")
        u.idempotency.release("c", "k")  # completed keys stay
        assert u.idempotency.claim("c", "k", "d1", expires, later, expires).status == "claimed"


# --- the delivery queue ---------------------------------------------------------------------


def test_claims_take_due_messages_in_order_with_a_lease(uow: Factory, clock: FakeClock) -> None:
    seeded = seed(uow, clock)
    dwp, dvla = seeded.disclosures["dwp"], seeded.disclosures["dvla"]
    queue(uow, push(dvla), push(dwp, QueueKind.OVERDUE))
    now = clock.now()
    with uow() as u:
        claimed = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10)
        u.commit()
    assert [(m.disclosure.id, m.kind) for m in claimed] == [
        (dvla.id, QueueKind.DISCLOSURE),
        (dwp.id, QueueKind.OVERDUE),
    ]
    assert claimed[0].message_id == str(dvla.id)
    assert claimed[0].endpoint_url == "https://dvla.example/hooks"
    assert claimed[0].disclosure.report_reference == seeded.report.reference
    with uow() as u:
        assert u.deliveries.claim(now, "w2", now + timedelta(minutes=2), 10) == []
        assert u.deliveries.in_flight(dvla.id, now)
        assert not u.deliveries.in_flight(seeded.disclosures["leeds-electoral"].id, now)


def test_a_claim_can_skip_recipients(uow: Factory, clock: FakeClock) -> None:
    """What a worker that already has enough in flight for a recipient asks for."""
    seeded = seed(uow, clock)
    dwp, dvla = seeded.disclosures["dwp"], seeded.disclosures["dvla"]
    queue(uow, push(dvla), push(dwp))
    now = clock.now()
    with uow() as u:
        claimed = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10, {dvla.recipient_id})
        u.commit()
    assert [m.disclosure.id for m in claimed] == [dwp.id]
    with uow() as u:
        [later] = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10, ())
    assert later.disclosure.id == dvla.id


def test_a_lapsed_lease_passes_the_message_to_another_worker(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    queue(uow, push(seeded.disclosures["dwp"]))
    now = clock.now()
    with uow() as u:
        [first] = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10)
        u.commit()
    later = now + timedelta(minutes=3)
    with uow() as u:
        [second] = u.deliveries.claim(later, "w2", later + timedelta(minutes=2), 10)
        assert second.queue_id == first.queue_id
        assert u.deliveries.finish([first.queue_id], "w1") == set()  # not w1's any more
        assert not u.deliveries.reschedule(first.queue_id, "w1", later, 1)
        assert u.deliveries.reschedule(second.queue_id, "w2", later + timedelta(hours=1), 1)
        u.commit()
    with uow() as u:
        assert u.deliveries.claim(later, "w3", later + timedelta(minutes=2), 10) == []
        [again] = u.deliveries.claim(
            later + timedelta(hours=1), "w3", later + timedelta(hours=2), 10
        )
        assert again.attempts == 1
        assert u.deliveries.finish([again.queue_id], "w3") == {again.queue_id}
        assert u.deliveries.claim(later + timedelta(days=1), "w4", later, 10) == []


def ids(seeded: Seeded) -> list[uuid.UUID]:
    return [d.id for d in seeded.disclosures.values()]


def test_disabled_endpoints_are_not_claimed_until_released(uow: Factory, clock: FakeClock) -> None:
    seeded = seed(uow, clock)
    dwp = seeded.disclosures["dwp"]
    queue(uow, push(dwp))
    now = clock.now()
    with uow() as u:  # its waiting push says why it waits; nothing else changes
        assert u.endpoints.disable("dwp", now) == 1
        u.commit()
    with uow() as u:
        states = {d.recipient_id: d.state for d in map(u.disclosures.get, ids(seeded)) if d}
        assert states.pop("dwp") == DisclosureState.ENDPOINT_DISABLED
        assert set(states.values()) == {DisclosureState.QUEUED}
        assert u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10) == []
        assert [r.id for r in u.deliveries.stuck()] == [dwp.id]
        u.endpoints.set_state("dwp", "enabled", now)
        assert u.endpoints.release_disabled("dwp", now) == 1
        u.commit()
    with uow() as u:
        record = u.disclosures.get(dwp.id)
        assert record is not None
        assert record.state == DisclosureState.QUEUED
        assert len(u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10)) == 1


def test_dead_letters_are_listed_and_replayed(uow: Factory, clock: FakeClock) -> None:
    seeded = seed(uow, clock)
    dwp = seeded.disclosures["dwp"]
    queue(uow, push(dwp))
    now = clock.now()
    with uow() as u:
        [message] = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10)
        u.deliveries.record_attempts(
            [AttemptRecord(message.message_id, dwp.id, now, 400, None, 12.5, "fail")]
        )
        assert u.deliveries.park(message.queue_id, "w1", "dead", 1)
        u.disclosures.mark_push_failed([dwp.id], DisclosureState.DEAD_LETTERED.value, now)
        u.commit()
    with uow() as u:
        assert [r.id for r in u.deliveries.stuck()] == [dwp.id]
        assert u.deliveries.replay(None, now) == [dwp.id]
        u.commit()
    with uow() as u:
        record = u.disclosures.get(dwp.id)
        assert record is not None
        assert record.state == DisclosureState.QUEUED
        assert u.deliveries.stuck() == []
        [again] = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10)
        assert again.attempts == 0


def test_a_dead_letter_replayed_while_its_endpoint_is_disabled_says_so(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    dwp = seeded.disclosures["dwp"]
    queue(uow, push(dwp))
    now = clock.now()
    with uow() as u:
        [message] = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10)
        assert u.deliveries.park(message.queue_id, "w1", "dead", 1)
        u.disclosures.mark_push_failed([dwp.id], DisclosureState.DEAD_LETTERED.value, now)
        u.endpoints.disable("dwp", now)
        u.commit()
    with uow() as u:
        assert u.deliveries.replay(None, now) == [dwp.id]
        u.commit()
    with uow() as u:
        record = u.disclosures.get(dwp.id)
        assert record is not None
        assert record.state == DisclosureState.ENDPOINT_DISABLED
        assert u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10) == []


def test_dropping_pushes_spares_other_kinds_and_messages_in_flight(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    dwp, dvla = seeded.disclosures["dwp"], seeded.disclosures["dvla"]
    queue(uow, push(dwp), push(dwp, QueueKind.CONSENT_WITHDRAWN), push(dvla))
    now = clock.now()
    with uow() as u:
        held = u.deliveries.claim(now, "w1", now + timedelta(minutes=2), 10)
        for message in held:
            if message.disclosure.id == dwp.id:
                u.deliveries.release(message.queue_id, "w1")
        u.deliveries.drop_pending_pushes([dwp.id, dvla.id], now, kinds=ABOUT_THE_DATA)
        u.commit()
    with uow() as u:
        left = u.deliveries.claim(now + timedelta(minutes=5), "w2", now + timedelta(hours=1), 10)
    # dvla's was held by w1 when dropped, so it stays (its lease has since lapsed).
    assert sorted((m.disclosure.recipient_id, m.kind.value) for m in left) == [
        ("dvla", "disclosure"),
        ("dwp", "withdrawal"),
    ]


# --- disclosures ----------------------------------------------------------------------------


def test_delivery_is_recorded_once_and_only_for_undelivered_disclosures(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    dwp = seeded.disclosures["dwp"]
    now = clock.now()
    later = now + timedelta(hours=1)
    with uow() as u:
        u.disclosures.mark_delivered([(dwp.id, now + timedelta(days=20))], now)
        u.disclosures.mark_delivered([(dwp.id, later + timedelta(days=20))], later)
        u.disclosures.mark_push_failed([dwp.id], DisclosureState.RETRYING.value, later)
        u.commit()
    with uow() as u:
        record = u.disclosures.get(dwp.id)
    assert record is not None
    assert record.state == DisclosureState.DELIVERED
    assert record.delivered_at == now
    assert record.acknowledge_by == now + timedelta(days=10)  # set at submission, kept


def test_feed_positions_follow_creation_and_the_feed_hides_withdrawn_consents(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    electoral = seeded.disclosures["leeds-electoral"]
    with uow() as u:
        assert u.disclosures.assign_feed_positions(clock.now()) == 3
        assert u.disclosures.assign_feed_positions(clock.now()) == 0
        [fed] = u.disclosures.feed("leeds-electoral", 0, 10, unacknowledged_only=True)
        assert fed.id == electoral.id
        assert fed.feed_position is not None
        assert u.disclosures.holds_feed_position("leeds-electoral", fed.feed_position)
        assert u.disclosures.feed("leeds-electoral", fed.feed_position, 10, False) == []
        u.disclosures.mark_delivered([(electoral.id, clock.now())], clock.now())
        u.consents.withdraw(seeded.consent.id, clock.now())
        assert u.disclosures.feed("leeds-electoral", 0, 10, unacknowledged_only=False) == []
        [notice] = u.consents.withdrawn_after_delivery("leeds-electoral", 0, 10)
        assert (notice.disclosure_id, notice.withdrawn_at) == (electoral.id, clock.now())
        assert u.consents.withdrawn_at([electoral.id]) == {electoral.id: clock.now()}


def test_a_held_report_gets_no_feed_position_before_its_hold_ends(
    uow: Factory, clock: FakeClock
) -> None:
    until = clock.now() + timedelta(hours=24)
    seeded = seed(uow, clock, held_until=until)
    with uow() as u:
        assert u.disclosures.assign_feed_positions(until - timedelta(seconds=1)) == 0
        assert u.disclosures.feed("leeds-electoral", 0, 10, unacknowledged_only=False) == []
        assert u.disclosures.assign_feed_positions(until) == 3
        [fed] = u.disclosures.feed("leeds-electoral", 0, 10, unacknowledged_only=False)
        assert fed.id == seeded.disclosures["leeds-electoral"].id
        u.commit()


def test_a_cancelled_report_is_viewed_cancelled_and_never_fed(
    uow: Factory, clock: FakeClock
) -> None:
    until = clock.now() + timedelta(hours=24)
    seeded = seed(uow, clock, held_until=until)
    reference, account_id = seeded.report.reference, seeded.account.id
    with uow() as u:
        held = u.reports.held(reference, account_id)
        assert held is not None
        assert (held.id, held.held_until, held.cancelled_at) == (seeded.report.id, until, None)
        assert u.reports.held(reference, uuid.uuid4()) is None  # someone else's: not found
        cancelled = u.reports.cancel(seeded.report.id, clock.now())
        assert set(cancelled) == {d.id for d in seeded.disclosures.values()}
        u.commit()
    with uow() as u:
        view = u.reports.view(reference, account_id)
        assert view is not None
        assert (view.reporter_role, view.held_until) == ("self", until)
        assert view.cancelled_at == clock.now()
        assert {d.state for d in view.disclosures} == {DisclosureState.CANCELLED.value}
        assert {d.acknowledge_by for d in view.disclosures} == {None}
        held = u.reports.held(reference, account_id)
        assert held is not None
        assert held.cancelled_at == clock.now()
        u.disclosures.assign_feed_positions(until)
        assert u.disclosures.feed("leeds-electoral", 0, 10, unacknowledged_only=False) == []
        assert u.disclosures.due_for_chase(until + timedelta(days=30), 10) == []


def test_disclosures_are_chased_from_their_deadline_until_acknowledged(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    dwp = seeded.disclosures["dwp"]
    deadline = clock.now() + timedelta(days=10)
    with uow() as u:
        assert u.disclosures.due_for_chase(deadline - timedelta(seconds=1), 10) == []
        assert {r.id for r in u.disclosures.due_for_chase(deadline, 10)} == {
            d.id for d in seeded.disclosures.values()
        }
        u.disclosures.update(dwp.id, deadline, acknowledged_at=deadline)
        assert dwp.id not in {r.id for r in u.disclosures.due_for_chase(deadline, 10)}
        assert u.disclosures.without_deadline(10) == []
        assert u.disclosures.addressee(dwp.id) == (seeded.account.id, "Dwp")


# --- consents -------------------------------------------------------------------------------


def test_a_consent_is_found_only_through_its_own_account_and_withdrawn_once(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    now = clock.now()
    with uow() as u:
        assert u.consents.for_account(seeded.consent.id, uuid.uuid4()) is None
        u.consents.withdraw(seeded.consent.id, now)
        u.consents.withdraw(seeded.consent.id, now + timedelta(hours=1))
        consent = u.consents.for_account(seeded.consent.id, seeded.account.id)
    assert consent is not None
    assert consent.disclosure_id == seeded.disclosures["leeds-electoral"].id
    assert consent.withdrawn_at == now


# --- the transparency log -------------------------------------------------------------------


def test_the_log_sequences_pending_entries_in_order(uow: Factory, clock: FakeClock) -> None:
    seeded = seed(uow, clock)  # the catalogue's agreements are logged as they are published
    now = clock.now()
    with uow() as u:
        published = u.log.pending_count()
        u.log.add_pending(
            [PendingLogEntry("k", b"one", now, seeded.report.id, seeded.account.person_id)]
        )
        u.log.add_pending([PendingLogEntry("k", b"two", now)])
        u.commit()
    with uow() as u:
        pending = u.log.pending(1000)
        assert [e for _, e in pending][-2:] == [b"one", b"two"]
        ids = [i for i, _ in pending]
        assert ids == sorted(ids)
        with pytest.raises(LogQueueChanged):
            u.log.assign(0, [ids[-1] + 1])
    with uow() as u:
        u.log.assign(0, ids[:-1])
        assert u.log.pending_count() == 1
        u.log.add_checkpoint(StoredCheckpoint(published + 1, b"r" * 32, "note", now))
        u.log.save_tiles([(0, 0, b"h" * 64)])
        u.commit()
    with uow() as u:
        assert u.log.entries(published, published + 2) == [b"one"]
        [mine] = u.log.entries_for_report(seeded.report.id)
        assert (mine.entry, mine.leaf_index) == (b"one", published)
        latest = u.log.latest_checkpoint()
        assert latest is not None
        assert latest.size == published + 1
        assert u.log.checkpoints(0, 10) == [latest]
        assert u.log.tile(0, 0) == b"h" * 64
        assert u.log.tiles(0, 0, 5) == {0: b"h" * 64}


def test_one_sequencer_holds_the_lease_at_a_time(uow: Factory, clock: FakeClock) -> None:
    now = clock.now()
    with uow() as u:
        assert u.log.hold_lease("a", now, now + timedelta(seconds=15))
        u.commit()
    with uow() as u:
        assert not u.log.hold_lease("b", now, now + timedelta(seconds=15))
        assert u.log.hold_lease("a", now, now + timedelta(seconds=15))
        assert u.log.hold_lease("b", now + timedelta(seconds=16), now + timedelta(seconds=30))
        u.log.release_lease("b")
        assert u.log.hold_lease("c", now + timedelta(seconds=16), now + timedelta(seconds=30))


def test_prepared_commitments_are_taken_once(uow: Factory, clock: FakeClock) -> None:
    from tellonce.service_layer.ports.transparency import PreparedCommitment

    seeded = seed(uow, clock)
    dwp = seeded.disclosures["dwp"]
    with uow() as u:
        u.log.prepare_commitments([PreparedCommitment(dwp.id, "entry", b"c" * 32)])
        assert set(u.log.take_commitments([dwp.id])) == {dwp.id}
        assert u.log.take_commitments([dwp.id]) == {}


# --- the citizens' outbox -------------------------------------------------------------------


def test_messages_are_claimed_with_a_lease_and_settled_by_their_owner(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    now = clock.now()
    first, second = uuid.uuid4(), uuid.uuid4()
    with uow() as u:
        u.messages.add(first, seeded.account.id, "t", {"a": "1"}, now)
        u.messages.add(second, seeded.account.id, "t", {"a": "2"}, now + timedelta(seconds=1))
        u.commit()
    later = now + timedelta(seconds=1)
    with uow() as u:
        claimed = u.messages.claim(later, "w1", later + timedelta(minutes=5), 10)
        assert [m.id for m in claimed] == [first, second]
        assert u.messages.claim(later, "w2", later + timedelta(minutes=5), 10) == []
        u.messages.settle("w2", later, [first], [], [])  # not w2's: ignored
        u.messages.settle("w1", later, [first], [(second, later + timedelta(hours=1))], [])
        u.commit()
    with uow() as u:
        [sent] = u.messages.settled_for(seeded.account.id)
        assert (sent.id, sent.state, sent.sent_at) == (first, "sent", later)
        [retried] = u.messages.claim(later + timedelta(hours=1), "w3", later + timedelta(days=1), 9)
        assert (retried.id, retried.attempts) == (second, 1)


def test_several_messages_are_added_at_once_each_with_its_own_id(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    now = clock.now()
    with uow() as u:
        u.messages.add_many([], now)
        u.messages.add_many(
            [NewCitizenMessage(seeded.account.id, "t", {"a": str(n)}) for n in range(3)], now
        )
        u.commit()
    with uow() as u:
        claimed = u.messages.claim(now, "w1", now + timedelta(minutes=5), 10)
    assert sorted(m.personalisation["a"] for m in claimed) == ["0", "1", "2"]
    assert len({m.id for m in claimed}) == 3
    assert {(m.account_id, m.template, m.attempts) for m in claimed} == {
        (seeded.account.id, "t", 0)
    }


# --- "Your data" ----------------------------------------------------------------------------


def test_your_data_is_read_under_the_agreement_versions_used_and_for_its_account_only(
    uow: Factory, clock: FakeClock
) -> None:
    seeded = seed(uow, clock)
    dwp = seeded.disclosures["dwp"]
    now = clock.now()
    message_id = uuid.uuid4()
    with uow() as u:
        u.deliveries.record_attempts(
            [AttemptRecord(str(dwp.id), dwp.id, now, 204, None, 3.5, "delivered")]
        )
        u.consents.withdraw(seeded.consent.id, now)
        u.messages.add(message_id, seeded.account.id, "t", {"a": "1"}, now)
        u.commit()
    load_catalogue(small_catalogue(), uow=uow(), clock=clock)  # unchanged: same versions
    with uow() as u:
        disclosures = u.your_data.disclosures_for_account(seeded.account.id)
        [consent] = u.your_data.consents_for_account(seeded.account.id)
        [report] = u.your_data.sealed_reports(seeded.account.id)
        [message] = u.your_data.messages_for_account(seeded.account.id)
        [attempt] = u.your_data.push_attempts_for_account(seeded.account.id)
        nobody = uuid.uuid4()
        assert u.your_data.disclosures_for_account(nobody) == []
        assert u.your_data.push_attempts_for_account(nobody) == []
    assert [d.recipient_name for d in disclosures] == ["Dvla", "Dwp", "Leeds Electoral"]
    assert [d.pushed for d in disclosures] == [True, True, False]
    assert disclosures[1].agreement_title == "Agreement dwp-moves"
    assert disclosures[1].gateway == "Digital Economy Act 2017, section 35"
    assert (consent.decision, consent.withdrawn_at) == ("granted", now)
    assert (report.reference, report.sealed_payload) == (seeded.report.reference, b"sealed")
    assert (message.id, message.state) == (message_id, "pending")
    assert (attempt.report_reference, attempt.recipient_id, attempt.verdict) == (
        seeded.report.reference,
        "dwp",
        "delivered",
    )


# Key scopes and environments (ADR 0089).
def test_a_recipient_key_holds_its_recipient_environment_and_scopes(
    uow: Factory, clock: FakeClock
) -> None:
    load_catalogue(small_catalogue(), uow=uow(), clock=clock)
    with uow() as u:
        u.recipient_keys.add(
            uuid.uuid4(), "dwp", "test", "tlo_test_abcdefgh", b"h" * 32, None, clock.now(),
            scopes=frozenset({"feed"}),
        )  # fmt: skip
        u.recipient_keys.add(
            uuid.uuid4(), "dvla", "live", "tlo_live_abcdefgh", b"i" * 32, "x", clock.now(),
            scopes=frozenset({"feed", "acknowledge"}),
        )  # fmt: skip
        u.commit()
    with uow() as u:
        narrow = u.recipient_keys.holder_for(b"h" * 32)
        both = u.recipient_keys.holder_for(b"i" * 32)
        assert u.recipient_keys.holder_for(b"j" * 32) is None
    assert narrow is not None and both is not None
    assert (narrow.recipient_id, narrow.environment, narrow.scopes) == (
        "dwp",
        "test",
        frozenset({"feed"}),
    )
    assert (both.recipient_id, both.environment) == ("dvla", "live")
    assert both.scopes == {"feed", "acknowledge"}
    with uow() as u:
        assert u.recipient_keys.revoke("tlo_test_abcdefgh", clock.now()) == "dwp"
        u.commit()
    with uow() as u:
        assert u.recipient_keys.holder_for(b"h" * 32) is None


def test_a_registrar_key_holds_its_account_environment_and_scopes(
    uow: Factory, clock: FakeClock
) -> None:
    account = Account(uuid.uuid4(), uuid.uuid4())
    now = clock.now()
    key = RegistrarKey(uuid.uuid4(), "leeds", account.id, "test", "tlo_registrar_test_abc", None)
    with uow() as u:
        u.people.add({account.person_id: PersonKey(uuid.uuid4(), "test1", b"wrapped")}, now)
        u.accounts.add(account, b"registrar-subject", now)
        u.accounts.add_registrar_key(key, b"r" * 32, now)
        u.commit()
    with uow() as u:
        holder = u.accounts.for_registrar_key(b"r" * 32)
        assert u.accounts.for_registrar_key(b"s" * 32) is None
    assert holder is not None
    assert (holder.account, holder.environment, holder.scopes) == (
        account,
        "test",
        frozenset({"registrar"}),
    )
