"""Reading a remote hub's transparency log over HTTP, as any tlog-tiles client would.

Standard library only (``http.client``), so ``tellonce log verify --url`` works in any
install. Connections are kept alive, one per thread, and ``prefetch`` fetches ahead in a
small thread pool: auditing a million-entry log is about 8,000 requests.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from tellonce.domain.transparency.errors import TransparencyError

TIMEOUT_SECONDS = 30.0
MAX_BYTES = 16 * 1024 * 1024  # a full entry bundle is at most 256 * 64 KiB


class LogFetchError(TransparencyError):
    """The log did not serve a resource it should have."""


class HttpLogClient:
    """``fetch(path)`` for the log at ``base_url`` (``https://hub.example/``)."""

    def __init__(self, base_url: str, *, workers: int = 8, window: int = 64) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("the log URL must be http:// or https:// with a host")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/") + "/log/"
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="log-fetch")
        self._window = window
        self._ahead: deque[tuple[str, Future[bytes]]] = deque()
        self._order: Iterator[str] = iter(())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for _, future in self._ahead:
            future.cancel()
        self._pool.shutdown(wait=True)

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            if self._https:
                context = ssl.create_default_context()
                connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=TIMEOUT_SECONDS, context=context
                )
            else:
                connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=TIMEOUT_SECONDS
                )
            self._local.connection = connection
        return connection

    def _get(self, path: str) -> bytes:
        for attempt in range(2):  # a kept-alive connection may have been closed by the server
            connection = self._connection()
            try:
                connection.request("GET", self._prefix + path)
                response = connection.getresponse()
                body = response.read(MAX_BYTES + 1)
            except (http.client.HTTPException, OSError) as error:
                connection.close()
                self._local.connection = None
                if attempt:
                    raise LogFetchError(
                        f"could not fetch {path}: {type(error).__name__}"
                    ) from error
                continue
            if response.status != 200:
                raise LogFetchError(f"the log answered {response.status} for {path}")
            if len(body) > MAX_BYTES:
                raise LogFetchError(f"{path} is larger than any log resource may be")
            return body
        raise AssertionError("unreachable")

    def prefetch(self, paths: Iterable[str]) -> None:
        """Fetch these paths ahead, in this order, as ``fetch`` asks for them."""
        self._order = iter(paths)
        self._top_up()

    def _top_up(self) -> None:
        while len(self._ahead) < self._window:
            path = next(self._order, None)
            if path is None:
                return
            self._ahead.append((path, self._pool.submit(self._get, path)))

    def fetch(self, path: str) -> bytes:
        if self._ahead and self._ahead[0][0] == path:
            _, future = self._ahead.popleft()
            self._top_up()
            return future.result()
        return self._get(path)

    def verifier_key(self) -> str:
        return self._get("key").decode("utf-8").strip()
