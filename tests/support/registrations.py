"""Registration references for tests that report deaths and births (ADR 0087): a registrar
records the registration through the same use case as POST /api/v1/registrar/registrations."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from tellonce.bootstrap import Hub
from tellonce.domain.registrations import (
    REGISTERED_EVENTS,
    RegisteredDetails,
    details_from_payload,
)
from tellonce.service_layer.identity import authenticate_registrar, create_registrar_key
from tellonce.service_layer.ports import Clock, UnitOfWorkFactory, Vault
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.registrations import record_registration


def registrar_account(hub: Hub, registrar_id: str = "test-register-office") -> Account:
    return _registrar(hub.uow, hub.vault, hub.clock, registrar_id)


def _registrar(
    uow_factory: UnitOfWorkFactory, vault: Vault, clock: Clock, registrar_id: str
) -> Account:
    issued = create_registrar_key(
        registrar_id, "test", "tests", uow_factory=uow_factory, vault=vault, clock=clock
    )
    return authenticate_registrar(issued.key, uow=uow_factory())


def registered_with(
    uow_factory: UnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
    event_type: str,
    payload: Mapping[str, Any],
) -> dict[str, Any]:
    """``registered`` for a hub that is not a ``Hub`` (the use-case tests' fakes)."""
    copied = copy.deepcopy(dict(payload))
    if event_type in REGISTERED_EVENTS:
        copied["registration"]["reference"] = record_registration(
            details_from_payload(event_type, copied),
            registrar=_registrar(uow_factory, vault, clock, "test-register-office"),
            uow_factory=uow_factory,
            vault=vault,
            clock=clock,
        ).reference
    return copied


def reference_for(hub: Hub, event_type: str, payload: Mapping[str, Any]) -> str:
    """A fresh registration reference bound to this payload's details."""
    issued = record_registration(
        details_from_payload(event_type, dict(payload)),
        registrar=registrar_account(hub),
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
    )
    return issued.reference


def registered(hub: Hub, event_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload with a registrar's reference for it (unchanged for the other events)."""
    copied = copy.deepcopy(dict(payload))
    if event_type in REGISTERED_EVENTS:
        copied["registration"]["reference"] = reference_for(hub, event_type, copied)
    return copied


def recorded(
    hub: Hub,
    event_type: str,
    name: tuple[str, str],
    date_of_birth: dt.date,
    district: str,
    date_of_death: dt.date | None = None,
) -> str:
    """A registrar's reference for a death or birth with these details (portal and browser
    journeys, which answer page by page)."""
    details = RegisteredDetails(event_type, *name, date_of_birth, date_of_death, district)
    return record_registration(
        details,
        registrar=registrar_account(hub),
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
    ).reference
