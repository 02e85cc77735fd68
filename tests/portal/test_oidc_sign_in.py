"""Citizens sign in with OpenID Connect against the real ``oidc-provider`` on loopback, through
the ASGI app, on SQLite and PostgreSQL: PKCE, state and nonce checked, the ID token validated,
``vot`` recorded, a new session at every sign-in, idle and absolute timeouts, and signing out
ending the session on the server and at the provider."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tellonce.adapters.database.schema import sessions
from tellonce.bootstrap import Hub
from tellonce.config import Settings
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.identity import sign_in_secrets
from tellonce.service_layer.ports.identity import SignInFailed
from tests.fakes import FakeClock
from tests.support.oidc import (
    RunningProvider,
    log_in_at_provider,
    running_provider,
    visit_provider,
)
from tests.support.portal import HTML, Portal, demo_catalogue

PUBLIC = "http://127.0.0.1:8000"  # the tests' public URL (Settings' default)
CALLBACK = f"{PUBLIC}/sign-in/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[RunningProvider]:
    with running_provider([CALLBACK], [f"{PUBLIC}/signed-out"]) as running:
        yield running


@pytest.fixture
def oidc_hub(hub: Hub, provider: RunningProvider) -> Hub:
    settings = hub.settings.model_copy(
        update={
            "demo_sign_in": False,
            "session_idle_minutes": Settings.model_fields["session_idle_minutes"].default,
            "oidc_issuer": provider.issuer,
            "oidc_client_id": provider.client_id,
            "oidc_client_secret": SecretStr(provider.client_secret),
        }
    )
    oidc = Hub(settings=settings, engine=hub.engine, vault=hub.vault, clock=hub.clock)
    load_catalogue(demo_catalogue(), uow=oidc.uow(), clock=oidc.clock)
    return oidc


@pytest.fixture
def portal(oidc_hub: Hub) -> Iterator[Portal]:
    with TestClient(create_app(oidc_hub), follow_redirects=False) as client:
        yield Portal(client)


def _begin(portal: Portal, next_path: str = "/reports") -> str:
    response = portal.get(f"/sign-in?next={next_path}")
    assert response.status_code == 303
    location: str = response.headers["location"]
    return location


def _sign_in(portal: Portal, login: str = "citizen-a") -> str:
    """Sign in through the provider; the callback's path and query."""
    callback = log_in_at_provider(_begin(portal), login, stop_at=CALLBACK)
    return callback.removeprefix(PUBLIC)


def test_sign_in_through_the_provider_with_pkce_state_and_nonce(
    portal: Portal, oidc_hub: Hub, provider: RunningProvider
) -> None:
    assert portal.get("/reports").headers["location"] == "/sign-in?next=/reports"
    authorization = _begin(portal)
    query = parse_qs(urlsplit(authorization).query)
    assert authorization.startswith(f"{provider.issuer}/auth?")
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert query["state"] != query["nonce"]
    # Nothing personal leaves in the URL; the seed is in an HttpOnly cookie only.
    assert "tellonce_sign_in" in portal.client.cookies

    callback = log_in_at_provider(authorization, "citizen-a", stop_at=CALLBACK)
    response = portal.get(callback.removeprefix(PUBLIC))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/reports"
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("tellonce_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert any(c.startswith("tellonce_sign_in=") and "Max-Age=0" in c for c in cookies)
    assert portal.get("/reports").status_code == 200
    with oidc_hub.engine.connect() as connection:
        row = connection.execute(sa.select(sessions.c.via, sessions.c.vot)).one()
    assert (row.via, row.vot) == ("oidc", "Cl.Cm")


def test_the_same_provider_subject_is_the_same_account(portal: Portal, oidc_hub: Hub) -> None:
    portal.get(_sign_in(portal, "citizen-b"))
    portal.client.cookies.clear()
    portal.get(_sign_in(portal, "citizen-b"))
    with oidc_hub.engine.connect() as connection:
        accounts = connection.execute(sa.select(sessions.c.account_id)).scalars().all()
    assert len(accounts) == 2 and len(set(accounts)) == 1


def test_a_callback_with_another_state_is_refused(portal: Portal) -> None:
    callback = _sign_in(portal)
    forged = callback.replace("state=", "state=x")
    response = portal.get(forged)
    assert response.status_code == 400
    assert "Sign-in did not complete" in response.text
    assert "tellonce_session" not in portal.client.cookies


def test_a_callback_in_another_browser_is_refused(portal: Portal) -> None:
    callback = _sign_in(portal)
    portal.client.cookies.clear()  # login CSRF: the victim's browser never began this sign-in
    assert portal.get(callback).status_code == 400
    assert "tellonce_session" not in portal.client.cookies


def test_a_code_is_used_once(portal: Portal) -> None:
    callback = _sign_in(portal)
    cookie = portal.client.cookies["tellonce_sign_in"]
    assert portal.get(callback).status_code == 303
    portal.client.cookies.set("tellonce_sign_in", cookie)
    assert portal.get(callback).status_code == 400


def test_an_id_token_for_another_nonce_is_refused(portal: Portal, oidc_hub: Hub) -> None:
    callback = _sign_in(portal)
    seed = portal.client.cookies["tellonce_sign_in"].split(" ")[0].strip('"')
    code = parse_qs(urlsplit(callback).query)["code"][0]
    right = sign_in_secrets(seed, vault=oidc_hub.vault)
    wrong_nonce = type(right)(right.state, "another-nonce", right.code_verifier)
    assert oidc_hub.identity_provider is not None
    with pytest.raises(SignInFailed, match="ID token"):
        oidc_hub.identity_provider.complete(code, wrong_nonce)


def test_a_code_without_its_pkce_verifier_is_refused(portal: Portal, oidc_hub: Hub) -> None:
    callback = _sign_in(portal)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    other = sign_in_secrets("another seed", vault=oidc_hub.vault)
    assert oidc_hub.identity_provider is not None
    with pytest.raises(SignInFailed, match="code was not accepted"):
        oidc_hub.identity_provider.complete(code, other)


def test_each_sign_in_is_a_new_session_and_ends_the_one_before(portal: Portal) -> None:
    portal.get(_sign_in(portal))
    first = portal.client.cookies["tellonce_session"]
    portal.get(_sign_in(portal))
    second = portal.client.cookies["tellonce_session"]
    assert first != second
    portal.client.cookies.clear()
    portal.client.cookies.set("tellonce_session", first)
    assert portal.get("/reports").status_code == 303  # the old session has ended


def test_sessions_end_when_idle_and_at_their_absolute_limit(portal: Portal, oidc_hub: Hub) -> None:
    clock = oidc_hub.clock
    assert isinstance(clock, FakeClock)
    step = oidc_hub.session_idle - dt.timedelta(minutes=5)
    portal.get(_sign_in(portal))
    signed_in_at = clock.now()
    # Used within the idle timeout again and again: still signed in, until the absolute limit.
    while clock.now() + step < signed_in_at + oidc_hub.session_lifetime:
        clock.advance(step)
        assert portal.get("/reports").status_code == 200
    clock.advance(step)
    assert portal.get("/reports").status_code == 303  # past the absolute limit, however busy
    portal.get(_sign_in(portal))
    clock.advance(oidc_hub.session_idle + dt.timedelta(seconds=1))
    assert portal.get("/reports").status_code == 303  # idle too long


def test_sign_out_ends_the_session_here_and_at_the_provider(
    portal: Portal, provider: RunningProvider
) -> None:
    browser = httpx.Client(timeout=10)  # the citizen's browser at the provider, cookies kept
    first = visit_provider(browser, _begin(portal), "citizen-a", stop_at=CALLBACK)
    assert first.asked_to_log_in
    portal.get(first.url.removeprefix(PUBLIC))
    # Signed in at the provider: another sign-in there goes straight through...
    again = visit_provider(browser, _begin(portal), "citizen-a", stop_at=CALLBACK)
    assert not again.asked_to_log_in
    portal.get(again.url.removeprefix(PUBLIC))
    token = portal.client.cookies["tellonce_session"]
    portal.get("/reports")
    response = portal.post("/sign-out")
    assert response.status_code == 303
    there = response.headers["location"]
    assert there.startswith(f"{provider.issuer}/session/end?")
    assert parse_qs(urlsplit(there).query)["post_logout_redirect_uri"] == [f"{PUBLIC}/signed-out"]
    portal.client.cookies.clear()
    portal.client.cookies.set("tellonce_session", token)
    assert portal.get("/reports").status_code == 303
    back = visit_provider(browser, there, "unused", stop_at=f"{PUBLIC}/signed-out")
    assert back.url.startswith(f"{PUBLIC}/signed-out")
    # ...and after signing out here, the provider asks again: its session ended too.
    assert visit_provider(browser, _begin(portal), "citizen-a", stop_at=CALLBACK).asked_to_log_in
    browser.close()


def test_a_post_with_a_token_from_before_sign_in_is_refused(portal: Portal) -> None:
    """The outside probe: a CSRF cookie and token taken from an anonymous page must not work
    with a signed-in session."""
    portal.get("/")
    anonymous_token = portal.token
    portal.get(_sign_in(portal))
    response = portal.client.post("/sign-out", data={"csrf_token": anonymous_token}, headers=HTML)
    assert response.status_code == 400
    assert portal.get("/reports").status_code == 200  # still signed in
