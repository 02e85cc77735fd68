"""Fixtures of the staff pages' tests: the hub with the demo catalogue, a citizen's report
disclosed to several recipients, and a browser-like client per member of staff."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tests.support.portal import Portal, demo_catalogue


@pytest.fixture
def app(hub: Hub) -> FastAPI:
    load_catalogue(demo_catalogue(), uow=hub.uow(), clock=hub.clock)
    return create_app(hub)


@pytest.fixture
def browsers(app: FastAPI) -> Iterator[Callable[[], Portal]]:
    """A new browser (its own cookies) per call, all on one app."""
    clients: list[TestClient] = []

    def open_browser() -> Portal:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return Portal(client)

    yield open_browser
    for client in clients:
        client.__exit__(None, None, None)
