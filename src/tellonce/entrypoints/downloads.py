"""A JSON file for the caller to keep (a copy of their data, a receipt): one response for the
API and the portal alike.

It holds personal data, so no cache keeps it (``no-store``, which also covers shared caches),
no browser second-guesses its type (``nosniff``), and its name is plain ASCII that no header or
file system can misread.
"""

from __future__ import annotations

import re

from fastapi.responses import Response

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
FALLBACK = "tellonce.json"


def safe_filename(name: str) -> str:
    """Letters, digits, dots, hyphens and underscores only; never hidden, never empty."""
    safe = _UNSAFE.sub("-", name).strip(".-")
    return safe or FALLBACK


def json_attachment(body: bytes | str, filename: str) -> Response:
    """``body`` (JSON) as a download named ``filename``."""
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_filename(filename)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
