"""The composition root: settings in, wired services out. Nothing here runs at import time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from tellonce.adapters import dev_secrets
from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
from tellonce.adapters.notifier import GovukNotifyNotifier, LocalOutboxNotifier, build_notifier
from tellonce.adapters.push import WebhookPusher
from tellonce.adapters.signing import Ed25519NoteSigner
from tellonce.adapters.vault import AesGcmVault
from tellonce.config import Mode, Settings, decode_key
from tellonce.domain.backoff import RetrySchedule
from tellonce.domain.transparency.tile_cache import TileCache
from tellonce.service_layer.delivery import DeliveryService
from tellonce.service_layer.disclosure_events import EventBuilder
from tellonce.service_layer.log_reads import LogReads
from tellonce.service_layer.log_sequencer import LEASE_FOR, Sequencer
from tellonce.service_layer.ports import Clock, Pusher, UnitOfWork, Vault


@dataclass
class Hub:
    """Everything an entrypoint needs, wired once per process."""

    settings: Settings
    engine: sa.Engine
    vault: Vault
    clock: Clock
    events: EventBuilder = field(init=False)
    log_signer: Ed25519NoteSigner = field(init=False)  # the transparency log's identity
    log_tiles: TileCache = field(init=False)  # tiles' hashes shared by proof requests
    log_reads: LogReads = field(init=False)  # proofs, from that cache
    # Tells citizens when recipients act; the local outbox also feeds the portal's Messages page.
    notifier: LocalOutboxNotifier | GovukNotifyNotifier = field(init=False)

    def __post_init__(self) -> None:
        self.events = EventBuilder(self.vault, self.settings.public_url)
        self.notifier = build_notifier(self.settings, self.clock)
        self.log_signer = build_log_signer(self.settings)
        self.log_tiles = TileCache(self.settings.log_tile_cache_tiles)
        self.log_reads = LogReads(self.uow, self.log_tiles)

    def log_sequencer(self, *, owner: str) -> Sequencer:
        # The lease outlives a few of the loop's pauses, so the holder keeps it between ticks.
        interval = self.settings.log_checkpoint_interval_seconds
        return Sequencer(
            uow_factory=self.uow,
            signer=self.log_signer,
            clock=self.clock,
            owner=owner,
            lease_for=max(LEASE_FOR, timedelta(seconds=3 * interval)),
        )

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self.engine)

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)

    @property
    def idempotency_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.idempotency_hours)

    def delivery_service(self, pusher: Pusher, *, owner: str) -> DeliveryService:
        schedule = (
            RetrySchedule.from_spec(self.settings.retry_schedule)
            if self.settings.retry_schedule
            else RetrySchedule()
        )
        return DeliveryService(
            uow_factory=self.uow,
            vault=self.vault,
            clock=self.clock,
            pusher=pusher,
            events=self.events,
            hub_url=self.settings.public_url,
            owner=owner,
            schedule=schedule,
            lease=timedelta(seconds=self.settings.delivery_lease_seconds),
        )

    def pusher(self) -> WebhookPusher:
        return WebhookPusher.build(
            allowed_hosts=self.settings.push_allowed_hosts,
            require_https=self.settings.mode is Mode.PRODUCTION,
            overall_limit=self.settings.push_concurrency,
            per_endpoint_limit=self.settings.push_concurrency_per_endpoint,
        )

    def close(self) -> None:
        self.engine.dispose()


def build_vault(settings: Settings) -> AesGcmVault:
    master_keys = settings.parsed_master_keys()
    active = settings.active_master_key_id or next(iter(master_keys), None)
    index_key = (
        decode_key(settings.index_key.get_secret_value(), what="TELLONCE_INDEX_KEY")
        if settings.index_key
        else None
    )
    if settings.generates_keys and (not master_keys or index_key is None):
        generated = dev_secrets.load_or_create(settings.data_dir)
        if not master_keys:
            master_keys = {
                generated["master_key_id"]: decode_key(generated["master_key"], what="dev key")
            }
            active = generated["master_key_id"]
        if index_key is None:
            index_key = decode_key(generated["index_key"], what="dev index key")
    if active is None or index_key is None:
        raise ValueError("no master key or index key configured")
    return AesGcmVault(master_keys, active, index_key)


def build_log_signer(settings: Settings) -> Ed25519NoteSigner:
    """The log's signing key from settings; demo and development mode make one and keep it."""
    if settings.log_signer_key is not None:
        return Ed25519NoteSigner.from_signer_key(settings.log_signer_key.get_secret_value())
    if not settings.generates_keys:
        raise ValueError("TELLONCE_LOG_SIGNER_KEY is not configured")
    origin = settings.resolved_log_origin
    return Ed25519NoteSigner.from_signer_key(
        dev_secrets.load_or_create_log_signer_key(settings.data_dir, origin)
    )


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> Hub:
    engine = create_database_engine(settings.resolved_database_url, echo=settings.database_echo)
    return Hub(
        settings=settings,
        engine=engine,
        vault=build_vault(settings),
        clock=clock or SystemClock(),
    )
