"""Group commit: what concurrent callers write is written together, one transaction a batch.

A caller hands its item in and waits. Whoever takes the turn writes every item waiting at that
moment (up to a limit) in one go and hands each caller its own outcome. With one caller at a
time a batch is that caller's item alone, so nobody waits for company; under load a batch holds
what arrived while the last one was being written, and the cost of a transaction (its
statements and its commit) is shared by the batch (issue 12, ADR 0096)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(eq=False, slots=True)
class _Waiting(Generic[T, R]):
    item: T
    result: R | None = None
    error: BaseException | None = None
    done: bool = False

    def settle(self, outcome: R | BaseException) -> None:
        if isinstance(outcome, BaseException):
            self.error = outcome
        else:
            self.result = outcome
        self.done = True


class GroupCommit(Generic[T, R]):
    """``write`` takes a batch and gives one outcome per item, in order: a result, or an
    exception that refuses that item alone. If ``write`` itself raises, the batch is written
    again one item at a time, so one item that cannot be written fails alone."""

    def __init__(self, write: Callable[[Sequence[T]], Sequence[R | Exception]], limit: int = 64):
        self._write = write
        self._limit = limit
        self._turn = threading.Lock()  # held while a batch is written
        self._queue = threading.Lock()  # guards ``_waiting``
        self._waiting: deque[_Waiting[T, R]] = deque()

    @property
    def waiting(self) -> int:
        """How many items wait for a turn (not counting the batch being written)."""
        with self._queue:
            return len(self._waiting)

    def submit(self, item: T) -> R:
        mine: _Waiting[T, R] = _Waiting(item)
        with self._queue:
            self._waiting.append(mine)
        while not mine.done:
            with self._turn:
                if not mine.done:
                    self._write_waiting()
        if mine.error is not None:
            raise mine.error
        return mine.result  # type: ignore[return-value]  # done without an error: a result

    def _write_waiting(self) -> None:
        with self._queue:
            batch = [self._waiting.popleft() for _ in range(min(self._limit, len(self._waiting)))]
        try:
            for waiting, outcome in zip(batch, self._outcomes(batch), strict=True):
                waiting.settle(outcome)
        finally:
            # Interrupted (a BaseException): nobody in this batch is left waiting for ever.
            for waiting in batch:
                if not waiting.done:
                    waiting.settle(RuntimeError("The write was interrupted"))

    def _outcomes(self, batch: list[_Waiting[T, R]]) -> Sequence[R | Exception]:
        try:
            return self._write([w.item for w in batch])
        except Exception as error:
            if len(batch) == 1:
                return [error]
        outcomes: list[R | Exception] = []
        for waiting in batch:
            try:
                outcomes.extend(self._write([waiting.item]))
            except Exception as error:
                outcomes.append(error)
        return outcomes
