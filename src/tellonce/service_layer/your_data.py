"""What the hub has done with a citizen's data: every disclosure and every consent choice.

This is the citizen's own view (UK GDPR Art. 15 in spirit): who received which of their details,
when, why and under what law, what each recipient did with it, and the consents they gave or
refused. The rights issue builds requests (access, rectification, erasure...) on top of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tellonce.domain.catalogue import Catalogue
from tellonce.service_layer.ports import UnitOfWork
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.your_data import ConsentChoice, PastDisclosure


@dataclass(frozen=True, slots=True)
class YourData:
    disclosures: tuple[PastDisclosure, ...]
    consents: tuple[ConsentChoice, ...]


def data_for_account(account: Account, uow: UnitOfWork) -> YourData:
    """Every disclosure from the citizen's reports and every consent choice, newest first."""
    with uow:
        disclosures = uow.your_data.disclosures_for_account(account.id)
        consents = uow.your_data.consents_for_account(account.id)
    return YourData(
        disclosures=tuple(sorted(disclosures, key=lambda d: d.created_at, reverse=True)),
        consents=tuple(sorted(consents, key=lambda c: c.recorded_at, reverse=True)),
    )


def agreements_in_force(uow: UnitOfWork) -> Catalogue:
    """Every recipient and current agreement: what the privacy notice tells the public."""
    with uow:
        return uow.catalogue.current()
