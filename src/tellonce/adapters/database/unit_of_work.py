"""The SQLAlchemy unit of work: one connection, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa

from tellonce.adapters.database.repositories.catalogue import SqlCatalogueRepository
from tellonce.adapters.database.repositories.citizen_messages import SqlCitizenMessageRepository
from tellonce.adapters.database.repositories.consents import SqlConsentRepository
from tellonce.adapters.database.repositories.delivery import (
    SqlDeliveryRepository,
    SqlDisclosureRepository,
    SqlEndpointRepository,
)
from tellonce.adapters.database.repositories.idempotency import SqlIdempotencyRepository
from tellonce.adapters.database.repositories.identity import (
    SqlAccountRepository,
    SqlPeopleRepository,
    SqlRecipientKeyRepository,
)
from tellonce.adapters.database.repositories.portal_drafts import SqlPortalDraftRepository
from tellonce.adapters.database.repositories.reports import SqlReportRepository
from tellonce.adapters.database.repositories.transparency import SqlTransparencyLogRepository
from tellonce.adapters.database.repositories.your_data import SqlYourDataRepository
from tellonce.service_layer.log_ports import TransparencyLogRepository
from tellonce.service_layer.ports import (
    AccountRepository,
    CatalogueRepository,
    CitizenMessageRepository,
    ConsentRepository,
    DeliveryRepository,
    DisclosureRepository,
    EndpointRepository,
    IdempotencyRepository,
    PeopleRepository,
    PortalDraftRepository,
    RecipientKeyRepository,
    ReportRepository,
)
from tellonce.service_layer.your_data import YourDataRepository


class SqlUnitOfWork:
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

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        connection.begin()
        self._connection = connection
        self.catalogue = SqlCatalogueRepository(connection)
        self.people = SqlPeopleRepository(connection)
        self.accounts = SqlAccountRepository(connection)
        self.recipient_keys = SqlRecipientKeyRepository(connection)
        self.reports = SqlReportRepository(connection)
        self.idempotency = SqlIdempotencyRepository(connection)
        self.deliveries = SqlDeliveryRepository(connection)
        self.disclosures = SqlDisclosureRepository(connection)
        self.endpoints = SqlEndpointRepository(connection)
        self.log = SqlTransparencyLogRepository(connection)
        self.portal_drafts = SqlPortalDraftRepository(connection)
        self.your_data = SqlYourDataRepository(connection)
        self.consents = SqlConsentRepository(connection)
        self.messages = SqlCitizenMessageRepository(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        try:
            self._connection.rollback()  # a no-op after commit()
        finally:
            self._connection.close()
            self._connection = None

    def commit(self) -> None:
        assert self._connection is not None
        self._connection.commit()

    @property
    def connection(self) -> sa.Connection:
        """For adapters that join this transaction (the transparency log, the outbox)."""
        assert self._connection is not None
        return self._connection
