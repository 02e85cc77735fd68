"""Realistic, valid example payloads for each life event: for the API docs, the demo and tests.

Everyone here is fictional. Postcodes are real in format and place (Leeds, Manchester,
Sheffield) so that area routing in the demo behaves as it would for real reports; National
Insurance numbers use the never-issued "QQ" prefix and NHS numbers the 999 range used for
testing, so no example can match a real person's record. Phone numbers are in Ofcom's ranges
reserved for drama. Dates are relative to ``today`` so that the examples stay valid: a birth,
for instance, can only be reported within a year.

Each payload is in JSON mode and already canonical, exactly as
``parse_payload(...).model_dump(mode="json", exclude_none=True)`` would return it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tellonce.domain.events import UnknownEventType

__all__ = ["example_payload"]

Payload = dict[str, Any]


def example_payload(event_type: str, *, today: dt.date | None = None) -> Payload:
    """A fresh, valid JSON-mode payload for ``event_type`` (dates relative to ``today``)."""
    builder = _BUILDERS.get(event_type)
    if builder is None:
        raise UnknownEventType(event_type)
    return builder(today or dt.datetime.now(dt.UTC).date())


def _days_ago(today: dt.date, days: int) -> str:
    return (today - dt.timedelta(days=days)).isoformat()


def _change_of_address(today: dt.date) -> Payload:
    return {
        "reporter": {"role": "self"},
        "person": {
            "name": {"given_names": "Siân", "family_name": "Ellis-Roberts"},
            "date_of_birth": "1988-04-17",
            "national_insurance_number": "QQ123456C",
            "nhs_number": "9995260182",
        },
        "previous_address": {
            "line_1": "14 Ash Grove",
            "line_2": "Headingley",
            "town": "Leeds",
            "postcode": "LS6 2AB",
        },
        "new_address": {
            "line_1": "Flat 3",
            "line_2": "27 Wilmslow Road",
            "town": "Manchester",
            "postcode": "M14 5TQ",
        },
        "move_date": _days_ago(today, 14),
        "contact": {"email": "sian.ellis-roberts@example.com", "phone": "07700900982"},
    }


def _change_of_name(today: dt.date) -> Payload:
    return {
        "reporter": {"role": "self"},
        "person": {
            "previous_name": {"given_names": "Joanna", "family_name": "Kowalska"},
            "new_name": {"given_names": "Joanna", "family_name": "Whitfield"},
            "date_of_birth": "1991-09-03",
            "national_insurance_number": "QQ654321A",
        },
        "address": {
            "line_1": "8 Elm Bank Road",
            "line_2": "Didsbury",
            "town": "Manchester",
            "postcode": "M20 2LS",
        },
        "effective_date": _days_ago(today, 40),
        "evidence": {"kind": "marriage-certificate", "reference": "MXB 204117"},
        "contact": {"email": "joanna.whitfield@example.com"},
    }


def _birth(today: dt.date) -> Payload:
    return {
        "reporter": {"role": "parent"},
        "child": {
            "name": {"given_names": "Zoë Amara", "family_name": "Okafor"},
            "date_of_birth": _days_ago(today, 12),
            "sex": "female",
            "place_of_birth": "Leeds General Infirmary",
            "nhs_number": "9991590838",
        },
        "parents": [
            {
                "name": {"given_names": "Hannah", "family_name": "Okafor"},
                "relationship": "mother",
                "date_of_birth": "1992-06-30",
                "national_insurance_number": "QQ112233B",
            },
            {
                "name": {"given_names": "Chidi", "family_name": "Okafor"},
                "relationship": "father",
                "date_of_birth": "1990-02-11",
            },
        ],
        "address": {"line_1": "42 Chapel Terrace", "town": "Leeds", "postcode": "LS7 3QB"},
        "registration": {
            "reference": "BR/LDS/004512",
            "district": "Leeds",
            "registered_on": _days_ago(today, 5),
        },
        "contact": {"email": "hannah.okafor@example.com", "phone": "01134960318"},
    }


def _death(today: dt.date) -> Payload:
    return {
        "reporter": {"role": "informant"},
        "deceased": {
            "name": {"given_names": "Margaret Anne", "family_name": "Hughes"},
            "date_of_birth": "1938-11-02",
            "date_of_death": _days_ago(today, 6),
            "national_insurance_number": "QQ987654D",
            "nhs_number": "9990166137",
            "address": {
                "line_1": "5 Crookes Valley Road",
                "town": "Sheffield",
                "postcode": "S10 2TN",
            },
            "marital_status": "widowed",
        },
        "registration": {
            "reference": "DR/SHF/001873",
            "district": "Sheffield",
            "registered_on": _days_ago(today, 3),
        },
        "informant": {
            "name": {"given_names": "David", "family_name": "Hughes"},
            "relationship": "child",
            "contact": {"email": "david.hughes@example.com", "phone": "01144960123"},
        },
    }


def _marriage(today: dt.date) -> Payload:
    ceremony = _days_ago(today, 21)
    return {
        "reporter": {"role": "self"},
        "kind": "marriage",
        "date": ceremony,
        "place": "Sheffield Register Office",
        "parties": [
            {
                "name_before": {"given_names": "Ólafur", "family_name": "Jónsson"},
                "date_of_birth": "1989-12-05",
                "national_insurance_number": "QQ445566C",
            },
            {
                "name_before": {"given_names": "Priya", "family_name": "Sharma"},
                "name_after": {"given_names": "Priya", "family_name": "Sharma-Jónsson"},
                "date_of_birth": "1990-07-21",
                "national_insurance_number": "QQ778899A",
            },
        ],
        "address": {"line_1": "11 Psalter Lane", "town": "Sheffield", "postcode": "S11 8YA"},
        "registration": {
            "reference": "MR/SHF/000932",
            "district": "Sheffield",
            "registered_on": ceremony,
        },
        "contact": {"email": "priya.sharma@example.com"},
    }


_BUILDERS: dict[str, Callable[[dt.date], Payload]] = {
    "change-of-address": _change_of_address,
    "change-of-name": _change_of_name,
    "birth": _birth,
    "death": _death,
    "marriage": _marriage,
}
