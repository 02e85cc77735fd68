"""A running ``tellonce serve`` as the browser tests see it, and the recipients' side of it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tellonce.bootstrap import Hub
from tellonce.entrypoints.demo.receivers import ReceiverServer


@dataclass
class Server:
    """A running ``tellonce serve`` and the recipients' side of it."""

    url: str
    hub: Hub  # the same database, for setting up recipients
    receiver: ReceiverServer
    keys: dict[str, str] = field(default_factory=dict)  # recipient id -> API key
    pull: set[str] = field(default_factory=set)  # pull-only recipients
    recipient_of: dict[str, str] = field(default_factory=dict)  # agreement id -> recipient id

    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    registrar_key: str = ""  # a register office's key (tests/browser/conftest.py)
    log: Path | None = None  # what serve (and, on PostgreSQL, its worker) printed

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server's log, shown with a failed test's report."""
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def record_registration(self, body: dict[str, Any]) -> str:
        """What a register office does before an informant reports a death or a birth."""
        response = self.client.post(
            f"{self.url}/api/v1/registrar/registrations",
            json=body,
            headers={"Authorization": f"Bearer {self.registrar_key}"},
        )
        response.raise_for_status()
        reference: str = response.json()["reference"]
        return reference

    def as_recipient(self, recipient: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[recipient]}"}

    def pulled(self, recipient: str) -> list[dict[str, Any]]:
        response = self.client.get(
            f"{self.url}/api/v1/feed",
            params={"limit": 500},
            headers=self.as_recipient(recipient),
        )
        response.raise_for_status()
        events: list[dict[str, Any]] = response.json()["events"]
        return events

    def events_for(self, reference: str, pull: set[str]) -> dict[str, dict[str, Any]]:
        """Every CloudEvent about a report, pushed or pulled, by agreement id."""
        found: dict[str, dict[str, Any]] = {}
        for received in self.receiver.state.delivered():
            data = received.event["data"]
            if data["report_reference"] == reference:
                found[data["agreement"]["id"]] = received.event
        for recipient in pull:
            for event in self.pulled(recipient):
                if event["data"]["report_reference"] == reference:
                    found[event["data"]["agreement"]["id"]] = event
        return found

    def wait_for(self, reference: str, agreements: set[str], seconds: float = 20) -> dict[str, Any]:
        """What recipients got, once every expected agreement's event is in (or time is up)."""
        deadline = time.monotonic() + seconds
        pull = {self.recipient_of[a] for a in agreements} & self.pull
        while set(self.events_for(reference, pull)) < agreements and time.monotonic() < deadline:
            time.sleep(0.1)
        # Then every pull recipient is asked, not only the expected ones: nobody else may have it.
        return self.events_for(reference, self.pull)
