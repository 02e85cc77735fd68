"""The assistant's evaluation in CI, with its thresholds (docs/assistant.md). Deterministic:
one inference thread and a fixed day. The keyword baseline is measured in the same run."""

from __future__ import annotations

import re
import statistics
from difflib import SequenceMatcher
from typing import Any

import pytest
from bench.assistant_eval import FRESH, evaluation_sets, latencies_ms, load, report

from tellonce.adapters.assistant import shared_reader
from tellonce.adapters.assistant.baseline import KeywordReader
from tellonce.adapters.assistant.reader import load_examples
from tellonce.service_layer.ports.assistant import MessageReader


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    readers: dict[str, MessageReader] = {"embedding": shared_reader(), "keywords": KeywordReader()}
    return report(readers, evaluation_sets())


def test_the_sets_are_big_enough() -> None:
    sets = evaluation_sets()
    assert len(sets["ordinary"]) >= 70
    assert len(sets["hard"]) >= 35


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def test_no_evaluation_message_is_a_training_example() -> None:
    """Kept apart: not the same text, nor nearly the same (90% alike, ignoring case and
    punctuation)."""
    examples = [_plain(e.text) for e in load_examples()]
    held_out = [*evaluation_sets().values(), load(FRESH, "messages")]
    for item in (i for items in held_out for i in items):
        text = _plain(item.text)
        close = [e for e in examples if SequenceMatcher(None, text, e).ratio() >= 0.9]
        assert not close, (item.text, close)


def test_ordinary_messages(results: dict[str, Any]) -> None:
    figures = results["embedding"]["figures"]["ordinary"]
    assert figures.accuracy >= 0.97, figures.mistakes
    assert figures.top1 >= 0.90  # without the clarifying question's credit


def test_hard_messages(results: dict[str, Any]) -> None:
    figures = results["embedding"]["figures"]["hard"]
    assert figures.accuracy >= 0.90, figures.mistakes


def test_out_of_scope_rejection(results: dict[str, Any]) -> None:
    assert results["embedding"]["rejected"] >= 0.9
    assert results["embedding"]["wrongly_rejected"] <= 0.03


def test_the_model_beats_the_keyword_baseline(results: dict[str, Any]) -> None:
    for split in ("ordinary", "hard"):
        model = results["embedding"]["figures"][split].accuracy
        assert model > results["keywords"]["figures"][split].accuracy


def test_latency_is_measured() -> None:
    """The 20 ms p95 budget is checked by `python -m bench.assistant_eval` (docs/assistant.md).
    CI shares its cores with other work, so here the median, which load moves least, only
    guards against a gross regression (it is about 6 ms)."""
    items = evaluation_sets()["ordinary"]
    assert statistics.median(latencies_ms(shared_reader(), items, rounds=1)) < 50
