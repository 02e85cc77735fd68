"""The events recipients receive: CloudEvents 1.0 in structured JSON mode.

The same event is pushed as a webhook and served from the pull feed, so a recipient that uses
both sees one ``id`` and can drop the duplicate.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tellonce.domain.disclosure_schema import disclosure_schema_url

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "uk.tellonce.disclosure."
OVERDUE_TYPE = "uk.tellonce.disclosure.overdue"
CONSENT_WITHDRAWN_TYPE = "uk.tellonce.disclosure.consent-withdrawn"
ERASURE_REQUESTED_TYPE = "uk.tellonce.disclosure.erasure-requested"
CORRECTION_TYPE = "uk.tellonce.disclosure.correction"


@dataclass(frozen=True, slots=True)
class DisclosureFacts:
    """Everything a disclosure event says, apart from the personal data itself."""

    disclosure_id: str
    event_type: str
    report_reference: str
    agreement_id: str
    agreement_version: int
    purpose: str
    purpose_dpv: str
    legal_basis: str
    legal_gateway: str | None
    person_ref: str  # a per-recipient pseudonym: links one person's events, nothing more
    sequence: int
    created_at: datetime


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def disclosure_event(
    facts: DisclosureFacts, data: Mapping[str, Any], *, hub_url: str
) -> dict[str, Any]:
    """The CloudEvent for one disclosure: ``data`` holds only the agreed fields."""
    api = f"{hub_url}/api/v1"
    return {
        "specversion": SPEC_VERSION,
        "id": facts.disclosure_id,
        "source": hub_url,
        "type": TYPE_PREFIX + facts.event_type,
        "subject": facts.disclosure_id,
        "time": _time(facts.created_at),
        "datacontenttype": "application/json",
        "dataschema": disclosure_schema_url(facts.event_type, base_url=api),
        # CloudEvents' sequence extension compares strings, so the number is zero-padded.
        "sequence": f"{facts.sequence:020d}",
        "data": {
            "report_reference": facts.report_reference,
            "agreement": {"id": facts.agreement_id, "version": facts.agreement_version},
            "purpose": {"description": facts.purpose, "dpv": facts.purpose_dpv},
            "legal_basis": {"description": facts.legal_basis, "gateway": facts.legal_gateway},
            "person_ref": facts.person_ref,
            "sequence": facts.sequence,
            "payload": dict(data),
            "links": _links(api, facts.disclosure_id),
        },
    }


def overdue_event(
    message_id: str,
    disclosure_id: str,
    acknowledge_by: datetime,
    chase: int,
    *,
    hub_url: str,
    now: datetime,
) -> dict[str, Any]:
    """A reminder that carries no personal data (a re-send would be dropped as a duplicate)."""
    api = f"{hub_url}/api/v1"
    return {
        "specversion": SPEC_VERSION,
        "id": message_id,
        "source": hub_url,
        "type": OVERDUE_TYPE,
        "subject": disclosure_id,
        "time": _time(now),
        "datacontenttype": "application/json",
        "data": {
            "disclosure_id": disclosure_id,
            "acknowledge_by": _time(acknowledge_by),
            "reminder": chase,
            "links": _links(api, disclosure_id),
        },
    }


def consent_withdrawn_message_id(disclosure_id: uuid.UUID) -> str:
    """One notice per disclosure, with the same id pushed and in the feed, so a recipient
    using both drops the second as a duplicate."""
    return str(uuid.uuid5(disclosure_id, "consent-withdrawn"))


def consent_withdrawn_event(
    disclosure_id: uuid.UUID,
    agreement_id: str,
    agreement_version: int,
    withdrawn_at: datetime,
    *,
    hub_url: str,
    now: datetime,
) -> dict[str, Any]:
    """The person withdrew the consent a delivered disclosure was made under: stop using the
    data for that purpose (UK GDPR Art. 7(3)). Carries no personal data."""
    api = f"{hub_url}/api/v1"
    return {
        "specversion": SPEC_VERSION,
        "id": consent_withdrawn_message_id(disclosure_id),
        "source": hub_url,
        "type": CONSENT_WITHDRAWN_TYPE,
        "subject": str(disclosure_id),
        "time": _time(now),
        "datacontenttype": "application/json",
        "data": {
            "disclosure_id": str(disclosure_id),
            "agreement": {"id": agreement_id, "version": agreement_version},
            "withdrawn_at": _time(withdrawn_at),
            "links": _links(api, str(disclosure_id)),
        },
    }


def correction_event(
    disclosure: Mapping[str, Any], correction_id: str, corrected_fields: list[str], *, now: datetime
) -> dict[str, Any]:
    """A correction of a disclosure the recipient already has (UK GDPR Art. 16, 19): the same
    agreed fields as the disclosure, with the corrected values, and which of them changed.
    Its own ``id`` (the correction's); ``subject`` names the disclosure it corrects."""
    event = dict(disclosure)
    data = dict(event["data"])
    data["corrects"] = event["id"]
    data["corrected_fields"] = sorted(corrected_fields)
    data["links"] = {
        **data["links"],
        "acknowledge": data["links"]["acknowledge"].replace(
            f"/disclosures/{event['id']}/", f"/corrections/{correction_id}/"
        ),
        "outcome": data["links"]["outcome"].replace(
            f"/disclosures/{event['id']}/", f"/corrections/{correction_id}/"
        ),
    }
    event.update(id=correction_id, type=CORRECTION_TYPE, time=_time(now), data=data)
    event.pop("sequence", None)
    return event


def erasure_requested_message_id(disclosure_id: uuid.UUID) -> str:
    return str(uuid.uuid5(disclosure_id, "erasure-requested"))


def erasure_requested_event(
    disclosure_id: uuid.UUID,
    agreement_id: str,
    agreement_version: int,
    *,
    hub_url: str,
    now: datetime,
) -> dict[str, Any]:
    """The person had the hub erase their data (UK GDPR Art. 17); the hub tells each recipient
    that received it under consent (Art. 19), so that it can erase its copy. The person's
    consent is withdrawn in the same step, so a ``consent-withdrawn`` event comes too. Carries
    no personal data: the disclosure id is how the recipient finds its copy."""
    api = f"{hub_url}/api/v1"
    return {
        "specversion": SPEC_VERSION,
        "id": erasure_requested_message_id(disclosure_id),
        "source": hub_url,
        "type": ERASURE_REQUESTED_TYPE,
        "subject": str(disclosure_id),
        "time": _time(now),
        "datacontenttype": "application/json",
        "data": {
            "disclosure_id": str(disclosure_id),
            "agreement": {"id": agreement_id, "version": agreement_version},
            "legal_basis": "UK GDPR Article 17(1)(b) and Article 19",
            "links": _links(api, str(disclosure_id)),
        },
    }


def _links(api: str, disclosure_id: str) -> dict[str, str]:
    return {
        "acknowledge": f"{api}/disclosures/{disclosure_id}/acknowledgement",
        "outcome": f"{api}/disclosures/{disclosure_id}/outcome",
        "feed": f"{api}/feed",
    }
