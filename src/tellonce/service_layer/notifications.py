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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tellonce.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tellonce.service_layer.ports.messages import MessageOutbox, NewCitizenMessage
from tellonce.service_layer.ports.notifier import ContactNotifier, Notifier, SentMessage
from tellonce.service_layer.ports.notifier import (  # bootstrap.py imports it from here
    MessageInbox as MessageInbox,  # noqa: PLC0414 - an explicit re-export (mypy strict)
)

log = logging.getLogger(__name__)


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
        MessageTemplate(
            "disclosure-overdue",
            "((recipient)) has not yet confirmed it received your report ((reference))",
            "((recipient)) has not yet confirmed that it received your report ((reference)) "
            "in the time it agreed to. We have reminded them.\n\n"
            "You do not need to do anything. You can follow every organisation's progress on "
            "the 'Your reports' page.",
        ),
        # The fraud guard (ADR 0088): to the address in the report, and again to the one in
        # the citizen's earlier report, so someone who did not make the change hears of it.
        MessageTemplate(
            "address-change-held",
            "Your change of address ((reference)) will be sent at ((held_until))",
            "We have your change of address ((reference)). Nobody is told until "
            "((held_until)) (UK time).\n\n"
            "If you did not make this change, sign in and cancel it on the 'Your reports' "
            "page before then, and nothing will be sent.",
        ),
        MessageTemplate(
            "address-change-cancelled",
            "Your change of address ((reference)) was cancelled",
            "Your change of address ((reference)) was cancelled. Nobody was told about it.",
        ),
        # To a recipient's contact address from the catalogue, not to a citizen: ids only.
        MessageTemplate(
            "recipient-overdue",
            "Reminder ((reminder)): disclosure ((disclosure_id)) is not acknowledged",
            "You have not acknowledged a disclosure that the tellonce hub made available to "
            "you. Its acknowledgement deadline was ((acknowledge_by)).\n\n"
            "Disclosure id: ((disclosure_id))\n\n"
            "Collect it from your feed (((feed_url))?state=unacknowledged) if you do not have "
            "it, then acknowledge it: POST ((acknowledge_url)). This is reminder "
            "((reminder)); acknowledging stops the reminders.",
        ),
    )
}
# Added to a message meant for the address of another report (``contact_reference``).
CONTACT_COPY_NOTE = (
    "\n\nThis copy is for the email address in your earlier report ((contact_reference)), "
    "in case someone else made this change."
)
# Templates addressed to recipients' contacts rather than citizens.
RECIPIENT_TEMPLATES = frozenset({"recipient-overdue"})


class UnknownTemplate(ValueError):
    """A message template that does not exist, or personalisation that does not fit it."""


class NoEmailAddress(LookupError):
    """The citizen gave no email address: the message cannot be emailed, only shown in the
    portal. Not a failure to retry: settled as ``no-email`` at once."""


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

    body = found.body
    if "contact_reference" in personalisation:
        # The fraud guard's copy for the address in an earlier report (ADR 0088): shown beside
        # the first in the citizen's messages, so it must say which one it is.
        body += CONTACT_COPY_NOTE
    return fill(found.subject), fill(body)


def next_step(outcome: str, recipient: str) -> str | None:
    """What the citizen should do after an outcome, in plain English; None if unknown."""
    text = NEXT_STEPS.get(outcome)
    return text.replace("((recipient))", recipient) if text else None


def acknowledged_personalisation(reference: str, recipient: str) -> dict[str, str]:
    return {"reference": reference, "recipient": recipient}


def overdue_personalisation(reference: str, recipient: str) -> dict[str, str]:
    """For ``disclosure-overdue``: the citizen is told a recipient has been reminded."""
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


class RecordedMessages:
    """The portal's inbox when messages go by email (GOV.UK Notify keeps no copy we can read):
    the outbox's own record of each message that was settled, emailed or not."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def messages_for(self, account_id: uuid.UUID) -> list[SentMessage]:
        with self._uow_factory() as uow:
            settled = uow.messages.settled_for(account_id)
        found = []
        for message in settled:
            try:
                subject, body = render_message(message.template, message.personalisation)
            except UnknownTemplate:  # a template since retired: nothing sensible to show
                continue
            found.append(SentMessage(message.template, subject, body, message.sent_at))
        return found


def queue_message(
    uow: UnitOfWork,
    account_id: uuid.UUID,
    template: str,
    personalisation: Mapping[str, str],
    now: datetime,
) -> None:
    """Queue a message in the caller's transaction. The template is checked now, so that a
    message that could never be sent fails the use case, not the worker."""
    queue_messages(uow, [NewCitizenMessage(account_id, template, personalisation)], now)


def queue_messages(uow: UnitOfWork, messages: Sequence[NewCitizenMessage], now: datetime) -> None:
    """Queue several messages in the caller's transaction, in one statement (a feed page's
    acknowledgements), each template checked as ``queue_message`` checks it."""
    for message in messages:
        render_message(message.template, message.personalisation)
    uow.messages.add_many(messages, now)


MESSAGE_LEASE = timedelta(minutes=5)
MAX_MESSAGE_ATTEMPTS = 12  # backing off from 30 seconds to an hour: about half a day


def message_retry_delay(attempts: int) -> timedelta:
    delay: timedelta = timedelta(seconds=30) * 2 ** (attempts - 1)
    return min(delay, timedelta(hours=1))


@dataclass
class _Settlement:
    """What became of one claimed batch of messages, settled in one transaction after."""

    clock: Clock
    sent: list[uuid.UUID] = field(default_factory=list)
    retry: list[tuple[uuid.UUID, datetime]] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)
    no_email: list[uuid.UUID] = field(default_factory=list)

    def not_sent(self, what: str, message_id: uuid.UUID, attempts: int, error: Exception) -> None:
        """The service may be down: try again later, until the attempts run out."""
        log.warning("%s %s not sent (%s)", what, message_id, type(error).__name__)
        if attempts + 1 >= MAX_MESSAGE_ATTEMPTS:
            self.failed.append(message_id)
        else:
            self.retry.append((message_id, self.clock.now() + message_retry_delay(attempts + 1)))

    def settle(self, outbox: MessageOutbox, owner: str) -> None:
        outbox.settle(owner, self.clock.now(), self.sent, self.retry, self.failed, self.no_email)


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
    done = _Settlement(clock)
    for message in claimed:
        try:
            notifier.notify(
                message.id, message.account_id, message.template, message.personalisation
            )
        except NoEmailAddress:  # shown in the portal only; trying again would not help
            log.info("message %s has no email address: shown in the portal only", message.id)
            done.no_email.append(message.id)
        except UnknownTemplate:  # cannot succeed later either
            log.error("message %s has an unknown template: given up", message.id)
            done.failed.append(message.id)
        except Exception as error:  # any failure of the service: tried again later
            done.not_sent("message", message.id, message.attempts, error)
        else:
            done.sent.append(message.id)
    with uow_factory() as uow:
        done.settle(uow.messages, owner)
        uow.commit()
    return len(claimed)


def queue_contact_message(
    uow: UnitOfWork,
    recipient_id: str,
    template: str,
    personalisation: Mapping[str, str],
    now: datetime,
) -> None:
    """Queue a message to a recipient's contact in the caller's transaction."""
    render_message(template, personalisation)
    uow.recipient_messages.add(uuid.uuid4(), recipient_id, template, personalisation, now)


def send_due_contact_messages(
    uow_factory: UnitOfWorkFactory,
    notifier: ContactNotifier,
    clock: Clock,
    owner: str,
    limit: int = 50,
) -> int:
    """Send one batch of due messages to recipients' contacts; returns how many were claimed.
    Retried like citizens' messages, and re-sent after a crash only with the same id."""
    now = clock.now()
    with uow_factory() as uow:
        claimed = uow.recipient_messages.claim(now, owner, now + MESSAGE_LEASE, limit)
        uow.commit()
    if not claimed:
        return 0
    done = _Settlement(clock)
    for message in claimed:
        if message.email is None:  # the catalogue no longer gives a contact
            done.no_email.append(message.id)
            continue
        try:
            notifier.notify_contact(
                message.id,
                message.recipient_id,
                message.email,
                message.template,
                message.personalisation,
            )
        except UnknownTemplate:
            log.error("contact message %s has an unknown template: given up", message.id)
            done.failed.append(message.id)
        except Exception as error:  # any failure of the service: tried again later
            done.not_sent("contact message", message.id, message.attempts, error)
        else:
            done.sent.append(message.id)
    with uow_factory() as uow:
        done.settle(uow.recipient_messages, owner)
        uow.commit()
    return len(claimed)
