"""A loopback server that speaks GOV.UK Notify's API, and the settings that point at it."""

from __future__ import annotations

import json
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any

from tellonce.service_layer.notifications import (
    TEMPLATES,
)

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"


SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"


TEMPLATE_IDS = {name: str(uuid.uuid4()) for name in TEMPLATES}


class FakeNotify(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], dict[str, Any]]] = []  # noqa: RUF012 - test double

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeNotify.received.append((dict(self.headers), {"path": self.path, **body}))
        answer = json.dumps({"id": str(uuid.uuid4())}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: object) -> None:
        pass
