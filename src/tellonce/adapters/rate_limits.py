"""Rate-limit counters: in this process's memory, or in the database that every process of a
hub shares (PostgreSQL when ``serve`` runs several processes or hosts)."""

from __future__ import annotations

import threading
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tellonce.adapters.database.schema import rate_limit_windows

# Expired windows are deleted every this many hits, not on each one.
PURGE_EVERY = 500


class MemoryRateLimitStore:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, datetime], tuple[int, datetime]] = {}
        self._lock = threading.Lock()
        self._hits = 0

    def hit(self, bucket: str, window_start: datetime, expires_at: datetime) -> int:
        with self._lock:
            self._hits += 1
            if self._hits % PURGE_EVERY == 0:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > window_start}
            count = self._counts.get((bucket, window_start), (0, expires_at))[0] + 1
            self._counts[(bucket, window_start)] = (count, expires_at)
            return count


class SqlRateLimitStore:
    """One upsert per hit (``INSERT … ON CONFLICT DO UPDATE … RETURNING``): the row lock makes
    concurrent processes count one after the other."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._hits = 0

    def hit(self, bucket: str, window_start: datetime, expires_at: datetime) -> int:
        insert = pg_insert if self._engine.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(rate_limit_windows)
            .values(bucket=bucket, window_start=window_start, count=1, expires_at=expires_at)
            .on_conflict_do_update(
                index_elements=["bucket", "window_start"],
                set_={"count": rate_limit_windows.c.count + 1},
            )
            .returning(rate_limit_windows.c.count)
        )
        self._hits += 1
        with self._engine.begin() as connection:
            count = int(connection.execute(statement).scalar_one())
            if self._hits % PURGE_EVERY == 0:
                connection.execute(
                    sa.delete(rate_limit_windows).where(
                        rate_limit_windows.c.expires_at <= window_start
                    )
                )
        return count
