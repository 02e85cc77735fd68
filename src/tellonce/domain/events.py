"""The five life events a person can report, as typed and validated payloads.

Field names are a public contract: data-sharing agreements in the catalogue name the fields a
recipient may receive by dotted path (``new_address.postcode``), so renaming a field here breaks
agreements. Change a payload's shape only with a new ``schema_version``.

The parts payloads share live in ``event_parts``, the date rules (and how validation learns
"today") in ``event_dates``, and field paths and selection in ``payload_fields``; this module
re-exports the names callers use, so they import from here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, model_validator

from tellonce.domain.errors import FieldProblem, InvalidInput
from tellonce.domain.event_dates import (
    EARLIEST_DATE,
    PLANNED_MOVE_DAYS,
    MoveDate,
    PastDate,
    RecentBirthDate,
    anniversary,
    today_from,
)
from tellonce.domain.event_parts import (
    Address,
    Contact,
    Name,
    PayloadModel,
    Registration,
    RegistrationReference,
    Town,
    field_problem,
    item_count,
    raise_problems,
)
from tellonce.domain.identifiers import NationalInsuranceNumber, NhsNumber, ShortText
from tellonce.domain.payload_fields import model_field_paths, select_fields

# Callers import payload parts, date rules and field selection from here, as before the split.
__all__ = [
    "EARLIEST_DATE",
    "EVENT_MODELS",
    "EVENT_TYPES",
    "MINIMUM_AGE_TO_MARRY",
    "PLANNED_MOVE_DAYS",
    "Address",
    "Birth",
    "ChangeOfAddress",
    "ChangeOfName",
    "Child",
    "Contact",
    "Death",
    "Deceased",
    "EvidenceKind",
    "Informant",
    "InformantRelationship",
    "LifeEventPayload",
    "MaritalStatus",
    "Marriage",
    "MoveDate",
    "Name",
    "NameEvidence",
    "Parent",
    "Party",
    "PastDate",
    "PersonIdentity",
    "RecentBirthDate",
    "Registration",
    "RegistrationReference",
    "RenamedPerson",
    "Reporter",
    "ReporterRole",
    "Town",
    "UnknownEventType",
    "anniversary",
    "area_addresses",
    "field_paths",
    "json_schema",
    "model_for",
    "parse_payload",
    "reporter_roles",
    "select_fields",
    "subject_description",
    "today_from",
]

# 16 is the lowest age at which anyone in the UK could lawfully marry or form a civil
# partnership: it is still the minimum in Scotland, and was the minimum (with consent) in
# England, Wales and Northern Ireland until 2023, so older records can legitimately show it.
MINIMUM_AGE_TO_MARRY = 16


# The age from which a person is an adult, for whom someone may act under a power of attorney.
ADULT_AGE = 18

# In what capacity the reporter acts for the subject (ADR 0088). ``self``: the subject reports
# for themselves; ``power_of_attorney`` is the reporter's claim, recorded and shown to the
# recipients whose agreement lists ``reporter.role``, not checked by the hub.
ReporterRole = Literal["self", "informant", "executor", "parent", "power_of_attorney"]


class Reporter(PayloadModel):
    """Who made the report, in relation to the person it is about."""

    role: ReporterRole = Field(
        description="self; informant or executor (a death); parent (a birth); "
        "power_of_attorney (an adult's change of address or name: the reporter's claim)."
    )


class LifeEventPayload(PayloadModel):
    """Common base of every life event payload."""

    event_type: ClassVar[str]
    event_title: ClassVar[str]
    subject: ClassVar[str]
    area_address_paths: ClassVar[Mapping[str, str]] = MappingProxyType({"address": "address"})
    schema_version: ClassVar[int] = 1
    # The roles a reporter may act in for this event; the first is the default.
    reporter_roles: ClassVar[tuple[str, ...]] = ("self",)

    reporter: Reporter | None = Field(
        default=None, description="Who is reporting; left out, the event's usual reporter."
    )

    def default_reporter_role(self) -> str:
        return self.reporter_roles[0]

    def subject_birth_date(self) -> dt.date | None:
        """The subject's date of birth, where an adult's age must be checked."""
        return None

    @model_validator(mode="after")
    def check_reporter(self, info: ValidationInfo) -> Self:
        if self.reporter is None:
            # Payloads are frozen: the usual reporter is filled in once, while validating.
            usual = Reporter.model_validate({"role": self.default_reporter_role()})
            object.__setattr__(self, "reporter", usual)
            return self
        role = self.reporter.role
        loc = ("reporter", "role")
        if role not in self.reporter_roles:
            allowed = " or ".join(self.reporter_roles)
            message = f"For this event the reporter can only be: {allowed}"
            raise_problems(self, [field_problem(loc, "role_not_allowed", message, role)])
        born = self.subject_birth_date()
        minor = born is not None and anniversary(born, ADULT_AGE) > today_from(info)
        if role == "power_of_attorney" and minor:
            message = "A power of attorney can only be used for an adult"
            raise_problems(self, [field_problem(loc, "subject_not_adult", message, role)])
        return self


# --- Change of address ---------------------------------------------------------------------------
class PersonIdentity(PayloadModel):
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
    reporter_roles: ClassVar[tuple[str, ...]] = ("self", "power_of_attorney")

    person: PersonIdentity
    previous_address: Address
    new_address: Address
    move_date: MoveDate = Field(description="The date of the move; may be up to 92 days ahead.")
    contact: Contact | None = None

    def subject_birth_date(self) -> dt.date | None:
        return self.person.date_of_birth

    @model_validator(mode="after")
    def check_move(self) -> Self:
        problems = []
        if self.new_address.same_place_as(self.previous_address):
            message = "The new address must be different from the previous address"
            problems.append(field_problem(("new_address",), "address_unchanged", message, None))
        if self.move_date < self.person.date_of_birth:
            message = "The move date must be on or after the date of birth"
            problems.append(
                field_problem(("move_date",), "date_before_birth", message, self.move_date)
            )
        raise_problems(self, problems)
        return self


# --- Change of name ------------------------------------------------------------------------------
class RenamedPerson(PayloadModel):
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
            raise_problems(self, [field_problem(("new_name",), "name_unchanged", message, None)])
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


class NameEvidence(PayloadModel):
    """The document that shows the change of name."""

    kind: EvidenceKind
    reference: ShortText | None = None


class ChangeOfName(LifeEventPayload):
    """A person has changed their name."""

    event_type: ClassVar[str] = "change-of-name"
    event_title: ClassVar[str] = "Change of name"
    subject: ClassVar[str] = "you"
    reporter_roles: ClassVar[tuple[str, ...]] = ("self", "power_of_attorney")

    person: RenamedPerson
    address: Address
    effective_date: PastDate = Field(description="The date the new name took effect.")
    evidence: NameEvidence
    contact: Contact | None = None

    def subject_birth_date(self) -> dt.date | None:
        return self.person.date_of_birth

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        if self.effective_date < self.person.date_of_birth:
            message = "The date of the change must be on or after the date of birth"
            details = field_problem(
                ("effective_date",), "date_before_birth", message, self.effective_date
            )
            raise_problems(self, [details])
        return self


# --- Birth ---------------------------------------------------------------------------------------
class Child(PayloadModel):
    """The child who was born."""

    name: Name
    date_of_birth: RecentBirthDate
    sex: Literal["female", "male"] = Field(description="As recorded in the register of births.")
    place_of_birth: ShortText = Field(description="The town or hospital.")
    nhs_number: NhsNumber | None = None


class Parent(PayloadModel):
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
    return [field_problem(loc, "date_before_event", message, registration.registered_on)]


class Birth(LifeEventPayload):
    """A child has been born and their birth registered."""

    event_type: ClassVar[str] = "birth"
    event_title: ClassVar[str] = "Birth"
    subject: ClassVar[str] = "the child"
    reporter_roles: ClassVar[tuple[str, ...]] = ("parent",)

    child: Child
    parents: Annotated[
        list[Parent],
        AfterValidator(item_count(1, 2, "Enter 1 or 2 parents")),
        Field(json_schema_extra={"minItems": 1, "maxItems": 2}),
    ]
    address: Address = Field(description="Where the child lives.")
    registration: Registration
    contact: Contact | None = None

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        born = self.child.date_of_birth
        raise_problems(self, _registered_after(self.registration, born, "date of birth"))
        return self


# --- Death ---------------------------------------------------------------------------------------
MaritalStatus = Literal[
    "single", "married", "civil-partnership", "widowed", "divorced", "dissolved", "unknown"
]


class Deceased(PayloadModel):
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
            details = field_problem(
                ("date_of_death",), "date_before_birth", message, self.date_of_death
            )
            raise_problems(self, [details])
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


class Informant(PayloadModel):
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
    reporter_roles: ClassVar[tuple[str, ...]] = ("informant", "executor")

    deceased: Deceased
    registration: Registration
    informant: Informant

    def default_reporter_role(self) -> str:
        executor = self.informant.relationship == "executor-or-administrator"
        return "executor" if executor else "informant"

    @model_validator(mode="after")
    def check_dates(self) -> Self:
        died = self.deceased.date_of_death
        raise_problems(self, _registered_after(self.registration, died, "date of death"))
        return self


# --- Marriage or civil partnership ---------------------------------------------------------------
class Party(PayloadModel):
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
        AfterValidator(item_count(2, 2, "Enter both people")),
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
                problems.append(field_problem(loc, "too_young", message, party.date_of_birth))
        raise_problems(self, problems)
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
    """Validate ``data`` as ``event_type``; raises ``InvalidInput`` naming every field at fault
    (each problem with pydantic's rule code), or ``UnknownEventType``. pydantic stays in here."""
    context = None if today is None else {"today": today}
    try:
        return model_for(event_type).model_validate(data, context=context)
    except ValidationError as error:
        raise InvalidInput(
            [
                FieldProblem(
                    tuple(e["loc"]),
                    # pydantic prefixes messages from our validators with "Value error, ".
                    str(e["msg"]).removeprefix("Value error, "),
                    code=e["type"],
                )
                for e in error.errors(include_url=False, include_input=False)
            ]
        ) from error


def reporter_roles(event_type: str) -> tuple[str, ...]:
    """The roles a reporter may act in for an event type; the first is the usual one."""
    return model_for(event_type).reporter_roles


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


# --- Field paths ---------------------------------------------------------------------------------
@functools.cache
def field_paths(event_type: str) -> frozenset[str]:
    """Every dotted path an agreement may name: objects and leaves; lists by their field name."""
    return model_field_paths(model_for(event_type))
