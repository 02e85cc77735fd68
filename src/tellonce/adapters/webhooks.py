"""Push delivery over HTTP: Standard Webhooks v1 signing, an SSRF guard and the aiohttp sender.

The sender makes exactly one attempt per call and reports what happened; when to try again is
the domain's decision (``tellonce.domain.backoff``), and recording it is the use case's.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email.utils
import hmac
import ipaddress
import secrets as secrets_module
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from tellonce.domain.backoff import DeliveryVerdict, classify

__all__ = [
    "CLOUDEVENTS_JSON",
    "USER_AGENT",
    "DeliveryResult",
    "DestinationPolicy",
    "DestinationRefusedError",
    "PolicyResolver",
    "WebhookRequest",
    "WebhookSender",
    "generate_secret",
    "parse_retry_after",
    "sign",
    "signature_header",
    "signed_headers",
]

CLOUDEVENTS_JSON = "application/cloudevents+json"
USER_AGENT = "tellonce-webhooks/1"
_SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's marker, not a secret
# Bounds a hostile Retry-After before timedelta overflows; the schedule caps it far lower anyway.
_MAX_RETRY_AFTER_SECONDS = 365 * 24 * 3600
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(_SECRET_PREFIX)
    try:
        # Tolerate unpadded base64, as the reference libraries do.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error as exc:
        raise ValueError("webhook secret is not whsec_<base64>") from exc
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64 HMAC-SHA256>`` signature of ``"{msg_id}.{timestamp}." + body``."""
    digest = hmac.digest(_secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body, "sha256")
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per secret, space-separated.

    While a recipient rotates its secret we sign with both, so either copy verifies.
    """
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets)


def signed_headers(
    msg_id: str,
    timestamp: int,
    body: bytes,
    secrets: Sequence[str],
    content_type: str = CLOUDEVENTS_JSON,
) -> dict[str, str]:
    """Every header a Standard Webhooks receiver checks, plus the content type."""
    return {
        "Content-Type": content_type,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, msg_id, timestamp, body),
    }


def generate_secret() -> str:
    """A new ``whsec_`` secret: 32 random bytes, SHA-256's own size (the spec allows 24 to 64)."""
    return _SECRET_PREFIX + base64.b64encode(secrets_module.token_bytes(32)).decode("ascii")


class DestinationRefusedError(Exception):
    """The policy forbids sending to this URL; the message is safe to store (no query string)."""


def _normalise_host(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 address can smuggle an IPv4 one (::ffff:127.0.0.1 is loopback, yet Python 3.11
        # does not call it that); judge the embedded address too.
        if ip.ipv4_mapped is not None:
            return _is_public(ip.ipv4_mapped)
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not _is_public(embedded):
            return False
    # is_global alone misses multicast; the named flags alone miss 100.64/10 (carrier NAT).
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True, slots=True)
class DestinationPolicy:
    """Where webhooks may go. The defaults are the production ones.

    ``allow_private`` lifts the address check entirely (tests only: the hub never sets it);
    ``allowed_hosts`` lifts it for named hosts or IP literals only (a recipient reached over a
    private link, and in demo and development mode the loopback names, see
    ``Settings.push_allowed_hosts``).
    """

    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    require_https: bool = True

    def __post_init__(self) -> None:
        hosts = frozenset(_normalise_host(host) for host in self.allowed_hosts)
        object.__setattr__(self, "allowed_hosts", hosts)

    def host_allowed(self, host: str) -> bool:
        """True when ``host`` may resolve to any address at all."""
        return self.allow_private or _normalise_host(host) in self.allowed_hosts

    def address_allowed(self, address: str) -> bool:
        """True when a resolved (or literal) address is public; unparseable means refused."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return _is_public(ip)

    def check_url(self, url: str | URL) -> URL:
        """Refuse bad schemes and non-public IP literals before any connection is made.

        Host *names* are checked where it matters, on the connection itself, by
        ``PolicyResolver``; literals never reach a resolver, so they are checked here.
        """
        try:
            parsed = url if isinstance(url, URL) else URL(url)
        except ValueError as exc:
            raise DestinationRefusedError("not a valid URL") from exc
        if parsed.scheme not in {"http", "https"}:
            raise DestinationRefusedError("only http(s) URLs can receive webhooks")
        if self.require_https and parsed.scheme != "https":
            raise DestinationRefusedError("https is required; plain http refused")
        host = parsed.raw_host
        if not host:
            raise DestinationRefusedError("URL has no host")
        if parsed.raw_user or parsed.raw_password:
            # Credentials in a URL end up in logs and proxies; pushes are signed instead.
            raise DestinationRefusedError("a URL with credentials is refused")
        if self.host_allowed(host):
            return parsed
        try:
            ip = ipaddress.ip_address(_normalise_host(host))
        except ValueError:
            return parsed
        if not _is_public(ip):
            raise DestinationRefusedError(f"{host} is not a public address")
        return parsed

    def refusal(self, url: str) -> str | None:
        """Why this policy refuses ``url`` (as the sender would when connecting), or None.

        The same checks as at send time, run when an endpoint is set: the URL itself, then its
        name resolved now. A name that does not resolve yet is not refused (DNS may come
        later); the sender checks again at every connection, so a name that changes to a
        private address later is still refused then."""
        try:
            parsed = self.check_url(url)
        except DestinationRefusedError as refused:
            return str(refused)
        host = _normalise_host(parsed.raw_host or "")
        if self.host_allowed(host):
            return None
        try:
            ipaddress.ip_address(host)
            return None  # a literal: check_url judged it
        except ValueError:
            pass
        try:
            found = socket.getaddrinfo(host, parsed.port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None
        if not any(self.address_allowed(str(info[4][0])) for info in found):
            return f"{host} resolves only to non-public addresses"
        return None


class PolicyResolver(AbstractResolver):
    """A resolver that drops the addresses a policy forbids.

    aiohttp connects to exactly what its resolver returns, so checking here closes the DNS
    rebinding gap (a name that resolves to a public address when checked and to 127.0.0.1 when
    connected): there is no separate check. Mixed answers keep their public addresses only.
    """

    def __init__(self, policy: DestinationPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        # ThreadedResolver is the event loop's getaddrinfo, i.e. the system's resolver.
        self._inner = inner if inner is not None else ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._policy.host_allowed(host):
            return results
        allowed = [result for result in results if self._policy.address_allowed(result["host"])]
        if not allowed:
            raise DestinationRefusedError(f"{host} resolves only to non-public addresses")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """One delivery attempt to make. ``msg_id`` is the CloudEvent id, stable across retries."""

    url: str
    msg_id: str
    body: bytes
    secrets: tuple[str, ...]
    content_type: str = CLOUDEVENTS_JSON

    def __post_init__(self) -> None:
        if not self.secrets:
            raise ValueError("a webhook needs at least one secret")
        for secret in self.secrets:
            _secret_key(secret)  # fail here, loudly, rather than at send time


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What one attempt saw. ``error`` is short and safe to store: no URL, query or body."""

    status: int | None
    error: str | None
    duration_ms: float
    retry_after: timedelta | None
    verdict: DeliveryVerdict


def parse_retry_after(value: str | None, now: float) -> timedelta | None:
    """Parse ``Retry-After`` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3); else ``None``.

    ``now`` is a POSIX timestamp; a date in the past means "now" (zero).
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return timedelta(seconds=min(int(value), _MAX_RETRY_AFTER_SECONDS))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are always GMT
        when = when.replace(tzinfo=UTC)
    seconds = min(max(when.timestamp() - now, 0.0), _MAX_RETRY_AFTER_SECONDS)
    return timedelta(seconds=seconds)


# aiohttp's own messages hold the URL (and its query string), so we name failures ourselves.
_FAILURES: tuple[tuple[type[BaseException], str], ...] = (
    (aiohttp.ClientConnectorCertificateError, "tls certificate rejected"),
    (aiohttp.ClientSSLError, "tls handshake failed"),
    (aiohttp.ClientConnectorDNSError, "dns lookup failed"),
    (aiohttp.ClientConnectorError, "connection failed"),
    (aiohttp.ServerDisconnectedError, "server disconnected"),
    (aiohttp.ClientPayloadError, "response truncated"),
    (aiohttp.ClientResponseError, "invalid HTTP response"),
)


def _describe(exc: BaseException) -> str:
    """A short, storable description of a network failure."""
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(
        exc.os_error, ConnectionRefusedError
    ):
        return "connection refused"
    for kind, text in _FAILURES:
        if isinstance(exc, kind):
            return text
    return f"network error ({type(exc).__name__})"


class _EndpointSlot:
    __slots__ = ("semaphore", "users")

    def __init__(self, limit: int) -> None:
        self.semaphore = asyncio.Semaphore(limit)
        self.users = 0


def _take(slots: dict[str, _EndpointSlot], key: str, limit: int) -> _EndpointSlot:
    slot = slots.get(key)
    if slot is None:
        slot = slots[key] = _EndpointSlot(limit)
    slot.users += 1
    return slot


def _give_back(slots: dict[str, _EndpointSlot], key: str, slot: _EndpointSlot) -> None:
    slot.users -= 1
    if not slot.users:  # nobody holds or awaits it: forget it, so the map stays small
        del slots[key]


class WebhookSender:
    """Sends signed webhooks over one pooled ``aiohttp.ClientSession``.

    Concurrency is bounded per endpoint (a semaphore per URL), per host (a semaphore per
    scheme, host and port: several endpoints on one supplier's host) and overall. The slots are
    taken *before* the attempt starts, and the pool has a connection for every overall slot, so
    time spent queueing neither counts against the per-attempt timeout nor ages the signed
    timestamp. The host's bound is larger than an endpoint's (``per_host_limit``, four
    endpoints' worth by default): an endpoint that hangs holds only its own slots, and another
    endpoint on the same host still gets connections (docs/reliability.md, finding 2); a host
    that hangs holds at most its bound of the pool, never all of it.
    """

    def __init__(
        self,
        policy: DestinationPolicy | None = None,
        *,
        overall_limit: int = 100,
        per_endpoint_limit: int = 8,
        per_host_limit: int | None = None,
        timeout: timedelta = timedelta(seconds=10),
        max_response_bytes: int = 64 * 1024,
        clock: Callable[[], float] = time.time,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if overall_limit < 1 or per_endpoint_limit < 1 or max_response_bytes < 0:
            raise ValueError("limits must be positive")
        context = ssl_context if ssl_context is not None else ssl.create_default_context()
        if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
            raise ValueError("TLS certificate and hostname checks cannot be turned off")
        self._policy = policy if policy is not None else DestinationPolicy()
        self._overall_limit = overall_limit
        self._per_endpoint_limit = per_endpoint_limit
        self._per_host_limit = (
            per_host_limit if per_host_limit is not None else 4 * per_endpoint_limit
        )
        if self._per_host_limit < 1:
            raise ValueError("limits must be positive")
        self._timeout = timeout
        self._client_timeout = aiohttp.ClientTimeout(total=timeout.total_seconds())
        self._max_response_bytes = max_response_bytes
        self._clock = clock
        self._ssl = context
        self._overall = asyncio.Semaphore(overall_limit)
        self._slots: dict[str, _EndpointSlot] = {}
        self._hosts: dict[str, _EndpointSlot] = {}
        self._session: aiohttp.ClientSession | None = None
        self._resolver: PolicyResolver | None = None

    async def __aenter__(self) -> Self:
        self._resolver = PolicyResolver(self._policy)
        connector = aiohttp.TCPConnector(
            limit=self._overall_limit,
            limit_per_host=0,  # the host slots bound it, before the timeout starts
            resolver=self._resolver,
            ssl=self._ssl,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": USER_AGENT},
            timeout=self._client_timeout,
            # No cookies carried between recipients; no decompressing bodies we throw away.
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("Accept-Encoding",),
            # Environment proxies would resolve names themselves, walking round PolicyResolver.
            trust_env=False,
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()  # the connector does not close a resolver it was given
            self._resolver = None

    async def send_many(self, requests: Iterable[WebhookRequest]) -> list[DeliveryResult]:
        """Send all concurrently (within the limits); results are in the order given."""
        return list(await asyncio.gather(*(self.send(request) for request in requests)))

    async def send(self, request: WebhookRequest) -> DeliveryResult:
        """Make one attempt. Never raises for HTTP or network trouble: it is in the result."""
        if self._session is None:
            raise RuntimeError("use `async with WebhookSender(...)` before sending")
        try:
            url = self._policy.check_url(request.url)
        except DestinationRefusedError as exc:
            return _refused(exc, time.perf_counter())
        host = f"{url.scheme}://{url.raw_host}:{url.port}"
        slot = _take(self._slots, request.url, self._per_endpoint_limit)
        host_slot = _take(self._hosts, host, self._per_host_limit)
        try:
            # Endpoint, then host, then overall: a backed-up endpoint must not sit on its
            # host's slots, nor a backed-up host on global ones.
            async with slot.semaphore, host_slot.semaphore, self._overall:
                return await self._attempt(self._session, url, request)
        finally:
            _give_back(self._slots, request.url, slot)
            _give_back(self._hosts, host, host_slot)

    async def _attempt(
        self, session: aiohttp.ClientSession, url: URL, request: WebhookRequest
    ) -> DeliveryResult:
        # Signed afresh on every attempt: receivers reject timestamps older than five minutes.
        timestamp = int(self._clock())
        headers = signed_headers(
            request.msg_id, timestamp, request.body, request.secrets, request.content_type
        )
        status: int | None = None
        retry_after: timedelta | None = None
        error: str | None = None
        started = time.perf_counter()
        try:
            async with session.post(
                url, data=request.body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self._clock())
                if 300 <= status <= 399:
                    error = "redirect not followed"
                await self._drain(response)
        except DestinationRefusedError as exc:
            return _refused(exc, started)
        except aiohttp.InvalidURL:
            return _result(None, "invalid URL", started, None, DeliveryVerdict.FAIL)
        except TimeoutError:
            error = f"timeout after {self._timeout.total_seconds():g}s"
        except (aiohttp.ClientError, OSError) as exc:
            error = _describe(exc)
        # A status line is the receiver's answer even if its body then failed to arrive.
        verdict = classify(status, network_error=status is None)
        return _result(status, error, started, retry_after, verdict)

    async def _drain(self, response: aiohttp.ClientResponse) -> None:
        """Read at most ``max_response_bytes``: draining lets the connection be reused, the cap
        keeps a hostile receiver from streaming forever into our memory or time."""
        remaining = self._max_response_bytes
        while not response.content.at_eof():
            if remaining <= 0:
                response.close()  # abandon the rest, and the connection with it
                return
            chunk = await response.content.read(remaining)
            if not chunk:
                return
            remaining -= len(chunk)


def _result(
    status: int | None,
    error: str | None,
    started: float,
    retry_after: timedelta | None,
    verdict: DeliveryVerdict,
) -> DeliveryResult:
    duration_ms = (time.perf_counter() - started) * 1000
    return DeliveryResult(status, error, duration_ms, retry_after, verdict)


def _refused(exc: DestinationRefusedError, started: float) -> DeliveryResult:
    # A policy refusal will not heal by waiting; an admin fixes the endpoint and replays.
    return _result(None, f"destination refused: {exc}", started, None, DeliveryVerdict.FAIL)
