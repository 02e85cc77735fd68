"""A real ``tellonce serve`` and loopback webhook receivers for every push recipient, one of each
per database per test session: on SQLite with its in-process delivery worker, on PostgreSQL with a
separate ``tellonce worker`` process. One Chromium per test module.

Debian's Chromium drives the tests; Playwright never downloads a browser. Without
/usr/bin/chromium the tests are skipped locally, and fail on CI (CI=true): tests never skip there.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tellonce.adapters.catalogue_files import read_catalogue
from tellonce.adapters.database.migrate import upgrade
from tellonce.bootstrap import bootstrap
from tellonce.config import Mode, Settings
from tellonce.domain.catalogue import Catalogue, Channel
from tellonce.entrypoints.demo.receivers import ReceiverServer
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.endpoints import set_endpoint
from tellonce.service_layer.identity import create_recipient_key, create_registrar_key
from tests.browser.portal import AXE, AXE_SKIPPED_ORIGINS
from tests.browser.server import Server
from tests.support.databases import ON_CI, create_postgres_database, drop_postgres_database
from tests.support.oidc import running_provider
from tests.support.paths import CATALOGUE_DIR
from tests.support.processes import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TELLONCE = Path(sys.executable).parent / "tellonce"


# Playwright's sync API keeps an asyncio loop running on this thread while it is started, so
# any later test in the same worker that calls asyncio.run() would fail: start it per module,
# and stop it before other tests run. (Module boundaries are where pytest tears down.)
@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        if ON_CI:
            pytest.fail(f"{CHROMIUM} is missing on CI: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (CI=true turns this into a failure)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def javascript(request: pytest.FixtureRequest) -> bool:
    enabled: bool = request.param
    return enabled


@pytest.fixture
def context(browser: Browser, javascript: bool) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies), with JavaScript on or off."""
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    context.set_default_timeout(10_000)
    # axe-core arrives with every page (compiled once, cached by V8). With JavaScript off the
    # page's own scripts do not run, init scripts included, but Playwright's evaluate still does:
    # check_accessibility injects axe into the page itself then.
    if javascript:
        context.add_init_script(AXE)
    yield context
    context.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _demo_catalogue() -> Catalogue:
    catalogue, problems = read_catalogue(CATALOGUE_DIR)
    assert catalogue is not None, problems
    return catalogue


def _connect_recipients(server: Server) -> None:
    catalogue = _demo_catalogue()
    hub = server.hub
    server.recipient_of = {a.id: a.recipient_id for a in catalogue.agreements}
    for recipient in catalogue.recipients.values():
        server.keys[recipient.id] = create_recipient_key(
            recipient.id, "test", "browser tests", uow=hub.uow(), clock=hub.clock
        ).key
        if recipient.channel is Channel.PULL:
            server.pull.add(recipient.id)
            continue
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        url = server.receiver.url(recipient.id)
        set_endpoint(
            recipient.id,
            url,
            secret,
            uow=hub.uow(),
            vault=hub.vault,
            clock=hub.clock,
            destinations=hub.destinations,
        )
        server.receiver.state.secrets[recipient.id] = secret


@contextlib.contextmanager
def serve(
    data_dir: Path,
    database_url: str | None,
    *,
    port: int | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """A real ``tellonce serve`` process on ``database_url`` (default: embedded SQLite), in
    demo mode unless ``extra_env`` says otherwise."""
    port = port or _free_port()
    env = {
        **os.environ,
        "TELLONCE_MODE": "demo",
        "TELLONCE_DATA_DIR": str(data_dir),
        "TELLONCE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # Deliveries and messages within a tenth of a second, not half of one: tests wait less.
        "TELLONCE_WORKER_POLL_SECONDS": "0.1",
        # Changes of address go out at once; the fraud guard's test has a server holding them
        # (``held_server``, ADR 0088).
        "TELLONCE_ADDRESS_COOLING_OFF_MINUTES": "0",
    }
    env.pop("TELLONCE_DATABASE_URL", None)
    if database_url is not None:
        env["TELLONCE_DATABASE_URL"] = database_url
    env.update(extra_env or {})
    # What `tellonce db upgrade` and `tellonce catalogue load catalogue` do, in-process: each
    # command would cost seconds of interpreter start-up. The server itself is a real process.
    hub = bootstrap(
        Settings(
            mode=Mode.DEMO,
            data_dir=data_dir,
            public_url=env["TELLONCE_PUBLIC_URL"],
            database_url=database_url,  # None: SQLite, whatever the environment says
        )
    )
    upgrade(hub.engine)
    load_catalogue(_demo_catalogue(), uow=hub.uow(), clock=hub.clock)
    receiver = ReceiverServer().start()
    server = Server(f"http://127.0.0.1:{port}", hub, receiver)
    _connect_recipients(server)
    server.registrar_key = create_registrar_key(
        "browser-register-office",
        "test",
        None,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
    ).key
    server.log = data_dir / "serve.log"
    log = server.log.open("w")
    # On SQLite ``serve`` runs the delivery worker and log sequencer in-process; on PostgreSQL
    # they are separate ``tellonce worker`` processes, as in production.
    commands = [["serve", "--port", str(port)]] + ([["worker"]] if database_url else [])
    processes = [
        subprocess.Popen([str(TELLONCE), *command], env=env, stdout=log, stderr=log)  # noqa: S603 - our own command, no shell
        for command in commands
    ]
    try:
        _wait_until_up(server.url, processes[0])
        yield server
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        log.close()
        server.client.close()
        receiver.stop()
        hub.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test's report ends with what its servers printed: a traceback there
    names a cause the browser only shows as a page or a timeout."""
    report: pytest.TestReport = yield
    if report.failed:
        for name, value in getattr(item, "funcargs", {}).items():
            if isinstance(value, Server) and (tail := value.log_tail()):
                report.sections.append((f"{name}: the end of serve.log", tail))
    return report


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One server per database for the whole browser session: starting one costs seconds, and
    each test signs in as its own demo citizen, so tests cannot see each other's reports. On
    PostgreSQL it is a fresh database, with a separate worker process as production runs it."""
    if request.param == "sqlite":
        with serve(tmp_path_factory.mktemp("portal"), None) as running:
            yield running
        return
    name, engine = create_postgres_database()
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    try:
        with serve(tmp_path_factory.mktemp("portal-postgres"), url) as running:
            AXE_SKIPPED_ORIGINS.add(running.url)  # axe checks the same pages on SQLite
            yield running
    finally:
        drop_postgres_database(name)


@pytest.fixture(scope="session")
def held_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server (embedded SQLite) that holds every change of address for an hour before
    sending it (the fraud guard, ADR 0088): long enough for a test to cancel it."""
    hold = {"TELLONCE_ADDRESS_COOLING_OFF_MINUTES": "60"}
    with serve(tmp_path_factory.mktemp("portal-held"), None, extra_env=hold) as running:
        yield running


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # a loaded machine starts processes slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tellonce serve exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("tellonce serve did not start within 120 seconds")


@pytest.fixture(scope="module")
def oidc_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """On SQLite only: the sign-in does not touch what differs between the databases (the
    OpenID tests through the ASGI app run on both)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (
        running_provider([f"{url}/sign-in/callback"], [f"{url}/signed-out"]) as provider,
        serve(
            tmp_path_factory.mktemp("oidc"),
            None,
            port=port,
            extra_env={
                "TELLONCE_MODE": "development",
                "TELLONCE_DEMO_SIGN_IN": "false",
                "TELLONCE_OIDC_ISSUER": provider.issuer,
                "TELLONCE_OIDC_CLIENT_ID": provider.client_id,
                "TELLONCE_OIDC_CLIENT_SECRET": provider.client_secret,
            },
        ) as server,
    ):
        yield server
