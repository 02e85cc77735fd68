"""Group commit: concurrent callers' items are written together, each with its own outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from tellonce.service_layer.group_commit import GroupCommit


class Refused(Exception):
    pass


class Recorder:
    """A write function that records its batches; it can hold the first batch until told."""

    def __init__(self, outcome: Callable[[int], int | Exception] = lambda n: n * 10) -> None:
        self.batches: list[list[int]] = []
        self.outcome = outcome
        self.first_started = threading.Event()
        self.release_first = threading.Event()
        self.release_first.set()
        self.fail_batches_over = 0  # a batch bigger than this raises as a whole (0: never)

    def __call__(self, batch: Sequence[int]) -> list[int | Exception]:
        self.batches.append(list(batch))
        if len(self.batches) == 1:
            self.first_started.set()
            assert self.release_first.wait(30)
        if self.fail_batches_over and len(batch) > self.fail_batches_over:
            raise RuntimeError("the whole batch failed")
        return [self.outcome(item) for item in batch]


def hold_first_batch(
    group: GroupCommit[int, int], recorder: Recorder, items: list[int]
) -> list[Future[int]]:
    """Item 0 is written alone and held; the others arrive meanwhile and wait for their turn."""
    recorder.release_first.clear()
    pool = ThreadPoolExecutor(len(items))
    futures = [pool.submit(group.submit, items[0])]
    assert recorder.first_started.wait(30)
    futures += [pool.submit(group.submit, item) for item in items[1:]]
    deadline = time.monotonic() + 30
    while group.waiting < len(items) - 1:
        assert time.monotonic() < deadline, "the callers never queued"
        time.sleep(0.001)
    recorder.release_first.set()
    pool.shutdown(wait=True)
    return futures


def test_one_caller_is_written_alone_and_gets_its_result() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder)

    assert group.submit(4) == 40
    assert group.submit(5) == 50
    assert recorder.batches == [[4], [5]]


def test_callers_arriving_during_a_write_are_written_together_next() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder)

    futures = hold_first_batch(group, recorder, list(range(8)))

    assert [f.result() for f in futures] == [n * 10 for n in range(8)]
    assert recorder.batches[0] == [0]
    assert sorted(recorder.batches[1]) == list(range(1, 8))
    assert len(recorder.batches) == 2


def test_a_batch_holds_at_most_the_limit() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder, limit=3)

    futures = hold_first_batch(group, recorder, list(range(8)))

    assert [f.result() for f in futures] == [n * 10 for n in range(8)]
    assert [len(b) for b in recorder.batches] == [1, 3, 3, 1]


def test_an_item_refused_alone_leaves_the_others_written() -> None:
    recorder = Recorder(lambda n: Refused(str(n)) if n == 3 else n * 10)
    group = GroupCommit(recorder)

    futures = hold_first_batch(group, recorder, list(range(6)))

    with pytest.raises(Refused, match="3"):
        futures[3].result()
    assert [f.result() for i, f in enumerate(futures) if i != 3] == [0, 10, 20, 40, 50]
    assert len(recorder.batches) == 2  # refused inside the batch: not written again


def test_a_batch_that_fails_as_a_whole_is_written_again_one_at_a_time() -> None:
    def outcome(n: int) -> int:
        if n == 2:
            raise RuntimeError("this one cannot be written")
        return n * 10

    recorder = Recorder(outcome)
    recorder.fail_batches_over = 1
    group = GroupCommit(recorder)

    futures = hold_first_batch(group, recorder, [0, 1, 2, 3])

    with pytest.raises(RuntimeError, match="cannot be written"):
        futures[2].result()
    assert [futures[i].result() for i in (0, 1, 3)] == [0, 10, 30]
    assert sorted(recorder.batches[1]) == [1, 2, 3]  # together first, failed as a whole
    assert sorted(b[0] for b in recorder.batches[2:]) == [1, 2, 3]  # then each alone
    assert all(len(b) == 1 for b in recorder.batches[2:])


def test_an_interrupted_write_leaves_nobody_waiting() -> None:
    def interrupted(batch: Sequence[int]) -> list[int | Exception]:
        raise KeyboardInterrupt

    group = GroupCommit(interrupted)

    with pytest.raises(KeyboardInterrupt):
        group.submit(1)
    assert group.waiting == 0
