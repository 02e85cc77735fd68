"""The integration guide's code and examples work against what the hub really sends.

The Python in docs/webhooks.md is extracted and run against requests signed by the hub's own
signer (``tellonce.adapters.webhooks.signed_headers``); the documented test vector and HTTP
request are recomputed from the code; every CloudEvent shown in docs/ is validated against
docs/asyncapi.yaml. A change to signing, to the event format or to the guide that breaks a
recipient following the guide fails here.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import standardwebhooks.webhooks
from fastapi.testclient import TestClient

from tellonce.adapters.webhooks import USER_AGENT, generate_secret, sign, signed_headers
from tellonce.domain.cloudevents import CONTENT_TYPE
from tellonce.service_layer.disclosure_events import encode
from tests.support.asyncapi import payload_validator, problems, real_event

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE = DOCS / "webhooks.md"
_FENCE = re.compile(r"^```(?P<language>[\w-]*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)


def fenced(path: Path, language: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [m["code"] for m in _FENCE.finditer(text) if m["language"] == language]


def python_block(defines: str) -> str:
    """The one ```python block of the guide that contains ``defines``."""
    [block] = [code for code in fenced(GUIDE, "python") if defines in code]
    return block


def run(*blocks: str) -> dict[str, Any]:
    """Run code blocks in order in one fresh module namespace, as a reader pasting them would."""
    namespace: dict[str, Any] = {"__name__": "from_the_guide"}
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - running the guide is the point
    return namespace


LIBRARY = "def verify_webhook("
STDLIB = "def verify_signature("
RECEIVER = "app = FastAPI()"


@pytest.fixture(scope="module")
def verifiers() -> dict[str, SimpleNamespace]:
    library = run(python_block(LIBRARY))
    stdlib = run(python_block(STDLIB))
    return {
        "standardwebhooks": SimpleNamespace(
            verify=library["verify_webhook"], error=library["WebhookVerificationError"]
        ),
        "stdlib": SimpleNamespace(
            verify=stdlib["verify_signature"], error=stdlib["InvalidWebhook"]
        ),
    }


# --- A real request ------------------------------------------------------------------------------
SECRET = generate_secret()


def real_body() -> tuple[str, bytes]:
    event = real_event(
        "change-of-address",
        ("person.name", "person.date_of_birth", "previous_address", "new_address", "move_date"),
        "manchester-electoral-register",
    )
    return event["id"], encode(event)  # the bytes the hub sends (compact, UTF-8 names)


def headers_for(
    body: bytes, *, msg_id: str, secrets: tuple[str, ...] = (SECRET,), age: float = 0
) -> dict[str, str]:
    headers = signed_headers(msg_id, int(time.time() - age), body, list(secrets))
    return {**headers, "User-Agent": USER_AGENT}


def test_the_guide_holds_the_snippets_this_test_runs() -> None:
    blocks = fenced(GUIDE, "python")
    for marker in (LIBRARY, STDLIB, RECEIVER):
        assert sum(marker in block for block in blocks) == 1, marker
    for block in blocks:  # any other Python in the guide must at least be Python
        compile(block, str(GUIDE), "exec")


@pytest.mark.parametrize("name", ["standardwebhooks", "stdlib"])
def test_each_verifier_accepts_a_real_signed_request(
    verifiers: dict[str, SimpleNamespace], name: str
) -> None:
    msg_id, body = real_body()
    verify = verifiers[name].verify

    event = verify(SECRET, headers_for(body, msg_id=msg_id), body)

    assert event == json.loads(body)
    assert event["data"]["payload"]["person"]["name"]["given_names"] == "Siân"


def _tampered_body(body: bytes) -> bytes:
    tampered = body.replace(b'"M14 5TQ"', b'"M14 5TR"')
    assert tampered != body
    return tampered


# Each returns the (headers, body) of a request a verifier must refuse.
REFUSED: dict[str, Callable[[str, bytes], tuple[dict[str, str], bytes]]] = {
    "a tampered body": lambda i, b: (headers_for(b, msg_id=i), _tampered_body(b)),
    "a stale timestamp": lambda i, b: (headers_for(b, msg_id=i, age=5 * 60 + 30), b),
    "a timestamp from the future": lambda i, b: (headers_for(b, msg_id=i, age=-(5 * 60 + 30)), b),
    "another secret": lambda i, b: (headers_for(b, msg_id=i, secrets=(generate_secret(),)), b),
    "another webhook-id": lambda i, b: (
        {**headers_for(b, msg_id=i), "webhook-id": "00000000-0000-4000-8000-000000000000"},
        b,
    ),
    "no signature": lambda i, b: (
        {k: v for k, v in headers_for(b, msg_id=i).items() if k != "webhook-signature"},
        b,
    ),
}


@pytest.mark.parametrize("name", ["standardwebhooks", "stdlib"])
@pytest.mark.parametrize("wrong", list(REFUSED))
def test_each_verifier_refuses_what_it_must(
    verifiers: dict[str, SimpleNamespace], name: str, wrong: str
) -> None:
    msg_id, body = real_body()
    headers, sent = REFUSED[wrong](msg_id, body)

    with pytest.raises(verifiers[name].error):
        verifiers[name].verify(SECRET, headers, sent)


@pytest.mark.parametrize("name", ["standardwebhooks", "stdlib"])
def test_each_verifier_accepts_rotation_any_header_case_and_a_recent_retry(
    verifiers: dict[str, SimpleNamespace], name: str
) -> None:
    msg_id, body = real_body()
    verify = verifiers[name].verify
    rotating = headers_for(body, msg_id=msg_id, secrets=(generate_secret(), SECRET))
    shouting = {key.title(): value for key, value in headers_for(body, msg_id=msg_id).items()}
    four_minutes_old = headers_for(body, msg_id=msg_id, age=4 * 60)

    assert rotating["webhook-signature"].count("v1,") == 2
    for headers in (rotating, shouting, four_minutes_old):
        assert verify(SECRET, headers, body)["id"] == msg_id


# --- The receiver --------------------------------------------------------------------------------
@pytest.fixture
def receiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, sqlite3.Connection]]:
    monkeypatch.setenv("TELLONCE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("INBOX_DB", str(tmp_path / "inbox.sqlite3"))
    namespace = run(python_block(LIBRARY), python_block(RECEIVER))
    inbox: sqlite3.Connection = namespace["inbox"]
    try:
        with TestClient(namespace["app"]) as client:
            yield client, inbox
    finally:
        inbox.close()


def test_the_receiver_stores_once_answers_2xx_to_repeats_and_401_to_forgeries(
    receiver: tuple[TestClient, sqlite3.Connection],
) -> None:
    client, inbox = receiver
    msg_id, body = real_body()

    first = client.post("/tellonce/events", content=body, headers=headers_for(body, msg_id=msg_id))
    retry = client.post("/tellonce/events", content=body, headers=headers_for(body, msg_id=msg_id))
    forged = client.post(
        "/tellonce/events",
        content=_tampered_body(body),
        headers=headers_for(body, msg_id=msg_id),
    )

    assert (first.status_code, retry.status_code, forged.status_code) == (204, 204, 401)
    rows = inbox.execute("SELECT webhook_id, event FROM inbox").fetchall()
    assert rows == [(msg_id, body.decode())]


# --- The documented vector and request -----------------------------------------------------------
def documented_vector() -> dict[str, str]:
    [block] = [code for code in fenced(GUIDE, "text") if code.startswith("secret ")]
    return dict(line.split(None, 1) for line in block.splitlines() if line.strip())


def test_the_test_vector_is_what_the_hubs_signer_produces(
    verifiers: dict[str, SimpleNamespace], monkeypatch: pytest.MonkeyPatch
) -> None:
    vector = documented_vector()
    body = vector["body"].encode()
    timestamp = int(vector["webhook-timestamp"])
    headers = {k: vector[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}

    assert (
        sign(vector["secret"], vector["webhook-id"], timestamp, body)
        == (vector["webhook-signature"])
    )
    assert json.loads(body)["id"] == vector["webhook-id"]
    assert verifiers["stdlib"].verify(vector["secret"], headers, body, now=timestamp + 60)
    with pytest.raises(verifiers["stdlib"].error):  # at any other time it is not fresh
        verifiers["stdlib"].verify(vector["secret"], headers, body, now=timestamp + 301)

    class Then(datetime):  # the reference library, with its clock set to the vector's time
        @classmethod
        def now(cls, tz: Any = None) -> Then:
            return cls.fromtimestamp(timestamp + 60, tz=tz or UTC)

    monkeypatch.setattr(standardwebhooks.webhooks, "datetime", Then)
    assert verifiers["standardwebhooks"].verify(vector["secret"], headers, body)["id"]


def test_the_http_example_carries_the_exact_bytes_of_the_documented_event() -> None:
    [request] = fenced(GUIDE, "http")
    head = request.split("\n\n", 1)[0].splitlines()
    headers = dict(line.split(": ", 1) for line in head[1:])
    event = next(e for e in documented_events(GUIDE) if e["id"] == headers["webhook-id"])
    body = encode(event)  # pretty-printed in the guide, compact on the wire
    vector = documented_vector()  # the same demo hub and recipient signed both

    assert head[0].startswith("POST ")
    assert headers["Content-Type"] == CONTENT_TYPE
    assert headers["User-Agent"] == USER_AGENT
    assert int(headers["Content-Length"]) == len(body)
    assert headers["webhook-signature"] == sign(
        vector["secret"], event["id"], int(headers["webhook-timestamp"]), body
    )


# --- Every CloudEvent in the docs ----------------------------------------------------------------
def documented_events(path: Path) -> Iterator[dict[str, Any]]:
    """The CloudEvents in a document's ```json blocks, whole or inside a feed page."""
    for block in fenced(path, "json"):
        shown = json.loads(block)  # a ```json block must be JSON: elide in ```text blocks
        if isinstance(shown, dict) and "specversion" in shown:
            yield shown
        elif isinstance(shown, dict) and isinstance(shown.get("events"), list):
            yield from shown["events"]


@pytest.mark.parametrize("document", ["webhooks.md", "api.md"])
def test_every_cloudevent_in_the_docs_is_valid(document: str) -> None:
    events = list(documented_events(DOCS / document))

    assert events, f"{document} shows no event"
    for event in events:
        assert problems(payload_validator(event["type"]), event) == [], event["id"]
