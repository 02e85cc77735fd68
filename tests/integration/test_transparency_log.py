"""The log's sequencer and storage on SQLite and PostgreSQL: batches, tiles, checkpoints,
leases, concurrency, integrity checks, identity across restarts, and proofs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from tellonce.adapters.clock import SystemClock
from tellonce.adapters.database.schema import log_entries, log_pending, log_runs, log_tiles
from tellonce.adapters.signing import Ed25519NoteSigner, generate_signer_key
from tellonce.bootstrap import Hub
from tellonce.domain.errors import InvalidInput
from tellonce.domain.transparency.checkpoints import Checkpoint, open_checkpoint
from tellonce.domain.transparency.merkle import EMPTY_ROOT, MerkleTree, range_hash
from tellonce.domain.transparency.tile_cache import CachedTileHashes, TileCache
from tellonce.domain.transparency.tiles import tiles_from_leaf_hashes
from tellonce.service_layer.ports.transparency import LogQueueChanged, PendingLogEntry
from tellonce.service_layer.transparency.entries import (
    LogIntegrityError,
    Sequencer,
    integrate_pending,
    publish_checkpoint,
    release_lease,
)
from tellonce.service_layer.transparency.reads import (
    LogReads,
    storage_fetch,
    stored_tile_reader,
    verify_log,
    verify_stored_checkpoints,
)
from tests.fakes import FakeClock
from tests.vectors import VECTORS


class RecordingSigner:
    """The hub's signer, noting every note it signs (even in transactions that roll back)."""

    def __init__(self, signer: Ed25519NoteSigner) -> None:
        self._signer = signer
        self.name, self.key_id = signer.name, signer.key_id
        self.signed: list[str] = []
        self._lock = threading.Lock()

    def sign(self, msg: bytes) -> bytes:
        with self._lock:
            self.signed.append(msg.decode())
        return self._signer.sign(msg)


def add_entries(hub: Hub, count: int, tag: str = "e") -> list[bytes]:
    made = [f'{{"kind":"test","n":"{tag}{i}"}}'.encode() for i in range(count)]
    with hub.uow() as uow:
        uow.log.add_pending([PendingLogEntry("test", e, hub.clock.now()) for e in made])
        uow.commit()
    return made


def logged(hub: Hub, count: int) -> list[bytes]:
    with hub.uow() as uow:
        return uow.log.entries(0, count)


def stored_tiles(hub: Hub) -> dict[tuple[int, int], bytes]:
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(log_tiles)).all()
    return {(row.level, row.tile_index): row.hashes for row in rows}


def test_pending_entries_become_a_signed_tree_in_batches(hub: Hub) -> None:
    made = add_entries(hub, 300, "a") + add_entries(hub, 400, "b")
    sequencer = replace(hub.log_sequencer(owner="one"), batch_size=256)
    done = integrate_pending(sequencer)
    assert (done.entries, done.batches, done.size) == (700, 3, 700)
    tree = MerkleTree.from_entries(made)
    with hub.uow() as uow:
        latest = uow.log.latest_checkpoint()
        assert uow.log.pending_count() == 0
    assert latest is not None
    checkpoint = open_checkpoint(latest.note, hub.log_signer.verifier())
    assert (checkpoint.origin, checkpoint.size) == (hub.settings.resolved_log_origin, 700)
    assert checkpoint.root_hash == tree.root() == latest.root_hash
    leaves = [tree.leaf_hash(i) for i in range(700)]
    expected = {(t.level, t.index): d for t, d in tiles_from_leaf_hashes(leaves).items()}
    assert stored_tiles(hub) == expected
    assert logged(hub, 700) == made
    audit = verify_log(storage_fetch(hub.uow), hub.log_signer.verifier())
    assert audit.checkpoint.size == 700
    assert verify_stored_checkpoints(hub.uow, hub.log_signer.verifier(), 700) == 3


def test_start_up_signs_the_empty_tree_and_then_nothing_new_until_entries_come(hub: Hub) -> None:
    sequencer = hub.log_sequencer(owner="one")
    first = publish_checkpoint(sequencer, hub.log_signer.verifier())
    assert first is not None
    assert (first.size, first.root_hash) == (0, EMPTY_ROOT)
    assert integrate_pending(sequencer).entries == 0
    add_entries(hub, 3)
    assert integrate_pending(sequencer).size == 3
    with hub.uow() as uow:
        assert [c.size for c in uow.log.checkpoints(-1, 10)] == [0, 3]


def test_one_sequencer_holds_the_lease_until_it_lapses_or_is_released(
    hub: Hub, clock: FakeClock
) -> None:
    first = hub.log_sequencer(owner="first")
    second = hub.log_sequencer(owner="second")
    add_entries(hub, 5)
    assert integrate_pending(first).size == 5
    add_entries(hub, 5)
    assert integrate_pending(second).size is None  # first still holds it
    clock.advance(timedelta(seconds=16))
    assert integrate_pending(second).size == 10
    release_lease(second)
    assert integrate_pending(first).entries == 0  # taken back at once
    assert integrate_pending(second).size is None


def test_entries_that_commit_out_of_id_order_are_sequenced_in_runs(hub: Hub) -> None:
    now = hub.clock.now()

    def insert(entry_id: int) -> None:
        with hub.engine.begin() as connection:
            connection.execute(
                sa.insert(log_entries).values(
                    id=entry_id, kind="test", entry=b"%d" % entry_id, recorded_at=now
                )
            )
            connection.execute(sa.insert(log_pending).values(first_entry_id=entry_id, count=1))

    insert(10)
    insert(11)
    integrate_pending(hub.log_sequencer(owner="one"))
    insert(5)  # an earlier id committing late, as PostgreSQL sequences allow
    integrate_pending(hub.log_sequencer(owner="one"))
    assert logged(hub, 3) == [b"10", b"11", b"5"]
    with hub.engine.connect() as connection:
        runs = connection.execute(sa.select(log_runs).order_by(log_runs.c.first_leaf)).all()
    assert [tuple(run) for run in runs] == [(0, 10, 2), (2, 5, 1)]


def test_pending_ranges_are_taken_in_part_and_only_if_pending(hub: Hub) -> None:
    made = add_entries(hub, 10)
    with hub.uow() as uow:
        pending = uow.log.pending(4)
        assert [entry for _, entry in pending] == made[:4]
        ids = [entry_id for entry_id, _ in pending]
        with pytest.raises(LogQueueChanged):
            uow.log.assign(0, [ids[0] - 1, *ids])  # an id that is not pending
    sequencer = replace(hub.log_sequencer(owner="one"), batch_size=4)
    assert integrate_pending(sequencer, max_batches=1).entries == 4
    with hub.uow() as uow:
        assert uow.log.pending_count() == 6
    assert integrate_pending(sequencer).size == 10
    assert logged(hub, 10) == made


def test_two_concurrent_sequencers_never_sign_inconsistent_checkpoints(hub: Hub) -> None:
    signer = RecordingSigner(hub.log_signer)
    stop = threading.Event()
    errors: list[BaseException] = []

    def sequence(owner: str) -> None:
        # A lease that lapses at once: both compete for every batch.
        sequencer = Sequencer(hub.uow, signer, SystemClock(), owner, 50, timedelta(0))
        try:
            while not stop.is_set():
                integrate_pending(sequencer, max_batches=2)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sequence, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    made = []
    for round_ in range(20):
        made += add_entries(hub, 37, f"r{round_}-")
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    final = integrate_pending(Sequencer(hub.uow, signer, SystemClock(), "last"))
    assert final.size == len(made)
    assert sorted(logged(hub, len(made))) == sorted(made)
    with hub.uow() as uow:
        hashes = CachedTileHashes(len(made), stored_tile_reader(uow.log), TileCache())
        for text in signer.signed:
            signed = Checkpoint.from_note_text(text)
            expected = range_hash(0, signed.size, hashes.hash_at) if signed.size else EMPTY_ROOT
            assert signed.root_hash == expected, "signed a checkpoint off the one tree"
    assert len(signer.signed) >= 2


def test_a_tampered_tile_stops_the_sequencer_before_it_signs(hub: Hub) -> None:
    add_entries(hub, 300)
    integrate_pending(hub.log_sequencer(owner="one"))
    with hub.engine.begin() as connection:
        connection.execute(
            sa.update(log_tiles)
            .where(log_tiles.c.level == 0, log_tiles.c.tile_index == 1)
            .values(hashes=b"\x00" * 32 * 44)
        )
    add_entries(hub, 1)
    signer = RecordingSigner(hub.log_signer)
    sequencer = Sequencer(hub.uow, signer, hub.clock, "one")
    with pytest.raises(LogIntegrityError):
        integrate_pending(sequencer)
    assert signer.signed == []


def test_a_log_signed_by_another_key_is_refused_at_start_up(hub: Hub) -> None:
    publish_checkpoint(hub.log_sequencer(owner="one"), hub.log_signer.verifier())
    impostor = Ed25519NoteSigner.from_signer_key(generate_signer_key(hub.log_signer.name)[0])
    sequencer = Sequencer(hub.uow, impostor, hub.clock, "two")
    with pytest.raises(LogIntegrityError, match="identity"):
        publish_checkpoint(sequencer, impostor.verifier())


def test_a_restart_keeps_the_log_s_identity(hub: Hub) -> None:
    add_entries(hub, 4)
    before = hub.log_sequencer(owner="one")
    publish_checkpoint(before, hub.log_signer.verifier())
    release_lease(before)  # a clean shutdown; after a crash the lease lapses in 15 s
    restarted = Hub(settings=hub.settings, engine=hub.engine, vault=hub.vault, clock=hub.clock)
    assert restarted.log_signer.verifier_key == hub.log_signer.verifier_key
    add_entries(hub, 4)
    latest = publish_checkpoint(
        restarted.log_sequencer(owner="two"), restarted.log_signer.verifier()
    )
    assert latest is not None
    assert latest.size == 8
    open_checkpoint(latest.note, hub.log_signer.verifier())


def test_proofs_from_storage_match_the_tree_at_any_size(hub: Hub) -> None:
    made = add_entries(hub, 600)
    integrate_pending(hub.log_sequencer(owner="one"))
    tree = MerkleTree.from_entries(made)
    reads = LogReads(hub.uow)
    for index, size in [(0, 1), (5, 300), (299, 300), (599, 600), (256, 513)]:
        proof = reads.inclusion_proof(index, size)
        assert list(proof.hashes) == tree.inclusion_proof(index, size)
    latest = reads.inclusion_proof(7)
    assert latest.size == 600
    consistency = reads.consistency_proof(300)
    assert list(consistency.hashes) == tree.consistency_proof(300, 600)
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: reads.inclusion_proof(0, 601), "size"),
        (lambda: reads.inclusion_proof(600, 600), "index"),
        (lambda: reads.consistency_proof(601), "from"),
        (lambda: reads.consistency_proof(1, 700), "to"),
    ]
    for call, field in calls:
        with pytest.raises(InvalidInput) as caught:
            call()
        assert caught.value.problems[0].location == ("query", field)


TESSERA = VECTORS / "tessera-log"
TESSERA_ENTRIES = [
    *("one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten"),
    *("ileven", "twelf", "threeten", "fourten", "fivten"),
]
TESSERA_KEY = (
    "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg"
)


def test_our_sequencer_and_storage_reproduce_tessera_s_log_byte_for_byte(hub: Hub) -> None:
    settings = hub.settings.model_copy(
        update={"log_origin": "example.com/log/testdata", "log_signer_key": SecretStr(TESSERA_KEY)}
    )
    tessera = Hub(settings=settings, engine=hub.engine, vault=hub.vault, clock=hub.clock)
    sequencer = tessera.log_sequencer(owner="interop")
    verifier = tessera.log_signer.verifier()
    publish_checkpoint(sequencer, verifier)
    for entry in TESSERA_ENTRIES:  # one entry per batch: a checkpoint at every size
        with tessera.uow() as uow:
            uow.log.add_pending([PendingLogEntry("test", entry.encode(), hub.clock.now())])
            uow.commit()
        integrate_pending(sequencer)
    with tessera.uow() as uow:
        notes = {c.size: c.note for c in uow.log.checkpoints(-1, 100)}
    for size in range(16):
        assert notes[size] == (TESSERA / f"checkpoint.{size}").read_text(), size
    fetch = storage_fetch(tessera.uow)
    for size in range(1, 16):
        assert fetch(f"tile/0/000.p/{size}") == (TESSERA / f"tile/0/000.p/{size}").read_bytes()
        bundle = (TESSERA / f"tile/entries/000.p/{size}").read_bytes()
        assert fetch(f"tile/entries/000.p/{size}") == bundle
    assert verify_log(fetch, verifier).checkpoint.size == 15
