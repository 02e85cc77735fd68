"""Signing in through the real OpenID provider (``oidc-provider`` on loopback), in Chromium,
with JavaScript on and off: a ``tellonce serve`` in development mode with no demo sign-in."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.portal import check_accessibility
from tests.browser.server import Server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_citizen_signs_in_through_the_provider_and_out_again(
    oidc_server: Server, context: BrowserContext, javascript: bool
) -> None:
    page = context.new_page()
    page.goto(oidc_server.url + "/reports")
    # At the provider: its own login page, any login is an account there.
    page.locator("input[name=login]").fill(f"citizen-{uuid.uuid4().hex[:8]}")
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reports")
    assert page.url == oidc_server.url + "/reports"
    check_accessibility(page, "your reports after OpenID sign-in")
    cookies = {c["name"]: c for c in context.cookies(oidc_server.url)}
    session = cookies["tellonce_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert "tellonce_sign_in" not in cookies  # the sign-in's seed is gone

    page.get_by_role("button", name="Sign out").click()
    if not javascript:  # the provider's sign-out page submits itself with JavaScript
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert "tellonce_session" not in {c["name"] for c in context.cookies(oidc_server.url)}
    # Signed out at the provider too: signing in again asks for a login.
    page.goto(oidc_server.url + "/reports")
    expect(page.locator("input[name=login]")).to_be_visible()
