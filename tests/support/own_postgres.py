"""A PostgreSQL cluster of the test's own, started with ``pg_ctl`` on a spare port in a
temporary directory, so that a test may stop and restart it without touching the shared
server. Run as the ``postgres`` OS user (initdb refuses root)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.databases import ON_CI
from tests.support.processes import free_port

BIN = Path(os.environ.get("TELLONCE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@dataclass
class OwnCluster:
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own arguments, no shell
            _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), *args),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=100"
        )
        self._ctl("-o", options, "-l", str(self.directory / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "-w", "stop")


@contextmanager
def own_postgres() -> Iterator[OwnCluster]:
    if not (BIN / "initdb").exists():
        if ON_CI:
            pytest.fail(f"no PostgreSQL binaries in {BIN}: CI must have them")
        pytest.skip(f"no PostgreSQL binaries in {BIN}")
    directory = Path(tempfile.mkdtemp(prefix="tellonce-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = OwnCluster(directory, free_port())
    try:
        subprocess.run(  # noqa: S603 - our own arguments, no shell
            _as_postgres(
                str(BIN / "initdb"),
                "-D",
                str(cluster.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
