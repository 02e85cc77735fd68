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
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from notifications_python_client.notifications import NotificationsAPIClient

from tellonce.config import Settings
from tellonce.service_layer.notifications import (
    TEMPLATES,
    SentMessage,
    UnknownTemplate,
    render_message,
)
from tellonce.service_layer.ports import Clock

log = logging.getLogger(__name__)


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
        self._directory.mkdir(parents=True, exist_ok=True)
        with self._path(account_id).open("a", encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            try:
                file.write(line + "\n")
                file.flush()
            finally:
                fcntl.flock(file, fcntl.LOCK_UN)

    def messages_for(self, account_id: uuid.UUID) -> list[SentMessage]:
        path = self._path(account_id)
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


class GovukNotifyNotifier:
    """Sends each message as an email through GOV.UK Notify.

    Notify holds the template text; ours is checked first so that a missing placeholder fails
    here, loudly, rather than as a half-filled email. Where the citizen's email address comes
    from is the identity provider's business (GOV.UK One Login gives it at sign-in), so it is
    passed in as ``email_for``. No messages can be read back: Notify keeps the delivery record.
    """

    def __init__(
        self,
        client: EmailClient,
        template_ids: Mapping[str, str],
        email_for: Callable[[uuid.UUID], str | None],
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
        email = self._email_for(account_id)
        if email is None:
            log.info("no email address for an account: message %s not sent", template)
            return
        self._client.send_email_notification(
            email_address=email,
            template_id=self._template_ids[template],
            personalisation=dict(personalisation),
            # Notify shows the reference in its dashboard: an opaque id, no personal data. The
            # same on a retry, so a message sent twice after a crash can be recognised.
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


def build_notifier(
    settings: Settings,
    clock: Clock,
    email_for: Callable[[uuid.UUID], str | None] | None = None,
) -> LocalOutboxNotifier | GovukNotifyNotifier:
    """Notify when an API key is configured; otherwise the local outbox beside the database."""
    if settings.notify_api_key is None:
        return LocalOutboxNotifier(settings.data_dir / "outbox", clock)
    client: EmailClient = NotificationsAPIClient(  # type: ignore[no-untyped-call]  # untyped
        settings.notify_api_key.get_secret_value(), base_url=settings.notify_base_url
    )
    return GovukNotifyNotifier(
        client,
        parse_template_ids(settings.notify_template_ids),
        email_for or (lambda _account_id: None),
    )
