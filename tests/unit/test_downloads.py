"""The one JSON download response the API and the portal share."""

from __future__ import annotations

import pytest

from tellonce.entrypoints.downloads import FALLBACK, json_attachment, safe_filename


def test_a_download_is_never_cached_or_sniffed() -> None:
    response = json_attachment(b'{"a": 1}', "tellonce-receipt-TLO-33Q3-3GRW.json")
    assert response.body == b'{"a": 1}'
    assert response.media_type == "application/json"
    assert response.headers["content-disposition"] == (
        'attachment; filename="tellonce-receipt-TLO-33Q3-3GRW.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("tellonce-your-data-2026-11-04.json", "tellonce-your-data-2026-11-04.json"),
        ('a"; filename="evil.html', "a-filename-evil.html"),  # no way out of the quotes
        ("line\r\nSet-Cookie: x=1", "line-Set-Cookie-x-1"),  # no header injection
        ("../../etc/passwd", "etc-passwd"),  # no path, not hidden
        (".hidden.json", "hidden.json"),
        ("Siân.json", "Si-n.json"),  # ASCII only
        ("", FALLBACK),
        ("../", FALLBACK),
    ],
)
def test_the_filename_is_safe_in_a_header_and_on_disk(name: str, safe: str) -> None:
    assert safe_filename(name) == safe
