"""Retention on SQLite and PostgreSQL: the worker's scheduled job destroys a report's details
once every disclosure is final and the configured days have passed -- on the hub's clock, which
the test moves -- deleting the sealed details of a citizen who has an account, crypto-shredding
a subject who has nothing else, and logging counts only."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import (
    disclosures,
    people,
    registration_references,
    reports,
)
from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.entrypoints.worker import run_worker
from tellonce.service_layer.identity import authenticate_citizen
from tellonce.service_layer.retention import details_deleted_at
from tests.fakes import FakeClock
from tests.support.api import count, sign_in, submit_death
from tests.support.delivery import submit_move
from tests.support.registrations import reference_for


def settle_everything(hub: Hub) -> None:
    """Every recipient has answered: every disclosure has an outcome."""
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        connection.execute(
            sa.update(disclosures).values(state="actioned", outcome="actioned", outcome_at=now)
        )


def run_the_worker_briefly(hub: Hub) -> None:
    async def go() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_worker(hub, stop, owner="retention-test"))
        await asyncio.sleep(1.0)
        stop.set()
        await task

    asyncio.run(go())


def purge_entries(hub: Hub) -> list[dict[str, object]]:
    with hub.uow() as uow:
        logged = [json.loads(entry) for _, entry in uow.log.pending(10_000)]
    return [e for e in logged if e["kind"] == "personal-data-purged"]


def test_the_worker_purges_details_after_the_retention_period(client: TestClient, hub: Hub) -> None:
    assert isinstance(hub.clock, FakeClock)
    report = submit_move(client)
    settle_everything(hub)
    hub.clock.advance(timedelta(days=hub.settings.retention_days - 1))
    run_the_worker_briefly(hub)
    assert purge_entries(hub) == []  # not yet
    with hub.engine.connect() as connection:
        assert connection.execute(sa.select(reports.c.payload_purged_at)).scalar_one() is None

    hub.clock.advance(timedelta(days=2))
    run_the_worker_briefly(hub)
    [entry] = purge_entries(hub)
    assert (entry["reports"], entry["people"]) == (1, 0)
    assert "commitment" not in entry  # about nobody in particular
    with hub.engine.connect() as connection:
        row = connection.execute(
            sa.select(reports.c.sealed_payload, reports.c.payload_purged_at)
        ).one()
        keys = connection.execute(sa.select(people.c.wrapped_key)).scalars().all()
    assert bytes(row.sealed_payload) == b"" and row.payload_purged_at == hub.clock.now()
    assert all(keys)  # the citizen has an account: their key stays, the details went
    copy = client.post("/api/v1/access-requests", headers=sign_in(client, "mover")).json()
    [made] = copy["reports"]
    assert made["reference"] == report["reference"] and made["details"] is None
    token = sign_in(client, "mover")["Authorization"].removeprefix("Bearer ")
    account = authenticate_citizen(token, uow=hub.uow(), clock=hub.clock)
    with hub.engine.connect() as connection:
        report_id = connection.execute(sa.select(reports.c.id)).scalar_one()
    assert details_deleted_at(report_id, account, uow=hub.uow()) == hub.clock.now()
    run_the_worker_briefly(hub)
    assert len(purge_entries(hub)) == 1  # nothing more to do


def test_the_worker_deletes_registration_references_when_spent(
    client: TestClient, hub: Hub
) -> None:
    """A registrar's registered details are sealed under the hub's key, which no shredding
    reaches: an unused reference goes its grace period after it expired, a used one with its
    report's details."""
    assert isinstance(hub.clock, FakeClock)
    submit_death(client, sign_in(client, "informant"))
    reference_for(hub, "death", example_payload("death", today=hub.clock.now().date()))
    settle_everything(hub)
    assert count(hub, registration_references) == 2
    grace = hub.settings.registration_grace_days
    assert 28 + grace + 1 < hub.settings.retention_days
    hub.clock.advance(timedelta(days=28 + grace + 1))
    run_the_worker_briefly(hub)
    with hub.engine.connect() as connection:
        [used_at] = connection.execute(sa.select(registration_references.c.used_at)).scalars()
    assert used_at is not None  # the unused one went; the death's details are still kept
    [entry] = purge_entries(hub)
    assert (entry["reports"], entry["people"], entry["registrations"]) == (0, 0, 1)

    hub.clock.advance(timedelta(days=hub.settings.retention_days))
    run_the_worker_briefly(hub)
    assert count(hub, registration_references) == 0
    assert purge_entries(hub)[-1]["registrations"] == 1
