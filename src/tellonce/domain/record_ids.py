"""Ids for the rows the hub writes most: UUID version 7 (RFC 9562, section 5.7).

A version 7 UUID starts with the Unix time in milliseconds, then 74 random bits. Rows written
one after another get ids that sort one after another, so each new row lands on the last page
of its primary-key index, and of every index on a column that holds such an id (a report's
disclosures, consent records and log entries all point to the report's id). A random
(version 4) id lands on a random page instead: on a table of a million reports every insert
dirties a page of its own in each of those indexes, and a report's ~30 rows wrote ~30 scattered
pages (docs/benchmarks.md, "Third pass"; ADR 0097).

The time is the machine's clock, not the hub's injected clock: it orders storage, it decides
nothing. An id made this way tells whoever holds it when the row was written, to the
millisecond. So it is used only for records whose time is already known to everyone who sees
the id (a report and its disclosures, consent records, messages), never for a person's id nor
for a transparency log entry's (the public log gives only the hour, by design).
"""

from __future__ import annotations

import secrets
import time
import uuid

_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62


def new_record_id() -> uuid.UUID:
    """A UUID version 7: 48 bits of Unix milliseconds, the version, 74 random bits."""
    milliseconds = time.time_ns() // 1_000_000
    random_bits = secrets.randbits(74)
    # rand_a (12 bits) follows the version; the variant precedes rand_b (62 bits).
    rand_a, rand_b = random_bits >> 62, random_bits & ((1 << 62) - 1)
    return uuid.UUID(
        int=(milliseconds & ((1 << 48) - 1)) << 80 | _VERSION_7 | rand_a << 64 | _VARIANT | rand_b
    )
