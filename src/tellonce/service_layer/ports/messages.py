"""The outboxes of messages to citizens and to recipients' contacts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A message to a citizen, claimed by a worker to send."""

    id: uuid.UUID  # stable across retries: the Notify reference, and the local outbox's key
    account_id: uuid.UUID
    template: str
    personalisation: Mapping[str, str]
    attempts: int


@dataclass(frozen=True, slots=True)
class QueuedContactMessage:
    """A message to a recipient's contact address, claimed by a worker to send."""

    id: uuid.UUID  # stable across retries: the Notify reference
    recipient_id: str
    email: str | None  # the contact address in the catalogue when it was claimed
    template: str
    personalisation: Mapping[str, str]
    attempts: int


@dataclass(frozen=True, slots=True)
class SettledMessage:
    """A message to a citizen that has left the outbox: ``sent``, or ``no-email``."""

    id: uuid.UUID
    template: str
    personalisation: Mapping[str, str]
    state: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class NewCitizenMessage:
    account_id: uuid.UUID
    template: str
    personalisation: Mapping[str, str]


class MessageOutbox(Protocol):
    """What both outboxes of messages do alike: settle what a worker claimed."""

    def settle(
        self,
        owner: str,
        now: datetime,
        sent: Sequence[uuid.UUID],
        retry: Sequence[tuple[uuid.UUID, datetime]],
        failed: Sequence[uuid.UUID],
        no_email: Sequence[uuid.UUID] = (),
    ) -> None:
        """Record a batch's results; rows whose lease this owner lost are left alone."""
        ...


class RecipientMessageRepository(MessageOutbox, Protocol):
    """The outbox of messages to recipients' contacts (overdue reminders)."""

    def add(
        self,
        message_id: uuid.UUID,
        recipient_id: str,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None: ...
    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[QueuedContactMessage]: ...


class CitizenMessageRepository(MessageOutbox, Protocol):
    """The outbox of messages to citizens; rows are written with what they announce."""

    def add(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
        now: datetime,
    ) -> None: ...
    def add_many(self, messages: Sequence[NewCitizenMessage], now: datetime) -> None:
        """Several messages, each with a new id, in one statement."""
        ...

    def claim(
        self, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> list[QueuedMessage]: ...
    def settled_for(self, account_id: uuid.UUID) -> list[SettledMessage]:
        """The account's messages that were sent (or could not be emailed), newest first."""
        ...
