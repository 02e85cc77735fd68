"""The rights repository's behaviours, held on the in-memory fake, SQLite and PostgreSQL alike:
requests and the overdue listing, restriction and objection flags, and what erasure and the
retention job destroy."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tellonce.adapters.database.schema import metadata
from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
from tellonce.domain.rights import Pause
from tellonce.service_layer.ports import UnitOfWork
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.registrations import StoredRegistration
from tellonce.service_layer.ports.reports import NewReport
from tellonce.service_layer.ports.rights import RightsRequestRecord
from tellonce.service_layer.ports.vault import PersonKey
from tests.fakes import FakeClock, FakeDatabase
from tests.support.databases import migrated_database

Factory = Callable[[], UnitOfWork]


@pytest.fixture(scope="module", params=["fake", "sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine | None]:
    if request.param == "fake":
        yield None
        return
    with migrated_database(request.param, tmp_path_factory.mktemp("rights")) as engine:
        yield engine


@pytest.fixture
def uow(backend: sa.Engine | None) -> Iterator[Factory]:
    if backend is None:
        yield FakeDatabase().uow
        return
    engine = backend
    yield lambda: SqlUnitOfWork(engine)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


def citizen(uow: Factory, clock: FakeClock, name: bytes) -> tuple[Account, NewReport]:
    now = clock.now()
    account = Account(uuid.uuid4(), uuid.uuid4())
    report = NewReport(
        uuid.uuid4(), f"TLO-{uuid.uuid4().hex[:4].upper()}-TEST", account.id, account.person_id,
        "change-of-address", 1, b"sealed", "digest", "api", now,
    )  # fmt: skip
    with uow() as u:
        u.people.add({account.person_id: PersonKey(uuid.uuid4(), "test1", b"wrapped")}, now)
        u.accounts.add(account, name, now)
        u.reports.add([report], [], [])
        u.commit()
    return account, report


def request(
    account: Account, clock: FakeClock, days_ago: int, due: date | None
) -> RightsRequestRecord:
    return RightsRequestRecord(
        uuid.uuid4(), account.id, account.person_id, "erasure", "open",
        clock.now() - timedelta(days=days_ago), due,
    )  # fmt: skip


def test_requests_are_listed_soonest_due_first_and_overdue_by_day(uow: Factory) -> None:
    clock = FakeClock()
    account, _ = citizen(uow, clock, b"one")
    later = request(account, clock, 1, date(2026, 12, 29))
    sooner = request(account, clock, 20, date(2026, 12, 4))
    paused = replace(
        request(account, clock, 5, None), state="paused", pauses=(Pause(date(2026, 11, 20)),)
    )
    closed = replace(request(account, clock, 40, date(2026, 11, 1)), state="closed")
    with uow() as u:
        for r in (later, sooner, paused, closed):
            u.rights.add(r)
        u.commit()
    with uow() as u:
        assert [r.id for r in u.rights.listing(overdue_on=None, limit=10)] == [
            sooner.id, later.id, paused.id,
        ]  # fmt: skip
        assert [r.id for r in u.rights.listing(overdue_on=date(2026, 12, 5), limit=10)] == [
            sooner.id
        ]
        assert u.rights.listing(overdue_on=date(2026, 12, 4), limit=10) == []
        assert u.rights.get(paused.id) == paused
        extended = replace(
            sooner, extension_months=1, extension_reason="Complex", due_on=date(2027, 1, 4)
        )
        u.rights.save(extended)
        u.commit()
    with uow() as u:
        assert u.rights.get(sooner.id) == extended
        newest_first = [r.id for r in u.rights.for_account(account.id)]
        assert newest_first == [later.id, paused.id, sooner.id, closed.id]


def test_flags_are_set_once_and_lifted(uow: Factory) -> None:
    clock = FakeClock()
    account, _ = citizen(uow, clock, b"two")
    made = request(account, clock, 0, date(2026, 12, 29))
    with uow() as u:
        u.rights.add(made)
        u.rights.set_flag(account.id, "objection", made.id, clock.now())
        u.commit()
    with uow() as u:
        assert u.rights.active_flags(account.id) == {"objection"}
        assert u.rights.lift_flag(account.id, "objection", clock.now()) is True
        assert u.rights.lift_flag(account.id, "objection", clock.now()) is False
        u.commit()
    with uow() as u:
        assert u.rights.active_flags(account.id) == set()


def test_erasure_and_retention_destroy_only_what_they_should(uow: Factory) -> None:
    clock = FakeClock()
    account, report = citizen(uow, clock, b"three")
    other, _ = citizen(uow, clock, b"four")
    with uow() as u:
        assert u.rights.only_in_account(account.id) == [account.person_id]
        assert u.rights.has_account(account.person_id)
        assert u.rights.live_reports_of(account.person_id) == {report.id}
        now = clock.now()
        [settled] = [s for s in u.rights.settled_reports(10, now) if s.report_id == report.id]
        assert settled.settled_at == report.submitted_at  # nothing to wait for
        earlier = report.submitted_at - timedelta(seconds=1)  # submitted since: never due yet
        assert report.id not in {s.report_id for s in u.rights.settled_reports(10, earlier)}
        u.rights.purge_payload(report.id, clock.now(), delete=True)
        u.rights.destroy_keys([account.person_id], clock.now())
        fresh = uuid.uuid4()
        u.people.add({fresh: PersonKey(uuid.uuid4(), "test1", b"new")}, clock.now())
        u.rights.repoint_account(account.id, fresh)
        u.commit()
    with uow() as u:
        assert u.people.key_for(account.person_id).wrapped is None
        assert u.rights.erased_at(account.person_id) == clock.now()
        assert u.rights.purged_at(report.id) == clock.now()
        assert u.rights.live_reports_of(account.person_id) == set()
        assert report.id not in {s.report_id for s in u.rights.settled_reports(10, clock.now())}
        # The new person, and the old one still the subject of the account's report.
        assert set(u.rights.only_in_account(account.id)) == {fresh, account.person_id}
        assert u.people.key_for(other.person_id).wrapped == b"wrapped"  # nobody else's
        assert u.rights.erased_at(other.person_id) is None


def test_registration_references_are_deleted_when_spent(uow: Factory) -> None:
    """Used by an erased person's report, used by a purged report, or unused and expired before
    the cut-off: deleted, with the registered details they hold; nothing else."""
    clock = FakeClock()
    now = clock.now()
    registrar, erased_report = citizen(uow, clock, b"five")
    _, purged_report = citizen(uow, clock, b"six")
    _, live_report = citizen(uow, clock, b"seven")

    def registration(n: int, expires_in: timedelta) -> StoredRegistration:
        return StoredRegistration(
            bytes([n]) * 32, registrar.id, "death", b"sealed", now + expires_in, None
        )

    used_erased, used_purged, used_live = (registration(n, timedelta(days=28)) for n in (1, 2, 3))
    expired, current = registration(4, timedelta(days=-8)), registration(5, timedelta(days=1))
    with uow() as u:
        for r in (used_erased, used_purged, used_live, expired, current):
            u.registrations.add(r, now)
        for r, made in (
            (used_erased, erased_report), (used_purged, purged_report), (used_live, live_report)
        ):  # fmt: skip
            assert u.registrations.use(r.reference_hash, made.id, now)
        u.commit()
    with uow() as u:
        found = u.registrations.get(used_live.reference_hash)
        assert found is not None and found.report_id == live_report.id
        assert u.registrations.delete_used_by([]) == 0
        assert u.registrations.delete_used_by([erased_report.id]) == 1
        u.rights.purge_payload(purged_report.id, now, delete=True)
        assert u.registrations.delete_spent(now - timedelta(days=7), limit=1) == 1
        assert u.registrations.delete_spent(now - timedelta(days=7), limit=10) == 1
        assert u.registrations.delete_spent(now - timedelta(days=7), limit=10) == 0
        u.commit()
    with uow() as u:
        kept = {
            r.reference_hash
            for r in (used_erased, used_purged, used_live, expired, current)
            if u.registrations.get(r.reference_hash) is not None
        }
    assert kept == {used_live.reference_hash, current.reference_hash}
