"""The transparency log's storage: pending entries, the sequencer's state, and reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PendingLogEntry:
    """An encoded entry to be sequenced; ``report_id`` and ``person_id`` stay private."""

    kind: str
    entry: bytes
    recorded_at: datetime
    report_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None  # whose log key the entry's commitment is under


@dataclass(frozen=True, slots=True)
class PreparedCommitment:
    """The id and commitment of a disclosure's future "disclosure-delivered" entry."""

    disclosure_id: uuid.UUID
    entry_id: str
    value: bytes


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    root_hash: bytes
    note: str  # the signed note, exactly as served
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class ReportLogEntry:
    """One of a report's entries; ``leaf_index`` is None while it is still pending."""

    entry: bytes
    leaf_index: int | None
    person_id: uuid.UUID | None


class LogQueueChanged(Exception):
    """Pending entries changed under the sequencer; its transaction must roll back."""


class TransparencyLogRepository(Protocol):
    # Written in the transaction of what the entries record.
    def add_pending(self, entries: Sequence[PendingLogEntry]) -> None: ...
    def prepare_commitments(self, commitments: Sequence[PreparedCommitment]) -> None: ...
    def take_commitments(
        self, disclosure_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, PreparedCommitment]:
        """Remove and return the prepared commitments of these disclosures (if still there)."""
        ...

    # The sequencer, one batch per transaction.
    def hold_lease(self, owner: str, now: datetime, until: datetime) -> bool:
        """Take or renew the sequencer's lease; hold its row lock until the transaction ends."""
        ...

    def release_lease(self, owner: str) -> None: ...
    def pending(self, limit: int) -> list[tuple[int, bytes]]:
        """Up to ``limit`` pending entries as (entry id, entry), oldest id first."""
        ...

    def pending_count(self) -> int: ...
    def assign(self, first_leaf: int, entry_ids: Sequence[int]) -> None:
        """Make ``entry_ids`` (ascending) leaves ``first_leaf``...; raise ``LogQueueChanged`` if
        the pending queue no longer starts with exactly these entries."""
        ...

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...
    def checkpoints(self, after_size: int, limit: int) -> list[StoredCheckpoint]: ...
    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None: ...
    def tile(self, level: int, index: int) -> bytes | None:
        """The stored hashes of a tile at its latest width (a prefix is the tile at any
        smaller width)."""
        ...

    def tiles(self, level: int, first: int, end: int) -> dict[int, bytes]:
        """Stored tiles ``first``..``end - 1`` of a level, by index (for audits)."""
        ...

    def save_tiles(self, tiles: Sequence[tuple[int, int, bytes]]) -> None:
        """Store (level, index, hashes), replacing narrower versions of the same tile."""
        ...

    # Reads.
    def entries(self, start: int, end: int) -> list[bytes]:
        """Entries of leaves ``start``..``end - 1``; fewer if not all are sequenced yet."""
        ...

    def entries_for_report(self, report_id: uuid.UUID) -> list[ReportLogEntry]: ...
