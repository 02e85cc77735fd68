"""The page furniture every portal page shares: the service navigation and the header."""

from __future__ import annotations

import re

from tellonce.bootstrap import Hub
from tests.support.portal import Portal, send


def current_items(page: str) -> list[str]:
    """The text of each service navigation item marked as the current page."""
    return re.findall(r'aria-current="page"[^>]*>\s*(?:<strong[^>]*>)?\s*([^<]+?)\s*<', page)


def test_one_navigation_item_at_most_is_the_current_page(portal: Portal, hub: Hub) -> None:
    portal.sign_in()
    reference = send(portal, hub)
    expected = {
        "/report": ["Report a change"],
        "/report/change-of-address/name": ["Report a change"],
        f"/reports/{reference}/confirmation": ["Your reports"],
        "/reports": ["Your reports"],
        f"/reports/{reference}": ["Your reports"],
        "/your-data": ["Your data"],
        "/messages": ["Messages"],
        "/privacy": [],
    }
    for path, current in expected.items():
        if path.startswith("/report/"):
            portal.start("change-of-address")
        page = portal.get(path)
        assert page.status_code == 200, path
        assert current_items(page.text) == current, path


def test_the_phase_banner_is_inside_the_header_landmark(portal: Portal) -> None:
    page = portal.get("/").text
    header = page.split("<header", 1)[1].split("</header>", 1)[0]
    assert "govuk-phase-banner" in header
    assert 'aria-label="Choose a language"' in header
    between = page.split("</header>", 1)[1].split("<main", 1)[0]
    assert "govuk-phase-banner" not in between


def test_the_back_link_is_inside_a_navigation_landmark(portal: Portal) -> None:
    portal.sign_in()
    page = portal.get(portal.start("change-of-address")).text
    before_main = page.split("</header>", 1)[1].split("<main", 1)[0]
    assert re.search(
        r'<nav aria-label="Back">\s*<a href="/report" class="govuk-back-link">', before_main
    )
