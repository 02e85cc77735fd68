"""The webchat assistant's evaluation: accuracy, rejection and latency, beside a keyword baseline.

    .venv/bin/python -m bench.assistant_eval            # the figures in docs/assistant.md
    .venv/bin/python -m bench.assistant_eval --fresh    # also the held-out set run once

Deterministic (one thread, a fixed day), so tests/unit/assistant/test_evaluation.py asserts
the thresholds in CI.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tellonce.service_layer.assistant import OUT_OF_SCOPE, Reply, ReplyKind, decide
from tellonce.service_layer.ports.assistant import MessageReader

HERE = Path(__file__).parent
EVALUATION = HERE / "assistant_eval.yaml"
FRESH = HERE / "assistant_fresh.yaml"
TODAY = date(2026, 12, 4)  # a Friday; no label depends on it


@dataclass(frozen=True, slots=True)
class Item:
    text: str
    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class Figures:
    right: int
    strict: int  # right without asking (the clarifying question not counted)
    total: int
    asked: int
    mistakes: tuple[tuple[str, str, str], ...]  # (text, wanted, got)

    @property
    def accuracy(self) -> float:
        return self.right / self.total

    @property
    def top1(self) -> float:
        return self.strict / self.total


def load(path: Path, split: str) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Item(e["text"], frozenset(e.get("intents") or [e["intent"]])) for e in data[split]]


def evaluation_sets() -> dict[str, list[Item]]:
    return {"ordinary": load(EVALUATION, "ordinary"), "hard": load(EVALUATION, "hard")}


def offered(reply: Reply) -> frozenset[str]:
    if reply.kind in (ReplyKind.START, ReplyKind.SEVERAL, ReplyKind.CLARIFY):
        return frozenset(reply.intents)
    return frozenset({reply.kind.value})


def is_right(item: Item, reply: Reply) -> bool:
    """One intent: answered with it, or asked about with it among the buttons. Several life
    events: all of them offered together."""
    got = offered(reply)
    if len(item.labels) > 1:
        return reply.kind is ReplyKind.SEVERAL and item.labels <= got
    return bool(item.labels & got) if reply.kind is ReplyKind.CLARIFY else item.labels == got


def score(reader: MessageReader, items: Sequence[Item]) -> Figures:
    right = strict = asked = 0
    mistakes = []
    for item in items:
        reply = decide(reader.read(item.text, today=TODAY))
        asked += reply.kind is ReplyKind.CLARIFY
        if is_right(item, reply):
            right += 1
            strict += reply.kind is not ReplyKind.CLARIFY
        else:
            wanted, got = ",".join(sorted(item.labels)), ",".join(sorted(offered(reply)))
            mistakes.append((item.text, wanted, f"{reply.kind.value}:{got}"))
    return Figures(right, strict, len(items), asked, tuple(mistakes))


def rejection(reader: MessageReader, items: Iterable[Item]) -> tuple[float, float]:
    """(share of out-of-scope messages rejected, share of in-scope messages wrongly rejected)."""
    rejected = {True: 0, False: 0}
    counts = {True: 0, False: 0}
    for item in items:
        outside = item.labels == {OUT_OF_SCOPE}
        reply = decide(reader.read(item.text, today=TODAY))
        counts[outside] += 1
        rejected[outside] += reply.kind is ReplyKind.OUT_OF_SCOPE
    return rejected[True] / counts[True], rejected[False] / counts[False]


def latencies_ms(reader: MessageReader, items: Sequence[Item], rounds: int = 3) -> list[float]:
    reader.read("warm up", today=TODAY)
    found = []
    for _ in range(rounds):
        for item in items:
            started = time.perf_counter()
            decide(reader.read(item.text, today=TODAY))
            found.append((time.perf_counter() - started) * 1000)
    return found


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def report(readers: Mapping[str, MessageReader], sets: Mapping[str, list[Item]]) -> dict[str, Any]:
    everything = [item for items in sets.values() for item in items]
    results: dict[str, Any] = {}
    for name, reader in readers.items():
        figures = {split: score(reader, items) for split, items in sets.items()}
        rejected, wrongly = rejection(reader, everything)
        results[name] = {"figures": figures, "rejected": rejected, "wrongly_rejected": wrongly}
    return results


def main(argv: Sequence[str] | None = None) -> None:
    from tellonce.adapters.assistant.baseline import KeywordReader  # noqa: PLC0415
    from tellonce.adapters.assistant.reader import EmbeddingReader  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fresh", action="store_true", help="also score the held-out set")
    parser.add_argument("--mistakes", action="store_true", help="list every wrong answer")
    args = parser.parse_args(argv)
    sets = evaluation_sets()
    if args.fresh:
        sets["fresh"] = load(FRESH, "messages")
    model = EmbeddingReader()
    readers: dict[str, MessageReader] = {"embedding": model, "keywords": KeywordReader()}
    results = report(readers, sets)
    for name, result in results.items():
        print(f"{name}:")
        for split, f in result["figures"].items():
            print(
                f"  {split:8} {f.right}/{f.total} right = {f.accuracy:.3f}"
                f" (top-1 without asking {f.top1:.3f}; asked {f.asked})"
            )
            for mistake in f.mistakes if args.mistakes else ():
                print("      ", " | ".join(mistake))
        print(
            f"  out of scope rejected {result['rejected']:.3f};"
            f" in scope wrongly rejected {result['wrongly_rejected']:.3f}"
        )
    times = latencies_ms(model, [i for items in sets.values() for i in items])
    print(
        f"latency per message (one thread, {len(times)} messages): median"
        f" {statistics.median(times):.1f} ms, p95 {p95(times):.1f} ms, max {max(times):.1f} ms"
    )
    summary = {
        "benchmark": "assistant",
        **{
            f"{name}_{split}": round(f.accuracy, 3)
            for name, result in results.items()
            for split, f in result["figures"].items()
        },
        **{f"{name}_rejected": round(r["rejected"], 3) for name, r in results.items()},
        **{
            f"{name}_wrongly_rejected": round(r["wrongly_rejected"], 3)
            for name, r in results.items()
        },
        "latency_p95_ms": round(p95(times), 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
