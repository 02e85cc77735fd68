"""The administrator's delivery commands: endpoints, secrets, stuck deliveries, replay."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.entrypoints.cli import main
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tests.e2e.delivery import report_of, run_rounds, states, submit_move
from tests.fakes import FakeClock


def test_endpoint_commands_and_replay(
    client: TestClient, cli_env: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = cli_env
    report = submit_move(client)
    with ReceiverServer() as receiver:
        receiver.state.behaviour = lambda _path, attempt: (400, {}) if attempt == 1 else (200, {})
        assert main(["recipients", "set-endpoint", "dwp", receiver.url("dwp")]) == 0
        secret = re.search(r"whsec_\S+", capsys.readouterr().out)
        assert secret is not None
        receiver.state.secrets["dwp"] = secret.group(0)
        run_rounds(hub)
        assert main(["deliveries", "list"]) == 0
        listed = capsys.readouterr().out
        assert "dwp" in listed and "dead-lettered" in listed
        assert main(["deliveries", "replay"]) == 0
        assert "1 disclosure(s) queued again" in capsys.readouterr().out
        assert isinstance(hub.clock, FakeClock)
        hub.clock.advance(timedelta(days=1))  # the command ran on the real clock
        run_rounds(hub)
        assert states(report_of(client, report["reference"]))["dwp"] == "delivered"

        assert main(["recipients", "rotate-secret", "dwp", "--overlap-hours", "2"]) == 0
        assert re.search(r"whsec_\S+", capsys.readouterr().out) is not None
        assert (
            main(
                [
                    "recipients",
                    "set-endpoint",
                    "dwp",
                    receiver.url("dwp"),
                    "--secret",
                    secret.group(0),
                ]
            )
            == 0
        )
        assert "the secret you imported" in capsys.readouterr().out
        assert main(["recipients", "enable-endpoint", "dwp"]) == 0


def test_keys_can_be_created_and_revoked(cli_env: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    from tellonce.service_layer.catalogue import load_catalogue
    from tests.factories import small_catalogue

    load_catalogue(small_catalogue(), uow=cli_env.uow(), clock=cli_env.clock)
    assert main(["recipients", "create-key", "dwp", "--environment", "test"]) == 0
    out = capsys.readouterr().out
    key = re.search(r"tlo_test_\S+", out)
    prefix = re.search(r"prefix for revocation: (\S+)", out)
    assert key and prefix
    assert main(["recipients", "revoke-key", prefix.group(1)]) == 0
    assert main(["recipients", "revoke-key", prefix.group(1)]) == 1  # already revoked
    assert main(["recipients", "create-key", "nobody"]) == 1


def test_operator_mistakes_get_a_plain_message_not_a_traceback(
    client: TestClient,  # loads the small catalogue
    cli_env: Hub,  # points the commands at the test's database
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = {
        ("recipients", "set-endpoint", "nobody", "https://x.example/hooks"): "no recipient",
        ("recipients", "set-endpoint", "dwp", "ftp://x.example"): "url: The endpoint must be",
        (
            "recipients",
            "set-endpoint",
            "dwp",
            "https://x.example",
            "--secret",
            "whsec_no",
        ): "secret",
        ("recipients", "set-endpoint", "a-charity", "https://x.example"): "pull only",
        ("recipients", "rotate-secret", "dwp"): "has no push endpoint",
        ("recipients", "enable-endpoint", "nobody"): "has no push endpoint",
    }
    for command, message in cases.items():
        assert main(list(command)) == 1, command
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (command, err)
    with pytest.raises(SystemExit) as exit_:
        main(["deliveries", "replay", "not-a-uuid"])
    assert exit_.value.code == 2
    assert "invalid UUID" in capsys.readouterr().err
