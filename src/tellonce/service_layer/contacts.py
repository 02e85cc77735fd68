"""Where the hub holds a citizen's email address: in the reports they made.

The hub keeps no address book. A citizen who wants to be contacted gives an email address in
their report (``contact.email``; for a death, the informant's ``informant.contact.email``),
sealed with the rest of the report under the subject's data key. A message about a report goes
to the address given in that report; failing that, to the newest address the citizen gave in
another report. An erased subject's key is gone, and so is the address.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from tellonce.service_layer.ports import UnitOfWork, Vault
from tellonce.service_layer.ports.vault import PersonKey, SealedDataError


def contact_email(payload: Mapping[str, Any]) -> str | None:
    """The reporter's email address in a life-event payload, if they gave one."""
    for holder in (payload, payload.get("informant")):
        if isinstance(holder, Mapping):
            contact = holder.get("contact")
            if isinstance(contact, Mapping) and isinstance(contact.get("email"), str):
                return str(contact["email"])
    return None


def email_for_message(
    account_id: uuid.UUID, reference: str | None, *, uow: UnitOfWork, vault: Vault
) -> str | None:
    """The address a message to this account about report ``reference`` should go to."""
    with uow:
        reports = list(uow.your_data.sealed_reports(account_id))  # newest first
        # The report the message is about comes first; then the others, newest first.
        reports.sort(key=lambda report: report.reference != reference)
        keys: dict[uuid.UUID, PersonKey] = {}
        for report in reports:
            if report.subject_person_id not in keys:
                keys[report.subject_person_id] = uow.people.key_for(report.subject_person_id)
            try:
                opened = json.loads(
                    vault.open(
                        keys[report.subject_person_id], report.sealed_payload, report.id.bytes
                    )
                )
            except SealedDataError:  # erased: the address no longer exists
                continue
            email = contact_email(opened.get("payload") or {})
            if email:
                return email
    return None
