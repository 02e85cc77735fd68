"""Where a citizen's email address is found in a report: their contact, or the informant's."""

from __future__ import annotations

import datetime as dt

import pytest

from tellonce.domain.examples import example_payload
from tellonce.service_layer.contacts import contact_email

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("event_type", "email"),
    [
        ("change-of-address", "sian.ellis-roberts@example.com"),
        ("change-of-name", "joanna.whitfield@example.com"),
        ("birth", "hannah.okafor@example.com"),
        ("death", "david.hughes@example.com"),  # the informant's, not the deceased's
        ("marriage", "priya.sharma@example.com"),
    ],
)
def test_the_reporters_address_is_found_in_every_event(event_type: str, email: str) -> None:
    assert contact_email(example_payload(event_type, today=TODAY)) == email


def test_no_address_given_is_none() -> None:
    payload = example_payload("change-of-address", today=TODAY)
    del payload["contact"]
    assert contact_email(payload) is None
    assert contact_email({"contact": {"phone": "07700900982"}}) is None
