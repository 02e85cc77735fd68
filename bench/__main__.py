"""`make bench`: run every benchmark; each prints one JSON object per measurement."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = ("bench.delivery", "bench.webhook_sender_probe", "bench.transparency")


def main() -> int:
    failed = 0
    for module in BENCHMARKS:
        print(f"# {module}", file=sys.stderr, flush=True)
        failed += subprocess.call([sys.executable, "-m", module])  # noqa: S603 - our own modules
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
