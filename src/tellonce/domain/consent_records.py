"""Consent records in the shape of ISO/IEC TS 27560:2023 (consent record information
structure), with W3C DPV codes, as the citizen downloads them from "Your data".

The fields follow the Technical Specification's record and its DPV serialisation: a record
identifier and schema version; the data subject; the controller that keeps the record and the
recipient the consent is for; the processing (purposes and legal basis as DPV concepts, and the
personal data categories — each agreed field and its DPV personal-data category); the notice
shown (the agreement version and the preview version and digest the citizen saw); the events
(given at, and withdrawn at); the method; and the state. The JSON Schema kept beside this
module (``schemas/iso-27560-consent-record.schema.json``) checks every record we export.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

SCHEMA_VERSION = "tellonce-27560/1"
SCHEMA_FILE = "iso-27560-consent-record.schema.json"
HUB_CONTROLLER = "The tellonce hub operator"

# The W3C DPV personal-data category (the pd: extension) of each kind of agreed field, by the
# field's last part; anything else is the general pd:PersonalData.
PD_CATEGORIES = {
    "name": "pd:Name",
    "previous_name": "pd:Name",
    "new_name": "pd:Name",
    "date_of_birth": "pd:BirthDate",
    "national_insurance_number": "pd:NationalIdentificationNumber",
    "nhs_number": "pd:HealthRecord",
    "postcode": "pd:PostalAddress",
    "previous_address": "pd:PostalAddress",
    "new_address": "pd:PostalAddress",
    "address": "pd:PostalAddress",
    "email": "pd:EmailAddress",
    "phone": "pd:TelephoneNumber",
    "contact": "pd:Contact",
}


def pd_category(path: str) -> str:
    return PD_CATEGORIES.get(path.rsplit(".", 1)[-1], "pd:PersonalData")


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def consent_record(
    *,
    record_id: str,
    subject_id: str,
    recipient_name: str,
    recipient_controller: str,
    agreement_id: str,
    agreement_version: int,
    agreement_title: str,
    purpose: str,
    purpose_code: str,
    legal_basis_code: str,
    fields: Iterable[str],
    decision: str,
    method: str,
    preview_version: int,
    preview_digest: str,
    given_at: datetime,
    withdrawn_at: datetime | None,
) -> dict[str, Any]:
    """One consent choice as an ISO/IEC TS 27560-shaped record."""
    if decision == "granted":
        state = "withdrawn" if withdrawn_at is not None else "given"
    else:
        state = "refused"
    events = [{"type": "dpv:ConsentGiven" if decision == "granted" else "dpv:ConsentRefused",
               "time": _time(given_at)}]  # fmt: skip
    if withdrawn_at is not None:
        events.append({"type": "dpv:ConsentWithdrawn", "time": _time(withdrawn_at)})
    return {
        "schema_version": SCHEMA_VERSION,
        "record_id": record_id,
        "subject": {"id": subject_id, "id_type": "tellonce-account"},
        "controller": {"name": HUB_CONTROLLER, "role": "dpv:DataController"},
        "recipient": {"name": recipient_name, "controller": recipient_controller},
        "processing": {
            "agreement": {
                "id": agreement_id,
                "version": agreement_version,
                "title": agreement_title,
            },
            "purposes": [{"description": purpose, "dpv": purpose_code}],
            "legal_basis": {"dpv": legal_basis_code, "article": "UK GDPR Article 6(1)(a)"},
            "personal_data": [{"field": f, "dpv": pd_category(f)} for f in sorted(set(fields))],
        },
        "notice": {
            "agreement_version": agreement_version,
            "preview_version": preview_version,
            "preview_digest": preview_digest,
        },
        "method": {"channel": method, "dpv": "dpv:ExpressedConsent"},
        "state": state,
        "given_at": _time(given_at) if decision == "granted" else None,
        "withdrawn_at": _time(withdrawn_at),
        "events": events,
    }
