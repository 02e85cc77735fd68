"""Answers in progress in the citizen portal: kept server-side, sealed, and expiring.

A citizen answering one question per page builds up personal data over many requests. It is
held here, sealed under the citizen's own data key (so erasing the person erases their drafts
too), found by an opaque id that is all the browser's cookie holds, and gone after
``DRAFT_LIFETIME`` of inactivity. The portal owns the shape of the answers; this module only
keeps them safe.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tellonce.domain.errors import InvalidInput
from tellonce.domain.events import UnknownEventType, parse_payload
from tellonce.service_layer.ports import Clock, UnitOfWork, Vault
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.vault import SealedDataError

# Sliding: every save pushes expiry back. Long enough to fetch a certificate from a drawer,
# short enough that a shared computer does not keep someone's answers overnight.
DRAFT_LIFETIME = timedelta(hours=4)
UK = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    """One reason the answers so far are not a valid report: where, which rule, and why."""

    location: tuple[str | int, ...]
    code: str
    message: str


def start_draft(
    answers: Mapping[str, Any],
    *,
    account: Account,
    uow: UnitOfWork,
    vault: Vault,
    clock: Clock,
    lifetime: timedelta = DRAFT_LIFETIME,
) -> uuid.UUID:
    """Keep a new set of answers; returns the opaque id the portal puts in a cookie."""
    draft_id = uuid.uuid4()
    now = clock.now()
    with uow:
        uow.portal_drafts.delete_expired(now)  # housekeeping rides along with new drafts
        sealed = _seal(uow, vault, account, draft_id, answers)
        uow.portal_drafts.add(draft_id, account.id, sealed, now, now + lifetime)
        uow.commit()
    return draft_id


def load_draft(
    draft_id: uuid.UUID, *, account: Account, uow: UnitOfWork, vault: Vault, clock: Clock
) -> dict[str, Any] | None:
    """The answers, or None if the draft is unknown, expired, someone else's or unreadable."""
    with uow:
        sealed = uow.portal_drafts.sealed(draft_id, account.id, clock.now())
        if sealed is None:
            return None
        key = uow.people.key_for(account.person_id)
    try:
        answers = json.loads(vault.open(key, sealed, draft_id.bytes))
    except SealedDataError:
        return None  # the person was erased, or the row was tampered with
    return answers if isinstance(answers, dict) else None


def save_draft(
    draft_id: uuid.UUID,
    answers: Mapping[str, Any],
    *,
    account: Account,
    uow: UnitOfWork,
    vault: Vault,
    clock: Clock,
    lifetime: timedelta = DRAFT_LIFETIME,
) -> bool:
    """Replace the answers and extend the expiry; False if the draft has already gone."""
    now = clock.now()
    with uow:
        sealed = _seal(uow, vault, account, draft_id, answers)
        saved = uow.portal_drafts.replace(draft_id, account.id, sealed, now, now + lifetime)
        uow.commit()
    return saved


def discard_draft(draft_id: uuid.UUID, *, account: Account, uow: UnitOfWork) -> None:
    with uow:
        uow.portal_drafts.delete(draft_id, account.id)
        uow.commit()


def purge_expired_drafts(*, uow: UnitOfWork, clock: Clock) -> int:
    """Delete every expired draft; returns how many went. Safe to run from any process."""
    with uow:
        purged = uow.portal_drafts.delete_expired(clock.now())
        uow.commit()
    return purged


def answer_problems(
    event_type: str, payload: Mapping[str, Any], *, clock: Clock
) -> list[AnswerProblem]:
    """Every rule the answers so far break, by location, with the domain's code and message.

    The portal asks one question per page and shows each page only the problems located in its
    own answers, so it needs the rule's code (to word "missing" per question) as well as the
    message. The rules are the domain's: the same ones intake applies at submission.
    """
    try:
        parse_payload(event_type, payload, today=clock.now().astimezone(UK).date())
    except UnknownEventType as error:
        return [AnswerProblem(("event_type",), "unknown_event_type", str(error))]
    except InvalidInput as error:
        return [AnswerProblem(p.location, p.code, p.message) for p in error.problems]
    return []


def normalised_answers(
    event_type: str, payload: Mapping[str, Any], *, clock: Clock
) -> dict[str, Any] | None:
    """The answers as they will be sent (postcodes in capitals, NINOs without spaces...), or
    None if they do not yet make a valid report."""
    try:
        model = parse_payload(event_type, payload, today=clock.now().astimezone(UK).date())
    except (UnknownEventType, InvalidInput):
        return None
    return model.model_dump(mode="json", exclude_none=True)


def _seal(
    uow: UnitOfWork, vault: Vault, account: Account, draft_id: uuid.UUID, answers: Mapping[str, Any]
) -> bytes:
    key = uow.people.key_for(account.person_id)
    plaintext = json.dumps(answers, separators=(",", ":"), ensure_ascii=False).encode()
    return vault.seal(key, plaintext, draft_id.bytes)
