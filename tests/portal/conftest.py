"""Fixtures of the portal tests: the portal through the ASGI app, as a browser without JS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tests.support.portal import Portal, demo_catalogue


@pytest.fixture
def portal(hub: Hub) -> Iterator[Portal]:
    """The portal with the demo catalogue, as a browser without JavaScript sees it."""
    load_catalogue(demo_catalogue(), uow=hub.uow(), clock=hub.clock)
    with TestClient(create_app(hub), follow_redirects=False) as client:
        yield Portal(client)
