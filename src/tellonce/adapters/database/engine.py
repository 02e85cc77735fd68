"""Engines for the two supported databases: embedded SQLite (WAL) and PostgreSQL (psycopg 3).

SQLite has one writer at a time. Every write transaction starts with ``BEGIN IMMEDIATE`` (it
takes the write lock at once, so transactions queue instead of failing half-way), and before
that it takes the *writer lock*: a lock in this process and an ``flock`` on a file beside the
database, shared by every process on it (``tellonce serve --workers N``, ``tellonce worker``).
Without it, writers queue in SQLite's busy handler, which sleeps 1, 2, 5, 10 ... 100 ms between
tries: under load most of the time went on those sleeps (issue 12: ~45 reports/s whatever the
concurrency). The writer lock wakes the next writer as soon as the last one commits. It is
released after the COMMIT or ROLLBACK (the dialect's own), never before.

A read-only unit of work (``READ_ONLY``) begins a deferred transaction and takes no lock: WAL
lets it read the last committed state while a writer writes.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

# An execution option: this connection's transactions only read (SQLite: deferred, no lock).
READ_ONLY = "tellonce_read_only"
# How long a thread waits for this process's writer lock before giving up, as busy_timeout.
WRITER_WAIT_SECONDS = 30.0


def _sqlite_connection(busy_timeout_ms: int) -> Any:
    def connected(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is
        # deferred, which lets two writers both read and then deadlock on upgrade to a write
        # lock).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # How long a writer waits for another's lock before "database is locked" (a 503).
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return connected


class WriterLock:
    """One writer at a time on one SQLite file, across threads and processes."""

    def __init__(self, lock_path: Path | None) -> None:
        self._thread_lock = threading.Lock()
        self._path = lock_path
        self._fd: int | None = None
        self._pid = 0
        self._held: set[int] = set()  # id() of the DBAPI connections holding it

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, dbapi_connection: Any) -> None:
        if not self._thread_lock.acquire(timeout=WRITER_WAIT_SECONDS):
            raise sa.exc.OperationalError(
                "BEGIN IMMEDIATE", None, Exception("database is locked (writer lock)")
            )
        try:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        except BaseException:
            self._thread_lock.release()
            raise
        self._held.add(id(dbapi_connection))

    def release(self, dbapi_connection: Any) -> None:
        if id(dbapi_connection) not in self._held:
            return
        self._held.discard(id(dbapi_connection))
        try:
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def holds(self, dbapi_connection: Any) -> bool:
        return id(dbapi_connection) in self._held


def _install_writer_lock(engine: sa.Engine, lock: WriterLock) -> None:
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def begin(connection: sa.Connection) -> None:
        driver = connection.connection.dbapi_connection
        assert driver is not None
        if connection.get_execution_options().get(READ_ONLY):
            driver.execute("BEGIN")  # deferred: a snapshot of the last commit, no lock
            return
        lock.acquire(driver)
        try:
            # IMMEDIATE takes SQLite's write lock at the start. The driver's own call: the
            # same statement through SQLAlchemy's execution machinery cost 8 % of intake.
            driver.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:  # locked past busy_timeout, disk full, ...
            lock.release(driver)
            # Raised as SQLAlchemy would have: the API answers it 503 (bootstrap's rule).
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, error) from error
        except BaseException:
            lock.release(driver)
            raise

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            lock.release(_driver_of(dbapi_connection))

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            lock.release(_driver_of(dbapi_connection))

    def forget(dbapi_connection: Any, *_: Any) -> None:
        lock.release(dbapi_connection)  # a connection closed or invalidated mid-transaction

    event.listen(engine, "begin", begin)
    event.listen(engine.pool, "close", forget)
    event.listen(engine.pool, "invalidate", forget)
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _driver_of(connection: Any) -> Any:
    """The DBAPI connection behind a pool's proxy (the dialect is handed either)."""
    return getattr(connection, "dbapi_connection", connection)


def create_database_engine(
    url: str, *, echo: bool = False, sqlite_busy_timeout_ms: int = 30_000
) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        lock_path = None
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            lock_path = Path(f"{parsed.database}-writer.lock")
        # FastAPI's thread pool runs up to 40 requests at once: a connection each, readers
        # included (only writers queue, on the writer lock). An in-memory database keeps
        # SQLAlchemy's own pool.
        pool = {"pool_size": 20, "max_overflow": 30} if lock_path is not None else {}
        engine = sa.create_engine(url, echo=echo, connect_args={"check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_connection(sqlite_busy_timeout_ms))
        _install_writer_lock(engine, WriterLock(lock_path))
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return sa.create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)
