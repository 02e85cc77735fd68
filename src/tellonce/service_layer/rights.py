"""Data rights exercised at the hub. Each request, and how it ended, is logged in the
transparency log in the same transaction as the work it records.

Access (UK GDPR Art. 15) and portability (Art. 20): a copy of everything the hub holds about
the citizen, as JSON — the reports they made with every detail they gave, every disclosure
and every consent choice. The hub answers it at once, so it is logged received and fulfilled.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tellonce.domain.transparency.entries import RightsRequestType
from tellonce.service_layer.ports import (
    Account,
    Clock,
    PersonKey,
    SealedDataError,
    UnitOfWork,
    Vault,
)
from tellonce.service_layer.transparency import record_rights_request
from tellonce.service_layer.your_data import SealedReport


@dataclass(frozen=True, slots=True)
class YourDataExport:
    document: dict[str, Any]
    exported_at: datetime

    @property
    def filename(self) -> str:
        return f"tellonce-your-data-{self.exported_at:%Y-%m-%d}.json"

    def as_json(self) -> bytes:
        return json.dumps(self.document, indent=2, ensure_ascii=False, default=_plain).encode()


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot export {type(value).__name__}")


def export_your_data(
    account: Account, *, uow: UnitOfWork, vault: Vault, clock: Clock
) -> YourDataExport:
    """Answer an access request: a copy of the citizen's data, logged as received and
    fulfilled."""
    now = clock.now()
    with uow:
        keys: dict[uuid.UUID, PersonKey] = {}
        reports = []
        for report in uow.your_data.sealed_reports(account.id):
            if report.subject_person_id not in keys:
                keys[report.subject_person_id] = uow.people.key_for(report.subject_person_id)
            reports.append(_report(report, vault, keys[report.subject_person_id]))
        disclosures = uow.your_data.disclosures_for_account(account.id)
        consents = uow.your_data.consents_for_account(account.id)
        for outcome in (None, "fulfilled"):
            record_rights_request(
                uow,
                vault,
                person_id=account.person_id,
                request=RightsRequestType.ACCESS,
                now=now,
                outcome=outcome,
            )
        uow.commit()
    document = {
        "exported_at": now,
        "reports": reports,
        "disclosures": [asdict(d) for d in disclosures],
        "consents": [asdict(c) for c in consents],
    }
    return YourDataExport(document, now)


def _report(report: SealedReport, vault: Vault, key: PersonKey) -> dict[str, Any]:
    try:
        opened = json.loads(vault.open(key, report.sealed_payload, report.id.bytes))
    except SealedDataError:  # the subject's key was destroyed: the details no longer exist
        opened = {"payload": None, "answers": None}
    return {
        "reference": report.reference,
        "event_type": report.event_type,
        "schema_version": report.schema_version,
        "submitted_at": report.submitted_at,
        "details": opened["payload"],
        "answers": opened["answers"],
    }
