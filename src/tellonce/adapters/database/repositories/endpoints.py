"""Recipients' push endpoints, their signing secrets and their contact addresses."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from tellonce.adapters.database.schema import (
    delivery_queue,
    disclosures,
    recipient_secrets,
    recipients,
)
from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.service_layer.ports.endpoints import Endpoint


class SqlEndpointRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def get(self, recipient_id: str) -> Endpoint | None:
        row = self._connection.execute(
            sa.select(
                recipients.c.id, recipients.c.endpoint_url, recipients.c.endpoint_state
            ).where(recipients.c.id == recipient_id)
        ).one_or_none()
        return Endpoint(row.id, row.endpoint_url, row.endpoint_state) if row else None

    def contact_email(self, recipient_id: str) -> str | None:
        found: str | None = self._connection.execute(
            sa.select(recipients.c.contact_email).where(recipients.c.id == recipient_id)
        ).scalar_one_or_none()
        return found

    def set(self, recipient_id: str, url: str, now: datetime) -> None:
        self._connection.execute(
            sa.update(recipients)
            .where(recipients.c.id == recipient_id)
            .values(endpoint_url=url, endpoint_state="enabled", endpoint_changed_at=now)
        )

    def set_state(self, recipient_id: str, state: str, now: datetime) -> None:
        self._connection.execute(
            sa.update(recipients)
            .where(recipients.c.id == recipient_id)
            .values(endpoint_state=state, endpoint_changed_at=now)
        )

    def add_secret(self, recipient_id: str, sealed: bytes, now: datetime) -> None:
        self._connection.execute(
            sa.insert(recipient_secrets).values(
                id=uuid.uuid4(), recipient_id=recipient_id, sealed_secret=sealed, created_at=now
            )
        )

    def retire_secrets(self, recipient_id: str, at: datetime) -> None:
        self._connection.execute(
            sa.update(recipient_secrets)
            .where(
                recipient_secrets.c.recipient_id == recipient_id,
                sa.or_(
                    recipient_secrets.c.retires_at.is_(None), recipient_secrets.c.retires_at > at
                ),
            )
            .values(retires_at=at)
        )

    def retire_current_secrets(self, recipient_id: str, at: datetime) -> None:
        self._connection.execute(
            sa.update(recipient_secrets)
            .where(
                recipient_secrets.c.recipient_id == recipient_id,
                recipient_secrets.c.retires_at.is_(None),
            )
            .values(retires_at=at)
        )

    def disable(self, recipient_id: str, now: datetime) -> int:
        self.set_state(recipient_id, "disabled", now)
        waiting = sa.select(delivery_queue.c.disclosure_id).where(
            delivery_queue.c.kind == QueueKind.DISCLOSURE.value,
            delivery_queue.c.state == "pending",
        )
        held = self._connection.execute(
            sa.update(disclosures)
            .where(
                disclosures.c.recipient_id == recipient_id,
                disclosures.c.state.in_(
                    [DisclosureState.QUEUED.value, DisclosureState.RETRYING.value]
                ),
                disclosures.c.id.in_(waiting),
            )
            .values(state=DisclosureState.ENDPOINT_DISABLED.value, updated_at=now)
        )
        return int(held.rowcount)

    def release_disabled(self, recipient_id: str, now: datetime) -> int:
        """After re-enabling: disclosures parked by a 410 go back to the queue."""
        updated = self._connection.execute(
            sa.update(disclosures)
            .where(
                disclosures.c.recipient_id == recipient_id,
                disclosures.c.state == DisclosureState.ENDPOINT_DISABLED.value,
            )
            .values(state=DisclosureState.QUEUED.value, updated_at=now)
        )
        self._connection.execute(
            sa.update(delivery_queue)
            .where(
                delivery_queue.c.disclosure_id.in_(
                    sa.select(disclosures.c.id).where(disclosures.c.recipient_id == recipient_id)
                ),
                delivery_queue.c.state == "pending",
            )
            .values(due_at=now)
        )
        return int(updated.rowcount)
