"""The log's sequencer: give pending entries their leaf indices, store tiles, sign checkpoints.

One process at a time holds the sequencer's lease (a row in ``hub_state``), renewed by
every batch in the batch's own transaction, which also holds the row's lock: a sequencer
that stalls past its lease and wakes up cannot run a batch beside its successor. Each batch
is one transaction: take the lease, restore the tree's right edge from the stored tiles
(checking it against the last checkpoint), number a batch of pending entries, append their
hashes tile by tile, check the new tree extends the last checkpoint, sign, store, commit.
Writers only ever insert pending rows, so they never queue on the log's tail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tellonce.domain.transparency.checkpoints import Checkpoint, open_checkpoint, sign_checkpoint
from tellonce.domain.transparency.errors import TransparencyError
from tellonce.domain.transparency.merkle import EMPTY_ROOT
from tellonce.domain.transparency.notes import NoteSigner, NoteVerifier
from tellonce.domain.transparency.tile_builder import TileBuilder, check_extends, leaf_hashes
from tellonce.domain.transparency.tiles import Tile
from tellonce.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tellonce.service_layer.ports.transparency import LogQueueChanged, StoredCheckpoint
from tellonce.service_layer.transparency.reads import stored_tile_reader

BATCH_SIZE = 100_000
LEASE_FOR = timedelta(seconds=15)
_RETRIES = 3  # batches rolled back because the queue changed under them (PostgreSQL only)


class LogIntegrityError(Exception):
    """The stored log is not what its last checkpoint says, or not signed by this log's key.

    The sequencer stops rather than sign anything on top of it: an operator must look.
    """


@dataclass(frozen=True, slots=True)
class Sequencer:
    """Who is sequencing, with which key: ``signer.name`` is the log's origin."""

    uow_factory: UnitOfWorkFactory
    signer: NoteSigner
    clock: Clock
    owner: str
    batch_size: int = BATCH_SIZE
    lease_for: timedelta = LEASE_FOR


@dataclass(frozen=True, slots=True)
class Integrated:
    entries: int
    batches: int
    size: int | None  # the signed tree size; None if another process holds the lease


def integrate_pending(sequencer: Sequencer, *, max_batches: int | None = None) -> Integrated:
    """Sequence pending entries in batches until none are left (or ``max_batches``)."""
    entries = batches = retries = 0
    size = None
    while max_batches is None or batches < max_batches:
        try:
            done = _one_batch(sequencer)
        except LogQueueChanged:
            retries += 1
            if retries > _RETRIES:
                raise
            continue
        if done is None:
            return Integrated(entries, batches, size)
        count, size = done
        entries += count
        batches += 1 if count else 0
        if count < sequencer.batch_size:
            break
    return Integrated(entries, batches, size)


def publish_checkpoint(sequencer: Sequencer, verifier: NoteVerifier) -> StoredCheckpoint | None:
    """At start-up: refuse a log signed by another key, sequence what is pending and make sure
    a checkpoint (if only of the empty tree) covers the log. Returns the latest checkpoint."""
    with sequencer.uow_factory() as uow:
        latest = uow.log.latest_checkpoint()
    if latest is not None:
        try:
            open_checkpoint(latest.note, verifier)
        except TransparencyError as error:
            raise LogIntegrityError(
                "The stored log's latest checkpoint is not signed by this hub's log key: the "
                "log's key or origin has changed. Restore TELLONCE_LOG_SIGNER_KEY and "
                "TELLONCE_LOG_ORIGIN; a log must keep its identity."
            ) from error
    integrate_pending(sequencer)
    with sequencer.uow_factory() as uow:
        return uow.log.latest_checkpoint()


def release_lease(sequencer: Sequencer) -> None:
    """Let another process take over at once (on a clean shutdown)."""
    with sequencer.uow_factory() as uow:
        uow.log.release_lease(sequencer.owner)
        uow.commit()


def _one_batch(sequencer: Sequencer) -> tuple[int, int] | None:
    """One batch in one transaction: (entries sequenced, signed size), or None without lease."""
    with sequencer.uow_factory() as uow:
        now = sequencer.clock.now()
        if not uow.log.hold_lease(sequencer.owner, now, now + sequencer.lease_for):
            return None
        latest = uow.log.latest_checkpoint()
        pending = uow.log.pending(sequencer.batch_size)
        if latest is not None and not pending:
            uow.commit()  # the lease renewal
            return 0, latest.size
        old_size, old_root = (latest.size, latest.root_hash) if latest else (0, EMPTY_ROOT)
        note, size, root = _append(uow, sequencer.signer, old_size, old_root, pending)
        uow.log.add_checkpoint(StoredCheckpoint(size, root, note, now))
        uow.commit()
        return len(pending), size


def _append(
    uow: UnitOfWork,
    signer: NoteSigner,
    old_size: int,
    old_root: bytes,
    pending: list[tuple[int, bytes]],
) -> tuple[str, int, bytes]:
    """Number and append the pending entries, store their tiles; return the signed note."""
    read_stored = stored_tile_reader(uow.log)
    builder = TileBuilder.restore(old_size, read_stored)
    if builder.root() != old_root:
        raise LogIntegrityError(f"the stored tiles do not hash to checkpoint {old_size}'s root")
    uow.log.assign(old_size, [entry_id for entry_id, _ in pending])
    changed = builder.append(leaf_hashes(entry for _, entry in pending))
    size, root = builder.size, builder.root()
    written = {(tile.level, tile.index): data for tile, data in changed}

    def read_new(tile: Tile) -> bytes:
        data = written.get((tile.level, tile.index))
        return read_stored(tile) if data is None else data[: tile.width * 32]

    try:
        check_extends(old_size, old_root, size, root, read_new)
    except TransparencyError as error:  # never sign a tree that forks from the last one
        raise LogIntegrityError("the new tree does not extend the last checkpoint") from error
    note = sign_checkpoint(Checkpoint(signer.name, size, root), signer)
    uow.log.save_tiles([(tile.level, tile.index, data) for tile, data in changed])
    return note, size, root
