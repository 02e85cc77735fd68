"""Fakes that implement the ports, for fast unit tests of the use cases (no mocks).

Each is a real implementation over dicts and lists, held to the same contract tests as the
adapter it stands in for (``tests/contract/test_repository_contracts.py``,
``tests/contract/test_pusher_contract.py``, ``tests/contract/test_notifier_contract.py``).
"""

from __future__ import annotations

from tests.fakes.clock import FakeClock
from tests.fakes.notifier import RecordingNotifier
from tests.fakes.pusher import PublicDestinations, RecordingPusher
from tests.fakes.unit_of_work import FakeDatabase, FakeUnitOfWork

__all__ = [
    "FakeClock",
    "FakeDatabase",
    "FakeUnitOfWork",
    "PublicDestinations",
    "RecordingNotifier",
    "RecordingPusher",
]
