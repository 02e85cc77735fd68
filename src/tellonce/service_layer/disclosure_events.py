"""Build the CloudEvent a recipient receives for a disclosure — the same for push and feed.

Opening the sealed payload happens here and nowhere else on the delivery path, and only the
agreed fields are copied out of it.
"""

from __future__ import annotations

import json
from typing import Any

from tellonce.domain.catalogue import Agreement
from tellonce.domain.cloudevents import DisclosureFacts, disclosure_event
from tellonce.domain.events import select_fields
from tellonce.service_layer.ports import UnitOfWork, Vault
from tellonce.service_layer.ports.disclosures import DisclosureRecord


class EventBuilder:
    """Caches agreements by version: an agreement version never changes once published."""

    def __init__(self, vault: Vault, hub_url: str) -> None:
        self._vault = vault
        self._hub_url = hub_url
        self._agreements: dict[tuple[str, int], Agreement] = {}

    def agreement(self, uow: UnitOfWork, record: DisclosureRecord) -> Agreement:
        """The agreement version a disclosure was made under (read once, then cached)."""
        key = (record.agreement_id, record.agreement_version)
        if key not in self._agreements:
            self._agreements[key] = uow.catalogue.agreement(*key)
        return self._agreements[key]

    def load_terms(self, uow: UnitOfWork, records: list[DisclosureRecord]) -> None:
        """Fetch any agreement versions not seen yet (inside a unit of work)."""
        for record in records:
            self.agreement(uow, record)

    def person_ref(self, record: DisclosureRecord) -> str:
        """A per-recipient pseudonym for the subject: two recipients cannot link their refs."""
        digest = self._vault.blind_index("person-ref", f"{record.recipient_id}\n{record.person_id}")
        return digest[:16].hex()

    def event(self, record: DisclosureRecord) -> dict[str, Any]:
        agreement = self._agreements[(record.agreement_id, record.agreement_version)]
        sealed = self._vault.open(record.person_key, record.sealed_payload, record.report_id.bytes)
        payload = json.loads(sealed)["payload"]
        facts = DisclosureFacts(
            disclosure_id=str(record.id),
            event_type=record.event_type,
            report_reference=record.report_reference,
            agreement_id=record.agreement_id,
            agreement_version=record.agreement_version,
            purpose=agreement.purpose.description,
            purpose_dpv=agreement.purpose.dpv_code,
            legal_basis=agreement.lawful_basis.describe(),
            legal_gateway=agreement.gateway.citation if agreement.gateway else None,
            person_ref=self.person_ref(record),
            sequence=record.sequence,
            created_at=record.created_at,
        )
        return disclosure_event(facts, select_fields(payload, record.fields), hub_url=self._hub_url)


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
