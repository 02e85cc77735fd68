"""The portal as a browser without JavaScript uses it, through the ASGI app: pages, forms,
their CSRF tokens, and whole journeys."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from httpx2 import Response

from tellonce.adapters.catalogue_files import read_catalogue
from tellonce.bootstrap import Hub
from tellonce.domain.catalogue import Catalogue
from tests.support.paths import CATALOGUE_DIR

HTML = {"accept": "text/html"}


def demo_catalogue() -> Catalogue:
    catalogue, problems = read_catalogue(CATALOGUE_DIR)
    assert catalogue is not None, problems
    return catalogue


@dataclass
class Portal:
    """A browser-like client: follows PRG redirects by hand, keeps the CSRF token it was given."""

    client: TestClient
    token: str = ""
    visited: list[str] = field(default_factory=list)

    def get(self, path: str) -> Response:
        self.visited.append(path)
        response = self.client.get(path, headers=HTML)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: Mapping[str, str | list[str]] | None = None) -> Response:
        self.visited.append(path)
        body = {"csrf_token": self.token, **(data or {})}
        response = self.client.post(path, data=body, headers=HTML)
        if response.status_code == 303:
            self.visited.append(response.headers["location"])
        return response

    def sign_in(self, name: str = "someone") -> None:
        self.get("/sign-in")
        response = self.post("/sign-in", {"demo-name": name, "next": "/report"})
        assert response.status_code == 303

    def start(self, event_type: str) -> str:
        self.get("/report")
        response = self.post("/report", {"answer": event_type})
        assert response.status_code == 303, response.text
        location: str = response.headers["location"]
        return location

    def answer(self, path: str, data: Mapping[str, str | list[str]]) -> Response:
        self.get(path)
        return self.post(path, data)


def errors(response: Response) -> list[str]:
    """The messages in the page's error summary."""
    if "govuk-error-summary__list" not in response.text:
        return []
    summary = response.text.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    return [m.strip() for m in re.findall(r'<a href="#[^"]+">([^<]+)</a>', summary)]


def today(hub: Hub) -> dt.date:
    return hub.clock.now().date()


def date_form(value: dt.date) -> dict[str, str]:
    return {
        "date-day": str(value.day),
        "date-month": str(value.month),
        "date-year": str(value.year),
    }


def move_answers(hub: Hub) -> dict[str, dict[str, str]]:
    return {
        "reporter": {"answer": "self"},
        "name": {"given-names": "Siân", "family-name": "Ellis-Roberts"},
        "date-of-birth": date_form(dt.date(1988, 4, 17)),
        "national-insurance-number": {"answer": "QQ 12 34 56 C"},
        "nhs-number": {"answer": ""},
        "previous-address": {
            "address-line-1": "14 Ash Grove",
            "address-town": "Leeds",
            "address-postcode": "ls6 2ab",
        },
        "new-address": {
            "address-line-1": "27 Wilmslow Road",
            "address-town": "Manchester",
            "address-postcode": "M14 5TQ",
        },
        "move-date": date_form(today(hub) - dt.timedelta(days=14)),
        "contact": {"email": "", "phone": ""},
    }


def walk(
    portal: Portal, first: str, answers: Mapping[str, Mapping[str, str]], reply: str = "no"
) -> Response:
    """Answer pages in turn until one shows errors or the journey reaches a page not listed."""
    location = first
    while True:
        slug = location.rsplit("/", 1)[-1]
        if location == "/report/questions":  # "Which of these apply…?": all, or none
            page = portal.get(location).text
            ticked = re.findall(r'name="applies" type="checkbox" value="([^"]+)"', page)
            chosen = [t for t in ticked if (t == "none") == (reply == "no")]
            response = portal.post(location, {"applies": chosen})
        elif location.startswith("/report/questions/"):
            response = portal.answer(location, {"answer": reply})
        elif slug in answers and location.startswith("/report/"):
            response = portal.answer(location, answers[slug])
        else:
            return portal.get(location)
        if response.status_code != 303:
            return response
        location = response.headers["location"]


def send(portal: Portal, hub: Hub, consent: list[str] | None = None) -> str:
    preview = walk(portal, portal.start("change-of-address"), move_answers(hub))
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text)
    assert digest, preview.text
    response = portal.post("/report/preview", {"digest": digest.group(1), "consent": consent or []})
    assert response.headers["location"] == "/report/check-answers"
    check = portal.get("/report/check-answers").text
    assert "LS6 2AB" in check, "answers are shown as they will be sent"
    assert "QQ123456C" in check
    response = portal.post("/report/check-answers")
    location: str = response.headers["location"]
    assert location.endswith("/confirmation"), location
    return location.split("/")[2]
