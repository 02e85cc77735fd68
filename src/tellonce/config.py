"""One typed settings object, read from ``TELLONCE_*`` environment variables.

Insecure conveniences — the demo sign-in and keys generated on first run — exist only in
``demo`` and ``development`` mode. In ``production`` the settings refuse to start without real
keys, so a hub can never go live on a development secret by accident.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tellonce.domain.transparency.notes import is_valid_key_name, parse_signer_key


class Mode(StrEnum):
    DEMO = "demo"
    DEVELOPMENT = "development"
    PRODUCTION = "production"


DEV_LOG_ORIGIN = "tellonce.localhost/log"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
_WILDCARDS = {"0.0.0.0", "::", ""}  # noqa: S104 - names of addresses, not a binding
_LOOPBACK_NAMES = {"localhost"}


def served_url(host: str, port: int) -> str:
    """The URL of ``tellonce serve --host HOST --port PORT`` as seen from this machine. A
    wildcard host (every interface) is reached here on loopback."""
    host = host.strip("[]")
    if host in _WILDCARDS:
        host = "127.0.0.1" if ":" not in host else "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Brand(StrEnum):
    GOVUK = "govuk"
    ORGANISATION = "organisation"


class InsecureSettingsError(ValueError):
    """Raised when production mode is asked to run with a development convenience."""


def decode_key(text: str, *, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ValueError(f"{what} is not valid base64") from error
    if len(raw) != 32:
        raise ValueError(f"{what} must be 32 bytes (base64 of 32 random bytes)")
    return raw


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELLONCE_", extra="ignore", frozen=True)

    mode: Mode = Mode.PRODUCTION
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to SQLite in data_dir"
    )
    # Where recipients and citizens reach the hub: in every event's source, dataschema and
    # links. Demo and development mode default it to what `tellonce serve` serves.
    public_url: str = served_url(DEFAULT_HOST, DEFAULT_PORT)

    # Personal-data keys. MASTER_KEYS is "id:base64key,id2:base64key"; the active one wraps new
    # person keys, the others only unwrap (rotation). INDEX_KEY keys the blind indexes.
    master_keys: SecretStr | None = None
    active_master_key_id: str | None = None
    index_key: SecretStr | None = None

    demo_sign_in: bool = False
    # The brand (ADR 0094): GOV.UK's header, crown, font and copyright only for a service on
    # GOV.UK (TELLONCE_BRAND=govuk); otherwise the organisation's name, logo and footer links
    # in the Design System's generic header, with its colours from portal/brand/_settings.scss.
    brand: Brand = Brand.ORGANISATION
    brand_service_name: str | None = Field(default=None, max_length=80)
    brand_organisation: str = Field(default="tellonce", min_length=1, max_length=120)
    brand_logo: str | None = Field(
        default=None, pattern=r"^/static/[A-Za-z0-9._/-]+$", description="a path under /static"
    )
    brand_homepage_url: str = "/"
    brand_footer_links: str = Field(default="", description="Text|URL;Text|URL")
    session_hours: int = Field(default=12, ge=1, le=24 * 30)  # the absolute timeout
    session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)  # the idle timeout
    # Citizens' sign-in with OpenID Connect (ADR 0085): the provider's issuer URL (its
    # metadata is at ISSUER/.well-known/openid-configuration), this hub's client id and secret.
    # The redirect URI to register is PUBLIC_URL/sign-in/callback, and PUBLIC_URL/signed-out
    # as the post-logout redirect URI.
    oidc_issuer: str | None = None
    oidc_client_id: str = "tellonce"
    oidc_client_secret: SecretStr | None = None
    # Or, as GOV.UK One Login requires, a private key (a PEM file; RSA, RS256): the token request
    # is then authenticated with private_key_jwt, and the provider holds the public key (ADR
    # 0089). The key id is sent as the assertion's `kid` when the provider has several.
    oidc_private_key_path: Path | None = None
    oidc_private_key_id: str | None = None
    # Rate limits (issue 13), per window: every call with an API key, per key; signing in,
    # previews and submissions per citizen session and per client address. Over a limit: 429
    # with Retry-After. The store is this process's memory, or the database (shared by every
    # process: "auto" uses it on PostgreSQL, where several processes or hosts serve).
    rate_limits: bool = True
    rate_limit_window_seconds: int = Field(default=60, ge=1, le=3600)
    rate_limit_per_key: int = Field(default=6000, ge=1)
    rate_limit_per_session: int = Field(default=300, ge=1)
    rate_limit_per_address: int = Field(default=3000, ge=1)
    rate_limit_store: Literal["auto", "memory", "database"] = "auto"
    idempotency_hours: int = Field(default=24, ge=1, le=24 * 7)
    database_echo: bool = False
    # The largest request body the API and the portal accept; larger ones get 413 unread.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=1024 * 1024 * 1024)

    # GOV.UK Notify for messages to citizens. Without an API key, messages go to a local outbox
    # under data_dir that the portal shows on its "Messages" page. NOTIFY_TEMPLATE_IDS maps each
    # message template to its Notify template: "disclosure-outcome=<uuid>,...".
    notify_api_key: SecretStr | None = None
    notify_template_ids: str = ""
    notify_base_url: str = "https://api.notifications.service.gov.uk"

    # Delivery. The retry schedule is a spec such as "5s,30s,2m,10m" (default: about a day).
    retry_schedule: str | None = None
    in_process_worker: bool | None = Field(
        default=None, description="Run the delivery worker inside `serve` (default: on SQLite)"
    )
    worker_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    # How long a worker holds the messages it claimed: a worker that dies frees them after
    # this. Long enough for a batch to one slow endpoint (200 messages, 8 at a time, 10 s
    # timeouts: about 250 s); shorter means faster recovery but more duplicate sends.
    delivery_lease_seconds: float = Field(default=600, ge=1, le=3600)
    # Chasing unacknowledged disclosures (from their deadline, whatever the channel): a reminder
    # every CHASE_EVERY_HOURS, at most CHASE_MAX_REMINDERS; after CHASE_ESCALATE_AFTER of them
    # the disclosure is escalated to the operators (`tellonce deliveries list`, a log warning).
    chase_every_hours: float = Field(default=24, gt=0, le=24 * 30)
    chase_max_reminders: int = Field(default=5, ge=1, le=100)
    chase_escalate_after: int = Field(default=3, ge=1, le=100)
    # The fraud guard (ADR 0088): a change of address is held this many minutes before anything
    # leaves, while the citizen is told and may cancel it. Unset: 24 hours in production, 5
    # minutes in demo mode, none in development mode (tests that need one set it).
    address_cooling_off_minutes: int | None = Field(default=None, ge=0, le=14 * 24 * 60)
    # Retention (docs/rights.md): a report's details are destroyed this many days after every
    # one of its disclosures has an outcome, was dead-lettered or was never sent; per event type
    # with TELLONCE_RETENTION_DAYS_BY_EVENT='{"death": 365}'. Checked every few minutes.
    retention_days: int = Field(default=90, ge=1, le=3650)
    retention_days_by_event: dict[str, int] = Field(default_factory=dict)
    retention_check_seconds: float = Field(default=300, gt=0, le=86_400)
    # An unused registration reference (valid 28 days, ADR 0087) is deleted, with the registered
    # details it holds, this many days after it expired; a used one with its report's details.
    registration_grace_days: int = Field(default=7, ge=0, le=365)

    push_concurrency: int = Field(default=64, ge=1, le=1024)
    push_concurrency_per_endpoint: int = Field(default=8, ge=1, le=256)
    # Hosts (names or IP literals, a JSON list) that may resolve to any address: private,
    # loopback or link-local. Everything else must be a public address. Demo and development
    # add exactly localhost, 127.0.0.1 and ::1 (and accept plain http); production adds none.
    webhook_allowed_hosts: frozenset[str] = frozenset()

    # The transparency log. The origin names the log in every checkpoint and is the signing
    # key's name; the signer key is a C2SP note key "PRIVATE+KEY+<origin>+<id>+<key>". Demo and
    # development mode generate one beside the database, so a restart keeps the log's identity.
    log_origin: str | None = None
    log_signer_key: SecretStr | None = None
    log_checkpoint_interval_seconds: float = Field(default=2.0, gt=0, le=3600)
    # Tiles each process keeps to serve proofs without the database: about 16 kB each. The
    # default (about 64 MB) holds every tile of a log of up to a million entries (about 3,950),
    # so any proof is served from memory; a larger log keeps its newest tiles.
    log_tile_cache_tiles: int = Field(default=4096, ge=16, le=1_000_000)

    # Operations (docs/operations.md). /readyz fails when no worker beat within
    # READY_HEARTBEAT_SECONDS or a log entry waited longer than READY_LOG_LAG_SECONDS to be
    # sequenced. Workers beat every HEARTBEAT_SECONDS. METRICS_CACHE_SECONDS: how long one
    # process reuses the database's figures between scrapes.
    heartbeat_seconds: float = Field(default=5.0, gt=0, le=300)
    ready_heartbeat_seconds: float = Field(default=60.0, gt=0, le=86400)
    ready_log_lag_seconds: float = Field(default=120.0, gt=0, le=86400)
    metrics_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # SIGTERM: how long a worker may take to finish the batches on the wire before it gives
    # up waiting and leaves their claims to expire.
    shutdown_grace_seconds: float = Field(default=20.0, ge=0, le=600)
    # SQLite: how long a write waits for another process's lock before the request is
    # answered 503 (Retry-After) instead.
    sqlite_busy_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # Log lines: "text" (one human line) or "json" (one JSON object a line, for log shippers).
    log_format: str = Field(default="text", pattern="^(text|json)$")

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _refuse_insecure_defaults(self) -> Self:
        if self.mode is not Mode.PRODUCTION:
            return self
        problems = []
        if self.demo_sign_in:
            problems.append("TELLONCE_DEMO_SIGN_IN must be off: demo sign-in is for demo mode")
        if self.master_keys is None or self.index_key is None:
            problems.append(
                "TELLONCE_MASTER_KEYS and TELLONCE_INDEX_KEY must be set: generated development "
                "keys are refused in production"
            )
        if not self.public_url.startswith("https://"):
            problems.append("TELLONCE_PUBLIC_URL must be an https:// URL in production")
        if self.oidc_issuer is not None and not self.oidc_issuer.startswith("https://"):
            problems.append("TELLONCE_OIDC_ISSUER must be an https:// URL in production")
        if self.log_origin is None or self.log_signer_key is None:
            problems.append(
                "TELLONCE_LOG_ORIGIN and TELLONCE_LOG_SIGNER_KEY must be set: the transparency "
                "log's identity is not generated in production"
            )
        if problems:
            raise InsecureSettingsError(
                "Refusing to start in production mode: " + "; ".join(problems)
            )
        return self

    @model_validator(mode="after")
    def _check_log_identity(self) -> Self:
        if not is_valid_key_name(self.resolved_log_origin):
            raise ValueError("TELLONCE_LOG_ORIGIN must be one word without spaces or '+'")
        if self.log_signer_key is not None:
            name = parse_signer_key(self.log_signer_key.get_secret_value()).name
            if name != self.resolved_log_origin:
                raise ValueError(
                    "TELLONCE_LOG_SIGNER_KEY must be named after TELLONCE_LOG_ORIGIN "
                    "(PRIVATE+KEY+<origin>+...); make one with `tellonce log new-key ORIGIN`"
                )
        return self

    def for_serving(self, host: str, port: int) -> Settings:
        """The settings for ``tellonce serve --host --port``: in demo and development mode,
        without TELLONCE_PUBLIC_URL, the public URL is the served one (production refuses to
        start without it)."""
        if self.mode is Mode.PRODUCTION or "public_url" in self.model_fields_set:
            return self
        return self.model_copy(update={"public_url": served_url(host, port)})

    def public_url_doubts(self, host: str, port: int) -> list[str]:
        """Why the public URL looks wrong for a hub served on ``host:port``, if it does."""
        url = urlsplit(self.public_url)
        try:
            named_port = url.port or {"http": 80, "https": 443}.get(url.scheme)
        except ValueError:
            return ["TELLONCE_PUBLIC_URL has no valid port: links in events will not work"]
        named = url.hostname or ""
        served = host.strip("[]")
        doubts = []
        if named in _WILDCARDS:
            doubts.append(
                f"TELLONCE_PUBLIC_URL names the wildcard address {named}, which nobody can "
                "connect to: set it to the address recipients use to reach this hub"
            )
        elif (_is_loopback(named) or named == served) and named_port != port:
            doubts.append(
                f"TELLONCE_PUBLIC_URL names port {named_port} on this machine, but the hub is "
                f"served on port {port}: recipients following links in events will not reach it"
            )
        if _is_loopback(named) and not _is_loopback(served):
            doubts.append(
                f"TELLONCE_PUBLIC_URL is a loopback address, but the hub is served on {host}: "
                "recipients on other machines cannot follow links in events; set "
                "TELLONCE_PUBLIC_URL to the address they use"
            )
        return doubts

    @property
    def resolved_log_origin(self) -> str:
        return self.log_origin or DEV_LOG_ORIGIN

    @property
    def generates_keys(self) -> bool:
        """Demo and development mode generate missing keys and keep them beside the database."""
        return self.mode is not Mode.PRODUCTION

    @property
    def address_cooling_off(self) -> timedelta:
        """How long a change of address is held before it is sent (zero: not held)."""
        if self.address_cooling_off_minutes is not None:
            return timedelta(minutes=self.address_cooling_off_minutes)
        default = {Mode.PRODUCTION: 24 * 60, Mode.DEMO: 5}.get(self.mode, 0)
        return timedelta(minutes=default)

    @property
    def push_allowed_hosts(self) -> frozenset[str]:
        if self.mode is Mode.PRODUCTION:
            return self.webhook_allowed_hosts
        return self.webhook_allowed_hosts | {"127.0.0.1", "localhost", "::1"}

    @property
    def runs_worker_in_process(self) -> bool:
        if self.in_process_worker is not None:
            return self.in_process_worker
        return self.resolved_database_url.startswith("sqlite")

    def parsed_footer_links(self) -> list[tuple[str, str]]:
        """``TELLONCE_BRAND_FOOTER_LINKS`` as (text, URL) pairs, in order."""
        links = []
        for item in self.brand_footer_links.split(";"):
            text, _, url = item.partition("|")
            if text.strip() and url.strip():
                links.append((text.strip(), url.strip()))
        return links

    @property
    def allows_demo_sign_in(self) -> bool:
        return self.mode is Mode.DEMO or (self.mode is Mode.DEVELOPMENT and self.demo_sign_in)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tellonce.db').resolve()}"

    def parsed_master_keys(self) -> dict[str, bytes]:
        if self.master_keys is None:
            return {}
        keys: dict[str, bytes] = {}
        for item in self.master_keys.get_secret_value().split(","):
            key_id, _, encoded = item.strip().partition(":")
            if not key_id or not encoded:
                raise ValueError("TELLONCE_MASTER_KEYS must look like 'id:base64key,...'")
            keys[key_id] = decode_key(encoded, what=f"master key {key_id!r}")
        return keys
