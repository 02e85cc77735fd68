"""One typed settings object, read from ``TELLONCE_*`` environment variables.

Insecure conveniences — the demo sign-in and keys generated on first run — exist only in
``demo`` and ``development`` mode. In ``production`` the settings refuse to start without real
keys, so a hub can never go live on a development secret by accident.
"""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tellonce.domain.transparency.notes import is_valid_key_name, parse_signer_key


class Mode(StrEnum):
    DEMO = "demo"
    DEVELOPMENT = "development"
    PRODUCTION = "production"


DEV_LOG_ORIGIN = "tellonce.localhost/log"


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
    public_url: str = "http://127.0.0.1:8000"

    # Personal-data keys. MASTER_KEYS is "id:base64key,id2:base64key"; the active one wraps new
    # person keys, the others only unwrap (rotation). INDEX_KEY keys the blind indexes.
    master_keys: SecretStr | None = None
    active_master_key_id: str | None = None
    index_key: SecretStr | None = None

    demo_sign_in: bool = False
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    idempotency_hours: int = Field(default=24, ge=1, le=24 * 7)
    database_echo: bool = False

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
    push_concurrency: int = Field(default=64, ge=1, le=1024)
    push_concurrency_per_endpoint: int = Field(default=8, ge=1, le=256)
    # Hosts that may resolve to private or loopback addresses (demo and development add
    # loopback). Everything else must be a public address.
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

    @property
    def resolved_log_origin(self) -> str:
        return self.log_origin or DEV_LOG_ORIGIN

    @property
    def generates_keys(self) -> bool:
        """Demo and development mode generate missing keys and keep them beside the database."""
        return self.mode is not Mode.PRODUCTION

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
