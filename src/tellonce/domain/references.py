"""Human-friendly report references such as ``TLO-7KQ4-M3XH``.

Read aloud over the phone and typed from a letter, so the alphabet leaves out characters that
are easily confused (0/O, 1/I/L, 5/S, 2/Z, U/V) — 25 symbols, 8 of them: about 1.5 x 10^11
references, plenty for random generation with a uniqueness check.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "346789ABCDEFGHJKMNPQRTWXY"  # 25: no 0 1 2 5 I L O S U V Z
_PATTERN = re.compile(rf"^TLO-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def new_reference() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"TLO-{chars[:4]}-{chars[4:]}"


def normalise_reference(text: str) -> str | None:
    """Accept any case and spacing; None if it cannot be a reference."""
    compact = re.sub(r"[\s-]", "", text.upper())
    if compact.startswith("TLO"):
        compact = compact[3:]
    candidate = f"TLO-{compact[:4]}-{compact[4:]}"
    return candidate if _PATTERN.match(candidate) else None
