"""Real ``tellonce`` processes: their environment, a free port, waiting until they serve."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tellonce.bootstrap import Hub


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(hub: Hub, tmp_path: Path) -> dict[str, str]:
    # The same data directory: the server finds the development log key the hub made.
    return {
        **os.environ,
        "TELLONCE_MODE": "development",
        "TELLONCE_DATA_DIR": str(tmp_path),
        "TELLONCE_DATABASE_URL": hub.engine.url.render_as_string(hide_password=False),
        "TELLONCE_IN_PROCESS_WORKER": "false",
    }


def wait_until_up(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 - local
                return
        except OSError:
            if server.poll() is not None:
                out, err = server.communicate()
                pytest.fail(f"tellonce serve exited: {(err or out or b'').decode()}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
