"""The transparency log's identity: required in production, generated once in development."""

from __future__ import annotations

import base64
import os
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from tellonce.adapters.dev_secrets import load_or_create_log_signer_key
from tellonce.adapters.signing import generate_signer_key
from tellonce.bootstrap import build_log_signer
from tellonce.config import DEV_LOG_ORIGIN, Mode, Settings


def production(**log: str) -> Settings:
    key = base64.b64encode(os.urandom(32)).decode()
    return Settings(
        mode=Mode.PRODUCTION,
        master_keys=f"k1:{key}",
        index_key=key,
        public_url="https://hub.example.gov.uk",
        **log,  # type: ignore[arg-type]
    )


def test_production_refuses_to_start_without_the_log_s_identity() -> None:
    with pytest.raises(ValidationError, match="TELLONCE_LOG_ORIGIN and TELLONCE_LOG_SIGNER_KEY"):
        production()
    with pytest.raises(ValidationError, match="TELLONCE_LOG_SIGNER_KEY"):
        production(log_origin="hub.example.gov.uk/log")


def test_production_uses_the_configured_key() -> None:
    signer_key, verifier_key = generate_signer_key("hub.example.gov.uk/log")
    settings = production(log_origin="hub.example.gov.uk/log", log_signer_key=signer_key)
    signer = build_log_signer(settings)
    assert signer.name == "hub.example.gov.uk/log"
    assert signer.verifier_key == verifier_key


def test_the_key_must_be_named_after_the_origin() -> None:
    with pytest.raises(ValidationError, match="named after TELLONCE_LOG_ORIGIN"):
        production(
            log_origin="hub.example.gov.uk/log",
            log_signer_key=generate_signer_key("elsewhere.example/log")[0],
        )
    with pytest.raises(ValidationError, match="one word"):
        Settings(mode=Mode.DEVELOPMENT, log_origin="two words")


def test_development_makes_a_key_once_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings(mode=Mode.DEVELOPMENT, data_dir=tmp_path)
    first = build_log_signer(settings)
    again = build_log_signer(Settings(mode=Mode.DEVELOPMENT, data_dir=tmp_path))
    assert first.name == DEV_LOG_ORIGIN
    assert first.verifier_key == again.verifier_key
    assert (tmp_path / "dev-log-signer.key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError, match="another origin"):
        build_log_signer(Settings(mode=Mode.DEVELOPMENT, data_dir=tmp_path, log_origin="x/log"))


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    keys: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: keys.append(load_or_create_log_signer_key(tmp_path, "t.example/log"))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["dev-log-signer.key"]
