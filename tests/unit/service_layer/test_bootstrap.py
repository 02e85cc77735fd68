"""bootstrap() takes the ports it is given: the whole hub then runs on the in-memory fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from tellonce.bootstrap import bootstrap
from tellonce.service_layer.acknowledgement import acknowledge
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.delivery import deliver_due
from tellonce.service_layer.endpoints import set_endpoint
from tellonce.service_layer.identity import start_session
from tellonce.service_layer.notifications import send_due_messages
from tellonce.service_layer.ports import Pusher
from tests.factories import small_catalogue
from tests.fakes import FakeClock, FakeDatabase, RecordingNotifier, RecordingPusher
from tests.support.databases import make_settings
from tests.support.fake_world import World


@pytest.mark.anyio
async def test_a_hub_bootstrapped_with_fakes_reports_delivers_and_tells_the_citizen(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    database, receivers, notifier = FakeDatabase(), RecordingPusher(), RecordingNotifier(clock)

    @asynccontextmanager
    async def pusher() -> AsyncIterator[Pusher]:
        yield receivers

    unused = tmp_path / "never-opened.db"
    hub = bootstrap(
        make_settings(tmp_path, f"sqlite:///{unused}"),
        clock=clock,
        uow_factory=database.uow,
        pusher=pusher,
        notifier=notifier,
    )
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    url = "https://dwp.example/hooks/dwp"
    set_endpoint(
        "dwp",
        url,
        None,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
        destinations=hub.destinations,
    )
    session = start_session(
        "test",
        "sian",
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        lifetime=timedelta(hours=1),
    )
    report = World(database, hub.vault, clock, session.account).submit()

    async with hub.pusher() as sender:
        delivered = await deliver_due(hub.delivery_service(sender, owner="worker-1"))
    assert delivered.delivered == 1
    assert [w.url for w in receivers.delivered()] == [url]
    dwp = next(d for d in report.disclosures if d.recipient_id == "dwp")
    acknowledge("dwp", [dwp.id], uow=hub.uow(), clock=hub.clock)
    assert send_due_messages(hub.uow, hub.notifier, hub.clock, "worker-1") == 1
    assert [m.template for m in notifier.messages_for(session.account.id)] == [
        "disclosure-acknowledged"
    ]
    assert not unused.exists()  # everything went through the fakes
    hub.close()
