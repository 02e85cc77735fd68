from __future__ import annotations

import base64
import os

import pytest
from pydantic import ValidationError

from tellonce.adapters.signing import generate_signer_key
from tellonce.config import Mode, Settings


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
