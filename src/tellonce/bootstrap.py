"""The composition root: settings in, wired services out. Nothing here runs at import time.

Entrypoints get every adapter from here (a ``Hub`` for what needs settings and a database,
the functions at the end for what does not), so only this module decides which adapter
serves which port, and adapters never read settings.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import InitVar, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from tellonce.adapters import dev_secrets
from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.engine import create_database_engine
from tellonce.adapters.database.operations import SqlOperations, head_revisions
from tellonce.adapters.database.unit_of_work import SqlUnitOfWork
from tellonce.adapters.log_client import HttpLogClient
from tellonce.adapters.metrics import (
    METRICS_CONTENT_TYPE,
    HubCollector,
    metrics_registry,
    render_metrics,
)
from tellonce.adapters.notifier import (
    EmailLookup,
    GovukNotifyNotifier,
    LocalOutboxNotifier,
    notify_client,
    parse_template_ids,
)
from tellonce.adapters.oidc import OidcProvider
from tellonce.adapters.push import WebhookPusher
from tellonce.adapters.rate_limits import MemoryRateLimitStore, SqlRateLimitStore
from tellonce.adapters.signing import Ed25519NoteSigner, Ed25519NoteVerifier, generate_signer_key
from tellonce.adapters.vault import AesGcmVault
from tellonce.adapters.webhooks import DestinationPolicy
from tellonce.config import Mode, Settings, decode_key
from tellonce.domain.backoff import RetrySchedule
from tellonce.domain.transparency.tile_cache import TileCache
from tellonce.service_layer.assistant import Assistant
from tellonce.service_layer.contacts import email_for_message
from tellonce.service_layer.delivery import DeliveryService
from tellonce.service_layer.disclosure_events import EventBuilder
from tellonce.service_layer.notifications import MessageInbox, RecordedMessages
from tellonce.service_layer.operations import Readiness, ReadinessRules, check_readiness
from tellonce.service_layer.ports import Clock, Pusher, UnitOfWork, UnitOfWorkFactory, Vault
from tellonce.service_layer.ports.assistant import MessageReader
from tellonce.service_layer.ports.console import ConsoleUnitOfWork
from tellonce.service_layer.ports.identity import IdentityProvider
from tellonce.service_layer.ports.notifier import MessageSender
from tellonce.service_layer.ports.rate_limits import RateLimitStore
from tellonce.service_layer.reporting import ReportWriter
from tellonce.service_layer.transparency.reads import LogReads
from tellonce.service_layer.transparency.sequencer import LEASE_FOR, Sequencer

if TYPE_CHECKING:
    from prometheus_client.core import CollectorRegistry

    from tellonce.adapters.catalogue_files import CatalogueProblem
    from tellonce.domain.catalogue import Catalogue


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
    notifier: MessageSender = field(init=False)
    # Citizens' reports, written with group commit: one writer shared by the process's requests.
    report_writer: ReportWriter = field(init=False)
    # The webchat assistant's reader (ADR 0060); None: the shared one, loaded on first use.
    assistant_reader: MessageReader | None = None
    # Ports bootstrap() may be given instead of the real adapters (tests wire in-memory fakes).
    uow_factory: UnitOfWorkFactory | None = None
    pusher_factory: Callable[[], AbstractAsyncContextManager[Pusher]] | None = None
    given_notifier: InitVar[MessageSender | None] = None

    def __post_init__(self, given_notifier: MessageSender | None) -> None:
        self.events = EventBuilder(self.vault, self.settings.public_url)
        self.notifier = given_notifier or build_notifier(self.settings, self.clock, self._email_for)
        self.log_signer = build_log_signer(self.settings)
        self.log_tiles = TileCache(self.settings.log_tile_cache_tiles)
        self.log_reads = LogReads(self.uow, self.log_tiles)
        self.report_writer = ReportWriter(self.uow)

    def _email_for(self, account_id: uuid.UUID, reference: str | None) -> str | None:
        """The citizen's email address for a message about a report (sealed in their reports)."""
        return email_for_message(account_id, reference, uow=self.uow(), vault=self.vault)

    @property
    def traffic(self) -> str:
        """Whose reports this hub carries (ADR 0089): ``live`` in production mode; in demo and
        development mode every citizen is a test citizen, so all of it is ``test`` traffic."""
        return "live" if self.settings.mode is Mode.PRODUCTION else "test"

    @property
    def inbox(self) -> MessageInbox:
        """Where the portal reads back a citizen's messages: the local outbox's files, or, when
        they go by email, the outbox table's record of what was sent."""
        if isinstance(self.notifier, LocalOutboxNotifier):
            return self.notifier
        return RecordedMessages(self.uow)

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
        return self.uow_factory() if self.uow_factory else SqlUnitOfWork(self.engine)

    def console_uow(self) -> ConsoleUnitOfWork:
        """The unit of work with staff, proposals and the console's reads (ADR 0091)."""
        return SqlUnitOfWork(self.engine)

    def read_uow(self) -> UnitOfWork:
        """A unit of work that only reads: on SQLite it never queues behind writers."""
        if self.uow_factory:
            return self.uow_factory()
        return SqlUnitOfWork(self.engine, read_only=True)

    def migrate(self) -> None:
        """Apply every migration to the hub's database (``tellonce db upgrade``)."""
        # Imported here: Alembic stays out of the server's and the worker's start-up.
        from tellonce.adapters.database.migrate import upgrade  # noqa: PLC0415

        upgrade(self.engine)

    def assistant(self) -> Assistant:
        if self.assistant_reader is None:
            # Imported here: numpy and the model's runtime stay out of start-up and the CLI.
            from tellonce.adapters.assistant import shared_reader  # noqa: PLC0415

            self.assistant_reader = shared_reader()
        return Assistant(self.assistant_reader, self.uow, self.vault, self.clock)

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)

    @functools.cached_property
    def rate_limit_store(self) -> RateLimitStore:
        store = self.settings.rate_limit_store
        if store == "auto":
            shared = self.engine.dialect.name == "postgresql"
            store = "database" if shared else "memory"
        return SqlRateLimitStore(self.engine) if store == "database" else MemoryRateLimitStore()

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.settings.session_idle_minutes)

    @functools.cached_property
    def identity_provider(self) -> IdentityProvider | None:
        """The OpenID provider citizens sign in with, if one is configured (ADR 0085)."""
        settings = self.settings
        if settings.oidc_issuer is None:
            return None
        secret = settings.oidc_client_secret
        key_path = settings.oidc_private_key_path
        return OidcProvider(
            settings.oidc_issuer,
            settings.oidc_client_id,
            secret.get_secret_value() if secret else "",
            f"{settings.public_url}/sign-in/callback",
            private_key_pem=key_path.read_text(encoding="ascii") if key_path else None,
            private_key_id=settings.oidc_private_key_id,
        )

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
            chase_every=timedelta(hours=self.settings.chase_every_hours),
            max_chases=self.settings.chase_max_reminders,
            escalate_after=self.settings.chase_escalate_after,
        )

    @property
    def destinations(self) -> DestinationPolicy:
        """Where webhooks may go: the policy the sender enforces, asked when an endpoint is set."""
        return DestinationPolicy(
            allowed_hosts=self.settings.push_allowed_hosts,
            require_https=self.settings.mode is Mode.PRODUCTION,
        )

    def pusher(self) -> AbstractAsyncContextManager[Pusher]:
        """The webhook sender, opened with ``async with`` (one connection pool per worker)."""
        if self.pusher_factory is not None:
            return self.pusher_factory()
        return WebhookPusher.build(
            allowed_hosts=self.settings.push_allowed_hosts,
            require_https=self.settings.mode is Mode.PRODUCTION,
            overall_limit=self.settings.push_concurrency,
            per_endpoint_limit=self.settings.push_concurrency_per_endpoint,
        )

    def operations(self) -> SqlOperations:
        """The operator's questions to the database: readiness, heartbeats, metrics' figures."""
        return SqlOperations(self.engine)

    def readiness(self) -> Readiness:
        """``/readyz``'s answer: a database that cannot be reached is a failed check."""
        rules = ReadinessRules(
            expected_revisions=head_revisions(),
            heartbeat_within=timedelta(seconds=self.settings.ready_heartbeat_seconds),
            log_lag_within=timedelta(seconds=self.settings.ready_log_lag_seconds),
        )
        return check_readiness(
            self.operations(), rules, self.clock, connect_error=sa.exc.SQLAlchemyError
        )

    def metrics_registry(self) -> CollectorRegistry:
        """One per process: its collector caches the figures between scrapes."""
        collector = HubCollector(
            self.operations().figures,
            self.clock.now,
            cache_seconds=self.settings.metrics_cache_seconds,
        )
        return metrics_registry(collector)

    def close(self) -> None:
        self.engine.dispose()


HubFactory = Callable[[], Hub]

# The errors among which database_unavailable() picks out the passing ones.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.TimeoutError,
)
# SQLite reports a missing table as an OperationalError too: a fault, not an outage.
_SQLITE_PASSING = (
    "database is locked",
    "database table is locked",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
)


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database is away for now (restarting, unreachable, locked,
    out of disk, no connection free in the pool), not that the request or the code is wrong:
    answered 503 with Retry-After, where a fault is a 500."""
    if isinstance(error, sa.exc.TimeoutError):
        return True
    if not isinstance(error, sa.exc.OperationalError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        return any(passing in str(error.orig).lower() for passing in _SQLITE_PASSING)
    # psycopg raises OperationalError for connections lost or refused and for a server
    # shutting down; a missing table or a bad statement is a ProgrammingError there.
    return True


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


def build_notifier(
    settings: Settings,
    clock: Clock,
    email_for: EmailLookup | None = None,
) -> LocalOutboxNotifier | GovukNotifyNotifier:
    """Notify when an API key is configured; otherwise the local outbox beside the database.
    Notify needs ``email_for``: without it no citizen could ever be emailed."""
    if settings.notify_api_key is None:
        return LocalOutboxNotifier(settings.data_dir / "outbox", clock)
    client = notify_client(settings.notify_api_key.get_secret_value(), settings.notify_base_url)
    if email_for is None:
        raise ValueError("GOV.UK Notify is configured but nothing says where to find addresses")
    return GovukNotifyNotifier(client, parse_template_ids(settings.notify_template_ids), email_for)


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


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    uow_factory: UnitOfWorkFactory | None = None,
    pusher: Callable[[], AbstractAsyncContextManager[Pusher]] | None = None,
    notifier: MessageSender | None = None,
) -> Hub:
    """The hub for ``settings``. Each port given replaces its real adapter: the clock, the unit
    of work (and so the database), the webhook sender and the notifier."""
    engine = create_database_engine(
        settings.resolved_database_url,
        echo=settings.database_echo,
        sqlite_busy_timeout_ms=int(settings.sqlite_busy_timeout_seconds * 1000),
    )
    return Hub(
        settings=settings,
        engine=engine,
        vault=build_vault(settings),
        clock=clock or SystemClock(),
        uow_factory=uow_factory,
        pusher_factory=pusher,
        given_notifier=notifier,
    )


# What the commands need without a hub (no settings, no database): the adapters, named here.


def read_catalogue(path: Path) -> tuple[Catalogue | None, list[CatalogueProblem]]:
    """The catalogue in the YAML files at ``path``, or None and every problem found."""
    # Imported here: the YAML reader stays out of the server's and the worker's start-up.
    from tellonce.adapters.catalogue_files import read_catalogue as read  # noqa: PLC0415

    return read(path)


def log_client(url: str) -> HttpLogClient:
    """A client for another hub's transparency log, by its base URL."""
    return HttpLogClient(url)


def note_verifier(verifier_key: str) -> Ed25519NoteVerifier:
    """A verifier for checkpoints and receipts signed by the log with this verifier key."""
    return Ed25519NoteVerifier.from_verifier_key(verifier_key)


def new_log_signer_key(origin: str) -> tuple[str, str]:
    """A fresh signing key for a new log: ``(signer key, verifier key)``."""
    return generate_signer_key(origin)


def metrics_exposition(registry: CollectorRegistry) -> tuple[bytes, str]:
    """The registry's metrics in Prometheus's text format, and that format's content type."""
    return render_metrics(registry), METRICS_CONTENT_TYPE


def backup_database(settings: Settings, destination: Path) -> str:
    """A consistent copy of the hub's database at ``destination`` (``tellonce backup``)."""
    # Imported here: only the backup command needs it.
    from tellonce.adapters.database.backup import backup_database as backup  # noqa: PLC0415

    return backup(settings.resolved_database_url, destination)
