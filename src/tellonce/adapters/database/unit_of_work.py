"""The SQLAlchemy unit of work: one connection, one transaction, rolled back unless committed.

``read_only=True`` is for units of work that only read (signing a caller in, a status page):
on SQLite they begin a deferred transaction and never wait for the writer lock."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa

from tellonce.adapters.database.engine import READ_ONLY
from tellonce.adapters.database.repositories.catalogue import SqlCatalogueRepository
from tellonce.adapters.database.repositories.citizen_messages import (
    SqlCitizenMessageRepository,
    SqlRecipientMessageRepository,
)
from tellonce.adapters.database.repositories.consents import SqlConsentRepository
from tellonce.adapters.database.repositories.console import (
    SqlConsoleReads,
    SqlProposalRepository,
    SqlStaffRepository,
)
from tellonce.adapters.database.repositories.delivery import SqlDeliveryRepository
from tellonce.adapters.database.repositories.disclosures import SqlDisclosureRepository
from tellonce.adapters.database.repositories.endpoints import SqlEndpointRepository
from tellonce.adapters.database.repositories.idempotency import SqlIdempotencyRepository
from tellonce.adapters.database.repositories.identity import (
    SqlAccountRepository,
    SqlPeopleRepository,
    SqlRecipientKeyRepository,
)
from tellonce.adapters.database.repositories.portal_drafts import SqlPortalDraftRepository
from tellonce.adapters.database.repositories.registrations import SqlRegistrationRepository
from tellonce.adapters.database.repositories.reports import SqlReportRepository
from tellonce.adapters.database.repositories.rights import SqlRightsRepository
from tellonce.adapters.database.repositories.transparency import SqlTransparencyLogRepository
from tellonce.adapters.database.repositories.your_data import SqlYourDataRepository
from tellonce.service_layer.ports.catalogue import CatalogueRepository
from tellonce.service_layer.ports.consents import ConsentRepository
from tellonce.service_layer.ports.console import ConsoleReads, ProposalRepository, StaffRepository
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
    recipient_messages: RecipientMessageRepository
    rights: RightsRepository
    # The console's, administration's and register's (ports.console.ConsoleUnitOfWork).
    staff: StaffRepository
    proposals: ProposalRepository
    console: ConsoleReads
    registrations: RegistrationRepository

    def __init__(self, engine: sa.Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: sa.Connection | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        if self._read_only:  # SQLite: a deferred transaction that waits for no writer
            connection.execution_options(**{READ_ONLY: True})
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
        self.recipient_messages = SqlRecipientMessageRepository(connection)
        self.rights = SqlRightsRepository(connection)
        self.staff = SqlStaffRepository(connection)
        self.proposals = SqlProposalRepository(connection)
        self.console = SqlConsoleReads(connection)
        self.registrations = SqlRegistrationRepository(connection)
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
