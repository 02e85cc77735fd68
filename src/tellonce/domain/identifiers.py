"""UK identifier and free-text rules, as pure functions and pydantic ``Annotated`` types.

Each ``normalise_*`` function accepts what a person would reasonably type (any case, spaces,
dashes), returns one canonical form, and raises :class:`InvalidValue` — a ``ValueError``
carrying a stable ``code`` and a plain-English message in GOV.UK style — for anything else.
The canonical form matters beyond tidiness: recipients match records on these values, and the
hub computes blind indexes over them, so "ls11ur" and "LS1 1UR" must become the same string.

The ``Annotated`` types wrap the same functions so that pydantic reports the error under the
field's location with our message and code (not "Value error, ..."), and publish a JSON Schema
hint (``pattern``/``examples``) describing what the API accepts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    EmailStr,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "EXAMPLE_NINO_PREFIX",
    "EmailAddress",
    "InvalidValue",
    "LongText",
    "NamePart",
    "NationalInsuranceNumber",
    "NhsNumber",
    "Postcode",
    "ShortText",
    "UkPhoneNumber",
    "Uprn",
    "normalise_name_part",
    "normalise_nhs_number",
    "normalise_nino",
    "normalise_postcode",
    "normalise_text",
    "normalise_uk_phone",
    "normalise_uprn",
    "postcode_parts",
    "pydantic_rule",
]


class InvalidValue(ValueError):
    """A value broke a rule; ``message`` is fit to show to the person who typed it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_In = TypeVar("_In")


def pydantic_rule(rule: Callable[[_In], str]) -> Callable[[_In], str]:
    """Adapt a ``normalise_*`` rule into a pydantic validator with our code and message."""

    def validate(value: _In) -> str:
        try:
            return rule(value)
        except InvalidValue as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    validate.__name__ = rule.__name__
    return validate


# --- Postcodes ----------------------------------------------------------------------------------
# Outward code: A9, A9A, A99, AA9, AA9A, AA99. Letters Q, V and X are never used first, and I, J
# and Z never second (Royal Mail's rules, as in the government data standard pattern). The inward
# code is a digit and two letters; C I K M O V are never used there because they are easily
# mistaken for other characters when handwritten. Non-geographic oddities (GIR 0AA, BFPO,
# overseas territories) are deliberately not accepted: nobody lives at them.
_OUTWARD = r"[A-PR-UWYZ](?:[0-9][0-9A-Z]?|[A-HK-Y][0-9][0-9A-Z]?)"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"(?P<outward>{_OUTWARD})(?P<inward>{_INWARD})")
_POSTCODE_MESSAGE = "Enter a real postcode, like LS1 1UR"


def normalise_postcode(text: str) -> str:
    """Return the canonical form ``"LS1 1UR"`` of a UK postcode typed in any case or spacing."""
    compact = "".join(text.split()).upper()
    match = _POSTCODE.fullmatch(compact)
    if match is None:
        raise InvalidValue("postcode_invalid", _POSTCODE_MESSAGE)
    return f"{match['outward']} {match['inward']}"


def postcode_parts(postcode: str) -> tuple[str, str, str]:
    """Split a postcode into (area, district, sector): ``"LS6 2AB"`` -> ``("LS", "LS6", "LS6 2")``.

    Agreements name areas at any of these levels, so routing compares prefixes of the same shape.
    """
    canonical = normalise_postcode(postcode)
    outward, inward = canonical.split(" ")
    area = outward[:2] if outward[1].isalpha() else outward[:1]
    return area, outward, f"{outward} {inward[0]}"


# --- National Insurance numbers -----------------------------------------------------------------
# HMRC NIM39110: the first letter is never D F I Q U V, the second never D F I O Q U V, and the
# prefixes BG GB KN NK NT TN ZZ are not allocated. The suffix is A to D.
_NINO = re.compile(r"(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]")
# "QQ" breaks the first-letter rule, so it is never issued to anyone: HMRC and the GOV.UK Design
# System use it in examples. We accept it so that demos, docs and tests can use numbers that are
# valid in shape but can never match a real person's record.
EXAMPLE_NINO_PREFIX = "QQ"
_NINO_MESSAGE = "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"


def normalise_nino(text: str) -> str:
    """Return a National Insurance number as ``"QQ123456C"``: no spaces, upper case."""
    compact = "".join(text.split()).upper()
    if _NINO.fullmatch(compact) is None and not _is_example_nino(compact):
        raise InvalidValue("national_insurance_number_invalid", _NINO_MESSAGE)
    return compact


def _is_example_nino(compact: str) -> bool:
    return re.fullmatch(rf"{EXAMPLE_NINO_PREFIX}[0-9]{{6}}[A-D]", compact) is not None


# --- NHS numbers ---------------------------------------------------------------------------------
_NHS_MESSAGE = "Enter a 10 digit NHS number, like 943 476 5919"


def normalise_nhs_number(text: str) -> str:
    """Return an NHS number as 10 digits, after checking its modulus 11 check digit.

    The check digit catches every single mistyped digit and most swapped pairs, which is the
    commonest way a person copying the number from a letter gets it wrong.
    """
    digits = re.sub(r"[\s-]", "", text)
    if re.fullmatch(r"[0-9]{10}", digits) is None:
        raise InvalidValue("nhs_number_invalid", _NHS_MESSAGE)
    if _nhs_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidValue("nhs_number_invalid", "Enter a real NHS number, like 943 476 5919")
    return digits


def _nhs_check_digit(first_nine: str) -> int | None:
    """Weights 10..2; 11 minus the remainder, where 11 means 0 and 10 means "never issued"."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return None
    return 0 if check == 11 else check


# --- UPRNs ---------------------------------------------------------------------------------------
_UPRN_MESSAGE = "Enter a Unique Property Reference Number of up to 12 digits"


def normalise_uprn(value: str | int) -> str:
    """Return a UPRN (1 to 12 digits, at least 1) as a string without leading zeros.

    Kept as a string in payloads because JSON numbers lose precision in some consumers, and
    because it is an identifier, not a quantity.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidValue("uprn_invalid", _UPRN_MESSAGE)
    text = str(value).strip()
    if re.fullmatch(r"[0-9]{1,12}", text) is None or int(text) == 0:
        raise InvalidValue("uprn_invalid", _UPRN_MESSAGE)
    return str(int(text))


# --- Phone numbers ------------------------------------------------------------------------------
_PHONE_MESSAGE = "Enter a UK phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"


def normalise_uk_phone(text: str) -> str:
    """Return a UK phone number as digits with a leading ``0`` or ``+44``, as it was typed.

    People write numbers with spaces, dashes, brackets and "+44 (0)"; we keep only what a
    caller dials. A national number is 10 or 11 digits with its leading 0 (9 or 10 after +44).
    """
    compact = re.sub(r"[\s()-]", "", text.replace("(0)", ""))
    if compact.startswith("0044"):
        compact = "+44" + compact[4:]
    if re.fullmatch(r"\+44[1-9][0-9]{8,9}|0[1-9][0-9]{8,9}", compact) is None:
        raise InvalidValue("phone_invalid", _PHONE_MESSAGE)
    return compact


# --- Names and free text -------------------------------------------------------------------------
# Control (Cc), format (Cf: includes invisible bidi overrides, a spoofing risk), surrogate (Cs)
# and line/paragraph separator (Zl, Zp) characters never belong in a name or an address line.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAME_PUNCTUATION = frozenset(" -'’.")  # noqa: RUF001 - the typographic apostrophe is intended


def _clean(text: str) -> str:
    """NFC-normalise, strip, refuse control characters, collapse runs of spaces to one."""
    text = unicodedata.normalize("NFC", text).strip()
    if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in text):
        raise InvalidValue("text_control_character", "Remove any special or hidden characters")
    return " ".join(text.split())


def normalise_text(text: str, *, max_length: int = 100) -> str:
    """Return free text (an address line, a place) cleaned, 1 to ``max_length`` characters."""
    cleaned = _clean(text)
    if not cleaned:
        raise InvalidValue("text_empty", "Enter some text")
    if len(cleaned) > max_length:
        raise InvalidValue("text_too_long", f"Enter {max_length} characters or fewer")
    return cleaned


def normalise_name_part(text: str) -> str:
    """Return a given name or family name, allowing letters from any script.

    Names are where forms most often fail people: we accept any Unicode letter with its
    combining marks (Siân, Zoë, Ólafur, 李), and the punctuation real names use (O'Brien with
    a straight or a typographic apostrophe, Smith-Jones, St. John), but not digits, symbols or
    emoji.
    """
    cleaned = _clean(text)
    if not cleaned:
        raise InvalidValue("name_empty", "Enter a name")
    if len(cleaned) > 100:
        raise InvalidValue("name_too_long", "Name must be 100 characters or fewer")
    if not all(_is_name_character(ch) for ch in cleaned):
        raise InvalidValue(
            "name_invalid_character",
            "Name must only include letters, spaces, hyphens, apostrophes and full stops",
        )
    if not any(unicodedata.category(ch).startswith("L") for ch in cleaned):
        raise InvalidValue("name_no_letters", "Name must include at least one letter")
    return cleaned


def _is_name_character(ch: str) -> bool:
    return ch in _NAME_PUNCTUATION or unicodedata.category(ch)[0] in {"L", "M"}


def _long_text(text: str) -> str:
    return normalise_text(text, max_length=500)


def _uprn_before(value: object) -> str:
    """Accept an int or a string (JSON clients send either) and hand on the canonical string."""
    if not isinstance(value, str | int):
        raise PydanticCustomError("uprn_invalid", _UPRN_MESSAGE)
    return pydantic_rule(normalise_uprn)(value)


def _email_in_plain_english(value: object, handler: ValidatorFunctionWrapHandler) -> str:
    """Keep pydantic's email check (email-validator), but say what is wrong as GOV.UK does."""
    try:
        email: str = handler(value)
    except ValidationError:
        message = "Enter an email address in the correct format, like name@example.com"
        raise PydanticCustomError("email_invalid", message) from None
    return email


# --- Annotated types for pydantic models ---------------------------------------------------------
Postcode = Annotated[
    str,
    AfterValidator(pydantic_rule(normalise_postcode)),
    Field(
        description="A UK postcode, in any case and spacing; returned as e.g. LS1 1UR.",
        examples=["LS1 1UR"],
        json_schema_extra={"pattern": r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? *[0-9][A-Za-z]{2}$"},
    ),
]
NationalInsuranceNumber = Annotated[
    str,
    AfterValidator(pydantic_rule(normalise_nino)),
    Field(
        description="A National Insurance number; spaces allowed; returned as e.g. QQ123456C.",
        examples=["QQ123456C"],
        json_schema_extra={"pattern": r"^ *[A-Za-z] *[A-Za-z]( *[0-9]){6} *[A-Da-d] *$"},
    ),
]
NhsNumber = Annotated[
    str,
    AfterValidator(pydantic_rule(normalise_nhs_number)),
    Field(
        description="A 10 digit NHS number with a valid check digit; spaces and dashes allowed.",
        examples=["9434765919"],
        json_schema_extra={"pattern": r"^[0-9]([ -]*[0-9]){9}$"},
    ),
]
Uprn = Annotated[
    str,
    BeforeValidator(_uprn_before),
    Field(
        description="A Unique Property Reference Number (OS AddressBase), up to 12 digits.",
        examples=["100023336956"],
        json_schema_extra={"pattern": r"^[0-9]{1,12}$"},
    ),
]
EmailAddress = Annotated[EmailStr, WrapValidator(_email_in_plain_english)]
UkPhoneNumber = Annotated[
    str,
    AfterValidator(pydantic_rule(normalise_uk_phone)),
    Field(
        description="A UK phone number; spaces, dashes and brackets allowed.",
        examples=["07700 900982"],
        json_schema_extra={"pattern": r"^[0-9+() -]{10,20}$"},
    ),
]
NamePart = Annotated[
    str,
    AfterValidator(pydantic_rule(normalise_name_part)),
    Field(json_schema_extra={"minLength": 1, "maxLength": 100}),
]
ShortText = Annotated[
    str,
    AfterValidator(pydantic_rule(normalise_text)),
    Field(json_schema_extra={"minLength": 1, "maxLength": 100}),
]
LongText = Annotated[
    str,
    AfterValidator(pydantic_rule(_long_text)),
    Field(json_schema_extra={"minLength": 1, "maxLength": 500}),
]
