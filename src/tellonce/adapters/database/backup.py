"""Consistent copies of the hub's database while it runs (``tellonce backup``).

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  page by page while other processes keep writing (WAL), unlike a file copy, which can catch
  a half-written page or miss the WAL. The copy is a plain database file: restore it by
  putting it where ``TELLONCE_DATABASE_URL`` points, with every process stopped.
- PostgreSQL: ``pg_dump --format=custom``, one consistent snapshot (a repeatable-read
  transaction) that does not block writers. Restore with ``pg_restore --no-owner -d`` into an
  empty database (docs/operations.md).

What a copy holds is encrypted as the live database is: personal data under per-person keys
wrapped by the master keys, which are not in the copy. Keep the keys apart from the copies;
an erased person's key is gone from every later copy, and their data with it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupFailed(Exception):
    """The copy could not be made; the message says why, without secrets."""


def backup_database(url: str, destination: Path) -> str:
    """Copy the database at ``url`` to ``destination``; returns what kind of copy it made."""
    parsed = make_url(url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise BackupFailed("an in-memory database cannot be backed up")
        source = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
        target = sqlite3.connect(destination)
        try:
            with target:
                source.backup(target, pages=1024)
        finally:
            target.close()
            source.close()
        return "sqlite online backup"
    if parsed.get_backend_name() == "postgresql":
        return _pg_dump(parsed, destination)
    raise BackupFailed(f"no backup for {parsed.get_backend_name()} databases")


def _pg_dump(parsed: URL, destination: Path) -> str:
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupFailed("pg_dump is not installed (the PostgreSQL client tools)")
    environment = {**os.environ}
    if parsed.password:  # never on the command line, where ps would show it
        environment["PGPASSWORD"] = str(parsed.password)
    command = [
        executable,
        "--format=custom",
        "--no-owner",
        f"--file={destination}",
        f"--host={parsed.host or 'localhost'}",
        f"--port={parsed.port or 5432}",
        f"--username={parsed.username or 'postgres'}",
        parsed.database or "postgres",
    ]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603 - fixed program, no shell
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    return "pg_dump custom format"
