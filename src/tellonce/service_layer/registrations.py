"""Registrars record registered deaths and births; reports of them must carry the reference
(ADR 0087). The portal and the API call the same functions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tellonce.domain.errors import FieldProblem, InvalidInput
from tellonce.domain.registrations import (
    REFERENCE_PATH,
    REGISTERED_EVENTS,
    VALID_FOR,
    RegisteredDetails,
    mismatches,
    new_registration_reference,
    normalise_registration_reference,
)
from tellonce.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory, Vault
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.registrations import StoredRegistration

UNKNOWN = "Enter the registration reference the registrar gave you: this one is not recognised"
EXPIRED = "This registration reference has expired: ask the registrar for a new one"
USED = "This registration reference has already been used to report this"
DIFFERENT = "This does not match what the registrar recorded"


@dataclass(frozen=True, slots=True)
class IssuedRegistration:
    reference: str
    expires_at: datetime
    details: RegisteredDetails


@dataclass(frozen=True, slots=True)
class Authority:
    """A report's valid reference: what the registrar recorded, and the reference to use up."""

    reference_hash: bytes
    details: RegisteredDetails


def _hash(reference: str) -> bytes:
    return hashlib.sha256(normalise_registration_reference(reference).encode()).digest()


def _context(reference_hash: bytes) -> bytes:
    return b"registration:" + reference_hash


def record_registration(
    details: RegisteredDetails,
    *,
    registrar: Account,
    uow_factory: UnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
) -> IssuedRegistration:
    """A registrar records a registered death or birth: a reference for the informant or
    parent, valid 28 days, used once, bound to these details (sealed under the hub's key)."""
    if details.event_type not in REGISTERED_EVENTS:
        raise InvalidInput([FieldProblem(("event_type",), "Give death or birth")])
    now = clock.now()
    reference = new_registration_reference()
    reference_hash = _hash(reference)
    sealed = vault.seal_secret(json.dumps(details.as_json()).encode(), _context(reference_hash))
    stored = StoredRegistration(
        reference_hash, registrar.id, details.event_type, sealed, now + VALID_FOR, None
    )
    with uow_factory() as uow:
        uow.registrations.add(stored, now)
        uow.commit()
    return IssuedRegistration(reference, stored.expires_at, details)


def authority_for(
    event_type: str,
    payload: Mapping[str, Any],
    *,
    uow: UnitOfWork,
    vault: Vault,
    now: datetime,
    prefix: tuple[str, ...] = ("payload",),
) -> Authority | None:
    """The registration behind a death or birth report, inside an open unit of work; refused
    (naming the field) unless the reference is known, current, unused and its details match.
    None for the other events, which need no registration."""
    if event_type not in REGISTERED_EVENTS:
        return None
    registration = payload.get("registration")
    given = registration.get("reference") if isinstance(registration, Mapping) else None
    where = (*prefix, *REFERENCE_PATH)
    stored = uow.registrations.get(_hash(given)) if isinstance(given, str) else None
    if stored is None or stored.event_type != event_type:
        raise InvalidInput([FieldProblem(where, UNKNOWN, "registration_reference_unknown")])
    if stored.expires_at <= now:
        raise InvalidInput([FieldProblem(where, EXPIRED, "registration_reference_expired")])
    if stored.used_at is not None:
        raise InvalidInput([FieldProblem(where, USED, "registration_reference_used")])
    opened = vault.open_secret(stored.sealed_details, _context(stored.reference_hash))
    details = RegisteredDetails.from_json(json.loads(opened))
    wrong = mismatches(details, dict(payload))
    if wrong:
        raise InvalidInput(
            [FieldProblem((*prefix, *path), DIFFERENT, "registration_mismatch") for path in wrong]
        )
    return Authority(stored.reference_hash, details)


def use_authority(authority: Authority, report_id: Any, *, uow: UnitOfWork, now: datetime) -> None:
    """Use the reference up, in the report's own transaction: two reports racing for one
    reference cannot both be written."""
    if not uow.registrations.use(authority.reference_hash, report_id, now):
        where = ("payload", *REFERENCE_PATH)
        raise InvalidInput([FieldProblem(where, USED, "registration_reference_used")])


def recorded_registration(
    event_type: str,
    payload: Mapping[str, Any],
    *,
    uow: UnitOfWork,
    vault: Vault,
    clock: Clock,
    prefix: tuple[str, ...] = ("payload",),
) -> RegisteredDetails | None:
    """What the registrar recorded, for the preview to show (refusing as ``authority_for``)."""
    with uow:
        authority = authority_for(
            event_type, payload, uow=uow, vault=vault, now=clock.now(), prefix=prefix
        )
    return authority.details if authority else None


def registration_problems(
    event_type: str, payload: Mapping[str, Any], *, uow: UnitOfWork, vault: Vault, clock: Clock
) -> list[FieldProblem]:
    """Why a complete death or birth report's registration is refused, located in the payload
    (the portal sends the citizen back to the page that can fix it)."""
    try:
        recorded_registration(event_type, payload, uow=uow, vault=vault, clock=clock, prefix=())
    except InvalidInput as refused:
        return list(refused.problems)
    return []
