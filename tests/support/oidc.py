"""A real OpenID provider on loopback for the tests: ``oidc/provider.mjs``, the certified
``oidc-provider`` from npm (not a mock), and a user agent that signs in through it over HTTP."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin

import httpx
import pytest

from tests.support.databases import ON_CI
from tests.support.paths import ROOT
from tests.support.processes import free_port

PROVIDER = ROOT / "oidc" / "provider.mjs"
CLIENT_ID = "tellonce-tests"
CLIENT_SECRET = "tellonce-tests-secret"


# The second client, which authenticates with private_key_jwt (the hub's private key).
JWT_CLIENT_ID = "tellonce-tests-jwt"


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    jwt_client_id: str = JWT_CLIENT_ID


@contextlib.contextmanager
def running_provider(
    redirect_uris: Sequence[str],
    post_logout_uris: Sequence[str],
    *,
    vot: str = "Cl.Cm",
    jwt_client_jwks: str | None = None,
) -> Iterator[RunningProvider]:
    """The provider; with ``jwt_client_jwks`` (a JWKS of public keys, as JSON) it also has a
    client ``JWT_CLIENT_ID`` that authenticates with private_key_jwt."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        if ON_CI:
            pytest.fail("node and node_modules/oidc-provider are needed: run `make install`")
        pytest.skip("node or oidc-provider is missing: run `make install`")
    port = free_port()
    args = [node, str(PROVIDER), "--port", str(port), "--client-id", CLIENT_ID]
    args += ["--client-secret", CLIENT_SECRET, "--vot", vot]
    for uri in redirect_uris:
        args += ["--redirect-uri", uri]
    for uri in post_logout_uris:
        args += ["--post-logout-redirect-uri", uri]
    if jwt_client_jwks is not None:
        args += ["--jwt-client-id", JWT_CLIENT_ID, "--jwt-client-jwks", jwt_client_jwks]
    process = subprocess.Popen(  # noqa: S603 - our own script, no shell
        args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        if not line.startswith("ready "):
            pytest.fail(f"the OpenID provider did not start: {line!r}")
        yield RunningProvider(line.split()[1])
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@dataclass
class ProviderVisit:
    url: str  # where the provider sent the browser back to
    asked_to_log_in: bool  # False: the provider still had a session for this browser


def log_in_at_provider(authorization_url: str, login: str, *, stop_at: str) -> str:
    """What a citizen does at the provider: follow its pages, fill in the login form (any user
    name is an account there), until it redirects to a URL starting with ``stop_at``."""
    with httpx.Client(timeout=10) as browser:
        return visit_provider(browser, authorization_url, login, stop_at=stop_at).url


def visit_provider(browser: httpx.Client, url: str, login: str, *, stop_at: str) -> ProviderVisit:
    """``log_in_at_provider`` in a browser that keeps the provider's cookies."""
    asked = False
    response = browser.get(url)
    for _ in range(10):
        if response.is_redirect:
            url = urljoin(url, response.headers["location"])
            if url.startswith(stop_at):
                return ProviderVisit(url, asked)
            response = browser.get(url)
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert form, response.text[:500]
        inputs = re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', response.text)
        fields = dict(inputs)
        if 'name="login"' in response.text:
            asked = True
            fields.update({"login": login, "password": "any"})
        url = urljoin(url, unescape(form.group(1)))
        response = browser.post(url, data=fields)
    pytest.fail("the provider never sent the browser back")
