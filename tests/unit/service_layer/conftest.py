"""Use cases run on the in-memory fakes: no database, no network, milliseconds per test.

The fixtures wire what ``bootstrap`` would, by hand, as cosmicpython's unit tests do: the
fakes from ``tests.fakes``, the real vault and note signer (pure computation), a fake clock.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

import pytest

from tellonce.adapters.signing import Ed25519NoteSigner, generate_signer_key
from tellonce.adapters.vault import AesGcmVault
from tellonce.domain.backoff import RetrySchedule
from tellonce.domain.catalogue import Channel
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.delivery import DeliveryService
from tellonce.service_layer.disclosure_events import EventBuilder
from tellonce.service_layer.endpoints import set_endpoint
from tellonce.service_layer.identity import start_session
from tellonce.service_layer.transparency.sequencer import Sequencer
from tests.factories import small_catalogue
from tests.fakes import FakeClock, FakeDatabase, PublicDestinations, RecordingPusher
from tests.support.fake_world import World

HUB_URL = "https://hub.example"


@pytest.fixture
def database() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def vault() -> AesGcmVault:
    return AesGcmVault({"test1": secrets.token_bytes(32)}, "test1", secrets.token_bytes(32))


@pytest.fixture
def pusher() -> RecordingPusher:
    return RecordingPusher()


@pytest.fixture
def world(database: FakeDatabase, vault: AesGcmVault, clock: FakeClock) -> World:
    load_catalogue(small_catalogue(), uow=database.uow(), clock=clock)
    for recipient_id in ("dwp", "dvla"):
        set_endpoint(
            recipient_id,
            f"https://{recipient_id}.example/hooks/{recipient_id}",
            None,
            uow=database.uow(),
            vault=vault,
            clock=clock,
            destinations=PublicDestinations(),
        )
    session = start_session(
        "test",
        "sian",
        uow_factory=database.uow,
        vault=vault,
        clock=clock,
        lifetime=timedelta(hours=1),
    )
    return World(database, vault, clock, session.account)


@pytest.fixture
def delivery(world: World, pusher: RecordingPusher) -> DeliveryService:
    return DeliveryService(
        uow_factory=world.database.uow,
        vault=world.vault,
        clock=world.clock,
        pusher=pusher,
        events=EventBuilder(world.vault, HUB_URL),
        hub_url=HUB_URL,
        owner="worker-1",
        schedule=RetrySchedule.from_spec("5s,30s", jitter=0),
    )


@pytest.fixture
def sequencer(database: FakeDatabase, clock: FakeClock) -> Sequencer:
    signer_key, _ = generate_signer_key("hub.example/log")
    return Sequencer(
        uow_factory=database.uow,
        signer=Ed25519NoteSigner.from_signer_key(signer_key),
        clock=clock,
        owner="sequencer-1",
    )


@pytest.fixture
def charity_pushed(world: World) -> World:
    """The charity takes pushes as well as pulling its feed."""
    catalogue = small_catalogue()
    both = replace(catalogue.recipients["a-charity"], channel=Channel.BOTH)
    catalogue = replace(catalogue, recipients={**catalogue.recipients, "a-charity": both})
    load_catalogue(catalogue, uow=world.database.uow(), clock=world.clock)
    set_endpoint(
        "a-charity",
        "https://charity.example/hooks/charity",
        None,
        uow=world.database.uow(),
        vault=world.vault,
        clock=world.clock,
        destinations=PublicDestinations(),
    )
    return world
