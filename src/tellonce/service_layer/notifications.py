"""Messages to citizens when a recipient acts on their report, through a ``Notifier`` port.

A message is queued in the transaction of what it announces (``queue_message``) and sent
afterwards by the worker (``send_due_messages``): a crash can delay a message but never lose
it, and never announce something that was rolled back. A message whose sending was cut short
may be sent again, with the same id (the GOV.UK Notify reference; the local outbox keeps one).

Templates are plain English in the GOV.UK Notify style — ``((placeholder))`` — so the same text
can be pasted into Notify for production and rendered locally for the embedded default. They hold
nothing the citizen does not already know: the report reference, the recipient's name and what
it did. Never personal details: an email can be read over a shoulder or forwarded.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from tellonce.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def notify(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class SentMessage:
    template: str
    subject: str
    body: str
    sent_at: datetime


class MessageInbox(Protocol):
    """Where the portal can read back what was sent (the local outbox; Notify keeps its own)."""

    def messages_for(self, account_id: uuid.UUID) -> list[SentMessage]: ...


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    name: str
    subject: str
    body: str

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(_PLACEHOLDER.findall(self.subject + self.body))


_PLACEHOLDER = re.compile(r"\(\(([a-z_]+)\)\)")

# What to do next after each outcome, for the message and the tracking page alike.
NEXT_STEPS: Mapping[str, str] = {
    "actioned": "You do not need to do anything else. ((recipient)) has updated its records.",
    "no-record-found": (
        "((recipient)) could not find a record that matches your details. If you think it "
        "should have one, contact ((recipient)) directly. You do not need to report again."
    ),
    "not-applicable": (
        "((recipient)) says this does not affect anything it does for you. "
        "You do not need to do anything."
    ),
    "rejected": (
        "((recipient)) could not accept the report. Contact ((recipient)) to sort this out: "
        "you may need to give it the details yourself."
    ),
}

OUTCOME_SUMMARIES: Mapping[str, str] = {
    "actioned": "has updated its records",
    "no-record-found": "could not find a record that matches",
    "not-applicable": "says the report does not apply to it",
    "rejected": "could not accept the report",
}

TEMPLATES: Mapping[str, MessageTemplate] = {
    t.name: t
    for t in (
        MessageTemplate(
            "disclosure-acknowledged",
            "((recipient)) has received your report ((reference))",
            "((recipient)) has confirmed that it received your report ((reference)).\n\n"
            "We will tell you when it has acted on it. You can follow every organisation's "
            "progress on the 'Your reports' page.",
        ),
        MessageTemplate(
            "disclosure-outcome",
            "((recipient)) ((outcome_summary)) (report ((reference)))",
            "((recipient)) ((outcome_summary)).\n\n((next_step))\n\n"
            "Your report reference is ((reference)).",
        ),
    )
}


class UnknownTemplate(ValueError):
    """A message template that does not exist, or personalisation that does not fit it."""


def render_message(template: str, personalisation: Mapping[str, str]) -> tuple[str, str]:
    """The subject and body of a template, filled in. Every placeholder must be given."""
    found = TEMPLATES.get(template)
    if found is None:
        raise UnknownTemplate(f"there is no message template {template!r}")
    missing = found.placeholders - set(personalisation)
    if missing:
        raise UnknownTemplate(f"{template}: personalisation lacks {', '.join(sorted(missing))}")

    def fill(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: personalisation[m.group(1)], text)

    return fill(found.subject), fill(found.body)


def next_step(outcome: str, recipient: str) -> str | None:
    """What the citizen should do after an outcome, in plain English; None if unknown."""
    text = NEXT_STEPS.get(outcome)
    return text.replace("((recipient))", recipient) if text else None


def acknowledged_personalisation(reference: str, recipient: str) -> dict[str, str]:
    return {"reference": reference, "recipient": recipient}


def outcome_personalisation(reference: str, recipient: str, outcome: str) -> dict[str, str]:
    """Personalisation for ``disclosure-outcome``. A recipient's free-text reason is left out
    on purpose: it may hold personal details; the tracking page shows it after sign-in."""
    return {
        "reference": reference,
        "recipient": recipient,
        "outcome_summary": OUTCOME_SUMMARIES.get(outcome, "has replied"),
        "next_step": next_step(outcome, recipient) or "",
    }


def messages_for_account(account_id: uuid.UUID, *, inbox: MessageInbox) -> list[SentMessage]:
    """The messages sent to a citizen, newest first."""
    return sorted(inbox.messages_for(account_id), key=lambda m: m.sent_at, reverse=True)


def queue_message(
    uow: UnitOfWork,
    account_id: uuid.UUID,
    template: str,
    personalisation: Mapping[str, str],
    now: datetime,
) -> None:
    """Queue a message in the caller's transaction. The template is checked now, so that a
    message that could never be sent fails the use case, not the worker."""
    render_message(template, personalisation)
    uow.messages.add(uuid.uuid4(), account_id, template, personalisation, now)


MESSAGE_LEASE = timedelta(minutes=5)
MAX_MESSAGE_ATTEMPTS = 12  # backing off from 30 seconds to an hour: about half a day


def message_retry_delay(attempts: int) -> timedelta:
    delay: timedelta = timedelta(seconds=30) * 2 ** (attempts - 1)
    return min(delay, timedelta(hours=1))


def send_due_messages(
    uow_factory: UnitOfWorkFactory, notifier: Notifier, clock: Clock, owner: str, limit: int = 50
) -> int:
    """Send one batch of due messages; returns how many were claimed."""
    now = clock.now()
    with uow_factory() as uow:
        claimed = uow.messages.claim(now, owner, now + MESSAGE_LEASE, limit)
        uow.commit()
    if not claimed:
        return 0
    sent: list[uuid.UUID] = []
    retry: list[tuple[uuid.UUID, datetime]] = []
    failed: list[uuid.UUID] = []
    for message in claimed:
        try:
            notifier.notify(
                message.id, message.account_id, message.template, message.personalisation
            )
        except UnknownTemplate:  # cannot succeed later either
            log.error("message %s has an unknown template: given up", message.id)
            failed.append(message.id)
        except Exception as error:  # the service may be down: try again later
            attempts = message.attempts + 1
            log.warning("message %s not sent (%s)", message.id, type(error).__name__)
            if attempts >= MAX_MESSAGE_ATTEMPTS:
                failed.append(message.id)
            else:
                retry.append((message.id, clock.now() + message_retry_delay(attempts)))
        else:
            sent.append(message.id)
    with uow_factory() as uow:
        uow.messages.settle(owner, clock.now(), sent, retry, failed)
        uow.commit()
    return len(claimed)
