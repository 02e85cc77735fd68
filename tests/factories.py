"""Factories for test data: a small catalogue with two councils and national bodies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tellonce.domain.areas import Area
from tellonce.domain.catalogue import (
    AcknowledgementDeadline,
    Agreement,
    AreaAddress,
    Catalogue,
    Channel,
    DeadlineUnit,
    LawfulBasis,
    LegalGateway,
    Purpose,
    Recipient,
    RecipientKind,
    RoutingQuestion,
)

GATEWAY = LegalGateway(
    citation="Digital Economy Act 2017, section 35",
    source="https://www.legislation.gov.uk/ukpga/2017/30/section/35",
    verified=True,
)


def recipient(
    id: str,  # noqa: A002 - mirrors the catalogue's key
    *,
    kind: RecipientKind = RecipientKind.CENTRAL_GOVERNMENT,
    nations: Iterable[str] = ("england", "wales", "scotland"),
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    channel: Channel = Channel.PUSH,
) -> Recipient:
    return Recipient(
        id=id,
        name=id.replace("-", " ").title(),
        controller=f"{id} controller",
        kind=kind,
        area=Area.build(nations=nations, include=include, exclude=exclude),
        channel=channel,
        contact_email=f"{id}@example.gov.uk",
    )


def agreement(
    id: str,  # noqa: A002 - mirrors the catalogue's key
    recipient_id: str,
    fields: Mapping[str, Iterable[str]],
    *,
    consent: bool = False,
    area_address: AreaAddress = AreaAddress.EITHER,
    questions: Iterable[RoutingQuestion] = (),
    **overrides: Any,
) -> Agreement:
    values: dict[str, Any] = {
        "id": id,
        "recipient_id": recipient_id,
        "title": f"Agreement {id}",
        "fields": {event: tuple(paths) for event, paths in fields.items()},
        "purpose": Purpose("dpv:ServiceProvision", "To keep their records up to date"),
        "lawful_basis": LawfulBasis("a" if consent else "e"),
        "gateway": None if consent else GATEWAY,
        "consent_required": consent,
        "retention": "As long as the record is needed",
        "acknowledgement": AcknowledgementDeadline(10, DeadlineUnit.WORKING_DAYS),
        "area_address": area_address,
        "questions": tuple(questions),
    }
    values.update(overrides)
    return Agreement(**values)


LICENCE = RoutingQuestion("holds-driving-licence", "Does the person hold a UK driving licence?")
ADDRESS_FIELDS = ("person.name", "person.date_of_birth", "new_address", "move_date")


def small_catalogue() -> Catalogue:
    """Leeds and Manchester councils, a national department, a licensing body and a charity."""
    recipients = [
        recipient("dwp", nations=("england", "wales", "scotland")),
        recipient("dvla", nations=("england", "wales", "scotland")),
        recipient(
            "leeds-council-tax",
            kind=RecipientKind.LOCAL_AUTHORITY,
            nations=(),
            include=("LS1", "LS6", "LS7", "LS29"),
            exclude=("LS29 8", "LS29 9"),
        ),
        recipient(
            "manchester-council-tax",
            kind=RecipientKind.LOCAL_AUTHORITY,
            nations=(),
            include=("M14", "M20"),
        ),
        recipient(
            "leeds-electoral", kind=RecipientKind.LOCAL_AUTHORITY, nations=(), include=("LS",)
        ),
        recipient("a-charity", kind=RecipientKind.PRIVATE, channel=Channel.PULL),
    ]
    agreements = [
        agreement(
            "dwp-moves",
            "dwp",
            {
                "change-of-address": (
                    "person.name",
                    "person.national_insurance_number",
                    "new_address",
                ),
                "death": ("deceased.name", "deceased.date_of_death"),
            },
        ),
        agreement(
            "dvla-moves",
            "dvla",
            {"change-of-address": ("person.name", "person.date_of_birth", "new_address")},
            questions=(LICENCE,),
        ),
        agreement(
            "leeds-council-tax-moves",
            "leeds-council-tax",
            {"change-of-address": (*ADDRESS_FIELDS, "previous_address")},
            area_address=AreaAddress.OLD,
        ),
        agreement(
            "manchester-council-tax-moves",
            "manchester-council-tax",
            {"change-of-address": (*ADDRESS_FIELDS, "previous_address.postcode")},
            area_address=AreaAddress.NEW,
        ),
        agreement(
            "leeds-electoral-moves",
            "leeds-electoral",
            {"change-of-address": ADDRESS_FIELDS},
            area_address=AreaAddress.EITHER,
        ),
        agreement(
            "charity-newsletter",
            "a-charity",
            {"change-of-address": ("person.name", "new_address.postcode")},
            consent=True,
        ),
    ]
    return Catalogue(
        recipients={r.id: r for r in recipients},
        agreements=tuple(agreements),
    )
