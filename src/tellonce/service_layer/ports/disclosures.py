"""Disclosures with the report facts needed to rebuild their events; states, feed, chases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tellonce.service_layer.ports.vault import PersonKey


@dataclass(frozen=True, slots=True)
class DisclosureRecord:
    """A disclosure with the report facts needed to rebuild its event (push or feed)."""

    id: uuid.UUID
    recipient_id: str
    state: str
    report_id: uuid.UUID
    report_reference: str
    event_type: str
    agreement_id: str
    agreement_version: int
    fields: tuple[str, ...]
    person_id: uuid.UUID
    person_key: PersonKey
    sealed_payload: bytes
    sequence: int
    created_at: datetime
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    acknowledge_by: datetime | None
    outcome: str | None
    feed_position: int | None
    chases: int


class DisclosureRepository(Protocol):
    def get(self, disclosure_id: uuid.UUID) -> DisclosureRecord | None: ...
    def get_many(self, disclosure_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, DisclosureRecord]:
        """Those of these disclosures that exist, locked for update, in one statement."""
        ...

    def mark_acknowledged(self, states: Sequence[tuple[uuid.UUID, str]], now: datetime) -> None:
        """Acknowledged at ``now`` (and delivered, if not yet), each in its new state; its
        reminders stop. One statement for the batch."""
        ...

    def addressees(
        self, disclosure_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
        """For each disclosure: the reporter's account and the recipient's name."""
        ...

    def update(self, disclosure_id: uuid.UUID, now: datetime, **values: object) -> None: ...
    def mark_delivered(self, due: Sequence[tuple[uuid.UUID, datetime]], now: datetime) -> None:
        """Delivered at ``now`` (first time only), each with its acknowledgement deadline."""
        ...

    def mark_push_failed(self, ids: Sequence[uuid.UUID], state: str, now: datetime) -> None:
        """Move still-undelivered disclosures to ``state`` after a failed push."""
        ...

    def assign_feed_positions(self, now: datetime) -> int:
        """Feed positions for what is available ``now`` (not held for a cooling-off)."""
        ...

    def holds_feed_position(self, recipient_id: str, position: int) -> bool:
        """Whether one of the recipient's disclosures has this feed position."""
        ...

    def feed(
        self, recipient_id: str, after: int, limit: int, unacknowledged_only: bool
    ) -> list[DisclosureRecord]: ...
    def due_for_chase(self, now: datetime, limit: int) -> list[DisclosureRecord]: ...
    def without_deadline(self, limit: int) -> list[DisclosureRecord]:
        """Undelivered disclosures from before deadlines ran from availability (none since)."""
        ...

    def addressee(self, disclosure_id: uuid.UUID) -> tuple[uuid.UUID, str]:
        """Who to tell about progress: the reporter's account, and the recipient's name."""
        ...
