"""How answers and shared fields read on a page: labels for payload paths, and their values.

The preview shows, for each recipient, every field its agreement names (a dotted path such as
``new_address.postcode``) with the value it would receive — read from the routing plan's own
selection, so the page can never show more or less than is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date

from tellonce.entrypoints.portal.forms import parse_date
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.journeys import JOURNEYS
from tellonce.entrypoints.portal.questions import Kind, Question

# Labels for the paths agreements name. Paths not listed read as their parts ("Child: sex").
FIELD_LABELS: Mapping[str, str] = {
    "person.name": N_("Name"),
    "person.previous_name": N_("Previous name"),
    "person.new_name": N_("New name"),
    "person.date_of_birth": N_("Date of birth"),
    "person.national_insurance_number": N_("National Insurance number"),
    "person.nhs_number": N_("NHS number"),
    "previous_address": N_("Previous address"),
    "previous_address.postcode": N_("Postcode of previous address"),
    "new_address": N_("New address"),
    "new_address.postcode": N_("Postcode of new address"),
    "move_date": N_("Move date"),
    "contact": N_("Contact details"),
    "contact.email": N_("Email address"),
    "contact.phone": N_("Phone number"),
    "address": N_("Address"),
    "address.postcode": N_("Postcode"),
    "effective_date": N_("Date of the change"),
    "evidence": N_("Document that shows the change"),
    "child.name": N_("Child's name"),
    "child.date_of_birth": N_("Child's date of birth"),
    "child.sex": N_("Child's sex"),
    "child.place_of_birth": N_("Place of birth"),
    "child.nhs_number": N_("Child's NHS number"),
    "parents.name": N_("Parents' names"),
    "parents.relationship": N_("How each parent is named on the register"),
    "parents.date_of_birth": N_("Parents' dates of birth"),
    "parents.national_insurance_number": N_("Parents' National Insurance numbers"),
    "registration.reference": N_("Registration reference"),
    "registration.district": N_("Registration district"),
    "registration.registered_on": N_("Registration date"),
    "deceased.name": N_("Name of the person who died"),
    "deceased.date_of_birth": N_("Their date of birth"),
    "deceased.date_of_death": N_("Date of death"),
    "deceased.national_insurance_number": N_("Their National Insurance number"),
    "deceased.nhs_number": N_("Their NHS number"),
    "deceased.address": N_("Their address"),
    "deceased.marital_status": N_("Their marital status"),
    "reporter": N_("Who reported it"),
    "reporter.role": N_("Who reported it"),
    "informant.name": N_("Your name"),
    "informant.relationship": N_("Your relationship to them"),
    "informant.address": N_("Your address"),
    "informant.contact": N_("Your contact details"),
    "kind": N_("Marriage or civil partnership"),
    "date": N_("Date of the ceremony"),
    "place": N_("Place"),
    "parties.name_before": N_("Names before"),
    "parties.name_after": N_("New names"),
    "parties.date_of_birth": N_("Dates of birth"),
    "parties.national_insurance_number": N_("National Insurance numbers"),
}


DATE_FIELDS = frozenset(
    {"date", "date_of_birth", "date_of_death", "move_date", "effective_date", "registered_on"}
)


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # translated label
    lines: tuple[str, ...]
    field: str = ""  # the payload path shown, for the preview
    change_url: str | None = None


def _option_labels() -> dict[str, dict[str, str]]:
    """For each field a radio question fills (by dotted path, list positions left out), the
    label of each of its values: "marriage-certificate" reads "Marriage certificate"."""
    labels: dict[str, dict[str, str]] = {}
    for journey in JOURNEYS.values():
        for question in journey.questions:
            if question.path is not None and question.options:
                path = ".".join(str(p) for p in question.path if isinstance(p, str))
                labels.setdefault(path, {}).update({o.value: o.label for o in question.options})
    return labels


OPTION_LABELS = _option_labels()
# The reporter's roles no radio asks for: a death's follows the informant's relationship, a
# birth's is always the parent's (ADR 0088).
OPTION_LABELS.setdefault("reporter.role", {}).update(
    {
        "informant": N_("The informant"),
        "executor": N_("Executor or administrator"),
        "parent": N_("Parent"),
    }
)


def field_label(path: str, _: Gettext) -> str:
    known = FIELD_LABELS.get(path)
    if known:
        return _(known)
    words = [part.replace("_", " ") for part in path.split(".")]
    return ": ".join(words).capitalize()


def values_at(data: Any, path: str) -> list[Any]:
    """Every value at a dotted path; a list on the way contributes each of its items."""
    nodes = [data]
    for part in path.split("."):
        found = []
        for node in nodes:
            items = node if isinstance(node, list) else [node]
            found += [i[part] for i in items if isinstance(i, Mapping) and i.get(part) is not None]
        nodes = found
    return nodes


def shared_rows(
    data: Mapping[str, Any], paths: Iterable[str], language: str, _: Gettext
) -> list[Row]:
    """One row per agreed field that has a value: exactly what the recipient would receive."""
    rows = []
    for path in paths:
        values = values_at(data, path)
        if values:
            lines = tuple(line for v in values for line in format_value(v, language, _, path))
            rows.append(Row(field_label(path, _), lines, field=path))
    return rows


def format_value(value: Any, language: str, _: Gettext, path: str = "") -> list[str]:
    """A value as a person reads it; ``path`` (dotted, no list positions) says what it is."""
    if isinstance(value, Mapping):
        if "given_names" in value or "family_name" in value:
            return [" ".join(str(value[k]) for k in ("given_names", "family_name") if k in value)]
        if "line_1" in value or "postcode" in value:
            keys = ("line_1", "line_2", "town", "county", "postcode")
            return [", ".join(str(value[k]) for k in keys if value.get(k))]
        return [
            line
            for key, v in value.items()
            if v is not None
            for line in format_value(v, language, _, f"{path}.{key}" if path else key)
        ]
    if isinstance(value, list):
        return [line for v in value for line in format_value(v, language, _, path)]
    if isinstance(value, str):
        return [_format_text(value, language, _, path)]
    return [str(value)]


def _format_text(value: str, language: str, _: Gettext, path: str) -> str:
    options = OPTION_LABELS.get(path, {})
    if value in options:
        return _(options[value])
    if path.rsplit(".", 1)[-1] in DATE_FIELDS:
        try:
            return long_date(dt.date.fromisoformat(value), language)
        except ValueError:
            return value
    return value


def long_date(value: dt.date, language: str) -> str:
    return format_date(value, format="d MMMM y", locale=language)


def answer_lines(
    question: Question,
    raw: Mapping[str, str],
    language: str,
    _: Gettext,
    sent: Mapping[str, Any] | None = None,
) -> list[str]:
    """An answer as it reads on "Check your answers": as it will be sent (``sent``, the
    normalised payload) where the answer is typed text, else as chosen."""
    if sent is not None and question.path and question.kind in TYPED:
        return _sent_lines(_at(sent, question.path), _)
    if question.kind is Kind.DATE:
        parsed = parse_date(raw)
        return [long_date(parsed, language) if parsed else _("Not given")]
    if question.kind in (Kind.CHOICE, Kind.YES_NO):
        option = next((o for o in question.options if o.value == raw.get("answer")), None)
        return [_(option.label)] if option else []
    values = [raw.get(i.name, "") for i in question.inputs]
    if question.kind is Kind.NAME:
        return [" ".join(v for v in values if v)]
    lines = [v for v in values if v]
    return lines or [_("Not given")]


TYPED = frozenset({Kind.TEXT, Kind.ADDRESS, Kind.CONTACT, Kind.NAME})
ADDRESS_PARTS = ("line_1", "line_2", "town", "county", "postcode")


def _at(data: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
    node: Any = data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _sent_lines(value: Any, _: Gettext) -> list[str]:
    if isinstance(value, Mapping):
        if "given_names" in value:
            return [f"{value['given_names']} {value.get('family_name', '')}".strip()]
        keys = ADDRESS_PARTS if "line_1" in value else ("email", "phone")
        lines = [str(value[k]) for k in keys if value.get(k)]
        return lines or [_("Not given")]
    return [str(value)] if value else [_("Not given")]


def event_title(event_type: str, _: Gettext) -> str:
    journey = JOURNEYS.get(event_type)
    return _(journey.title) if journey else event_type
