"""A notifier that keeps every message in memory, rendered as the local outbox renders it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from tellonce.service_layer.notifications import NoEmailAddress, render_message
from tellonce.service_layer.ports import Clock
from tellonce.service_layer.ports.notifier import SentMessage


@dataclass
class RecordingNotifier:
    """Implements ``Notifier``, ``ContactNotifier`` and ``MessageInbox``. A message sent again
    with the same id (after a crash) is shown once, as by the local outbox. ``down`` makes the
    next that many sends fail as an unreachable service would; accounts in ``no_email`` gave
    no address (``NoEmailAddress``)."""

    clock: Clock
    down: int = 0
    no_email: set[uuid.UUID] = field(default_factory=set)
    sent: dict[uuid.UUID, list[tuple[uuid.UUID, SentMessage]]] = field(default_factory=dict)
    to_contacts: dict[str, list[tuple[uuid.UUID, SentMessage]]] = field(default_factory=dict)

    def notify(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
    ) -> None:
        message = self._render(template, personalisation)
        if account_id in self.no_email:
            raise NoEmailAddress("no email address for this account")
        self.sent.setdefault(account_id, []).append((message_id, message))

    def notify_contact(
        self,
        message_id: uuid.UUID,
        recipient_id: str,
        email: str,  # noqa: ARG002 - port: filed by recipient, like the local outbox
        template: str,
        personalisation: Mapping[str, str],
    ) -> None:
        message = self._render(template, personalisation)
        self.to_contacts.setdefault(recipient_id, []).append((message_id, message))

    def _render(self, template: str, personalisation: Mapping[str, str]) -> SentMessage:
        subject, body = render_message(template, personalisation)
        if self.down:
            self.down -= 1
            raise ConnectionError("the notification service is down")
        return SentMessage(template, subject, body, self.clock.now())

    def messages_for(self, account_id: uuid.UUID) -> list[SentMessage]:
        return _once(self.sent.get(account_id, []))

    def contact_messages_for(self, recipient_id: str) -> list[SentMessage]:
        return _once(self.to_contacts.get(recipient_id, []))


def _once(messages: list[tuple[uuid.UUID, SentMessage]]) -> list[SentMessage]:
    seen: set[uuid.UUID] = set()
    found = []
    for message_id, message in messages:
        if message_id not in seen:
            seen.add(message_id)
            found.append(message)
    return found
