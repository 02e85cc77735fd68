"""Consents as withdrawing them needs, and what recipients are told of withdrawals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """A consent choice as the withdrawal needs it."""

    id: uuid.UUID
    report_id: uuid.UUID
    person_id: uuid.UUID
    recipient_id: str
    agreement_id: str
    agreement_version: int
    decision: str  # "granted" or "refused"
    withdrawn_at: datetime | None
    disclosure_id: uuid.UUID | None  # the disclosure made under it, if it was granted


@dataclass(frozen=True, slots=True)
class WithdrawnDisclosure:
    """A delivered disclosure whose consent was withdrawn: what the recipient is told."""

    disclosure_id: uuid.UUID
    agreement_id: str
    agreement_version: int
    withdrawn_at: datetime
    feed_position: int


class ConsentRepository(Protocol):
    def for_account(self, consent_id: uuid.UUID, account_id: uuid.UUID) -> ConsentRecord | None:
        """The consent, only if it belongs to one of the account's reports."""
        ...

    def withdraw(self, consent_id: uuid.UUID, now: datetime) -> None: ...
    def withdrawn_at(self, disclosure_ids: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, datetime]:
        """When the consent behind each of these disclosures was withdrawn (if it was)."""
        ...

    def withdrawn_after_delivery(
        self, recipient_id: str, after: int, limit: int
    ) -> list[WithdrawnDisclosure]:
        """The recipient's delivered disclosures whose consent was withdrawn, in feed order."""
        ...
