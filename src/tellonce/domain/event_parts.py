"""Parts that several life event payloads share: names, addresses, contacts, registrations.

Also the base model every payload part uses, and the way a payload's cross-field rules report
problems at the fields they blame.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from tellonce.domain.event_dates import PastDate
from tellonce.domain.identifiers import (
    EmailAddress,
    InvalidValue,
    NamePart,
    Postcode,
    ShortText,
    UkPhoneNumber,
    Uprn,
    normalise_text,
    pydantic_rule,
)


# --- Cross-field problems ------------------------------------------------------------------------
def field_problem(
    loc: tuple[str | int, ...], code: str, message: str, value: object
) -> InitErrorDetails:
    """One error located at a field, for a model validator that checks several fields together."""
    return InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=value)


def raise_problems(model: BaseModel, problems: Sequence[InitErrorDetails]) -> None:
    """Raise all problems at once; pydantic keeps each ``loc`` and prefixes the outer path."""
    if problems:
        raise ValidationError.from_exception_data(type(model).__name__, list(problems))


def item_count(minimum: int, maximum: int, message: str) -> Callable[[list[Any]], list[Any]]:
    """A validator that a list holds from ``minimum`` to ``maximum`` items."""

    def check(items: list[Any]) -> list[Any]:
        if not minimum <= len(items) <= maximum:
            raise PydanticCustomError("wrong_number_of_items", message)
        return items

    return check


# --- Shared parts --------------------------------------------------------------------------------
class PayloadModel(BaseModel):
    """Base of every payload and part: no unknown fields, immutable, text trimmed."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _town(text: str) -> str:
    return normalise_text(text, max_length=60)


def _registration_reference(text: str) -> str:
    reference = normalise_text(text, max_length=30).upper()
    if re.fullmatch(r"[A-Z0-9/-]+", reference) is None:
        raise InvalidValue(
            "registration_reference_invalid",
            "Registration reference must only include letters, numbers, hyphens and slashes",
        )
    return reference


Town = Annotated[
    str,
    AfterValidator(pydantic_rule(_town)),
    Field(json_schema_extra={"minLength": 1, "maxLength": 60}),
]
RegistrationReference = Annotated[
    str,
    AfterValidator(pydantic_rule(_registration_reference)),
    Field(json_schema_extra={"minLength": 1, "maxLength": 30, "pattern": "^[A-Za-z0-9/-]+$"}),
]


class Name(PayloadModel):
    """A person's name as they use it."""

    given_names: NamePart
    family_name: NamePart


class Address(PayloadModel):
    """A UK postal address."""

    line_1: ShortText
    line_2: ShortText | None = None
    town: Town
    county: ShortText | None = None
    postcode: Postcode
    uprn: Uprn | None = None

    def same_place_as(self, other: Address) -> bool:
        """Postcode and first line match, ignoring case: the same home typed twice."""
        return self.postcode == other.postcode and self.line_1.casefold() == other.line_1.casefold()


class Contact(PayloadModel):
    """How recipients may contact the person reporting, if they need to."""

    email: EmailAddress | None = None
    phone: UkPhoneNumber | None = None


class Registration(PayloadModel):
    """The civil registration of the event by a registrar."""

    reference: RegistrationReference = Field(description="The register entry reference.")
    district: ShortText = Field(description="The registration district.")
    registered_on: PastDate
