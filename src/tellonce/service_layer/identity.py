"""Who is calling: citizen sessions and recipient API keys.

Both are random bearer secrets stored only as SHA-256 hashes. They carry distinct prefixes and
live in different tables, so a citizen token can never be used as a recipient key or the other
way round.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tellonce.domain.errors import NotAuthenticated
from tellonce.service_layer.ports import Account, Clock, UnitOfWork, UnitOfWorkFactory, Vault

SESSION_PREFIX = "tlo_session_"
KEY_PREFIXES = {"live": "tlo_live_", "test": "tlo_test_"}


@dataclass(frozen=True, slots=True)
class IssuedSession:
    token: str
    account: Account


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: str  # shown once
    prefix: str  # safe to display and to revoke by


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def start_session(
    issuer: str,
    subject: str,
    *,
    uow_factory: UnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
    lifetime: timedelta,
) -> IssuedSession:
    """Sign a citizen in: find or create their account (by blind index), issue a session."""
    now = clock.now()
    subject_index = vault.blind_index("account-subject", f"{issuer}\n{subject}")
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    with uow_factory() as uow:
        account = uow.accounts.by_subject(subject_index)
        if account is None:
            account = Account(id=uuid.uuid4(), person_id=uuid.uuid4())
            uow.people.add(account.person_id, vault.new_person_key(), now)
            uow.accounts.add(account, subject_index, now)
        uow.accounts.add_session(_hash(token), account.id, now, now + lifetime)
        uow.commit()
    return IssuedSession(token, account)


def authenticate_citizen(token: str, *, uow: UnitOfWork, clock: Clock) -> Account:
    if not token.startswith(SESSION_PREFIX):
        raise NotAuthenticated("Sign in to continue")
    with uow:
        account = uow.accounts.for_session(_hash(token), clock.now())
    if account is None:
        raise NotAuthenticated("Your session has ended: sign in again")
    return account


def end_session(token: str, *, uow: UnitOfWork) -> None:
    """Sign out: the session stops working at once, not only in this browser."""
    with uow:
        uow.accounts.end_session(_hash(token))
        uow.commit()


def create_recipient_key(
    recipient_id: str, environment: str, label: str | None, *, uow: UnitOfWork, clock: Clock
) -> IssuedKey:
    if environment not in KEY_PREFIXES:
        raise ValueError("environment must be 'live' or 'test'")
    key = KEY_PREFIXES[environment] + secrets.token_urlsafe(32)
    prefix = key[: len(KEY_PREFIXES[environment]) + 8]
    with uow:
        if recipient_id not in uow.catalogue.current().recipients:
            raise ValueError(f"there is no recipient {recipient_id!r}")
        uow.recipient_keys.add(
            uuid.uuid4(), recipient_id, environment, prefix, _hash(key), label, clock.now()
        )
        uow.commit()
    return IssuedKey(key, prefix)


def revoke_recipient_key(prefix: str, *, uow: UnitOfWork, clock: Clock) -> bool:
    with uow:
        revoked = uow.recipient_keys.revoke(prefix, clock.now())
        uow.commit()
    return revoked


def authenticate_recipient(key: str, *, uow: UnitOfWork) -> str:
    """The recipient id for an API key, refusing anything that is not a live or test key."""
    if not key.startswith(tuple(KEY_PREFIXES.values())):
        raise NotAuthenticated("Send a recipient API key")
    with uow:
        recipient_id = uow.recipient_keys.recipient_for(_hash(key))
    if recipient_id is None:
        raise NotAuthenticated("This API key is not valid or has been revoked")
    return recipient_id
