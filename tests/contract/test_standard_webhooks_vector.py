"""Our signatures against the Standard Webhooks shared vector and its reference verifier."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tellonce.adapters.webhooks import generate_secret, sign, signature_header, signed_headers
from tests.vectors import VECTORS

TESTDATA = VECTORS


@pytest.fixture(scope="module")
def vector() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (TESTDATA / "standard-webhooks-vector.json").read_text(encoding="utf-8")
    )
    return data


def test_sign_reproduces_the_shared_vector(vector: dict[str, Any]) -> None:
    signature = sign(
        vector["secret"],
        vector["webhook_id"],
        vector["webhook_timestamp"],
        vector["body"].encode(),
    )

    assert signature == vector["expected_signature"]


def test_the_secret_prefix_is_optional(vector: dict[str, Any]) -> None:
    bare = vector["secret"].removeprefix("whsec_")

    signature = sign(
        bare, vector["webhook_id"], vector["webhook_timestamp"], vector["body"].encode()
    )

    assert signature == vector["expected_signature"]


def test_the_reference_verifier_accepts_what_we_send(vector: dict[str, Any]) -> None:
    body = vector["body"].encode()
    headers = signed_headers(vector["webhook_id"], int(time.time()), body, [vector["secret"]])

    assert Webhook(vector["secret"]).verify(body, headers) == json.loads(body)


def test_the_reference_verifier_rejects_a_tampered_body(vector: dict[str, Any]) -> None:
    headers = signed_headers("msg_1", int(time.time()), b'{"a": 1}', [vector["secret"]])

    with pytest.raises(WebhookVerificationError):
        Webhook(vector["secret"]).verify(b'{"a": 2}', headers)


def test_rotation_signs_with_every_secret_and_either_verifies() -> None:
    old, new = generate_secret(), generate_secret()
    body = b'{"specversion": "1.0"}'
    headers = signed_headers("msg_2", int(time.time()), body, [old, new])

    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        Webhook(secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)


def test_generated_secrets_are_32_random_bytes() -> None:
    first, second = generate_secret(), generate_secret()

    assert first.startswith("whsec_")
    assert first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32


@pytest.mark.parametrize("secret", ["whsec_", "whsec_not*base64", ""])
def test_malformed_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="secret"):
        signature_header([secret], "msg", 1, b"{}")
