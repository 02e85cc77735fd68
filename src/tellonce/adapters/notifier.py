"""Notifier adapters: GOV.UK Notify in production, a local JSON-lines outbox by default.

The local outbox keeps one file per account (``<data_dir>/outbox/<account id>.jsonl``): the
portal reads back only that citizen's file, and erasing a citizen is deleting one file. Each
message is one line, appended under an exclusive lock so that the portal and worker processes
can write at once. A message sent again after a crash (same id) is shown once.
"""

from __future__ import annotations

import fcntl
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from notifications_python_client.notifications import NotificationsAPIClient

from tellonce.service_layer.notifications import (
    TEMPLATES,
    NoEmailAddress,
    UnknownTemplate,
    render_message,
)
from tellonce.service_layer.ports import Clock
from tellonce.service_layer.ports.notifier import SentMessage

log = logging.getLogger(__name__)
_RECIPIENT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class LocalOutboxNotifier:
    """Writes each message to the citizen's own JSON-lines file; the portal reads it back."""

    def __init__(self, directory: Path, clock: Clock) -> None:
        self._directory = directory
        self._clock = clock

    def notify(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
    ) -> None:
        self._append(self._path(account_id), message_id, template, personalisation)

    def _append(
        self,
        path: Path,
        message_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
    ) -> None:
        subject, body = render_message(template, personalisation)
        line = json.dumps(
            {
                "id": str(message_id),
                "template": template,
                "subject": subject,
                "body": body,
                "sent_at": self._clock.now().isoformat(),
            },
            ensure_ascii=False,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                file.write(line + "\n")
                file.flush()
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    def notify_contact(
        self,
        message_id: uuid.UUID,
        recipient_id: str,
        email: str,  # noqa: ARG002 - port: the local outbox files by recipient
        template: str,
        personalisation: Mapping[str, str],
    ) -> None:
        """A message to a recipient's contact: ``<data_dir>/outbox/recipients/<id>.jsonl``."""
        if not _RECIPIENT_ID.fullmatch(recipient_id):
            raise ValueError("not a recipient id")
        self._append(
            self._directory / "recipients" / f"{recipient_id}.jsonl",
            message_id,
            template,
            personalisation,
        )

    def contact_messages_for(self, recipient_id: str) -> list[SentMessage]:
        """What was sent to a recipient's contact (for operators and tests)."""
        if not _RECIPIENT_ID.fullmatch(recipient_id):
            return []
        return self._read(self._directory / "recipients" / f"{recipient_id}.jsonl")

    def messages_for(self, account_id: uuid.UUID) -> list[SentMessage]:
        return self._read(self._path(account_id))

    def _read(self, path: Path) -> list[SentMessage]:
        if not path.exists():
            return []
        messages = []
        seen: set[str] = set()
        with path.open(encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_SH)
            lines = file.read().splitlines()
        for line in lines:
            if not line.strip():
                continue
            data = json.loads(line)
            if data.get("id") in seen:  # sent again after a crash: one message
                continue
            seen.add(data.get("id"))
            messages.append(
                SentMessage(
                    template=data["template"],
                    subject=data["subject"],
                    body=data["body"],
                    sent_at=datetime.fromisoformat(data["sent_at"]),
                )
            )
        return messages

    def _path(self, account_id: uuid.UUID) -> Path:
        # str(UUID) is canonical hex with hyphens: nothing in it can climb out of the folder.
        return self._directory / f"{account_id}.jsonl"


class EmailClient(Protocol):
    """The part of ``NotificationsAPIClient`` we use (tests pass a client at a local server)."""

    def send_email_notification(
        self,
        email_address: str,
        template_id: str,
        personalisation: Mapping[str, str] | None = None,
        reference: str | None = None,
    ) -> object: ...


# (account id, report reference the message is about) -> the address to email, if any.
EmailLookup = Callable[[uuid.UUID, str | None], str | None]


class GovukNotifyNotifier:
    """Sends each message as an email through GOV.UK Notify.

    Notify holds the template text; ours is checked first so that a missing placeholder fails
    here, loudly, rather than as a half-filled email. The address is looked up per message by
    ``email_for(account id, report reference)`` (the hub keeps it sealed in the citizen's
    reports: ``service_layer.contacts``). No messages can be read back from Notify: the portal
    shows the outbox's own record instead (``RecordedMessages``).
    """

    def __init__(
        self,
        client: EmailClient,
        template_ids: Mapping[str, str],
        email_for: EmailLookup,
    ) -> None:
        missing = set(TEMPLATES) - set(template_ids)
        if missing:
            raise UnknownTemplate(f"no Notify template id for {', '.join(sorted(missing))}")
        self._client = client
        self._template_ids = dict(template_ids)
        self._email_for = email_for

    def notify(
        self,
        message_id: uuid.UUID,
        account_id: uuid.UUID,
        template: str,
        personalisation: Mapping[str, str],
    ) -> None:
        render_message(template, personalisation)  # the same checks as the local outbox
        # "contact_reference": a message meant for the address of another report (the fraud
        # guard tells the address of the citizen's earlier report too, ADR 0088).
        about = personalisation.get("contact_reference") or personalisation.get("reference")
        email = self._email_for(account_id, about)
        if email is None:
            raise NoEmailAddress(template)
        if "contact_reference" in personalisation:
            own = self._email_for(account_id, personalisation.get("reference"))
            if own is not None and own.casefold() == email.casefold():
                return  # the same address as the first message's: it has this already
        self._client.send_email_notification(
            email_address=email,
            template_id=self._template_ids[template],
            personalisation=dict(personalisation),
            # Notify shows the reference in its dashboard: an opaque id, no personal data. The
            # same on a retry, so a message sent twice after a crash can be recognised.
            reference=f"{template}:{message_id}",
        )

    def notify_contact(
        self,
        message_id: uuid.UUID,
        recipient_id: str,  # noqa: ARG002 - port
        email: str,
        template: str,
        personalisation: Mapping[str, str],
    ) -> None:
        """A message to a recipient's contact address from the catalogue."""
        render_message(template, personalisation)
        self._client.send_email_notification(
            email_address=email,
            template_id=self._template_ids[template],
            personalisation=dict(personalisation),
            reference=f"{template}:{message_id}",
        )

    def messages_for(self, account_id: uuid.UUID) -> list[SentMessage]:  # noqa: ARG002 - port
        return []


def parse_template_ids(text: str) -> dict[str, str]:
    """``"name=uuid,name2=uuid"`` to a mapping, refusing anything malformed."""
    ids: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, template_id = item.partition("=")
        if not name or not template_id:
            raise ValueError("TELLONCE_NOTIFY_TEMPLATE_IDS must look like 'name=uuid,...'")
        ids[name.strip()] = str(uuid.UUID(template_id.strip()))
    return ids


def notify_client(api_key: str, base_url: str) -> EmailClient:
    """A GOV.UK Notify API client for the key (the composition root decides when)."""
    client: EmailClient = NotificationsAPIClient(  # type: ignore[no-untyped-call]  # untyped
        api_key, base_url=base_url
    )
    return client
