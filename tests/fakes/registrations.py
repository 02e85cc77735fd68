"""Registration references over a dict, held to the SQL repository's contract."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime

from tellonce.service_layer.ports.registrations import StoredRegistration
from tests.fakes.tables import Tables


class FakeRegistrationRepository:
    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, registration: StoredRegistration, now: datetime) -> None:  # noqa: ARG002
        self._t.registrations[registration.reference_hash] = registration

    def get(self, reference_hash: bytes) -> StoredRegistration | None:
        return self._t.registrations.get(reference_hash)

    def use(self, reference_hash: bytes, report_id: uuid.UUID, now: datetime) -> bool:
        found = self._t.registrations.get(reference_hash)
        if found is None or found.used_at is not None:
            return False
        self._t.registrations[reference_hash] = dataclasses.replace(
            found, used_at=now, report_id=report_id
        )
        return True

    def delete_used_by(self, report_ids: Sequence[uuid.UUID]) -> int:
        gone = [h for h, r in self._t.registrations.items() if r.report_id in set(report_ids)]
        for reference_hash in gone:
            del self._t.registrations[reference_hash]
        return len(gone)

    def delete_spent(self, expired_before: datetime, limit: int) -> int:
        spent = sorted(
            (
                r
                for r in self._t.registrations.values()
                if (r.used_at is None and r.expires_at < expired_before)
                or (r.report_id is not None and r.report_id in self._t.purged)
            ),
            key=lambda r: r.expires_at,
        )[:limit]
        for registration in spent:
            del self._t.registrations[registration.reference_hash]
        return len(spent)
