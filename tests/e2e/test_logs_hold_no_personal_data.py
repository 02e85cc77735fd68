"""Nothing the hub logs holds personal data: not on success, not when a recipient fails, not
when a request is invalid, not when the hub itself fails."""

from __future__ import annotations

import contextlib
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.repositories import reports as repository
from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.entrypoints.portal.security import SESSION_COOKIE
from tests.support.api import sign_in, submission
from tests.support.delivery import connect, run_rounds
from tests.support.processes import environment, free_port, wait_until_up

# Every value of the example change of address that could identify the person.
PERSONAL = (
    "Ellis-Roberts",
    "Siân",
    "1988-04-17",
    "QQ123456C",
    "9995260182",
    "14 Ash Grove",
    "LS6 2AB",
    "Wilmslow Road",
    "M14 5TQ",
    "sian.ellis-roberts@example.com",
    "07700900982",
)


def test_the_logs_of_a_whole_journey_and_its_failures_hold_no_personal_data(
    client: TestClient, hub: Hub, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    auth = sign_in(client, "logged")
    body = submission(client, auth, {"charity-newsletter": True}, holds_driving_licence=True)
    assert client.post("/api/v1/reports", json=body, headers=auth).status_code == 201

    with ReceiverServer() as receiver:  # every push fails: the worker logs its retries
        receiver.state.behaviour = lambda _path, _attempt: (500, {})
        connect(hub, receiver)
        run_rounds(hub)

    wrong: dict[str, Any] = {**body, "payload": {**body["payload"], "move_date": "2999-01-01"}}
    assert client.post("/api/v1/reports", json=wrong, headers=auth).status_code == 422

    original = repository.SqlReportRepository.add

    def fail(self: Any, *args: Any) -> None:
        original(self, *args)
        raise RuntimeError(f"constraint failed for {args!r}")  # an error that carries the data

    monkeypatch.setattr(repository.SqlReportRepository, "add", fail)
    assert client.post("/api/v1/reports", json=body, headers=auth).status_code == 500

    logged = caplog.text
    assert "unexpected error: RuntimeError" in logged  # the hub did log, and what went wrong
    assert any(record.levelno >= logging.WARNING for record in caplog.records)
    for value in PERSONAL:
        assert value not in logged, value


@contextlib.contextmanager
def failing_statement(engine: sa.Engine, table: str) -> Iterator[None]:
    """The next statements on ``table`` fail in the database itself, with personal data among
    their bound values, as a constraint or a type error on a real statement would: the driver's
    error then carries the SQL text and the values."""
    personal = " ".join(PERSONAL)

    def fail(
        _connection: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> tuple[str, Any]:
        if not re.search(rf"\b(FROM|JOIN|INTO) {table}\b", statement):
            return statement, parameters
        if engine.dialect.paramstyle == "qmark":
            return "SELECT ? FROM no_such_table_for_this_test", (personal,)
        return "SELECT %(value)s FROM no_such_table_for_this_test", {"value": personal}

    sa.event.listen(engine, "before_cursor_execute", fail, retval=True)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail)


def assert_no_personal_data_nor_traceback(caplog: pytest.LogCaptureFixture, prefix: str) -> None:
    logged = caplog.text
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    # The driver's error type only: OperationalError on SQLite, ProgrammingError on PostgreSQL.
    assert re.fullmatch(rf"{prefix}: (OperationalError|ProgrammingError)", line), line
    assert all(r.exc_info is None and r.exc_text is None for r in caplog.records)
    assert "Traceback" not in logged
    assert "no_such_table_for_this_test" not in logged  # no SQL text
    for value in PERSONAL:
        assert value not in logged, value


def test_a_failed_database_statement_leaves_one_line_and_no_personal_data(
    hub: Hub, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    auth = sign_in(client, "logged")
    # The server sees whatever leaves the application: raise_server_exceptions would raise it.
    with TestClient(create_app(hub), raise_server_exceptions=True) as server:
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        with failing_statement(hub.engine, "sessions"):
            response = server.get("/api/v1/reports", headers=auth)
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/internal-error"
        assert_no_personal_data_nor_traceback(caplog, "unexpected error")


def test_a_failed_database_statement_behind_a_page_leaves_one_line_and_no_personal_data(
    hub: Hub, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = sign_in(client, "logged")["Authorization"].removeprefix("Bearer ")
    with TestClient(create_app(hub), raise_server_exceptions=True) as server:
        server.cookies.set(SESSION_COOKIE, token)
        caplog.clear()
        caplog.set_level(logging.DEBUG)
        with failing_statement(hub.engine, "sessions"):
            response = server.get("/reports", headers={"Accept": "text/html"})
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("text/html")
        assert_no_personal_data_nor_traceback(caplog, "portal page failed")


def test_under_a_real_server_a_failed_statement_leaves_one_line_each_and_no_traceback(
    hub: Hub, tmp_path: Path
) -> None:
    """What uvicorn itself writes, not only what reaches our loggers: before, it logged the
    re-raised exception's whole traceback, with the failed statement's SQL and values."""
    port = free_port()
    env = {**environment(hub, tmp_path), "TELLONCE_DEMO_SIGN_IN": "true"}
    server = subprocess.Popen(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "tellonce", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    renamed = False
    try:
        wait_until_up(server, url)
        signed_in = httpx.post(f"{url}/api/v1/demo/sessions", json={"name": "Siân Ellis-Roberts"})
        token = signed_in.json()["token"]
        with hub.engine.begin() as connection:  # every session look-up now fails in the database
            connection.exec_driver_sql("ALTER TABLE sessions RENAME TO sessions_elsewhere")
        renamed = True
        api = httpx.get(f"{url}/api/v1/reports", headers={"Authorization": f"Bearer {token}"})
        page = httpx.get(
            f"{url}/reports", headers={"Accept": "text/html"}, cookies={SESSION_COOKIE: token}
        )
        assert api.status_code == 500 and api.json()["type"] == "/problems/internal-error"
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    finally:
        if renamed:
            with hub.engine.begin() as connection:
                connection.exec_driver_sql("ALTER TABLE sessions_elsewhere RENAME TO sessions")
        server.terminate()
        logged = server.communicate(timeout=30)[0].decode()
    errors = [line for line in logged.splitlines() if "error" in line.lower()]
    assert len(errors) == 2, logged
    assert "unexpected error: " in errors[0] and "portal page failed: " in errors[1], logged
    assert "Traceback" not in logged and "Exception in ASGI application" not in logged
    assert "sessions" not in logged and "SELECT" not in logged and token not in logged
    assert "Siân" not in logged
