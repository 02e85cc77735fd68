"""The in-memory transparency log: pending entries, the sequencer's lease, leaves, tiles."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from tellonce.service_layer.ports.transparency import (
    LogQueueChanged,
    PendingLogEntry,
    PreparedCommitment,
    ReportLogEntry,
    StoredCheckpoint,
)
from tests.fakes.tables import LogEntryRow, Tables


class FakeTransparencyLogRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add_pending(self, entries: Sequence[PendingLogEntry]) -> None:
        last = self._t.log_entries[-1].id if self._t.log_entries else 0
        for offset, entry in enumerate(entries, start=1):
            self._t.log_entries.append(LogEntryRow(last + offset, entry))

    def prepare_commitments(self, commitments: Sequence[PreparedCommitment]) -> None:
        for commitment in commitments:
            self._t.commitments[commitment.disclosure_id] = commitment

    def take_commitments(
        self, disclosure_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, PreparedCommitment]:
        return {i: self._t.commitments.pop(i) for i in disclosure_ids if i in self._t.commitments}

    def hold_lease(self, owner: str, now: datetime, until: datetime) -> bool:
        lease = self._t.log_lease
        if lease is not None:
            holder, expires = lease
            if holder not in {owner, None} and expires is not None and expires >= now:
                return False
        self._t.log_lease = (owner, until)
        return True

    def release_lease(self, owner: str) -> None:
        if self._t.log_lease is not None and self._t.log_lease[0] == owner:
            self._t.log_lease = (None, None)

    def _pending_rows(self) -> list[LogEntryRow]:
        return [row for row in self._t.log_entries if row.leaf is None]

    def pending(self, limit: int) -> list[tuple[int, bytes]]:
        return [(row.id, row.pending.entry) for row in self._pending_rows()[:limit]]

    def pending_count(self) -> int:
        return len(self._pending_rows())

    def assign(self, first_leaf: int, entry_ids: Sequence[int]) -> None:
        if list(entry_ids) != sorted(set(entry_ids)):
            raise ValueError("entry ids must be strictly ascending")
        by_id = {row.id: row for row in self._t.log_entries}
        for entry_id in entry_ids:
            row = by_id.get(entry_id)
            if row is None or row.leaf is not None:
                raise LogQueueChanged(f"entry {entry_id} is not pending")
        if first_leaf != len(self._t.log_leaves):
            raise LogQueueChanged(f"leaf {first_leaf} is not the log's next leaf")
        for leaf, entry_id in enumerate(entry_ids, start=first_leaf):
            by_id[entry_id].leaf = leaf
            self._t.log_leaves.append(entry_id)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        return max(self._t.checkpoints, key=lambda c: c.size, default=None)

    def checkpoints(self, after_size: int, limit: int) -> list[StoredCheckpoint]:
        later = sorted(
            (c for c in self._t.checkpoints if c.size > after_size), key=lambda c: c.size
        )
        return later[:limit]

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        if any(c.size == checkpoint.size for c in self._t.checkpoints):
            raise ValueError(f"there is already a checkpoint of size {checkpoint.size}")
        self._t.checkpoints.append(checkpoint)

    def tile(self, level: int, index: int) -> bytes | None:
        return self._t.tiles.get((level, index))

    def tiles(self, level: int, first: int, end: int) -> dict[int, bytes]:
        return {
            i: data for (lv, i), data in self._t.tiles.items() if lv == level and first <= i < end
        }

    def save_tiles(self, tiles: Sequence[tuple[int, int, bytes]]) -> None:
        for level, index, data in tiles:
            self._t.tiles[(level, index)] = data

    def entries(self, start: int, end: int) -> list[bytes]:
        by_id = {row.id: row for row in self._t.log_entries}
        return [by_id[entry_id].pending.entry for entry_id in self._t.log_leaves[start:end]]

    def entries_for_report(self, report_id: uuid.UUID) -> list[ReportLogEntry]:
        return [
            ReportLogEntry(row.pending.entry, row.leaf, row.pending.person_id)
            for row in self._t.log_entries
            if row.pending.report_id == report_id
        ]
