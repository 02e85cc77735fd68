"""The catalogue in the database: recipients and every published version of every agreement."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tellonce.adapters.database.schema import agreement_versions, hub_state, recipients
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
from tellonce.service_layer.ports.catalogue import PublishedVersion


def area_to_json(area: Area) -> dict[str, list[str]]:
    return {
        "nations": sorted(area.nations),
        "include": sorted(area.include),
        "exclude": sorted(area.exclude),
    }


def agreement_to_json(agreement: Agreement) -> dict[str, Any]:
    data = asdict(agreement)
    data["fields"] = {event: list(paths) for event, paths in agreement.fields.items()}
    data["questions"] = [asdict(q) for q in agreement.questions]
    return data


def agreement_from_json(data: Mapping[str, Any]) -> Agreement:
    gateway = data.get("gateway")
    return Agreement(
        id=data["id"],
        recipient_id=data["recipient_id"],
        title=data["title"],
        fields={event: tuple(paths) for event, paths in data["fields"].items()},
        purpose=Purpose(**data["purpose"]),
        lawful_basis=LawfulBasis(**data["lawful_basis"]),
        gateway=LegalGateway(**gateway) if gateway else None,
        consent_required=data["consent_required"],
        retention=data["retention"],
        acknowledgement=AcknowledgementDeadline(
            within=data["acknowledgement"]["within"],
            unit=DeadlineUnit(data["acknowledgement"]["unit"]),
        ),
        area_address=AreaAddress(data["area_address"]),
        questions=tuple(RoutingQuestion(**q) for q in data["questions"]),
        version=data["version"],
    )


# The current catalogue, parsed, per database. Every change to the catalogue stamps a new random
# generation in hub_state; a reader compares one small row instead of re-reading and parsing
# every agreement on every report. Random, not a counter: a database emptied and refilled (as
# tests do) can never hand back a stale catalogue by reusing a number.
_CACHE: dict[str, tuple[int, Catalogue]] = {}
_GENERATION = "catalogue-generation"


class SqlCatalogueRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def current(self) -> Catalogue:
        generation = self._connection.execute(
            sa.select(hub_state.c.value).where(hub_state.c.name == _GENERATION)
        ).scalar_one_or_none()
        key = self._connection.engine.url.render_as_string(hide_password=True)
        cached = _CACHE.get(key)
        if generation is not None and cached is not None and cached[0] == generation:
            return cached[1]
        catalogue = self._read()
        if generation is not None:
            _CACHE[key] = (generation, catalogue)
        return catalogue

    def _changed(self) -> None:
        generation = secrets.randbits(62)
        updated = self._connection.execute(
            sa.update(hub_state).where(hub_state.c.name == _GENERATION).values(value=generation)
        )
        if updated.rowcount == 0:
            self._connection.execute(
                sa.insert(hub_state).values(name=_GENERATION, value=generation)
            )

    def _read(self) -> Catalogue:
        recipient_rows = self._connection.execute(sa.select(recipients)).mappings()
        found = {
            row["id"]: Recipient(
                id=row["id"],
                name=row["name"],
                controller=row["controller"],
                kind=RecipientKind(row["kind"]),
                area=Area.build(**row["area"]),
                channel=Channel(row["channel"]),
                contact_email=row["contact_email"],
                contact_url=row["contact_url"],
            )
            for row in recipient_rows
        }
        definitions = self._connection.execute(
            sa.select(agreement_versions.c.definition).where(
                agreement_versions.c.superseded_at.is_(None)
            )
        ).scalars()
        agreements = tuple(agreement_from_json(d) for d in definitions)
        return Catalogue(recipients=found, agreements=agreements)

    def save_recipient(self, recipient: Recipient, now: datetime) -> None:
        values = {
            "name": recipient.name,
            "controller": recipient.controller,
            "kind": recipient.kind.value,
            "channel": recipient.channel.value,
            "area": area_to_json(recipient.area),
            "contact_email": recipient.contact_email,
            "contact_url": recipient.contact_url,
            "updated_at": now,
        }
        updated = self._connection.execute(
            sa.update(recipients).where(recipients.c.id == recipient.id).values(**values)
        )
        if updated.rowcount == 0:
            self._connection.execute(sa.insert(recipients).values(id=recipient.id, **values))
        self._changed()

    def published_versions(self) -> Mapping[str, PublishedVersion]:
        rows = self._connection.execute(
            sa.select(
                agreement_versions.c.agreement_id,
                agreement_versions.c.version,
                agreement_versions.c.digest,
            ).where(agreement_versions.c.superseded_at.is_(None))
        )
        return {row.agreement_id: PublishedVersion(row.version, row.digest) for row in rows}

    def publish(self, agreement: Agreement, digest: str, now: datetime) -> None:
        self.retire(agreement.id, now)
        self._connection.execute(
            sa.insert(agreement_versions).values(
                agreement_id=agreement.id,
                version=agreement.version,
                recipient_id=agreement.recipient_id,
                digest=digest,
                definition=agreement_to_json(agreement),
                published_at=now,
            )
        )

    def retire(self, agreement_id: str, now: datetime) -> None:
        self._changed()
        self._connection.execute(
            sa.update(agreement_versions)
            .where(
                agreement_versions.c.agreement_id == agreement_id,
                agreement_versions.c.superseded_at.is_(None),
            )
            .values(superseded_at=now)
        )

    def agreement(self, agreement_id: str, version: int) -> Agreement:
        definition: Mapping[str, Any] = self._connection.execute(
            sa.select(agreement_versions.c.definition).where(
                agreement_versions.c.agreement_id == agreement_id,
                agreement_versions.c.version == version,
            )
        ).scalar_one()
        return agreement_from_json(definition)
