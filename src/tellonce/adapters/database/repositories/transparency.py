"""The transparency log in the database: pending entries, leaf runs, tiles and checkpoints.

No entry row is ever updated. PostgreSQL makes per-row updates expensive (a new row version
and an entry in every index): numbering 100,000 entries that way runs at about 60,000 a
second on this machine, below the sequencer's target. Instead a writer records its entries'
ids as ranges in ``log_pending`` (one row per transaction, usually), and the sequencer turns
the ranges it takes into ``log_runs`` (leaf ``first_leaf`` is entry ``first_entry_id``, and
so on for ``count`` entries). On PostgreSQL entries are read over psycopg's binary protocol,
about three times faster than hex-encoded ``bytea`` text.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from tellonce.adapters.database.schema import (
    hub_state,
    log_checkpoints,
    log_delivery_commitments,
    log_entries,
    log_pending,
    log_runs,
    log_tiles,
)
from tellonce.service_layer.ports.transparency import (
    LogQueueChanged,
    PendingLogEntry,
    PreparedCommitment,
    ReportLogEntry,
    StoredCheckpoint,
)

LEASE = "log-sequencer"
# No ORDER BY: right after a bulk write PostgreSQL has no statistics for the new rows and may
# sort 100,000 of them on disk; sorting nearly sorted rows in Python is cheap and predictable.
_RANGE_SQL = "SELECT id, entry FROM log_entries WHERE id >= %s AND id < %s"
_SQLITE_RANGE_SQL = "SELECT id, entry FROM log_entries WHERE id >= ? AND id < ? ORDER BY id"
_RESERVE_SQL = (
    "SELECT nextval(pg_get_serial_sequence('log_entries', 'id')) FROM generate_series(1, %s)"
)


def runs_of(first_leaf: int, entry_ids: Sequence[int]) -> list[dict[str, int]]:
    """Split ascending entry ids into runs of consecutive ids, numbered from ``first_leaf``."""
    runs: list[dict[str, int]] = []
    previous = None
    for leaf, entry_id in enumerate(entry_ids, start=first_leaf):
        if previous is not None and entry_id <= previous:
            raise ValueError("entry ids must be strictly ascending")
        if previous is None or entry_id != previous + 1:
            runs.append({"first_leaf": leaf, "first_entry_id": entry_id, "count": 0})
        runs[-1]["count"] += 1
        previous = entry_id
    return runs


class SqlTransparencyLogRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._postgres = connection.dialect.name == "postgresql"

    # --- written with what the entries record ---------------------------------------------

    def add_pending(self, entries: Sequence[PendingLogEntry]) -> None:
        if not entries:
            return
        ids = self._reserve_ids(len(entries))
        rows = [
            {
                "id": entry_id,
                "kind": e.kind,
                "entry": e.entry,
                "report_id": e.report_id,
                "person_id": e.person_id,
                "recorded_at": e.recorded_at,
            }
            for entry_id, e in zip(ids, entries, strict=True)
        ]
        self._connection.execute(sa.insert(log_entries), rows)
        self._connection.execute(
            sa.insert(log_pending),
            [{"first_entry_id": r["first_entry_id"], "count": r["count"]} for r in runs_of(0, ids)],
        )

    def _reserve_ids(self, count: int) -> list[int]:
        """Ids for new entries, ascending. Explicit ids (not RETURNING, which is slower on
        both databases) let the pending ranges be written in the same statement batch."""
        if self._postgres:
            return sorted(row[0] for row in self._binary(_RESERVE_SQL, (count,)))
        # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so nobody else can
        # take ids between this read and the insert.
        last = self._connection.execute(sa.select(sa.func.max(log_entries.c.id))).scalar()
        first = (last or 0) + 1
        return list(range(first, first + count))

    def prepare_commitments(self, commitments: Sequence[PreparedCommitment]) -> None:
        if commitments:
            self._connection.execute(
                sa.insert(log_delivery_commitments),
                [
                    {
                        "disclosure_id": c.disclosure_id,
                        "entry_id": c.entry_id,
                        "commitment": c.value,
                    }
                    for c in commitments
                ],
            )

    def take_commitments(
        self, disclosure_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, PreparedCommitment]:
        if not disclosure_ids:
            return {}
        # DELETE ... RETURNING: of two transactions taking the same row, only one gets it.
        rows = self._connection.execute(
            sa.delete(log_delivery_commitments)
            .where(log_delivery_commitments.c.disclosure_id.in_(disclosure_ids))
            .returning(*log_delivery_commitments.c)
        )
        return {
            row.disclosure_id: PreparedCommitment(row.disclosure_id, row.entry_id, row.commitment)
            for row in rows
        }

    # --- the sequencer ----------------------------------------------------------------------

    def hold_lease(self, owner: str, now: datetime, until: datetime) -> bool:
        state = hub_state.c
        taken = self._connection.execute(
            sa.update(hub_state)
            .where(
                state.name == LEASE,
                sa.or_(
                    state.lease_owner == owner,
                    state.lease_owner.is_(None),
                    state.lease_expires_at < now,
                ),
            )
            .values(lease_owner=owner, lease_expires_at=until)
        )
        if taken.rowcount == 1:
            return True
        exists = self._connection.execute(sa.select(state.name).where(state.name == LEASE)).first()
        if exists is not None:
            return False
        try:
            with self._connection.begin_nested():  # another process may create it first
                self._connection.execute(
                    sa.insert(hub_state).values(
                        name=LEASE, value=0, lease_owner=owner, lease_expires_at=until
                    )
                )
        except IntegrityError:
            return False
        return True

    def release_lease(self, owner: str) -> None:
        self._connection.execute(
            sa.update(hub_state)
            .where(hub_state.c.name == LEASE, hub_state.c.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )

    def pending(self, limit: int) -> list[tuple[int, bytes]]:
        ranges: list[tuple[int, int]] = []
        budget = limit
        for first, count in self._connection.execute(
            sa.select(log_pending.c.first_entry_id, log_pending.c.count)
            .order_by(log_pending.c.first_entry_id)
            .limit(limit)
        ):
            take = min(count, budget)
            if ranges and ranges[-1][1] == first:  # adjacent: one range read
                ranges[-1] = (ranges[-1][0], first + take)
            else:
                ranges.append((first, first + take))
            budget -= take
            if not budget:
                break
        found: list[tuple[int, bytes]] = []
        for low, high in ranges:
            found += self._entries_by_id(low, high)
        return found

    def pending_count(self) -> int:
        count = sa.select(sa.func.coalesce(sa.func.sum(log_pending.c.count), 0))
        return int(self._connection.execute(count).scalar_one())

    def assign(self, first_leaf: int, entry_ids: Sequence[int]) -> None:
        runs = runs_of(first_leaf, entry_ids)
        for run in runs:
            self._take_pending(run["first_entry_id"], run["first_entry_id"] + run["count"])
        if runs:
            self._connection.execute(sa.insert(log_runs), runs)

    def _take_pending(self, low: int, high: int) -> None:
        """Remove ids ``low``..``high - 1`` from the pending ranges, which must hold them all."""
        pending = log_pending.c
        rows = self._connection.execute(
            sa.select(pending.first_entry_id, pending.count)
            .where(pending.first_entry_id >= low, pending.first_entry_id < high)
            .order_by(pending.first_entry_id)
        ).all()
        expected = low
        for first, count in rows:
            if first != expected:
                raise LogQueueChanged(f"entry {expected} is not pending")
            expected = first + count
        if expected < high:
            raise LogQueueChanged(f"entry {expected} is not pending")
        self._connection.execute(
            sa.delete(log_pending).where(
                pending.first_entry_id >= low, pending.first_entry_id < high
            )
        )
        if expected > high:  # a range taken in part: the rest stays pending
            self._connection.execute(
                sa.insert(log_pending).values(first_entry_id=high, count=expected - high)
            )

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        row = self._connection.execute(
            sa.select(log_checkpoints).order_by(log_checkpoints.c.size.desc()).limit(1)
        ).first()
        return None if row is None else _checkpoint(row)

    def checkpoints(self, after_size: int, limit: int) -> list[StoredCheckpoint]:
        rows = self._connection.execute(
            sa.select(log_checkpoints)
            .where(log_checkpoints.c.size > after_size)
            .order_by(log_checkpoints.c.size)
            .limit(limit)
        )
        return [_checkpoint(row) for row in rows]

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self._connection.execute(
            sa.insert(log_checkpoints).values(
                size=checkpoint.size,
                root_hash=checkpoint.root_hash,
                note=checkpoint.note,
                signed_at=checkpoint.signed_at,
            )
        )

    def tile(self, level: int, index: int) -> bytes | None:
        hashes: bytes | None = self._connection.execute(
            sa.select(log_tiles.c.hashes).where(
                log_tiles.c.level == level, log_tiles.c.tile_index == index
            )
        ).scalar_one_or_none()
        return hashes

    def tiles(self, level: int, first: int, end: int) -> dict[int, bytes]:
        rows = self._connection.execute(
            sa.select(log_tiles.c.tile_index, log_tiles.c.hashes).where(
                log_tiles.c.level == level,
                log_tiles.c.tile_index >= first,
                log_tiles.c.tile_index < end,
            )
        )
        return {int(index): hashes for index, hashes in rows}

    def save_tiles(self, tiles: Sequence[tuple[int, int, bytes]]) -> None:
        if not tiles:
            return
        insert = (postgresql.insert if self._postgres else sqlite.insert)(log_tiles)
        upsert = insert.on_conflict_do_update(
            index_elements=[log_tiles.c.level, log_tiles.c.tile_index],
            set_={"width": insert.excluded.width, "hashes": insert.excluded.hashes},
        )
        self._connection.execute(
            upsert,
            [
                {"level": level, "tile_index": index, "width": len(data) // 32, "hashes": data}
                for level, index, data in tiles
            ],
        )

    # --- reads ------------------------------------------------------------------------------

    def entries(self, start: int, end: int) -> list[bytes]:
        runs = log_runs.c
        first = (
            sa.select(sa.func.max(runs.first_leaf))
            .where(runs.first_leaf <= start)
            .scalar_subquery()
        )
        found: list[bytes] = []
        for first_leaf, first_entry_id, count in self._connection.execute(
            sa.select(runs.first_leaf, runs.first_entry_id, runs.count)
            .where(runs.first_leaf >= sa.func.coalesce(first, 0), runs.first_leaf < end)
            .order_by(runs.first_leaf)
        ):
            low = max(start, first_leaf)
            high = min(end, first_leaf + count)
            if low < high:
                offset = first_entry_id - first_leaf
                found += [e for _, e in self._entries_by_id(low + offset, high + offset)]
        return found

    def _entries_by_id(self, low: int, high: int) -> list[tuple[int, bytes]]:
        if self._postgres:
            found = [(row[0], row[1]) for row in self._binary(_RANGE_SQL, (low, high))]
            found.sort(key=itemgetter(0))
            return found
        # The driver's own cursor, in this transaction: building a SQLAlchemy row for each of
        # a batch's 100,000 entries costs as much as reading them.
        driver = self._connection.connection.driver_connection
        assert driver is not None
        return [(row[0], row[1]) for row in driver.execute(_SQLITE_RANGE_SQL, (low, high))]

    def entries_for_report(self, report_id: uuid.UUID) -> list[ReportLogEntry]:
        rows = self._connection.execute(
            sa.select(log_entries.c.id, log_entries.c.entry, log_entries.c.person_id)
            .where(log_entries.c.report_id == report_id)
            .order_by(log_entries.c.id)
        ).all()
        return [ReportLogEntry(row.entry, self._leaf_of(row.id), row.person_id) for row in rows]

    def _leaf_of(self, entry_id: int) -> int | None:
        run = self._connection.execute(
            sa.select(log_runs.c.first_leaf, log_runs.c.first_entry_id, log_runs.c.count)
            .where(log_runs.c.first_entry_id <= entry_id)
            .order_by(log_runs.c.first_entry_id.desc())
            .limit(1)
        ).first()
        if run is None:
            return None
        first_leaf, first_entry_id, count = run
        if entry_id >= first_entry_id + count:
            return None
        return int(first_leaf + entry_id - first_entry_id)

    def _binary(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """Run ``sql`` in this transaction with binary results (psycopg only)."""
        driver = self._connection.connection.driver_connection
        assert driver is not None
        with driver.cursor(binary=True) as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())


def _checkpoint(row: sa.Row[Any]) -> StoredCheckpoint:
    return StoredCheckpoint(row.size, row.root_hash, row.note, row.signed_at)
