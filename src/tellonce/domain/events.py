"""The five life events a person can report, as typed and validated payloads.

Field names are a public contract: data-sharing agreements in the catalogue name the fields a
recipient may receive by dotted path (``new_address.postcode``), so renaming a field here breaks
agreements. Change a payload's shape only with a new ``schema_version``.

Rules that depend on "today" read it from the pydantic validation context (``{"today": date}``)
so that tests and replays are deterministic; without it they use the current UTC date. Callers
serving people in the UK should pass the UK civil date, or a birth reported just after midnight
in summer time would look one day in the future.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from tellonce.domain.identifiers import (
    EmailAddress,
    InvalidValue,
    NamePart,
    NationalInsuranceNumber,
    NhsNumber,
    Postcode,
    ShortText,
    UkPhoneNumber,
    Uprn,
    normalise_text,
    pydantic_rule,
)

EARLIEST_DATE = dt.date(1900, 1, 1)
# People may report a planned move up to 3 months ahead (councils and the electoral register
# want notice). The longest run of three consecutive calendar months is 92 days (e.g. July to
# September), so a 92-day window never rejects a date that is "within the next 3 months".
PLANNED_MOVE_DAYS = 92
# 16 is the lowest age at which anyone in the UK could lawfully marry or form a civil
# partnership: it is still the minimum in Scotland, and was the minimum (with consent) in
# England, Wales and Northern Ireland until 2023, so older records can legitimately show it.
MINIMUM_AGE_TO_MARRY = 16


# --- Dates ---------------------------------------------------------------------------------------
def today_from(info: ValidationInfo) -> dt.date:
    """The date validation treats as today: ``context["today"]`` if given, else UTC today."""
    context = info.context
    today = context.get("today") if isinstance(context, Mapping) else None
    if isinstance(today, dt.datetime):  # a datetime is a date, but cannot be compared with one
        return today.date()
    if isinstance(today, dt.date):
        return today
    return dt.datetime.now(dt.UTC).date()


def anniversary(start: dt.date, years: int) -> dt.date:
    """``start`` plus whole years; 29 February falls on 1 March in other years (UK practice)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, 3, 1)


def _not_future(value: dt.date, info: ValidationInfo) -> dt.date:
    if value > today_from(info):
        raise PydanticCustomError("date_in_future", "The date must be today or in the past")
    return value


def _not_before_1900(value: dt.date) -> dt.date:
    if value < EARLIEST_DATE:
        raise PydanticCustomError("date_too_early", "The date must be on or after 1 January 1900")
    return value


def _within_planned_move_window(value: dt.date, info: ValidationInfo) -> dt.date:
    if value > today_from(info) + dt.timedelta(days=PLANNED_MOVE_DAYS):
        raise PydanticCustomError(
            "date_too_far_ahead",
            "The move date must be today, in the past or within the next 3 months",
        )
    return value


def _within_last_year(value: dt.date, info: ValidationInfo) -> dt.date:
    # Births are registered within 42 days in England and Wales and 21 days in Scotland; a year
    # leaves room for late registrations while keeping this a report of a recent birth.
    if value < anniversary(today_from(info), -1):
        raise PydanticCustomError(
            "date_too_long_ago", "The date of birth must be within the last 12 months"
        )
    return value


PastDate = Annotated[dt.date, AfterValidator(_not_before_1900), AfterValidator(_not_future)]
MoveDate = Annotated[
    dt.date, AfterValidator(_not_before_1900), AfterValidator(_within_planned_move_window)
]
RecentBirthDate = Annotated[dt.date, AfterValidator(_not_future), AfterValidator(_within_last_year)]


# --- Cross-field problems ------------------------------------------------------------------------
def _problem(
    loc: tuple[str | int, ...], code: str, message: str, value: object
) -> InitErrorDetails:
    """One error located at a field, for a model validator that checks several fields together."""
    return InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=value)


def _raise_problems(model: BaseModel, problems: Sequence[InitErrorDetails]) -> None:
    """Raise all problems at once; pydantic keeps each ``loc`` and prefixes the outer path."""
    if problems:
        raise ValidationError.from_exception_data(type(model).__name__, list(problems))


def _count(minimum: int, maximum: int, message: str) -> Callable[[list[Any]], list[Any]]:
    def check(items: list[Any]) -> list[Any]:
        if not minimum <= len(items) <= maximum:
            raise PydanticCustomError("wrong_number_of_items", message)
        return items

    return check


# --- Shared parts --------------------------------------------------------------------------------
class _Model(BaseModel):
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


class Name(_Model):
    """A person's name as they use it."""

    given_names: NamePart
    family_name: NamePart


class Address(_Model):
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


class Contact(_Model):
    """How recipients may contact the person reporting, if they need to."""

    email: EmailAddress | None = None
    phone: UkPhoneNumber | None = None


class Registration(_Model):
    """The civil registration of the event by a registrar."""

    reference: RegistrationReference = Field(description="The register entry reference.")
    district: ShortText = Field(description="The registration district.")
    registered_on: PastDate


class LifeEventPayload(_Model):
    """Common base of every life event payload."""

    event_type: ClassVar[str]
    event_title: ClassVar[str]
    subject: ClassVar[str]
    area_address_paths: ClassVar[Mapping[str, str]] = MappingProxyType({"address": "address"})
    schema_version: ClassVar[int] = 1


# --- Change of address ---------------------------------------------------------------------------
class PersonIdentity(_Model):
    """The person the report is about, with the identifiers recipients match records on."""

    name: Name
    date_of_birth: PastDate
    national_insurance_number: NationalInsuranceNumber | None = None
    nhs_number: NhsNumber | None = None


class ChangeOfAddress(LifeEventPayload):
    """A person has moved home, or is about to within the next 3 months."""

    event_type: ClassVar[str] = "change-of-address"
    event_title: ClassVar[str] = "Change of address"
    subject: ClassVar[str] = "you"
    area_address_paths: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"old": "previous_address", "new": "new_address"}
    )

    person: PersonIdentity
    previous_address: Address
    new_address: Address
    move_date: MoveDate = Field(description="The date of the move; may be up to 92 days ahead.")
    contact: Contact | None = None

    @model_validator(mode="after")
    def check_move(self) -> Self:
        problems = []
        if self.new_address.same_place_as(self.previous_address):
            message = "The new address must be different from the previous address"
            problems.append(_problem(("new_address",), "address_unchanged", message, None))
        if self.move_date < self.person.date_of_birth:
            message = "The move date must be on or after the date of birth"
            problems.append(_problem(("move_date",), "date_before_birth", message, self.move_date))
        _raise_problems(self, problems)
        return self


# --- Change of name ------------------------------------------------------------------------------
class RenamedPerson(_Model):
    """The person whose name has changed."""

    previous_name: Name
    new_name: Name
    date_of_birth: PastDate
    national_insurance_number: NationalInsuranceNumber | None = None
    nhs_number: NhsNumber | None = None

    @model_validator(mode="after")
    def check_name_changed(self) -> Self:
        # Exact comparison: a change of capitalisation ("De Souza" to "de Souza") is a change.
        if self.new_name == self.previous_name:
            message = "The new name must be different from the previous name"
            _raise_problems(self, [_problem(("new_name",), "name_unchanged", message, None)])
        return self


EvidenceKind = Literal[
    "deed-poll",
    "marriage-certificate",
    "civil-partnership-certificate",
    "divorce-or-dissolution",
    "statutory-declaration",
    "gender-recognition-certificate",
    "other",
]


class NameEvidence(_Model):
    """The document that shows the change of name."""

    kind: EvidenceKind
    reference: ShortText | None = None


class ChangeOfName(LifeEventPayload):
    """A person has changed their name."""

    event_type: ClassVar[str] = "change-of-name"
    event_title: ClassVar[str] = "Change of name"
    subject: ClassVar[str] = "you"

    person: RenamedPerson
    address: Address
    effective_date: PastDate = Field(description="The date the new name took effect.")
    evidence: NameEvidence
    contact: Contact | None = None

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        if self.effective_date < self.person.date_of_birth:
            message = "The date of the change must be on or after the date of birth"
            details = _problem(
                ("effective_date",), "date_before_birth", message, self.effective_date
            )
            _raise_problems(self, [details])
        return self


# --- Birth ---------------------------------------------------------------------------------------
class Child(_Model):
    """The child who was born."""

    name: Name
    date_of_birth: RecentBirthDate
    sex: Literal["female", "male"] = Field(description="As recorded in the register of births.")
    place_of_birth: ShortText = Field(description="The town or hospital.")
    nhs_number: NhsNumber | None = None


class Parent(_Model):
    """A parent named on the birth register."""

    name: Name
    relationship: Literal["mother", "father", "parent"]
    date_of_birth: PastDate | None = None
    national_insurance_number: NationalInsuranceNumber | None = None


def _registered_after(registration: Registration | None, event: dt.date, what: str) -> list[Any]:
    """The registration can only follow the event it registers."""
    if registration is None or registration.registered_on >= event:
        return []
    message = f"The registration date must be on or after the {what}"
    loc = ("registration", "registered_on")
    return [_problem(loc, "date_before_event", message, registration.registered_on)]


class Birth(LifeEventPayload):
    """A child has been born and their birth registered."""

    event_type: ClassVar[str] = "birth"
    event_title: ClassVar[str] = "Birth"
    subject: ClassVar[str] = "the child"

    child: Child
    parents: Annotated[
        list[Parent],
        AfterValidator(_count(1, 2, "Enter 1 or 2 parents")),
        Field(json_schema_extra={"minItems": 1, "maxItems": 2}),
    ]
    address: Address = Field(description="Where the child lives.")
    registration: Registration
    contact: Contact | None = None

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        born = self.child.date_of_birth
        _raise_problems(self, _registered_after(self.registration, born, "date of birth"))
        return self


# --- Death ---------------------------------------------------------------------------------------
MaritalStatus = Literal[
    "single", "married", "civil-partnership", "widowed", "divorced", "dissolved", "unknown"
]


class Deceased(_Model):
    """The person who died."""

    name: Name
    date_of_birth: PastDate
    date_of_death: PastDate
    national_insurance_number: NationalInsuranceNumber | None = None
    nhs_number: NhsNumber | None = None
    address: Address = Field(description="Their usual address.")
    marital_status: MaritalStatus = "unknown"

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        if self.date_of_death < self.date_of_birth:
            message = "The date of death must be on or after the date of birth"
            details = _problem(("date_of_death",), "date_before_birth", message, self.date_of_death)
            _raise_problems(self, [details])
        return self


InformantRelationship = Literal[
    "spouse-or-civil-partner",
    "child",
    "parent",
    "sibling",
    "other-relative",
    "executor-or-administrator",
    "other",
]


class Informant(_Model):
    """The person who registered the death and is reporting it."""

    name: Name
    relationship: InformantRelationship
    address: Address | None = None
    contact: Contact | None = None


class Death(LifeEventPayload):
    """A person has died and their death has been registered."""

    event_type: ClassVar[str] = "death"
    event_title: ClassVar[str] = "Death"
    subject: ClassVar[str] = "the person who died"
    area_address_paths: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"address": "deceased.address"}
    )

    deceased: Deceased
    registration: Registration
    informant: Informant

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        died = self.deceased.date_of_death
        _raise_problems(self, _registered_after(self.registration, died, "date of death"))
        return self


# --- Marriage or civil partnership ---------------------------------------------------------------
class Party(_Model):
    """One of the two people marrying or forming a civil partnership."""

    name_before: Name
    name_after: Name | None = Field(default=None, description="Only if their name changes.")
    date_of_birth: PastDate
    national_insurance_number: NationalInsuranceNumber | None = None


class Marriage(LifeEventPayload):
    """Two people have married or formed a civil partnership."""

    event_type: ClassVar[str] = "marriage"
    event_title: ClassVar[str] = "Marriage or civil partnership"
    subject: ClassVar[str] = "the couple"

    kind: Literal["marriage", "civil-partnership"]
    date: PastDate
    place: ShortText = Field(description="The venue or registration district.")
    parties: Annotated[
        list[Party],
        AfterValidator(_count(2, 2, "Enter both people")),
        Field(json_schema_extra={"minItems": 2, "maxItems": 2}),
    ]
    address: Address | None = Field(default=None, description="Their shared address afterwards.")
    registration: Registration | None = None
    contact: Contact | None = None

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        problems = _registered_after(self.registration, self.date, "date of the ceremony")
        message = f"Each person must have been at least {MINIMUM_AGE_TO_MARRY} on the date"
        for index, party in enumerate(self.parties):
            if anniversary(party.date_of_birth, MINIMUM_AGE_TO_MARRY) > self.date:
                loc = ("parties", index, "date_of_birth")
                problems.append(_problem(loc, "too_young", message, party.date_of_birth))
        _raise_problems(self, problems)
        return self


# --- Registry ------------------------------------------------------------------------------------
EVENT_TYPES: tuple[str, ...] = ("change-of-address", "change-of-name", "birth", "death", "marriage")
EVENT_MODELS: Mapping[str, type[LifeEventPayload]] = MappingProxyType(
    {model.event_type: model for model in (ChangeOfAddress, ChangeOfName, Birth, Death, Marriage)}
)


class UnknownEventType(ValueError):
    """Raised for an event type the hub does not know (never a bare ``KeyError``)."""

    def __init__(self, event_type: object) -> None:
        super().__init__(f"Unknown life event type: {str(event_type)[:40]!r}")
        self.event_type = event_type


def model_for(event_type: str) -> type[LifeEventPayload]:
    """The payload model for an event type."""
    model = EVENT_MODELS.get(event_type) if isinstance(event_type, str) else None
    if model is None:
        raise UnknownEventType(event_type)
    return model


def parse_payload(
    event_type: str, data: object, *, today: dt.date | None = None
) -> LifeEventPayload:
    """Validate ``data`` as ``event_type``; raises ``ValidationError`` or ``UnknownEventType``."""
    context = None if today is None else {"today": today}
    return model_for(event_type).model_validate(data, context=context)


def subject_description(event_type: str) -> str:
    """Who the report is about, in words for previews: "you", "the child"..."""
    return model_for(event_type).subject


def area_addresses(event_type: str) -> Mapping[str, str]:
    """The address path(s) whose postcode decides which areas' recipients are involved."""
    return model_for(event_type).area_address_paths


def json_schema(event_type: str, *, base_url: str) -> dict[str, Any]:
    """JSON Schema 2020-12 of a payload, with a stable, versioned ``$id``."""
    model = model_for(event_type)
    schema = model.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url.rstrip('/')}/schemas/{event_type}/v{model.schema_version}.json",
        **schema,
        "title": model.event_title,
        "description": schema.get("description", model.event_title),
    }


# --- Field paths and selection -------------------------------------------------------------------
@functools.cache
def field_paths(event_type: str) -> frozenset[str]:
    """Every dotted path an agreement may name: objects and leaves; lists by their field name."""
    return frozenset(_paths(model_for(event_type), ""))


def _paths(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, info in model.model_fields.items():
        path = prefix + name
        yield path
        nested = _nested_model(info.annotation)
        if nested is not None:
            yield from _paths(nested, path + ".")


def _nested_model(annotation: object) -> type[BaseModel] | None:
    """The model inside ``X``, ``X | None`` or ``list[X]``, if there is one."""
    if isinstance(annotation, type) and not get_args(annotation):
        return annotation if issubclass(annotation, BaseModel) else None
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


class _Missing:
    """Marks a path that selects nothing (absent, or ``None``)."""


_MISSING = _Missing()


def select_fields(payload_json: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """Keep only the named paths of a JSON-mode payload, in the payload's own shape.

    A path through a list selects that sub-field of every item; items that lack it stay as
    ``{}`` so that positions still line up when several paths are merged.
    """
    selected: dict[str, Any] = {}
    for path in paths:
        picked = _pick(payload_json, path.split("."))
        if isinstance(picked, dict):
            selected = _merge_dicts(selected, picked)
    return selected


def _pick(node: object, parts: Sequence[str]) -> object:
    if not parts:
        return _MISSING if node is None else copy.deepcopy(node)
    if isinstance(node, list):
        items = [_pick(item, parts) for item in node]
        if all(item is _MISSING for item in items):
            return _MISSING
        return [{} if item is _MISSING else item for item in items]
    if isinstance(node, Mapping):
        picked = _pick(node.get(parts[0]), parts[1:])
        return _MISSING if picked is _MISSING else {parts[0]: picked}
    return _MISSING


def _merge_dicts(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        merged[key] = _merge(merged[key], value) if key in merged else value
    return merged


def _merge(old: object, new: object) -> object:
    if isinstance(old, dict) and isinstance(new, dict):
        return _merge_dicts(old, new)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_merge(a, b) for a, b in zip(old, new, strict=True)]
    return new
