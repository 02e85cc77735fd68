"""One transaction across every repository; rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from tellonce.service_layer.ports.catalogue import CatalogueRepository
from tellonce.service_layer.ports.consents import ConsentRepository
from tellonce.service_layer.ports.deliveries import DeliveryRepository
from tellonce.service_layer.ports.disclosures import DisclosureRepository
from tellonce.service_layer.ports.drafts import PortalDraftRepository
from tellonce.service_layer.ports.endpoints import EndpointRepository
from tellonce.service_layer.ports.idempotency import IdempotencyRepository
from tellonce.service_layer.ports.identity import (
    AccountRepository,
    PeopleRepository,
    RecipientKeyRepository,
)
from tellonce.service_layer.ports.messages import (
    CitizenMessageRepository,
    RecipientMessageRepository,
)
from tellonce.service_layer.ports.registrations import RegistrationRepository
from tellonce.service_layer.ports.reports import ReportRepository
from tellonce.service_layer.ports.rights import RightsRepository
from tellonce.service_layer.ports.transparency import TransparencyLogRepository
from tellonce.service_layer.ports.your_data import YourDataRepository


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls everything back."""

    catalogue: CatalogueRepository
    people: PeopleRepository
    accounts: AccountRepository
    recipient_keys: RecipientKeyRepository
    reports: ReportRepository
    idempotency: IdempotencyRepository
    deliveries: DeliveryRepository
    disclosures: DisclosureRepository
    endpoints: EndpointRepository
    log: TransparencyLogRepository
    portal_drafts: PortalDraftRepository
    your_data: YourDataRepository
    consents: ConsentRepository
    messages: CitizenMessageRepository
    recipient_messages: RecipientMessageRepository
    rights: RightsRepository
    registrations: RegistrationRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
