"""Record an operator's or caseworker's change to the hub in the transparency log (ADR 0093).

Every action that changes what recipients receive or what citizens see is logged, in the
transaction of the change, with the actor as a role, an organisation and a pseudonymous staff
id: an auditor sees who changed the hub and when, and the log still holds no personal data
(the staff id's owner is in the hub's private records, never in the log)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tellonce.domain.transparency import entries
from tellonce.service_layer.ports import UnitOfWork
from tellonce.service_layer.ports.console import StaffMember
from tellonce.service_layer.ports.transparency import PendingLogEntry

HUB_ORGANISATION = "hub"
# An operator at the hub's command line (``tellonce recipients …``, ``deliveries replay``,
# ``catalogue load``): no staff member signed in, so no pseudonymous id (ADR 0078).
COMMAND_LINE: Mapping[str, str] = {"role": "command line", "organisation": HUB_ORGANISATION}

# Who did it, as a hub-action entry names them: ``actor_of(member)`` or ``COMMAND_LINE``.
Actor = Mapping[str, str]


def actor_of(member: StaffMember) -> dict[str, str]:
    return {
        "role": member.role,
        "organisation": member.recipient_id or HUB_ORGANISATION,
        "staff": str(member.id),
    }


def record_hub_action(
    uow: UnitOfWork,
    member: StaffMember,
    action: str,
    now: datetime,
    subject: Mapping[str, Any] | None = None,
) -> None:
    record_action(uow, actor_of(member), action, now, subject)


def record_action(
    uow: UnitOfWork,
    actor: Actor | None,
    action: str,
    now: datetime,
    subject: Mapping[str, Any] | None = None,
) -> None:
    """Log ``action`` in the unit of work of the change it records (ADR 0078): both commit,
    or neither. Nothing for no actor (the change was not a hub action: an API call)."""
    if actor is None:
        return
    entry = entries.hub_action(action, now, dict(actor), subject or {})
    uow.log.add_pending([PendingLogEntry(entry.kind.value, entry.encode(), now)])
