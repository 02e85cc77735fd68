"""Sending messages (GOV.UK Notify, or a local outbox) and reading back what was sent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Notifier(Protocol):
    def notify(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
    ) -> None: ...


class ContactNotifier(Protocol):
    """Sends a message to a recipient's contact address (from the catalogue)."""

    def notify_contact(
        self,
        message_id: uuid.UUID,
        recipient_id: str,
        email: str,
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


class MessageSender(Notifier, ContactNotifier, Protocol):
    """Sends both kinds of message: to citizens and to recipients' contacts."""
