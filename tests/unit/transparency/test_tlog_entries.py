"""Log entries: canonical JSON, no personal data, hour-rounded times, unlinkable commitments."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from tellonce.domain.transparency.entries import (
    Commitment,
    EntryError,
    EntryKind,
    RightsRequestType,
    agreement_published,
    check_commitment,
    consent,
    disclosure,
    encode_entry,
    entry_commitment,
    hour_of,
    parse_entry,
    rights_request,
)
from tests.factories import agreement

AT = datetime(2026, 11, 25, 10, 47, 31, 123456, tzinfo=UTC)
DWP = agreement("dwp-moves", "dwp", {"change-of-address": ["new_address.postcode", "nino"]})
KEY = bytes(range(32))


def authorised(key: bytes = KEY, at: datetime = AT) -> bytes:
    return disclosure(
        EntryKind.DISCLOSURE_AUTHORISED,
        DWP,
        "change-of-address",
        ["nino", "new_address.postcode"],
        at,
        Commitment.new(key),
    ).encode()


def test_a_disclosure_entry_names_who_what_why_and_the_hour_only() -> None:
    body = json.loads(authorised())
    assert body == {
        "v": 1,
        "kind": "disclosure-authorised",
        "id": body["id"],
        "time": "2026-11-25T10:00:00Z",
        "commitment": body["commitment"],
        "recipient": "dwp",
        "agreement": {"id": "dwp-moves", "version": 1},
        "event_type": "change-of-address",
        "fields": ["new_address.postcode", "nino"],
        "purpose": DWP.purpose.dpv_code,
        "legal_basis": DWP.lawful_basis.dpv_code,
        "basis": "law",
    }


def test_entries_are_rfc8785_canonical_json() -> None:
    data = authorised()
    assert data == rfc8785.dumps(json.loads(data))
    assert parse_entry(data)["kind"] == "disclosure-authorised"
    pretty = json.dumps(json.loads(data), indent=1).encode()
    with pytest.raises(EntryError, match="canonical"):
        parse_entry(pretty)


@pytest.mark.parametrize(
    ("moment", "hour"),
    [
        (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "2026-01-01T00:00:00Z"),
        (datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=UTC), "2026-06-30T23:00:00Z"),
        # British Summer Time: 00:30 in London is 23:30 UTC the day before.
        (datetime(2026, 7, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "2026-06-30T23:00:00Z"),
    ],
)
def test_times_are_rounded_down_to_the_utc_hour(moment: datetime, hour: str) -> None:
    assert hour_of(moment) == hour


def test_naive_times_are_refused() -> None:
    with pytest.raises(EntryError):
        hour_of(datetime(2026, 1, 1))


def test_no_personal_data_and_no_bare_hash_of_it_is_in_an_entry() -> None:
    # The entry never sees the payload; what it holds about the person is one HMAC under a key
    # only they have, over a random id.
    body = json.loads(authorised())
    assert set(body) == {
        "v", "kind", "id", "time", "commitment", "recipient", "agreement", "event_type",
        "fields", "purpose", "legal_basis", "basis",
    }  # fmt: skip
    assert len(base64.b64decode(body["commitment"])) == 32


def test_two_entries_about_one_person_are_unlinkable_without_the_key() -> None:
    first, second = json.loads(authorised()), json.loads(authorised())
    assert first["id"] != second["id"]
    assert first["commitment"] != second["commitment"]
    # Everything else is the same agreement's public facts: nothing ties them to one person.
    strip = {"id", "commitment"}
    assert {k: v for k, v in first.items() if k not in strip} == {
        k: v for k, v in second.items() if k not in strip
    }


def test_only_the_person_s_key_recomputes_the_commitment() -> None:
    data = authorised()
    check_commitment(data, KEY)
    with pytest.raises(EntryError, match="does not match"):
        check_commitment(data, os.urandom(32))


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_commitments_under_different_keys_differ(key: bytes, other: bytes) -> None:
    commitment = Commitment.new(key)
    assert commitment.matches(key)
    assert commitment.matches(other) == (key == other)


def test_a_commitment_key_must_be_32_bytes() -> None:
    with pytest.raises(EntryError):
        Commitment.new(b"short")


def test_consent_and_rights_entries() -> None:
    consented = json.loads(consent(EntryKind.CONSENT_GIVEN, DWP, AT, Commitment.new(KEY)).encode())
    assert consented["kind"] == "consent-given"
    assert consented["agreement"] == {"id": "dwp-moves", "version": 1}
    received = rights_request(RightsRequestType.ERASURE, AT, Commitment.new(KEY))
    closed = rights_request(RightsRequestType.ERASURE, AT, Commitment.new(KEY), "completed")
    assert received.kind is EntryKind.RIGHTS_REQUEST_RECEIVED
    assert json.loads(closed.encode())["outcome"] == "completed"
    with pytest.raises(EntryError):
        consent(EntryKind.DISCLOSURE_DELIVERED, DWP, AT, Commitment.new(KEY))
    with pytest.raises(EntryError):
        disclosure(EntryKind.CONSENT_GIVEN, DWP, "birth", [], AT, Commitment.new(KEY))


def test_an_agreement_version_names_its_fields_law_and_digest_but_no_person() -> None:
    body = parse_entry(agreement_published(DWP, "ab" * 32, AT).encode())
    assert body["kind"] == "agreement-version-published"
    assert body["fields"] == {"change-of-address": ["new_address.postcode", "nino"]}
    assert body["gateway"] == "Digital Economy Act 2017, section 35"
    assert body["digest"] == "ab" * 32
    assert entry_commitment(body) is None
    with pytest.raises(EntryError, match="not about a person"):
        check_commitment(agreement_published(DWP, "ab" * 32, AT).encode(), KEY)


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[1]",
        b'{"v":2,"id":"x","kind":"consent-given"}',
        b'{"id":"x","kind":"x","v":1}',
    ],
)
def test_malformed_entries_are_refused(data: bytes) -> None:
    with pytest.raises(EntryError):
        parse_entry(data)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=500)
@given(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=6))
def test_the_fast_encoder_writes_exactly_what_rfc8785_writes(body: dict[str, object]) -> None:
    # Unicode and control characters in strings, non-ASCII keys, floats: the fast path and
    # its fallback must always give the RFC 8785 bytes.
    assert encode_entry(body) == rfc8785.dumps(cast(Any, body))
