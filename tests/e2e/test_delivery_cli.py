"""The administrator's delivery commands: endpoints, secrets, stuck deliveries, replay."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from tellonce.adapters.webhooks import DestinationPolicy
from tellonce.bootstrap import Hub
from tellonce.entrypoints.cli import main
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tests.support.delivery import report_of, run_rounds, states, submit_move
from tests.support.staff import hub_actions


def test_endpoint_commands_and_replay(
    client: TestClient, cli_env: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = cli_env
    report = submit_move(client)
    with ReceiverServer() as receiver:
        receiver.state.behaviour = lambda _path, attempt: (400, {}) if attempt == 1 else (200, {})
        assert (
            main(["recipients", "set-endpoint", "dwp", receiver.url("dwp")], clock=hub.clock) == 0
        )
        secret = re.search(r"whsec_\S+", capsys.readouterr().out)
        assert secret is not None
        receiver.state.secrets["dwp"] = secret.group(0)
        run_rounds(hub)
        assert main(["deliveries", "list"], clock=hub.clock) == 0
        listed = capsys.readouterr().out
        assert "dwp" in listed and "dead-lettered" in listed
        assert main(["deliveries", "replay"], clock=hub.clock) == 0
        assert "1 disclosure(s) queued again" in capsys.readouterr().out
        run_rounds(hub)
        assert states(report_of(client, report["reference"]))["dwp"] == "delivered"

        assert (
            main(["recipients", "rotate-secret", "dwp", "--overlap-hours", "2"], clock=hub.clock)
            == 0
        )
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
        assert main(["recipients", "enable-endpoint", "dwp"], clock=hub.clock) == 0

    # Each operator action is a hub action by the command line, committed with the change.
    actions = [json.loads(entry) for entry in hub_actions(hub)]
    assert [a["action"] for a in actions] == [
        "endpoint-set",
        "deliveries-replayed",
        "secret-rotated",
        "endpoint-set",
        "endpoint-enabled",
    ]
    assert all(a["actor"] == {"role": "command line", "organisation": "hub"} for a in actions)
    assert all(a.get("recipient") in {"dwp", None} for a in actions)
    assert actions[1]["count"] == 1
    assert main(["deliveries", "replay"], clock=hub.clock) == 0  # nothing to replay
    assert len(hub_actions(hub)) == len(actions)  # changed nothing: logged nothing


def test_set_endpoint_refuses_what_the_sender_would_refuse(
    client: TestClient,  # loads the small catalogue
    cli_env: Hub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The outside probe: loopback, cloud-metadata, credential-bearing and (in production)
    plain-http URLs were stored and only refused at send time. Now they are refused when set,
    by the sender's own policy."""
    hub = cli_env
    refused = {
        "http://169.254.169.254/latest/meta-data/": "not a public address",
        "https://[fd00:ec2::254]/": "not a public address",
        "https://10.0.0.7/hooks": "not a public address",
        "https://user:password@dwp.example/hooks": "credentials",
        "https://hooks@dwp.example/hooks": "credentials",
    }
    for url, reason in refused.items():
        assert main(["recipients", "set-endpoint", "dwp", url], clock=hub.clock) == 1, url
        err = capsys.readouterr().err
        assert "url: This endpoint is refused" in err and reason in err, (url, err)
    with hub.uow() as uow:
        endpoint = uow.endpoints.get("dwp")
    assert endpoint is None or endpoint.url is None
    # Production's policy: no plain http, and no name that resolves to loopback.
    production = DestinationPolicy(require_https=True)
    assert "https is required" in (production.refusal("http://dwp.example/hooks") or "")
    assert "non-public" in (production.refusal("https://localhost:8443/hooks") or "")
    assert production.refusal("https://127.0.0.1/hooks") is not None
    # Development's: loopback receivers are allowed by name, as at send time.
    assert hub.destinations.refusal("http://127.0.0.1:9000/hooks/dwp") is None


def test_keys_can_be_created_and_revoked(cli_env: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    from tellonce.service_layer.catalogue import load_catalogue
    from tests.factories import small_catalogue

    hub = cli_env
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    assert main(["recipients", "create-key", "dwp", "--environment", "test"], clock=hub.clock) == 0
    out = capsys.readouterr().out
    key = re.search(r"tlo_test_\S+", out)
    prefix = re.search(r"prefix for revocation: (\S+)", out)
    assert key and prefix
    assert main(["recipients", "revoke-key", prefix.group(1)], clock=hub.clock) == 0
    assert (
        main(["recipients", "revoke-key", prefix.group(1)], clock=hub.clock) == 1
    )  # already revoked
    assert main(["recipients", "create-key", "nobody"], clock=hub.clock) == 1
    assert main(["registrars", "create-key", "leeds-register-office"], clock=hub.clock) == 0
    office = re.search(r"prefix for revocation: (\S+)", capsys.readouterr().out)
    assert office
    assert main(["registrars", "revoke-key", office.group(1)], clock=hub.clock) == 0
    assert main(["registrars", "revoke-key", office.group(1)], clock=hub.clock) == 1
    # Who holds a key is part of who can change the hub: each issue and revocation is a hub
    # action by the command line, committed with it; a refusal logs nothing.
    actions = [json.loads(entry) for entry in hub_actions(hub)]
    assert [(a["action"], a.get("recipient"), a.get("registrar"), a["key"]) for a in actions] == [
        ("api-key-issued", "dwp", None, prefix.group(1)),
        ("api-key-revoked", "dwp", None, prefix.group(1)),
        ("registrar-key-issued", None, "leeds-register-office", office.group(1)),
        ("registrar-key-revoked", None, None, office.group(1)),
    ]
    assert all(a["actor"] == {"role": "command line", "organisation": "hub"} for a in actions)


def test_a_key_is_issued_with_the_scopes_asked_for(
    cli_env: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    from tellonce.domain.errors import MissingScope
    from tellonce.service_layer.catalogue import load_catalogue
    from tellonce.service_layer.identity import authenticate_recipient
    from tests.factories import small_catalogue

    hub = cli_env
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    assert main(["recipients", "create-key", "dwp", "--scope", "feed"], clock=hub.clock) == 0
    key = re.search(r"tlo_live_\S+", capsys.readouterr().out)
    assert key
    assert authenticate_recipient(key.group(0), uow=hub.uow(), scope="feed").recipient_id == "dwp"
    with pytest.raises(MissingScope):
        authenticate_recipient(key.group(0), uow=hub.uow(), scope="acknowledge")
    with pytest.raises(SystemExit):  # not a recipient key's scope
        main(["recipients", "create-key", "dwp", "--scope", "registrar"], clock=hub.clock)


def test_operator_mistakes_get_a_plain_message_not_a_traceback(
    client: TestClient,  # loads the small catalogue
    cli_env: Hub,  # points the commands at the test's database
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub = cli_env
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
        assert main(list(command), clock=hub.clock) == 1, command
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (command, err)
    with pytest.raises(SystemExit) as exit_:
        main(["deliveries", "replay", "not-a-uuid"], clock=hub.clock)
    assert exit_.value.code == 2
    assert "invalid UUID" in capsys.readouterr().err
