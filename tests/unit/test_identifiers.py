"""UK identifier rules: what people type, what we store, and what we refuse (and how we say so)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from tellonce.domain.identifiers import (
    InvalidValue,
    LongText,
    NamePart,
    NationalInsuranceNumber,
    NhsNumber,
    Postcode,
    ShortText,
    UkPhoneNumber,
    Uprn,
    normalise_name_part,
    normalise_nhs_number,
    normalise_nino,
    normalise_postcode,
    normalise_text,
    normalise_uk_phone,
    normalise_uprn,
    postcode_parts,
)

APOSTROPHE = "\u2019"  # the typographic apostrophe people's phones insert


# --- Postcodes -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ls11ur", "LS1 1UR"),
        ("LS1 1UR", "LS1 1UR"),
        ("  m14   5tq ", "M14 5TQ"),
        ("S10\t2TN", "S10 2TN"),
        ("W1A 1AA", "W1A 1AA"),  # A9A
        ("ec1a1bb", "EC1A 1BB"),  # AA9A
        ("B33 8TH", "B33 8TH"),  # A99
        ("CR2 6XH", "CR2 6XH"),  # AA9
        ("DN55 1PT", "DN55 1PT"),  # AA99
        ("M1 1AE", "M1 1AE"),  # A9
    ],
)
def test_postcodes_are_normalised_to_outward_space_inward(typed: str, canonical: str) -> None:
    assert normalise_postcode(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "LS1",
        "LS1 1U",
        "LS1 1URR",
        "LSS1 1UR",  # three letters in the outward code
        "1LS 1UR",
        "QS1 1UR",  # Q is never first
        "LI1 1UR",  # I is never second
        "LS1 1CR",  # C is never used in the inward code
        "LS1 1UI",  # nor I
        "LS1-1UR",
        "GIR 0AA",  # non-geographic: nobody lives there
        "SW1A 1AA!",
    ],
)
def test_invalid_postcodes_are_refused_in_plain_english(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_postcode(typed)
    assert caught.value.message == "Enter a real postcode, like LS1 1UR"
    assert caught.value.code == "postcode_invalid"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("postcode", "parts"),
    [
        ("LS6 2AB", ("LS", "LS6", "LS6 2")),
        ("M14 5TQ", ("M", "M14", "M14 5")),
        ("ec1a1bb", ("EC", "EC1A", "EC1A 1")),
        ("W1A 1AA", ("W", "W1A", "W1A 1")),
    ],
)
def test_postcode_parts_give_area_district_and_sector(
    postcode: str, parts: tuple[str, str, str]
) -> None:
    assert postcode_parts(postcode) == parts


def test_postcode_parts_refuses_an_invalid_postcode() -> None:
    with pytest.raises(InvalidValue):
        postcode_parts("nowhere")


_FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"
_SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_DIGITS = "0123456789"


@st.composite
def postcodes(draw: st.DrawFn) -> tuple[str, str]:
    """(a valid canonical postcode, the same postcode typed in a random case and spacing)."""
    shape = draw(st.sampled_from(["A9", "A9A", "A99", "AA9", "AA9A", "AA99"]))
    outward = draw(st.sampled_from(_FIRST))
    outward += draw(st.sampled_from(_SECOND)) if shape.startswith("AA") else ""
    outward += draw(st.sampled_from(_DIGITS))
    if len(shape.lstrip("A")) == 2:
        outward += draw(st.sampled_from(_DIGITS if shape.endswith("9") else _FIRST))
    inward = draw(st.sampled_from(_DIGITS))
    inward += "".join(draw(st.lists(st.sampled_from(_INWARD_LETTERS), min_size=2, max_size=2)))
    canonical = f"{outward} {inward}"
    typed = "".join(
        draw(st.sampled_from([ch.lower(), ch.upper()])) + draw(st.sampled_from(["", " ", "  "]))
        for ch in canonical.replace(" ", "")
    )
    return canonical, typed


@given(postcodes())
def test_any_valid_postcode_normalises_to_its_canonical_form(case: tuple[str, str]) -> None:
    canonical, typed = case
    assert normalise_postcode(typed) == canonical
    assert normalise_postcode(canonical) == canonical  # idempotent
    area, district, sector = postcode_parts(typed)
    assert canonical.startswith(sector)
    assert sector.startswith(district + " ")
    assert district.startswith(area)
    assert area.isalpha()


# --- National Insurance numbers ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("QQ 12 34 56 C", "QQ123456C"),  # the never-issued example prefix
        ("ab123456c", "AB123456C"),
        ("  AA 123456 A ", "AA123456A"),
        ("CE123456D", "CE123456D"),
        ("OA123456B", "OA123456B"),  # O may be first, just not second
        ("JY 65 43 21 A", "JY654321A"),
    ],
)
def test_national_insurance_numbers_are_normalised(typed: str, canonical: str) -> None:
    assert normalise_nino(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "DA123456A",
        "FA123456A",
        "IA123456A",
        "QA123456A",  # Q first is only accepted as the QQ example prefix
        "UA123456A",
        "VA123456A",
        "AD123456A",
        "AF123456A",
        "AI123456A",
        "AO123456A",
        "AQ123456A",
        "AU123456A",
        "AV123456A",
        "BG123456A",
        "GB123456A",
        "KN123456A",
        "NK123456A",
        "NT123456A",
        "TN123456A",
        "ZZ123456A",
        "AB123456E",  # suffix is A to D
        "AB123456",
        "AB12345C",
        "AB1234567C",
        "A1234567C",
        "",
    ],
)
def test_invalid_national_insurance_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_nino(typed)
    assert caught.value.message == (
        "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"
    )


# --- NHS numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        ("9434765919", "9434765919"),
        ("999 526 0182", "9995260182"),
        ("1000000060", "1000000060"),  # a check digit of 11 means 0
    ],
)
def test_nhs_numbers_with_a_good_check_digit_are_accepted(typed: str, canonical: str) -> None:
    assert normalise_nhs_number(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("943 476 5918", "nhs_number_invalid"),  # wrong check digit
        ("1000000061", "nhs_number_invalid"),
        ("943 476 59.19", "nhs_number_invalid"),
        ("943476591", "nhs_number_invalid"),  # 9 digits
        ("94347659190", "nhs_number_invalid"),
        ("943476591X", "nhs_number_invalid"),
        ("", "nhs_number_invalid"),
    ],
)
def test_nhs_numbers_that_fail_the_check_are_refused(typed: str, code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_nhs_number(typed)
    assert caught.value.code == code


def test_nhs_number_whose_check_digit_would_be_10_is_never_valid() -> None:
    # 100000001 gives a check digit of 10, so no NHS number starts with it.
    for last in "0123456789":
        with pytest.raises(InvalidValue):
            normalise_nhs_number("100000001" + last)


def _check_digit(first_nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return None if check == 10 else check % 11


@given(
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.integers(0, 9),
    st.integers(1, 9),
)
def test_the_check_digit_catches_any_single_mistyped_digit(
    first_nine: str, position: int, shift: int
) -> None:
    check = _check_digit(first_nine)
    if check is None:
        return
    number = first_nine + str(check)
    assert normalise_nhs_number(number) == number
    wrong = str((int(number[position]) + shift) % 10)
    typo = number[:position] + wrong + number[position + 1 :]
    with pytest.raises(InvalidValue):
        normalise_nhs_number(typo)


# --- UPRNs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("100023336956", "100023336956"),
        (100023336956, "100023336956"),
        ("000123", "123"),
        (" 42 ", "42"),
        (1, "1"),
        ("999999999999", "999999999999"),
    ],
)
def test_uprns_are_strings_of_digits_without_leading_zeros(
    typed: str | int, canonical: str
) -> None:
    assert normalise_uprn(typed) == canonical


@pytest.mark.parametrize("typed", ["", "0", "000", "1234567890123", "12a", "-5", -5, 0, 10**12])
def test_invalid_uprns_are_refused(typed: str | int) -> None:
    with pytest.raises(InvalidValue):
        normalise_uprn(typed)


@pytest.mark.parametrize("typed", [True, 1.5, None, b"123"])
def test_uprns_of_the_wrong_type_are_refused(typed: Any) -> None:
    with pytest.raises(InvalidValue):
        normalise_uprn(typed)


# --- Phone numbers -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("07700 900982", "07700900982"),
        ("0113 496 0318", "01134960318"),
        ("(0113) 496-0318", "01134960318"),
        ("+44 7700 900982", "+447700900982"),
        ("+44 (0)113 496 0318", "+441134960318"),
        ("0044 114 496 0123", "+441144960123"),
        ("01632 96000", "0163296000"),  # 10 digit numbers still exist
    ],
)
def test_uk_phone_numbers_are_normalised(typed: str, canonical: str) -> None:
    assert normalise_uk_phone(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    ["", "12345", "phone me", "+1 202 555 0100", "0770090098212", "+4407700900982", "00 1234 5678"],
)
def test_invalid_phone_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_uk_phone(typed)
    assert caught.value.code == "phone_invalid"


# --- Names ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Siân", "Siân"),
        ("Zoë", "Zoë"),
        ("Zoe\u0308", "Zoë"),  # decomposed input is composed (NFC)
        ("Ólafur", "Ólafur"),
        (f"O{APOSTROPHE}Brien", f"O{APOSTROPHE}Brien"),
        ("O'Brien", "O'Brien"),
        ("李", "李"),
        ("Nguyễn", "Nguyễn"),
        ("محمد", "محمد"),
        ("अमित", "अमित"),  # Devanagari vowel signs are combining marks
        ("Jean-Luc", "Jean-Luc"),
        ("St. John", "St. John"),
        ("  Mary   Jane  ", "Mary Jane"),
        ("Mary\u00a0Jane", "Mary Jane"),  # a non-breaking space is still a space
        ("A" * 100, "A" * 100),
    ],
)
def test_names_from_any_script_are_accepted(typed: str, canonical: str) -> None:
    assert normalise_name_part(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "name_empty"),
        ("   ", "name_empty"),
        ("R2D2", "name_invalid_character"),
        ("Anne 2nd", "name_invalid_character"),
        ("😀", "name_invalid_character"),
        ("😀😀", "name_invalid_character"),
        ("Ann!", "name_invalid_character"),
        ("Ann_B", "name_invalid_character"),
        ("-'.", "name_no_letters"),
        ("Mary\x00", "text_control_character"),
        ("Mary\nJane", "text_control_character"),
        ("Ann\u202eB", "text_control_character"),  # a bidi override can disguise a name
        ("A" * 101, "name_too_long"),
    ],
)
def test_names_with_digits_symbols_or_control_characters_are_refused(typed: str, code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_name_part(typed)
    assert caught.value.code == code
    assert caught.value.message[0].isupper()


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo", "Zs"]), max_size=120))
def test_name_normalisation_is_idempotent(typed: str) -> None:
    try:
        once = normalise_name_part(typed)
    except InvalidValue:
        return
    assert normalise_name_part(once) == once
    assert 1 <= len(once) <= 100
    assert once == once.strip()
    assert "  " not in once


# --- Free text -----------------------------------------------------------------------------------
def test_text_is_trimmed_and_collapsed() -> None:
    assert normalise_text("  12   High Street ") == "12 High Street"


@pytest.mark.parametrize(
    ("typed", "max_length", "code"),
    [
        ("", 100, "text_empty"),
        (" ", 100, "text_empty"),
        ("x" * 101, 100, "text_too_long"),
        ("x" * 61, 60, "text_too_long"),
        ("12 High\x07 Street", 100, "text_control_character"),
    ],
)
def test_bad_text_is_refused(typed: str, max_length: int, code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_text(typed, max_length=max_length)
    assert caught.value.code == code


# --- Annotated types in pydantic models ----------------------------------------------------------
class Sample(BaseModel):
    postcode: Postcode | None = None
    nino: NationalInsuranceNumber | None = None
    nhs: NhsNumber | None = None
    uprn: Uprn | None = None
    name: NamePart | None = None
    phone: UkPhoneNumber | None = None
    short: ShortText | None = None
    long: LongText | None = None


def test_annotated_types_normalise_values() -> None:
    sample = Sample(
        postcode="ls11ur",
        nino="qq 12 34 56 c",
        nhs="943 476 5919",
        uprn=123,  # JSON clients may send a number
        name=" Siân ",
        phone="07700 900982",
        short=" 1  High St ",
        long="x" * 500,
    )
    assert sample.postcode == "LS1 1UR"
    assert sample.nino == "QQ123456C"
    assert sample.nhs == "9434765919"
    assert sample.uprn == "123"
    assert sample.name == "Siân"
    assert sample.phone == "07700900982"
    assert sample.short == "1 High St"


@pytest.mark.parametrize(
    ("field", "value", "code", "message"),
    [
        ("postcode", "LS1", "postcode_invalid", "Enter a real postcode, like LS1 1UR"),
        ("nino", "BG123456A", "national_insurance_number_invalid", None),
        ("nhs", "9434765918", "nhs_number_invalid", None),
        ("uprn", 1.5, "uprn_invalid", None),
        ("uprn", "0", "uprn_invalid", None),
        ("name", "R2D2", "name_invalid_character", None),
        ("phone", "12345", "phone_invalid", None),
        ("short", "x" * 101, "text_too_long", "Enter 100 characters or fewer"),
        ("long", "x" * 501, "text_too_long", "Enter 500 characters or fewer"),
    ],
)
def test_annotated_types_report_our_code_and_message_at_the_field(
    field: str, value: object, code: str, message: str | None
) -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({field: value})
    [error] = caught.value.errors()
    assert error["loc"] == (field,)
    assert error["type"] == code
    assert not error["msg"].startswith("Value error")
    if message is not None:
        assert error["msg"] == message


def test_annotated_types_publish_json_schema_hints() -> None:
    properties = Sample.model_json_schema()["properties"]
    postcode = properties["postcode"]["anyOf"][0]
    assert postcode["examples"] == ["LS1 1UR"]
    assert "pattern" in postcode
    assert properties["long"]["anyOf"][0]["maxLength"] == 500
    assert properties["name"]["anyOf"][0]["maxLength"] == 100
