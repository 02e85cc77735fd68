"""``tellonce staff add``: the first operator and each recipient's first manager."""

from __future__ import annotations

import pytest

from tellonce.bootstrap import Hub
from tellonce.entrypoints.cli import main
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.staff import start_staff_session
from tests.support.portal import demo_catalogue


def test_staff_are_added_once_and_can_sign_in(
    cli_env: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = cli_env
    load_catalogue(demo_catalogue(), uow=hub.uow(), clock=hub.clock)
    # The commands below open their own engine on this SQLite file: close this one's pooled
    # connections first (two CI runs failed with "disk I/O error" opening WAL beside them).
    hub.engine.dispose()
    add = ["staff", "add", "Mo@Leeds.example", "--name", "Mo", "--role", "manager"]
    assert main([*add, "--recipient", "leeds-electoral-registration"], clock=hub.clock) == 0
    assert "added manager of leeds-electoral-registration" in capsys.readouterr().out
    assert main([*add, "--recipient", "leeds-electoral-registration"], clock=hub.clock) == 1
    assert "already has access" in capsys.readouterr().err
    assert main([*add, "--recipient", "leeds-electoral-registration", "--exists-ok"]) == 0
    stranger = ["staff", "add", "x@nowhere.example", "--name", "X", "--role", "caseworker"]
    assert main([*stranger, "--recipient", "nowhere"], clock=hub.clock) == 1
    assert "no recipient" in capsys.readouterr().err
    assert main(["staff", "add", "op@hub.example", "--name", "Op", "--role", "operator"]) == 0
    session = start_staff_session(
        "mo@leeds.example", uow=hub.console_uow(), clock=hub.clock, lifetime=hub.session_lifetime
    )
    assert session.member.recipient_id == "leeds-electoral-registration"
