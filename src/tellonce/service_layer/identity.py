"""Who is calling: citizen sessions and recipient API keys.

Both are random bearer secrets stored only as SHA-256 hashes. They carry distinct prefixes and
live in different tables, so a citizen token can never be used as a recipient key or the other
way round.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tellonce.domain.errors import MissingScope, NotAuthenticated
from tellonce.service_layer.hub_actions import Actor, record_action
from tellonce.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory, Vault
from tellonce.service_layer.ports.identity import Account, RegistrarKey, SignInSecrets

SESSION_PREFIX = "tlo_session_"
KEY_PREFIXES = {"live": "tlo_live_", "test": "tlo_test_"}
# API keys with the registrar scope (ADR 0071): distinct prefixes and their own table, so a
# recipient key can never submit reports and a registrar key can never read a feed.
REGISTRAR_KEY_PREFIXES = {"live": "tlo_registrar_live_", "test": "tlo_registrar_test_"}

# API key scopes (ADR 0089). A recipient key reads its feed (``feed``: disclosures, notices,
# corrections) and answers (``acknowledge``: acknowledgements and outcomes); a registrar key
# records registrations and submits reports in bulk (``registrar``). Keys issued before scopes
# existed keep what they could do: every scope of their kind.
FEED, ACKNOWLEDGE, REGISTRAR = "feed", "acknowledge", "registrar"
RECIPIENT_SCOPES = frozenset({FEED, ACKNOWLEDGE})
REGISTRAR_SCOPES = frozenset({REGISTRAR})

# Idle timeout unless the settings say otherwise; the session is marked seen at most this often.
DEFAULT_IDLE = timedelta(hours=1)
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedSession:
    token: str
    account: Account


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: str  # shown once
    prefix: str  # safe to display and to revoke by


@dataclass(frozen=True, slots=True)
class RecipientCaller:
    """A recipient calling with an API key: which recipient, and in which environment (a
    ``test`` key sees only test traffic, a ``live`` key never does: ADR 0089)."""

    recipient_id: str
    environment: str


def visible_recipient(caller: RecipientCaller, traffic: str) -> str | None:
    """The recipient whose disclosures this caller may see and answer on a hub carrying
    ``traffic`` ("live" or "test"), or None when the key's environment is the other one.

    A ``tlo_test_`` key sees only test traffic and a ``tlo_live_`` key only live traffic
    (ADR 0089): a production hub's reports are live, a demo or development hub's are all from
    test citizens. A key of the other environment reads an empty feed and finds nothing."""
    return caller.recipient_id if caller.environment == traffic else None


def _scopes(asked: frozenset[str] | None, allowed: frozenset[str]) -> frozenset[str]:
    if asked is None:
        return allowed
    unknown = asked - allowed
    if unknown or not asked:
        raise ValueError(f"scopes must be one or more of {', '.join(sorted(allowed))}")
    return asked


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
    vot: str | None = None,
    replacing: str | None = None,
) -> IssuedSession:
    """Sign a citizen in: find or create their account (by blind index), issue a session.

    Always a new session token (never the one the browser brought: no session fixation);
    ``replacing``, the token the browser had before, is ended in the same transaction."""
    now = clock.now()
    subject_index = vault.blind_index("account-subject", f"{issuer}\n{subject}")
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    with uow_factory() as uow:
        account = uow.accounts.by_subject(subject_index)
        if account is None:
            account = Account(id=uuid.uuid4(), person_id=uuid.uuid4())
            uow.people.add({account.person_id: vault.new_person_key()}, now)
            uow.accounts.add(account, subject_index, now)
        if replacing:
            uow.accounts.end_session(_hash(replacing))
        via = "demo" if issuer == "demo" else "oidc"
        uow.accounts.add_session(_hash(token), account.id, now, now + lifetime, via=via, vot=vot)
        uow.commit()
    return IssuedSession(token, account)


def authenticate_citizen(
    token: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    idle: timedelta = DEFAULT_IDLE,
    seen: UnitOfWorkFactory | None = None,
) -> Account:
    """The account of a live session: not past its absolute expiry, used within ``idle``.

    The lookup only reads (``uow`` may be read-only); a session in use is marked seen through
    ``seen`` (a writing unit of work) at most once a minute, so signing in is not a write per
    request. Without ``seen`` the idle clock is not moved forward."""
    if not token.startswith(SESSION_PREFIX):
        raise NotAuthenticated("Sign in to continue")
    now = clock.now()
    with uow:
        found = uow.accounts.for_session(_hash(token), now, now - idle)
    if found is None:
        raise NotAuthenticated("Your session has ended: sign in again")
    if seen is not None and found.last_seen_at < now - SEEN_EVERY:
        with seen() as writing:
            writing.accounts.mark_seen(_hash(token), now)
            writing.commit()
    return found.account


def end_session(token: str, *, uow: UnitOfWork) -> str | None:
    """Sign out: the session stops working at once, not only in this browser. Returns how it
    was signed in to ("oidc": the portal signs out at the provider too), if it was live."""
    with uow:
        via = uow.accounts.end_session(_hash(token))
        uow.commit()
    return via


def sign_in_secrets(seed: str, *, vault: Vault) -> SignInSecrets:
    """The state, nonce and PKCE verifier of one sign-in, derived from a random seed the
    browser keeps in a cookie: the callback recomputes them instead of storing them."""

    def derived(purpose: str) -> str:
        digest = vault.blind_index(f"oidc-{purpose}", seed)
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    return SignInSecrets(derived("state"), derived("nonce"), derived("verifier"))


def create_recipient_key(
    recipient_id: str,
    environment: str,
    label: str | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
    scopes: frozenset[str] | None = None,
    actor: Actor | None = None,
) -> IssuedKey:
    """A recipient API key with ``scopes`` (``feed`` and/or ``acknowledge``; both if None).
    With an ``actor``, a hub action in the same transaction (ADR 0078)."""
    if environment not in KEY_PREFIXES:
        raise ValueError("environment must be 'live' or 'test'")
    granted = _scopes(scopes, RECIPIENT_SCOPES)
    key = KEY_PREFIXES[environment] + secrets.token_urlsafe(32)
    prefix = key[: len(KEY_PREFIXES[environment]) + 8]
    with uow:
        if recipient_id not in uow.catalogue.current().recipients:
            raise ValueError(f"there is no recipient {recipient_id!r}")
        uow.recipient_keys.add(
            uuid.uuid4(),
            recipient_id,
            environment,
            prefix,
            _hash(key),
            label,
            clock.now(),
            scopes=granted,
        )
        subject = {"recipient": recipient_id, "key": prefix}
        record_action(uow, actor, "api-key-issued", clock.now(), subject)
        uow.commit()
    return IssuedKey(key, prefix)


def revoke_recipient_key(
    prefix: str, *, uow: UnitOfWork, clock: Clock, actor: Actor | None = None
) -> bool:
    """Revoke a recipient API key; with an ``actor``, a hub action in the same transaction."""
    with uow:
        owner = uow.recipient_keys.revoke(prefix, clock.now())
        if owner is not None:
            subject = {"recipient": owner, "key": prefix}
            record_action(uow, actor, "api-key-revoked", clock.now(), subject)
        uow.commit()
    return owner is not None


def authenticate_recipient(key: str, *, uow: UnitOfWork, scope: str) -> RecipientCaller:
    """The recipient and environment of an API key that has ``scope``.

    Not a valid key: NotAuthenticated (401). A valid key without the scope, including a
    registrar's key on a recipient's call: MissingScope (403), naming the scope."""
    if key.startswith(tuple(REGISTRAR_KEY_PREFIXES.values())):
        with uow:
            registrar = uow.accounts.for_registrar_key(_hash(key))
        if registrar is None:
            raise NotAuthenticated("This API key is not valid or has been revoked")
        raise MissingScope(scope)
    if not key.startswith(tuple(KEY_PREFIXES.values())):
        raise NotAuthenticated("Send a recipient API key")
    with uow:
        holder = uow.recipient_keys.holder_for(_hash(key))
    if holder is None:
        raise NotAuthenticated("This API key is not valid or has been revoked")
    if scope not in holder.scopes:
        raise MissingScope(scope)
    return RecipientCaller(holder.recipient_id, holder.environment)


def create_registrar_key(
    registrar_id: str,
    environment: str,
    label: str | None,
    *,
    uow_factory: UnitOfWorkFactory,
    vault: Vault,
    clock: Clock,
    scopes: frozenset[str] | None = None,
    actor: Actor | None = None,
) -> IssuedKey:
    """An API key with the registrar scope for a register office (``registrar_id``, e.g.
    ``leeds-register-office``): it submits reports in bulk through the registrar's account.
    With an ``actor``, a hub action in the same transaction (ADR 0078)."""
    if environment not in REGISTRAR_KEY_PREFIXES:
        raise ValueError("environment must be 'live' or 'test'")
    granted = _scopes(scopes, REGISTRAR_SCOPES)
    if not registrar_id or len(registrar_id) > 64:
        raise ValueError("a registrar id is 1 to 64 characters")
    now = clock.now()
    key = REGISTRAR_KEY_PREFIXES[environment] + secrets.token_urlsafe(32)
    prefix = key[: len(REGISTRAR_KEY_PREFIXES[environment]) + 8]
    subject_index = vault.blind_index("account-subject", f"registrar\n{registrar_id}")
    with uow_factory() as uow:
        account = uow.accounts.by_subject(subject_index)
        if account is None:
            account = Account(id=uuid.uuid4(), person_id=uuid.uuid4())
            uow.people.add({account.person_id: vault.new_person_key()}, now)
            uow.accounts.add(account, subject_index, now)
        issued = RegistrarKey(
            uuid.uuid4(), registrar_id, account.id, environment, prefix, label, granted
        )
        uow.accounts.add_registrar_key(issued, _hash(key), now)
        subject = {"registrar": registrar_id, "key": prefix}
        record_action(uow, actor, "registrar-key-issued", now, subject)
        uow.commit()
    return IssuedKey(key, prefix)


def revoke_registrar_key(
    prefix: str, *, uow: UnitOfWork, clock: Clock, actor: Actor | None = None
) -> bool:
    """Revoke a registrar key; with an ``actor``, a hub action in the same transaction."""
    with uow:
        revoked = uow.accounts.revoke_registrar_key(prefix, clock.now())
        if revoked:
            record_action(uow, actor, "registrar-key-revoked", clock.now(), {"key": prefix})
        uow.commit()
    return revoked


def authenticate_registrar(key: str, *, uow: UnitOfWork) -> Account:
    """The registrar's account for an API key with the registrar scope; a valid recipient key
    (which has no account to report through) is a MissingScope (403)."""
    if key.startswith(tuple(KEY_PREFIXES.values())):
        with uow:
            recipient = uow.recipient_keys.holder_for(_hash(key))
        if recipient is None:
            raise NotAuthenticated("This API key is not valid or has been revoked")
        raise MissingScope(REGISTRAR)
    if not key.startswith(tuple(REGISTRAR_KEY_PREFIXES.values())):
        raise NotAuthenticated("Send an API key with the registrar scope")
    with uow:
        holder = uow.accounts.for_registrar_key(_hash(key))
    if holder is None:
        raise NotAuthenticated("This API key is not valid or has been revoked")
    if REGISTRAR not in holder.scopes:
        raise MissingScope(REGISTRAR)
    return holder.account
