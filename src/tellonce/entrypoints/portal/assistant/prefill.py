"""What the assistant understood, as answers on the journey's own question pages.

Nothing is pre-filled that the citizen does not then see: the journey starts at its first
question and walks every page in order, so each pre-filled answer is shown on its page to be
confirmed or changed. The API gets the same facts as a partial payload.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tellonce.entrypoints.portal.questions import ADDRESS_INPUTS
from tellonce.service_layer.ports.assistant import Facts

DATE_PAGES = {
    "death": ("date-of-death", ("deceased", "date_of_death")),
    "change-of-address": ("move-date", ("move_date",)),
    "change-of-name": ("change-date", ("effective_date",)),
    "birth": ("child-date-of-birth", ("child", "date_of_birth")),
    "marriage": ("date", ("date",)),
}
# Who died, to the citizen -> the informant's relationship to them, as the death journey asks.
INFORMANT = {
    "mother": "child",
    "father": "child",
    "husband": "spouse-or-civil-partner",
    "wife": "spouse-or-civil-partner",
    "partner": "spouse-or-civil-partner",
    "son": "parent",
    "daughter": "parent",
    "brother": "sibling",
    "sister": "sibling",
    "grandparent": "other-relative",
    "relative": "other-relative",
}


def _date_answers(day: date) -> dict[str, str]:
    return {"date-day": str(day.day), "date-month": str(day.month), "date-year": str(day.year)}


def pages_for(event: str, facts: Facts) -> dict[str, dict[str, str]]:
    """Raw answers by question slug, as if typed on each page."""
    pages: dict[str, dict[str, str]] = {}
    if facts.when is not None:
        pages[DATE_PAGES[event][0]] = _date_answers(facts.when)
    if event == "change-of-address" and (facts.town or facts.postcode):
        address = {i.name: "" for i in ADDRESS_INPUTS}
        address["address-town"] = facts.town or ""
        address["address-postcode"] = facts.postcode or ""
        pages["new-address"] = address
    if event == "death" and facts.relationship in INFORMANT:
        pages["informant-relationship"] = {"answer": INFORMANT[facts.relationship]}
    if event == "birth" and facts.child_sex:
        pages["child-sex"] = {"answer": facts.child_sex}
    return pages


def payload_for(event: str, facts: Facts) -> dict[str, Any]:
    """The same facts as a partial life-event payload, for API clients to start from."""
    payload: dict[str, Any] = {}

    def put(path: tuple[str, ...], value: object) -> None:
        node = payload
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    if facts.when is not None:
        put(DATE_PAGES[event][1], facts.when.isoformat())
    if event == "change-of-address":
        if facts.town:
            put(("new_address", "town"), facts.town)
        if facts.postcode:
            put(("new_address", "postcode"), facts.postcode)
    if event == "death" and facts.relationship in INFORMANT:
        put(("informant", "relationship"), INFORMANT[facts.relationship])
    if event == "birth" and facts.child_sex:
        put(("child", "sex"), facts.child_sex)
    return payload
