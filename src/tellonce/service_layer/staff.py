"""Staff of the hub and of recipients: sign-in, sessions, invitations and removal (ADR 0091).

Signing in is a small port: an identity provider (the demo form in demo mode; OpenID Connect
once the identity work lands) vouches for a work email address, and ``start_staff_session``
turns an address the hub knows into a session. Roles: ``operator`` (the hub's administrators),
``manager`` and ``caseworker`` (a recipient's staff; managers also run its settings)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tellonce.domain.errors import (
    FieldProblem,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    TellonceError,
)
from tellonce.service_layer.hub_actions import record_hub_action
from tellonce.service_layer.ports import Clock
from tellonce.service_layer.ports.console import ConsoleUnitOfWork, StaffMember

STAFF_SESSION_PREFIX = "tlo_staff_"
OPERATOR, MANAGER, CASEWORKER = "operator", "manager", "caseworker"
RECIPIENT_ROLES = (CASEWORKER, MANAGER)
ROLES = (OPERATOR, *RECIPIENT_ROLES)


class Forbidden(TellonceError):
    """Signed in, but this role may not do this (a caseworker at the hub's administration)."""


def require(member: StaffMember, *roles: str) -> None:
    if member.role not in roles:
        raise Forbidden("Your role does not give you access to this")


@dataclass(frozen=True, slots=True)
class StaffSession:
    token: str
    member: StaffMember


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def _check_email(email: str) -> str:
    address = normalise_email(email)
    local, _, domain = address.partition("@")
    if not local or "." not in domain or len(address) > 254 or " " in address:
        raise InvalidInput(
            [
                FieldProblem(
                    ("email",),
                    "Enter an email address in the correct format, like name@example.gov.uk",
                )
            ]
        )
    return address


def start_staff_session(
    email: str, *, uow: ConsoleUnitOfWork, clock: Clock, lifetime: timedelta
) -> StaffSession:
    """A session for the staff member with this (identity-provider-verified) address."""
    now = clock.now()
    token = STAFF_SESSION_PREFIX + secrets.token_urlsafe(32)
    with uow:
        member = uow.staff.by_email(normalise_email(email))
        if member is None:
            raise NotAuthenticated("No one with that email address works on this hub")
        uow.staff.add_session(_hash(token), member.id, now, now + lifetime)
        uow.commit()
    return StaffSession(token, member)


def staff_for_session(token: str, *, uow: ConsoleUnitOfWork, clock: Clock) -> StaffMember:
    if not token.startswith(STAFF_SESSION_PREFIX):
        raise NotAuthenticated("Sign in to continue")
    with uow:
        member = uow.staff.for_session(_hash(token), clock.now())
    if member is None:
        raise NotAuthenticated("Your session has ended: sign in again")
    return member


def end_staff_session(token: str, *, uow: ConsoleUnitOfWork) -> None:
    with uow:
        uow.staff.end_session(_hash(token))
        uow.commit()


def add_staff(
    email: str,
    name: str,
    role: str,
    recipient_id: str | None,
    *,
    uow: ConsoleUnitOfWork,
    clock: Clock,
    by: StaffMember | None = None,
) -> StaffMember:
    """Add a member: ``by`` a recipient's manager (their own organisation's caseworkers and
    managers), or with no ``by`` from the command line (the first operator, say)."""
    problems = []
    name = " ".join(name.split())
    if not name or len(name) > 100:
        problems.append(FieldProblem(("name",), "Enter their full name (up to 100 characters)"))
    if role not in ROLES:
        problems.append(FieldProblem(("role",), "Select caseworker or manager"))
    try:
        address = _check_email(email)
    except InvalidInput as error:
        problems += error.problems
        address = ""
    if problems:
        raise InvalidInput(problems)
    if (role == OPERATOR) != (recipient_id is None):
        raise InvalidInput(
            [FieldProblem(("role",), "Operators belong to the hub; others to a recipient")]
        )
    if by is not None and (by.role != MANAGER or by.recipient_id != recipient_id):
        raise Forbidden("Only a manager of this organisation can invite its staff")
    member = StaffMember(uuid.uuid4(), address, name, role, recipient_id)
    now = clock.now()
    with uow:
        if recipient_id is not None and recipient_id not in uow.catalogue.current().recipients:
            raise NotFound(f"There is no recipient {recipient_id!r}")
        if uow.staff.by_email(address) is not None:
            raise InvalidInput(
                [FieldProblem(("email",), "Someone with that email address already has access")]
            )
        uow.staff.add(member, now)
        if by is not None:
            record_hub_action(
                uow, by, "staff-invited", now, {"staff_role": role, "member": str(member.id)}
            )
        uow.commit()
    return member


def remove_staff(
    staff_id: uuid.UUID, *, by: StaffMember, uow: ConsoleUnitOfWork, clock: Clock
) -> None:
    now = clock.now()
    with uow:
        member = uow.staff.get(staff_id)
        if member is None or by.role != MANAGER or member.recipient_id != by.recipient_id:
            raise NotFound("There is no such member of your organisation")
        if member.id == by.id:
            raise InvalidInput(
                [FieldProblem(("member",), "You cannot remove yourself: ask another manager")]
            )
        uow.staff.remove(staff_id, now)
        record_hub_action(uow, by, "staff-removed", now, {"member": str(staff_id)})
        uow.commit()
