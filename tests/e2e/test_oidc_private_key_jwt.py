"""Signing in with OpenID Connect where the hub authenticates at the token endpoint with a
private key (``private_key_jwt``, as GOV.UK One Login requires), against the real
``oidc-provider`` on loopback over HTTP: the provider holds only the public key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx2 import Response
from joserfc.jwk import RSAKey

from tellonce.adapters.database.schema import sessions
from tellonce.adapters.oidc import OidcProvider
from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tests.factories import small_catalogue
from tests.support.oidc import RunningProvider, log_in_at_provider, running_provider
from tests.support.portal import Portal

PUBLIC = "http://127.0.0.1:8000"  # the tests' public URL (Settings' default)
CALLBACK = f"{PUBLIC}/sign-in/callback"
KEY_ID = "hub-signing-1"


@pytest.fixture(scope="module")
def hub_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "alg": "RS256", "use": "sig"})


@pytest.fixture(scope="module")
def provider(hub_key: RSAKey) -> Iterator[RunningProvider]:
    public = json.dumps({"keys": [hub_key.as_dict(private=False)]})
    with running_provider([CALLBACK], [f"{PUBLIC}/signed-out"], jwt_client_jwks=public) as running:
        yield running


def _portal_with_key(hub: Hub, provider: RunningProvider, pem: Path) -> Portal:
    settings = hub.settings.model_copy(
        update={
            "demo_sign_in": False,
            "oidc_issuer": provider.issuer,
            "oidc_client_id": provider.jwt_client_id,
            "oidc_client_secret": None,
            "oidc_private_key_path": pem,
            "oidc_private_key_id": KEY_ID,
        }
    )
    oidc = Hub(settings=settings, engine=hub.engine, vault=hub.vault, clock=hub.clock)
    load_catalogue(small_catalogue(), uow=oidc.uow(), clock=oidc.clock)
    assert isinstance(oidc.identity_provider, OidcProvider)
    assert oidc.identity_provider.token_endpoint_auth_method == "private_key_jwt"
    return Portal(TestClient(create_app(oidc), follow_redirects=False))


def _sign_in(portal: Portal) -> Response:
    begun = portal.get("/sign-in?next=/reports")
    assert begun.status_code == 303
    callback = log_in_at_provider(begun.headers["location"], "citizen-jwt", stop_at=CALLBACK)
    return portal.get(callback.removeprefix(PUBLIC))


def test_the_hub_signs_in_with_its_private_key(
    hub: Hub, provider: RunningProvider, hub_key: RSAKey, tmp_path: Path
) -> None:
    pem = tmp_path / "oidc-client.pem"
    pem.write_bytes(hub_key.as_pem(private=True))
    portal = _portal_with_key(hub, provider, pem)
    with portal.client:
        response = _sign_in(portal)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/reports"
        assert portal.get("/reports").status_code == 200
    with hub.engine.connect() as connection:
        row = connection.execute(sa.select(sessions.c.via, sessions.c.vot)).one()
    assert (row.via, row.vot) == ("oidc", "Cl.Cm")


def test_a_key_the_provider_does_not_hold_is_refused(
    hub: Hub, provider: RunningProvider, tmp_path: Path
) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "alg": "RS256"})
    pem = tmp_path / "other.pem"
    pem.write_bytes(stranger.as_pem(private=True))
    portal = _portal_with_key(hub, provider, pem)
    with portal.client:
        response = _sign_in(portal)
        assert response.status_code == 400
        assert portal.get("/reports").status_code == 303  # still signed out
    with hub.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(sessions)).scalar() == 0
