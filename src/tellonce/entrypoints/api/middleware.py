"""Small pure-ASGI layers around the whole application (the API and the portal).

- :class:`ContainErrors` sits outside Starlette's own error middleware, which answers an
  unexpected exception with the registered handler (a problem, or the portal's page) and then
  re-raises it so that the server can log it. The server's log would be the whole traceback,
  with the SQL text and bound values of a failed statement: personal data. The handler has
  already logged the one line we want, so the exception stops here.
- :class:`BodyLimit` refuses a request body over the limit before anything parses it: at once
  for a declared ``Content-Length``, and as soon as a chunked body grows past it.
- :class:`RateLimit` answers 429 with ``Retry-After`` to a caller over its limits.
- :class:`NoStoreWithCredentials` keeps responses to callers who identified themselves out of
  every cache (their own, and any shared one in between) unless the route said otherwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tellonce.bootstrap import database_unavailable
from tellonce.domain.rate_limits import Limit
from tellonce.entrypoints.portal.security import SESSION_COOKIE

Refusal = Callable[[Request, int], Awaitable[Response]]


class ContainErrors:
    """Let no exception out of the application once it has been answered and logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # the lifespan's failures must reach the server
            await self.app(scope, receive, send)
            return
        # Answered and logged (its type only) already, by the handler.
        with contextlib.suppress(Exception):
            await self.app(scope, receive, send)


class BodyTooLarge(Exception):
    """A request body larger than the hub accepts (TELLONCE_MAX_BODY_BYTES)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class BodyLimit:
    """Refuse bodies over ``max_bytes`` (or the larger limit of a path in ``larger``, such as
    the registrars' bulk intake) with ``refuse``'s answer, without reading them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        refuse: Refusal,
        larger: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        self.larger = dict(larger or {})
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.default_max_bytes)
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        declared = Headers(scope=scope).get("content-length")
        if (
            declared is not None
            and declared.isascii()
            and declared.isdigit()
            and int(declared) > limit
        ):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            # Whatever the application makes of a body cut short (FastAPI answers 400) is
            # replaced by the refusal below.
            if exceeded and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, counted, guarded)
        if exceeded and not started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = await self.refuse(Request(scope), limit)
        # The rest of the body is never read: ask the client not to reuse the connection.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


class NoStoreWithCredentials:
    """``Cache-Control: no-store`` on every response to a request that carries a bearer token
    or a portal session, and on every new demo session, unless the route set its own."""

    def __init__(self, app: ASGIApp, *, always: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.always = always

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._private(scope):
            await self.app(scope, receive, send)
            return

        async def no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, no_store)

    def _private(self, scope: Scope) -> bool:
        if scope.get("path") in self.always:
            return True
        headers = Headers(scope=scope)
        if "authorization" in headers:
            return True
        return f"{SESSION_COOKIE}=" in headers.get("cookie", "")


# Where a citizen signs in, previews and submits: limited per session and per client address.
LIMITED_ACTIONS = frozenset(
    {
        ("POST", "/sign-in"),
        ("GET", "/sign-in/callback"),
        ("GET", "/report/preview"),
        ("POST", "/report/check-answers"),
        ("POST", "/api/v1/reports"),
        ("POST", "/api/v1/reports/preview"),
        ("POST", "/api/v1/demo/sessions"),
        ("POST", "/api/v1/registrar/reports"),
    }
)
KEY_PREFIX = "tlo_"
SESSION_TOKEN_PREFIX = "tlo_session_"  # noqa: S105 - a prefix, not a secret


class RateLimit:
    """429 with ``Retry-After`` once a caller is over a limit (issue 13): every call with an
    API key counts against the key; signing in, previews and submissions count against the
    citizen's session and the client's address. ``buckets`` names them for a request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        buckets: Callable[[Scope], list[tuple[str, Limit]]],
        admit: Callable[[list[tuple[str, Limit]]], Awaitable[int | None]],
        refuse: Refusal,
        outage: Callable[[str], Response],
    ) -> None:
        self.app = app
        self.buckets = buckets
        self.admit = admit
        self.refuse = refuse
        self.outage = outage  # the answer while the store (the database) is away

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = self.buckets(scope)
        try:
            wait = await self.admit(wanted) if wanted else None
        except Exception as error:
            # The shared store is the database: while it is away, answer as every route does
            # then (503 with Retry-After), not with an unexpected error.
            if not database_unavailable(error):
                raise
            response = self.outage(type(error).__name__)
            await response(scope, receive, send)
            return
        if wait is None:
            await self.app(scope, receive, send)
            return
        response = await self.refuse(Request(scope, receive), wait)
        await response(scope, receive, send)


def credentials_of(scope: Scope) -> tuple[str | None, str | None]:
    """(API key, citizen session token) the request carries, if any: a bearer token that is a
    key, and a session from a bearer token or the portal's cookie."""
    headers = Headers(scope=scope)
    bearer = headers.get("authorization", "")
    token = bearer[7:].strip() if bearer[:7].lower() == "bearer " else ""
    is_key = token.startswith(KEY_PREFIX) and not token.startswith(SESSION_TOKEN_PREFIX)
    key = token if is_key else None
    session = token if token.startswith(SESSION_TOKEN_PREFIX) else None
    if session is None:
        cookies = Request(scope).cookies
        session = cookies.get(f"__Host-{SESSION_COOKIE}") or cookies.get(SESSION_COOKIE)
    return key, session


class SecurityHeaders:
    """Headers every response carries, API and static files included (pages set a stricter
    Content-Security-Policy of their own): no MIME sniffing, no referrer to other sites, no
    framing, and HSTS when the hub is served over TLS."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.defaults = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
        }
        if hsts:
            self.defaults["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.defaults.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
