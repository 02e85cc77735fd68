from __future__ import annotations

import base64
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tellonce.adapters.push import WebhookPusher
from tellonce.adapters.signing import generate_signer_key
from tellonce.adapters.webhooks import DestinationPolicy, DestinationRefusedError
from tellonce.bootstrap import bootstrap
from tellonce.config import Mode, Settings, served_url
from tellonce.entrypoints.cli import serving_settings


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_production_refuses_to_start_without_real_keys() -> None:
    with pytest.raises(ValidationError, match="generated development keys are refused"):
        Settings(mode=Mode.PRODUCTION, public_url="https://hub.example.gov.uk")


def test_production_refuses_demo_sign_in_and_plain_http() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(
            mode=Mode.PRODUCTION,
            master_keys=f"k1:{key()}",
            index_key=key(),
            demo_sign_in=True,
            public_url="http://hub.example.gov.uk",
        )
    message = str(caught.value)
    assert "demo sign-in" in message
    assert "https://" in message


def test_production_refuses_a_plain_http_identity_provider() -> None:
    with pytest.raises(ValidationError, match="TELLONCE_OIDC_ISSUER must be an https"):
        Settings(
            mode=Mode.PRODUCTION,
            master_keys=f"k1:{key()}",
            index_key=key(),
            public_url="https://hub.example.gov.uk",
            log_origin="hub.example.gov.uk/log",
            log_signer_key=generate_signer_key("hub.example.gov.uk/log")[0],
            oidc_issuer="http://oidc.integration.account.gov.uk",
        )


def test_production_starts_with_real_settings() -> None:
    settings = Settings(
        mode=Mode.PRODUCTION,
        master_keys=f"k1:{key()},k2:{key()}",
        active_master_key_id="k2",
        index_key=key(),
        public_url="https://hub.example.gov.uk/",
        log_origin="hub.example.gov.uk/log",
        log_signer_key=generate_signer_key("hub.example.gov.uk/log")[0],
    )
    assert settings.public_url == "https://hub.example.gov.uk"
    assert set(settings.parsed_master_keys()) == {"k1", "k2"}
    assert not settings.allows_demo_sign_in
    # The fraud guard holds a change of address for a day by default (ADR 0088).
    assert settings.address_cooling_off == timedelta(hours=24)


def test_the_address_cooling_off_is_minutes_in_demo_none_in_development_or_as_set() -> None:
    assert Settings(mode=Mode.DEMO).address_cooling_off == timedelta(minutes=5)
    assert Settings(mode=Mode.DEVELOPMENT).address_cooling_off == timedelta(0)
    chosen = Settings(mode=Mode.DEMO, address_cooling_off_minutes=90)
    assert chosen.address_cooling_off == timedelta(minutes=90)
    with pytest.raises(ValueError, match="address_cooling_off_minutes"):
        Settings(mode=Mode.DEMO, address_cooling_off_minutes=-1)


def test_demo_mode_allows_demo_sign_in_and_generates_keys() -> None:
    settings = Settings(mode=Mode.DEMO)
    assert settings.allows_demo_sign_in
    assert settings.generates_keys


def test_malformed_master_keys_are_refused_with_a_reason() -> None:
    settings = Settings(mode=Mode.DEVELOPMENT, master_keys="k1:not-base64!")
    with pytest.raises(ValueError, match="not valid base64"):
        settings.parsed_master_keys()
    short = base64.b64encode(b"short").decode()
    with pytest.raises(ValueError, match="32 bytes"):
        Settings(mode=Mode.DEVELOPMENT, master_keys=f"k1:{short}").parsed_master_keys()


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("127.0.0.1", 8081, "http://127.0.0.1:8081"),
        ("localhost", 9000, "http://localhost:9000"),
        ("hub.internal", 80, "http://hub.internal:80"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),  # noqa: S104 - a wildcard, as typed
        ("::", 8080, "http://[::1]:8080"),
        ("::1", 8443, "http://[::1]:8443"),
        ("[fd00::5]", 8000, "http://[fd00::5]:8000"),
    ],
)
def test_the_served_url_is_derived_from_host_and_port(host: str, port: int, url: str) -> None:
    assert served_url(host, port) == url


@pytest.mark.parametrize("mode", [Mode.DEMO, Mode.DEVELOPMENT])
def test_demo_and_development_default_the_public_url_to_the_served_one(mode: Mode) -> None:
    settings = Settings(mode=mode)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.for_serving("127.0.0.1", 8081).public_url == "http://127.0.0.1:8081"
    assert settings.for_serving("0.0.0.0", 9000).public_url == "http://127.0.0.1:9000"  # noqa: S104
    # A public URL that was set is kept, whatever is served.
    chosen = Settings(mode=mode, public_url="https://hub.example.gov.uk/")
    assert chosen.for_serving("127.0.0.1", 8081).public_url == "https://hub.example.gov.uk"


def test_production_keeps_its_public_url_and_still_refuses_to_start_without_one() -> None:
    keys: dict[str, Any] = {
        "master_keys": f"k1:{key()}",
        "index_key": key(),
        "log_origin": "hub.example.gov.uk/log",
        "log_signer_key": generate_signer_key("hub.example.gov.uk/log")[0],
    }
    with pytest.raises(ValidationError, match="TELLONCE_PUBLIC_URL must be an https"):
        Settings(mode=Mode.PRODUCTION, **keys)
    settings = Settings(mode=Mode.PRODUCTION, public_url="https://hub.example.gov.uk", **keys)
    assert settings.for_serving("0.0.0.0", 8000) is settings  # noqa: S104


@pytest.mark.parametrize(
    ("public_url", "host", "port", "doubt"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1", 8081, "names port 8000 on this machine"),
        ("http://localhost", "127.0.0.1", 8000, "names port 80 on this machine"),
        ("http://0.0.0.0:8000", "0.0.0.0", 8000, "wildcard address 0.0.0.0"),  # noqa: S104
        ("http://127.0.0.1:8000", "0.0.0.0", 8000, "recipients on other machines"),  # noqa: S104
        ("http://hub.internal:8000", "hub.internal", 9000, "served on port 9000"),
    ],
)
def test_a_public_url_that_looks_wrong_is_doubted(
    public_url: str, host: str, port: int, doubt: str
) -> None:
    doubts = Settings(mode=Mode.DEVELOPMENT, public_url=public_url).public_url_doubts(host, port)
    assert any(doubt in d for d in doubts), doubts


@pytest.mark.parametrize(
    ("public_url", "host", "port"),
    [
        ("http://127.0.0.1:8081", "127.0.0.1", 8081),
        ("http://localhost:8000", "::1", 8000),
        ("https://hub.example.gov.uk", "127.0.0.1", 8000),  # behind a reverse proxy
        ("https://hub.example.gov.uk", "0.0.0.0", 8000),  # noqa: S104
    ],
)
def test_a_public_url_that_fits_is_not_doubted(public_url: str, host: str, port: int) -> None:
    settings = Settings(mode=Mode.DEVELOPMENT, public_url=public_url)
    assert settings.public_url_doubts(host, port) == []


def test_serve_warns_at_start_up_when_the_public_url_looks_wrong(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    chosen = Settings(mode=Mode.DEVELOPMENT, public_url="http://127.0.0.1:8000")
    assert serving_settings(chosen, "127.0.0.1", 8081) is chosen
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "port 8000" in warning.getMessage() and "port 8081" in warning.getMessage()
    caplog.clear()
    derived = serving_settings(Settings(mode=Mode.DEVELOPMENT), "127.0.0.1", 8081)
    assert derived.public_url == "http://127.0.0.1:8081"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def _policy(tmp_path: Path, **settings: Any) -> DestinationPolicy:
    """The destination policy of the pusher a hub with these settings builds."""
    hub = bootstrap(Settings(data_dir=tmp_path, **settings))
    try:
        pusher = hub.pusher()
        assert isinstance(pusher, WebhookPusher)
        policy: DestinationPolicy = pusher._sender._policy
        return policy
    finally:
        hub.close()


def _refused(policy: DestinationPolicy, url: str) -> bool:
    try:
        parsed = policy.check_url(url)
    except DestinationRefusedError:
        return True
    host = parsed.raw_host or ""
    # Names are checked on the connection (PolicyResolver): a name not allowed may reach only
    # public addresses, which a local receiver never has.
    return not policy.host_allowed(host) and not host.replace(".", "").replace(":", "").isdigit()


@pytest.mark.parametrize("mode", [Mode.DEMO, Mode.DEVELOPMENT])
def test_demo_and_development_reach_loopback_by_name_and_nothing_else_private(
    tmp_path: Path, mode: Mode
) -> None:
    """What docs/webhooks.md, docs/asyncapi.yaml and config.py say: plain http, and the
    loopback names localhost, 127.0.0.1 and ::1; other non-public addresses only if listed."""
    policy = _policy(tmp_path, mode=mode)
    for url in ("http://localhost:9000/e", "http://127.0.0.1:9000/e", "http://[::1]:9000/e"):
        assert not _refused(policy, url), url
    for url in (
        "http://127.0.0.2:9000/e",
        "http://10.0.0.5/e",
        "http://192.168.1.20/e",
        "http://169.254.169.254/e",
        "http://receiver.internal/e",
    ):
        assert _refused(policy, url), url
    listed = _policy(
        tmp_path, mode=mode, webhook_allowed_hosts=frozenset({"10.0.0.5", "receiver.internal"})
    )
    assert not _refused(listed, "http://10.0.0.5/e")
    assert not _refused(listed, "http://receiver.internal/e")


def test_production_refuses_loopback_and_plain_http_unless_listed(tmp_path: Path) -> None:
    keys = {
        "master_keys": f"k1:{key()}",
        "index_key": key(),
        "log_origin": "hub.example.gov.uk/log",
        "log_signer_key": generate_signer_key("hub.example.gov.uk/log")[0],
        "public_url": "https://hub.example.gov.uk",
    }
    policy = _policy(tmp_path, mode=Mode.PRODUCTION, **keys)
    for url in ("http://webhooks.example/e", "https://127.0.0.1/e", "https://localhost/e"):
        assert _refused(policy, url), url
    listed = _policy(
        tmp_path, mode=Mode.PRODUCTION, webhook_allowed_hosts=frozenset({"localhost"}), **keys
    )
    assert not _refused(listed, "https://localhost/e")
    assert _refused(listed, "http://localhost/e")
