"""``tellonce log verify --url`` against a real ``tellonce serve``, using only the public
tlog-tiles endpoints, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tellonce.adapters.database.schema import log_tiles
from tellonce.bootstrap import Hub
from tellonce.domain.transparency.checkpoints import Checkpoint, sign_checkpoint
from tellonce.domain.transparency.notes import parse_note
from tellonce.service_layer.ports.transparency import PendingLogEntry
from tellonce.service_layer.transparency.entries import publish_checkpoint
from tests.support.delivery import submit_move
from tests.support.processes import environment, free_port, wait_until_up


@pytest.fixture
def served(hub: Hub, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "tellonce", "serve", "--port", str(port)],
        env=environment(hub, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(server, url)
        yield url
    finally:
        server.terminate()
        server.communicate(timeout=30)


def verify(url: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "tellonce", "log", "verify", "--url", url, *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_remote_log_verifies_from_its_tiles_alone(
    client: TestClient, hub: Hub, tmp_path: Path, served: str
) -> None:
    for _ in range(3):
        submit_move(client)
    with hub.uow() as uow:  # enough entries for full tiles and bundles too
        now = hub.clock.now()
        uow.log.add_pending(
            [PendingLogEntry("test", b'{"kind":"test","n":%d}' % i, now) for i in range(600)]
        )
        uow.commit()
    sequencer = hub.log_sequencer(owner="test")
    first = publish_checkpoint(sequencer, hub.log_signer.verifier())
    assert first is not None
    seen = tmp_path / "seen.checkpoint"
    key = hub.log_signer.verifier_key
    result = verify(served, "--key", key, "--save-checkpoint", str(seen))
    assert result.returncode == 0, result.stderr
    assert f"{first.size} entries, every tile recomputed" in result.stdout
    assert "disclosure-authorised" in result.stdout

    submit_move(client)
    publish_checkpoint(sequencer, hub.log_signer.verifier())
    again = verify(served, "--key", key, "--trusted-checkpoint", str(seen))
    assert again.returncode == 0, again.stderr
    assert f"trusted checkpoint of size {first.size}" in again.stdout
    unpinned = verify(served)
    assert unpinned.returncode == 0, unpinned.stderr
    assert "trusting the key the log serves" in unpinned.stdout

    impostor = "tellonce.localhost/log+00000000+AaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA"
    refused = verify(served, "--key", impostor)
    assert refused.returncode == 1
    assert "FAILED" in refused.stderr


def test_a_remote_log_that_rewrote_a_tile_or_forked_is_refused(
    client: TestClient, hub: Hub, tmp_path: Path, served: str
) -> None:
    submit_move(client)
    sequencer = hub.log_sequencer(owner="test")
    latest = publish_checkpoint(sequencer, hub.log_signer.verifier())
    assert latest is not None
    key = hub.log_signer.verifier_key
    assert verify(served, "--key", key).returncode == 0

    # A fork: a checkpoint the log's own key signed for the same size with another root. A
    # verifier that saw it must refuse the log the server now shows.
    forked = Checkpoint(latest_origin(hub), latest.size, hashlib.sha256(b"another past").digest())
    seen = tmp_path / "forked.checkpoint"
    seen.write_text(sign_checkpoint(forked, hub.log_signer))
    fork = verify(served, "--key", key, "--trusted-checkpoint", str(seen))
    assert fork.returncode == 1 and "FAILED" in fork.stderr

    # A rewritten tile: the hashes served no longer match the entries or the signed root.
    with hub.engine.begin() as connection:
        stored = connection.execute(
            sa.select(log_tiles.c.hashes).where(log_tiles.c.level == 0, log_tiles.c.tile_index == 0)
        ).scalar_one()
        connection.execute(
            sa.update(log_tiles)
            .where(log_tiles.c.level == 0, log_tiles.c.tile_index == 0)
            .values(hashes=bytes([stored[0] ^ 1]) + stored[1:])
        )
    rewritten = verify(served, "--key", key)
    assert rewritten.returncode == 1 and "FAILED" in rewritten.stderr


def latest_origin(hub: Hub) -> str:
    with hub.uow() as uow:
        stored = uow.log.latest_checkpoint()
    assert stored is not None
    return Checkpoint.from_note_text(parse_note(stored.note).text).origin
