"""People and their keys, citizens' accounts and sessions, recipients' API keys."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tellonce.service_layer.ports.vault import PersonKey


@dataclass(frozen=True, slots=True)
class Account:
    id: uuid.UUID
    person_id: uuid.UUID


class PeopleRepository(Protocol):
    def add(self, keys: Mapping[uuid.UUID, PersonKey], now: datetime) -> None:
        """New people, each with their own key (one statement however many)."""
        ...

    def key_for(self, person_id: uuid.UUID) -> PersonKey: ...
    def next_sequences(self, wanted: Sequence[tuple[uuid.UUID, Sequence[str]]]) -> list[list[int]]:
        """For each report (a person and the recipients it tells, in order), the next
        disclosure sequence number for that person at each recipient: one number per distinct
        recipient of a report, increasing from report to report, taken in one statement."""
        ...


@dataclass(frozen=True, slots=True)
class SessionSeen:
    account: Account
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class RegistrarKey:
    id: uuid.UUID
    registrar_id: str
    account_id: uuid.UUID
    environment: str
    prefix: str
    label: str | None
    scopes: frozenset[str] = frozenset({"registrar"})


@dataclass(frozen=True, slots=True)
class RegistrarKeyHolder:
    """Whose a registrar key is, and what it may do."""

    account: Account
    environment: str
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class RecipientKeyHolder:
    """Whose a recipient API key is, in which environment, and what it may do."""

    recipient_id: str
    environment: str  # "live" or "test" (ADR 0089)
    scopes: frozenset[str]


class AccountRepository(Protocol):
    def by_subject(self, subject_index: bytes) -> Account | None: ...
    def add(self, account: Account, subject_index: bytes, now: datetime) -> None: ...
    def add_session(
        self,
        token_hash: bytes,
        account_id: uuid.UUID,
        now: datetime,
        expires_at: datetime,
        *,
        via: str,
        vot: str | None,
    ) -> None: ...
    def for_session(
        self, token_hash: bytes, now: datetime, idle_since: datetime
    ) -> SessionSeen | None:
        """The session's account unless it has expired or not been used since ``idle_since``."""
        ...

    def mark_seen(self, token_hash: bytes, now: datetime) -> None: ...

    def end_session(self, token_hash: bytes) -> str | None:
        """End a session; how it was signed in to (``via``), or None if there was none."""
        ...

    # API keys with the registrar scope (ADR 0071): each opens its registrar's account.
    def add_registrar_key(self, key: RegistrarKey, key_hash: bytes, now: datetime) -> None: ...
    def for_registrar_key(self, key_hash: bytes) -> RegistrarKeyHolder | None: ...
    def revoke_registrar_key(self, prefix: str, now: datetime) -> bool: ...


class RecipientKeyRepository(Protocol):
    def add(
        self,
        key_id: uuid.UUID,
        recipient_id: str,
        environment: str,
        prefix: str,
        key_hash: bytes,
        label: str | None,
        now: datetime,
        *,
        scopes: frozenset[str],
    ) -> None: ...
    def holder_for(self, key_hash: bytes) -> RecipientKeyHolder | None:
        """The key's recipient, environment and scopes, unless it is unknown or revoked."""
        ...

    def revoke(self, prefix: str, now: datetime) -> str | None:
        """Revoke the active key with this prefix: its recipient, or None if there is none."""
        ...


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    """Who an identity provider says signed in, after its ID token was checked."""

    issuer: str
    subject: str
    # GOV.UK One Login's vector of trust ("Cl.Cm": medium level of confidence), when sent.
    vot: str | None


@dataclass(frozen=True, slots=True)
class SignInSecrets:
    """What one authorisation request is bound to: its state, nonce and PKCE verifier."""

    state: str
    nonce: str
    code_verifier: str


class SignInFailed(Exception):
    """The provider's answer could not be accepted (error, wrong state, bad ID token)."""


class IdentityProvider(Protocol):
    """An OpenID Connect provider (authorisation code flow with PKCE)."""

    def authorization_url(self, secrets: SignInSecrets) -> str: ...
    def complete(self, code: str, secrets: SignInSecrets) -> VerifiedIdentity:
        """Swap the code for tokens and validate the ID token; raises SignInFailed."""
        ...

    def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser to sign out at the provider too, if it supports that."""
        ...
