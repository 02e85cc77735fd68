"""The webhook sender against real aiohttp receivers on 127.0.0.1.

Each receiver verifies signatures with the ``standardwebhooks`` reference library, exactly as a
recipient would, and answers 401 when verification fails (which the sender classifies as FAIL, so
a signing bug cannot pass as a delivery).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tellonce.adapters.webhooks import (
    USER_AGENT,
    DeliveryResult,
    DestinationPolicy,
    DestinationRefusedError,
    PolicyResolver,
    WebhookRequest,
    WebhookSender,
    generate_secret,
    parse_retry_after,
)
from tellonce.domain.backoff import DeliveryVerdict

SECRET_A = generate_secret()
SECRET_B = generate_secret()
BODY = json.dumps({"specversion": "1.0", "id": "evt-1", "type": "test"}).encode()
LOCAL = DestinationPolicy(allow_private=True, require_https=False)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Receiver:
    """A recipient's webhook endpoint, recording what reached it."""

    server: TestServer = field(init=False)
    hits: Counter[str] = field(default_factory=Counter)
    seen: list[dict[str, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    streamed: int = 0
    stream_ended: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    @property
    def port(self) -> int:
        assert self.server.port is not None
        return self.server.port


def _app(receiver: Receiver) -> web.Application:
    secrets = {"a": SECRET_A, "b": SECRET_B}

    async def verified(request: web.Request, secret: str = SECRET_A) -> bool:
        receiver.hits[request.path] += 1
        body = await request.read()
        headers = dict(request.headers)
        receiver.seen.append(headers)
        try:
            Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    async def ok(request: web.Request) -> web.Response:
        secret = secrets[request.match_info.get("which", "a")]
        return web.Response(status=204 if await verified(request, secret) else 401)

    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        return web.Response(status=code if await verified(request) else 401)

    async def retry_after(request: web.Request) -> web.Response:
        await verified(request)
        if request.match_info["form"] == "seconds":
            value = "120"
        else:
            value = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
        return web.Response(status=429, headers={"Retry-After": value})

    async def redirect(request: web.Request) -> web.Response:
        await verified(request)
        raise web.HTTPFound("/ok")

    async def slow(request: web.Request) -> web.Response:
        await verified(request)
        await asyncio.wait_for(receiver.release.wait(), 10)
        return web.Response(status=204)

    async def endless(request: web.Request) -> web.StreamResponse:
        await verified(request)
        response = web.StreamResponse(status=200)
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            while receiver.streamed < 2**30:  # a safety stop; the client must quit far sooner
                await response.write(chunk)
                receiver.streamed += len(chunk)
        finally:  # aiohttp cancels the handler (or the write fails) once the client hangs up
            receiver.stream_ended.set()
        return response

    async def busy(request: web.Request) -> web.Response:
        receiver.in_flight += 1
        receiver.max_in_flight = max(receiver.max_in_flight, receiver.in_flight)
        try:
            ok = await verified(request)
            await asyncio.sleep(0.02)
        finally:
            receiver.in_flight -= 1
        return web.Response(status=204 if ok else 401)

    app = web.Application()
    app.router.add_post("/ok", ok)
    app.router.add_post("/ok/{which}", ok)
    app.router.add_post("/status/{code}", status)
    app.router.add_post("/retry-after/{form}", retry_after)
    app.router.add_post("/redirect", redirect)
    app.router.add_post("/slow", slow)
    app.router.add_post("/endless", endless)
    app.router.add_post("/busy", busy)
    app.router.add_post("/busy/{endpoint}", busy)
    return app


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    receiver.server = TestServer(_app(receiver), host="127.0.0.1", port=0)
    await receiver.server.start_server()
    try:
        yield receiver
    finally:
        receiver.release.set()  # lets /slow handlers finish, so the server closes promptly
        await receiver.server.close()


@pytest.fixture
async def sender() -> AsyncIterator[WebhookSender]:
    async with WebhookSender(LOCAL, timeout=timedelta(seconds=5)) as sender:
        yield sender


def request(
    url: str, msg_id: str = "msg_1", secrets: tuple[str, ...] = (SECRET_A,)
) -> WebhookRequest:
    return WebhookRequest(url=url, msg_id=msg_id, body=BODY, secrets=secrets)


pytestmark = pytest.mark.anyio


async def test_2xx_is_delivered_with_a_verifiable_signature(
    receiver: Receiver, sender: WebhookSender
) -> None:
    result = await sender.send(request(receiver.url("/ok")))

    assert (result.status, result.verdict, result.error) == (204, DeliveryVerdict.DELIVERED, None)
    assert result.duration_ms > 0
    headers = receiver.seen[0]
    assert headers["webhook-id"] == "msg_1"
    assert headers["Content-Type"] == "application/cloudevents+json"
    assert headers["User-Agent"] == USER_AGENT
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        (200, DeliveryVerdict.DELIVERED),
        (202, DeliveryVerdict.DELIVERED),
        (500, DeliveryVerdict.RETRY),
        (503, DeliveryVerdict.RETRY),
        (408, DeliveryVerdict.RETRY),
        (410, DeliveryVerdict.DISABLE_ENDPOINT),
        (400, DeliveryVerdict.FAIL),
        (404, DeliveryVerdict.FAIL),
    ],
)
async def test_status_codes_are_classified(
    receiver: Receiver, sender: WebhookSender, code: int, verdict: DeliveryVerdict
) -> None:
    result = await sender.send(request(receiver.url(f"/status/{code}")))

    assert (result.status, result.verdict) == (code, verdict)


@pytest.mark.parametrize("form", ["seconds", "date"])
async def test_429_is_retried_with_its_retry_after(
    receiver: Receiver, sender: WebhookSender, form: str
) -> None:
    result = await sender.send(request(receiver.url(f"/retry-after/{form}")))

    assert (result.status, result.verdict) == (429, DeliveryVerdict.RETRY)
    assert result.retry_after is not None
    assert abs(result.retry_after.total_seconds() - 120) <= 3


async def test_redirects_fail_and_are_not_followed(
    receiver: Receiver, sender: WebhookSender
) -> None:
    result = await sender.send(request(receiver.url("/redirect")))

    assert (result.status, result.verdict) == (302, DeliveryVerdict.FAIL)
    assert result.error == "redirect not followed"
    assert receiver.hits["/ok"] == 0


async def test_a_slow_receiver_times_out_and_is_retried(receiver: Receiver) -> None:
    async with WebhookSender(LOCAL, timeout=timedelta(seconds=0.2)) as sender:
        result = await sender.send(request(receiver.url("/slow")))

    assert (result.status, result.verdict) == (None, DeliveryVerdict.RETRY)
    assert result.error == "timeout after 0.2s"
    assert 150 < result.duration_ms < 2000


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_connection_refused_is_retried_without_leaking_the_query(
    sender: WebhookSender,
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hook?token=s3cr3t"

    result = await sender.send(request(url))

    assert (result.status, result.verdict) == (None, DeliveryVerdict.RETRY)
    assert result.error == "connection refused"


async def test_an_endless_body_is_not_read_beyond_the_cap(receiver: Receiver) -> None:
    async with WebhookSender(LOCAL, timeout=timedelta(seconds=5)) as sender:
        result = await sender.send(request(receiver.url("/endless")))

    assert (result.status, result.verdict) == (200, DeliveryVerdict.DELIVERED)
    # The receiver notices the hang-up: the client stopped reading at the cap, long before the
    # timeout, and the stream stopped with it.
    await asyncio.wait_for(receiver.stream_ended.wait(), 5)
    assert result.duration_ms < 4000
    assert receiver.streamed < 64 * 2**20  # what sat in socket buffers, nowhere near 1 GiB


async def test_each_attempt_is_signed_afresh(receiver: Receiver) -> None:
    now = [time.time()]
    async with WebhookSender(LOCAL, clock=lambda: now[0]) as sender:
        first = await sender.send(request(receiver.url("/ok"), msg_id="msg_retry"))
        now[0] += 1
        second = await sender.send(request(receiver.url("/ok"), msg_id="msg_retry"))

    assert first.verdict == second.verdict == DeliveryVerdict.DELIVERED  # both verified
    one, two = receiver.seen
    assert one["webhook-id"] == two["webhook-id"] == "msg_retry"
    assert int(two["webhook-timestamp"]) == int(one["webhook-timestamp"]) + 1
    assert one["webhook-signature"] != two["webhook-signature"]


async def test_during_rotation_either_secret_verifies(
    receiver: Receiver, sender: WebhookSender
) -> None:
    both = (SECRET_A, SECRET_B)

    results = await sender.send_many(
        [request(receiver.url("/ok/a"), secrets=both), request(receiver.url("/ok/b"), secrets=both)]
    )
    alone = await sender.send(request(receiver.url("/ok/b"), secrets=(SECRET_A,)))

    assert [r.verdict for r in results] == [DeliveryVerdict.DELIVERED] * 2
    assert len(receiver.seen[0]["webhook-signature"].split(" ")) == 2
    assert (alone.status, alone.verdict) == (401, DeliveryVerdict.FAIL)  # the control


async def test_concurrency_is_bounded_per_endpoint(receiver: Receiver) -> None:
    async with WebhookSender(LOCAL, per_endpoint_limit=4, overall_limit=100) as sender:
        results = await sender.send_many(
            request(receiver.url("/busy"), msg_id=f"msg_{i}") for i in range(50)
        )

    assert {r.verdict for r in results} == {DeliveryVerdict.DELIVERED}
    assert 1 < receiver.max_in_flight <= 4


async def test_concurrency_is_bounded_overall(receiver: Receiver) -> None:
    async with WebhookSender(LOCAL, per_endpoint_limit=8, overall_limit=3) as sender:
        results = await sender.send_many(
            request(receiver.url(f"/busy/{i % 4}"), msg_id=f"msg_{i}") for i in range(40)
        )

    assert {r.verdict for r in results} == {DeliveryVerdict.DELIVERED}
    assert 1 < receiver.max_in_flight <= 3


def _assert_refused(result: DeliveryResult, reason: str) -> None:
    assert (result.status, result.verdict) == (None, DeliveryVerdict.FAIL)
    assert result.error is not None
    assert result.error.startswith("destination refused")
    assert reason in result.error
    assert "token" not in result.error


async def test_ssrf_guard_refuses_loopback_literals_and_names(receiver: Receiver) -> None:
    policy = DestinationPolicy(allow_private=False, require_https=False)
    async with WebhookSender(policy) as sender:
        literal = await sender.send(request(receiver.url("/ok?token=x")))
        named = await sender.send(request(f"http://localhost:{receiver.port}/ok?token=x"))
        ipv6 = await sender.send(request(f"http://[::1]:{receiver.port}/ok"))
        mapped = await sender.send(request(f"http://[::ffff:127.0.0.1]:{receiver.port}/ok"))

    _assert_refused(literal, "127.0.0.1 is not a public address")
    _assert_refused(named, "localhost resolves only to non-public addresses")
    _assert_refused(ipv6, "not a public address")
    _assert_refused(mapped, "not a public address")
    assert receiver.hits.total() == 0


async def test_ssrf_guard_lets_allow_listed_hosts_through(receiver: Receiver) -> None:
    policy = DestinationPolicy(allowed_hosts=frozenset({"LOCALHOST."}), require_https=False)
    async with WebhookSender(policy) as sender:
        result = await sender.send(request(f"http://localhost:{receiver.port}/ok"))

    assert result.verdict == DeliveryVerdict.DELIVERED
    assert receiver.hits["/ok"] == 1


async def test_plain_http_is_refused_when_https_is_required(receiver: Receiver) -> None:
    async with WebhookSender(DestinationPolicy(allow_private=True)) as sender:
        result = await sender.send(request(receiver.url("/ok")))

    _assert_refused(result, "https is required")
    assert receiver.hits.total() == 0


class _StubResolver(AbstractResolver):
    """Answers like a DNS server under an attacker's control."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        pass


async def test_the_connection_resolver_drops_private_answers() -> None:
    policy = DestinationPolicy()
    mixed = PolicyResolver(policy, _StubResolver(["127.0.0.1", "93.184.215.14", "10.1.2.3"]))
    rebound = PolicyResolver(policy, _StubResolver(["169.254.169.254"]))

    assert [r["host"] for r in await mixed.resolve("hooks.example", 443)] == ["93.184.215.14"]
    with pytest.raises(DestinationRefusedError, match="non-public"):
        await rebound.resolve("hooks.example", 443)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("fe80::1", False),
        ("fc00::1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("224.0.0.1", False),
        ("ff02::1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address we refuse, not one we bind
        ("::", False),
        ("240.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 wrapping 10.0.0.1
        ("not-an-address", False),
    ],
)
def test_address_classification(address: str, allowed: bool) -> None:
    assert DestinationPolicy().address_allowed(address) is allowed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("²", None),
        ("30", timedelta(seconds=30)),
        (" 30 ", timedelta(seconds=30)),
        ("99999999999999999999", timedelta(days=365)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", timedelta(0)),  # in the past: no extra wait
        ("Wed, 21 Oct 2015 07:30:00 GMT", timedelta(seconds=120)),
    ],
)
def test_retry_after_parsing(value: str | None, expected: timedelta | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()

    assert parse_retry_after(value, now) == expected


def test_requests_need_a_valid_secret() -> None:
    with pytest.raises(ValueError, match="at least one secret"):
        WebhookRequest(url="https://a.example/", msg_id="m", body=b"{}", secrets=())
    with pytest.raises(ValueError, match="whsec_"):
        WebhookRequest(url="https://a.example/", msg_id="m", body=b"{}", secrets=("whsec_!!",))


def test_tls_verification_cannot_be_switched_off() -> None:
    lax = ssl.create_default_context()
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE

    with pytest.raises(ValueError, match="cannot be turned off"):
        WebhookSender(ssl_context=lax)


async def test_sending_needs_the_context_manager() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        await WebhookSender().send(request("https://a.example/"))


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tellonce test receiver")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_https_certificates_are_verified(certificate: tuple[Path, Path]) -> None:
    cert_path, key_path = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    receiver = Receiver()
    receiver.server = TestServer(_app(receiver), host="127.0.0.1", port=0)
    await receiver.server.start_server(ssl=server_context)
    https = DestinationPolicy(allow_private=True, require_https=True)
    assert receiver.url("/ok").startswith("https://")
    try:
        async with WebhookSender(https) as sender:
            untrusted = await sender.send(request(receiver.url("/ok")))
        trusting = ssl.create_default_context(cafile=str(cert_path))
        async with WebhookSender(https, ssl_context=trusting) as sender:
            trusted = await sender.send(request(receiver.url("/ok")))
    finally:
        await receiver.server.close()

    assert (untrusted.status, untrusted.verdict) == (None, DeliveryVerdict.RETRY)
    assert untrusted.error == "tls certificate rejected"
    assert (trusted.status, trusted.verdict) == (204, DeliveryVerdict.DELIVERED)
    assert receiver.hits["/ok"] == 1


async def test_an_endpoint_that_hangs_leaves_its_host_to_the_others(receiver: Receiver) -> None:
    """Two endpoints on one host: the one that hangs holds its own slots, not the host's
    connections, so the other's pushes go at once (docs/reliability.md, finding 2). Before, the
    pool's per-host cap equalled the endpoint's, and the healthy endpoint's requests timed out
    waiting for a connection."""
    async with WebhookSender(
        LOCAL, per_endpoint_limit=2, overall_limit=100, timeout=timedelta(seconds=3)
    ) as sender:
        hanging = [
            asyncio.ensure_future(sender.send(request(receiver.url("/slow"), msg_id=f"h{i}")))
            for i in range(6)
        ]
        await asyncio.sleep(0.2)  # the hanging endpoint's slots are taken
        started = time.monotonic()
        results = await sender.send_many(
            request(receiver.url("/ok/a"), msg_id=f"ok{i}") for i in range(4)
        )
        took = time.monotonic() - started
        receiver.release.set()
        await asyncio.gather(*hanging)

    assert [r.verdict for r in results] == [DeliveryVerdict.DELIVERED] * 4
    assert took < 2.0


async def test_concurrency_is_bounded_per_host(receiver: Receiver) -> None:
    async with WebhookSender(
        LOCAL, per_endpoint_limit=2, per_host_limit=3, overall_limit=100
    ) as sender:
        results = await sender.send_many(
            request(receiver.url(f"/busy/{i % 4}"), msg_id=f"msg_{i}") for i in range(40)
        )

    assert {r.verdict for r in results} == {DeliveryVerdict.DELIVERED}
    assert 1 < receiver.max_in_flight <= 3
