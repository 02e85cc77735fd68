"""The citizen's consent records, ISO/IEC TS 27560-shaped (``domain.consent_records``)."""

from __future__ import annotations

import uuid
from typing import Any

from tellonce.domain.consent_records import consent_record
from tellonce.domain.errors import NotFound
from tellonce.service_layer.ports import UnitOfWork
from tellonce.service_layer.ports.identity import Account


def consent_records_for_account(account: Account, *, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every consent choice of the citizen's, as a record, newest first."""
    with uow:
        choices = uow.your_data.consents_for_account(account.id)
        evidence = {e.consent_id: e for e in uow.rights.consent_evidence(account.id)}
        records = []
        for choice in choices:
            found = evidence[choice.id]
            agreement = uow.catalogue.agreement(choice.agreement_id, choice.agreement_version)
            records.append(
                consent_record(
                    record_id=str(choice.id),
                    subject_id=str(account.id),
                    recipient_name=choice.recipient_name,
                    recipient_controller=found.recipient_controller,
                    agreement_id=choice.agreement_id,
                    agreement_version=choice.agreement_version,
                    agreement_title=choice.agreement_title,
                    purpose=choice.purpose,
                    purpose_code=choice.purpose_code,
                    legal_basis_code=agreement.lawful_basis.dpv_code,
                    fields=agreement.fields.get(found.event_type, ()),
                    decision=choice.decision,
                    method=choice.method,
                    preview_version=found.preview_version,
                    preview_digest=choice.preview_digest,
                    given_at=choice.recorded_at,
                    withdrawn_at=choice.withdrawn_at,
                )
            )
    return records


def consent_record_for(
    consent_id: uuid.UUID, *, account: Account, uow: UnitOfWork
) -> dict[str, Any]:
    for record in consent_records_for_account(account, uow=uow):
        if record["record_id"] == str(consent_id):
            return record
    raise NotFound("There is no consent with that id")
