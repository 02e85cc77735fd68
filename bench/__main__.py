"""`make bench`: run every benchmark (quick settings); each prints one JSON object per
measurement. Run a module alone (``python -m bench.intake_http --help``) for the full runs."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS: tuple[tuple[str, ...], ...] = (
    ("bench.intake_http", "--connections", "8,64", "--duration", "5"),
    ("bench.row_floor", "--connections", "8", "--duration", "5"),
    ("bench.delivery",),
    ("bench.feed", "--reports", "2000"),
    ("bench.growth", "--sizes", "10000,100000", "--duration", "5"),
    ("bench.bulk_memory", "--requests", "4"),
    ("bench.webhook_sender_probe",),
    ("bench.transparency",),
    ("bench.assistant_eval",),
)


def main() -> int:
    failed = 0
    for module, *arguments in BENCHMARKS:
        print(f"# {module} {' '.join(arguments)}", file=sys.stderr, flush=True)
        failed += subprocess.call([sys.executable, "-m", module, *arguments])  # noqa: S603
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
