"""A hub served on another port without TELLONCE_PUBLIC_URL names itself by that port in every
link it hands out, and says at start-up when the public URL it was given looks wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from tellonce.bootstrap import Hub
from tests.support.processes import environment, free_port, wait_until_up


def serve(hub: Hub, tmp_path: Path, port: int, **settings: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in environment(hub, tmp_path).items() if k != "TELLONCE_PUBLIC_URL"}
    return subprocess.Popen(  # noqa: S603 - our own command, no shell
        [sys.executable, "-m", "tellonce", "serve", "--port", str(port)],
        env={**env, **settings},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_a_hub_on_another_port_links_to_itself_there(hub: Hub, tmp_path: Path) -> None:
    port = free_port()
    server = serve(hub, tmp_path, port)
    try:
        wait_until_up(server, f"http://127.0.0.1:{port}")
        listed = httpx.get(f"http://127.0.0.1:{port}/api/v1/schemas").json()["event_types"]
        schema = listed[0]["schema"]
        assert schema.startswith(f"http://127.0.0.1:{port}/api/v1/schemas/")
        assert httpx.get(schema).status_code == 200  # the link works
    finally:
        server.terminate()
        logged = server.communicate(timeout=30)[0].decode()
    assert "WARNING" not in logged, logged


def test_a_public_url_naming_another_port_is_warned_about(hub: Hub, tmp_path: Path) -> None:
    port = free_port()
    server = serve(hub, tmp_path, port, TELLONCE_PUBLIC_URL="http://127.0.0.1:8000")
    try:
        wait_until_up(server, f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        logged = server.communicate(timeout=30)[0].decode()
    [warning] = [line for line in logged.splitlines() if "WARNING" in line]
    assert f"names port 8000 on this machine, but the hub is served on port {port}" in warning
