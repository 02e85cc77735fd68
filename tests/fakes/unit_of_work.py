"""An in-memory unit of work: a transaction over a copy of the tables, kept only on commit."""

from __future__ import annotations

import copy
from types import TracebackType
from typing import Self

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
from tests.fakes.delivery import FakeDeliveryRepository, FakeDisclosureRepository
from tests.fakes.log import FakeTransparencyLogRepository
from tests.fakes.registrations import FakeRegistrationRepository
from tests.fakes.repositories import (
    FakeAccountRepository,
    FakeCatalogueRepository,
    FakeCitizenMessageRepository,
    FakeConsentRepository,
    FakeEndpointRepository,
    FakeIdempotencyRepository,
    FakePeopleRepository,
    FakePortalDraftRepository,
    FakeRecipientKeyRepository,
    FakeRecipientMessageRepository,
    FakeReportRepository,
)
from tests.fakes.rights import FakeRightsRepository
from tests.fakes.tables import Tables
from tests.fakes.your_data import FakeYourDataRepository


class FakeDatabase:
    """The committed state, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.commits = 0

    def uow(self) -> FakeUnitOfWork:
        """A new unit of work: pass ``database.uow`` wherever a ``UnitOfWorkFactory`` goes."""
        return FakeUnitOfWork(self)


class FakeUnitOfWork:
    """Like ``SqlUnitOfWork``: repositories exist inside ``with``, and everything written is
    thrown away on leaving unless ``commit()`` was called. After a commit the unit of work
    carries on in a new transaction, as a SQLAlchemy connection does.

    Not modelled: row locks and isolation between units of work open at the same time (the
    last to commit wins); the SQL contract tests cover those on the real databases.
    """

    # Typed as the ports, as SqlUnitOfWork is: mypy holds each fake to its Protocol.
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

    def __init__(self, database: FakeDatabase) -> None:
        self._database = database
        self._tables: Tables | None = None

    def __enter__(self) -> Self:
        tables = copy.deepcopy(self._database.tables)
        self._tables = tables
        self.catalogue = FakeCatalogueRepository(tables)
        self.people = FakePeopleRepository(tables)
        self.accounts = FakeAccountRepository(tables)
        self.recipient_keys = FakeRecipientKeyRepository(tables)
        self.reports = FakeReportRepository(tables)
        self.idempotency = FakeIdempotencyRepository(tables)
        self.deliveries = FakeDeliveryRepository(tables)
        self.disclosures = FakeDisclosureRepository(tables)
        self.endpoints = FakeEndpointRepository(tables)
        self.registrations = FakeRegistrationRepository(tables)
        self.log = FakeTransparencyLogRepository(tables)
        self.portal_drafts = FakePortalDraftRepository(tables)
        self.your_data = FakeYourDataRepository(tables)
        self.consents = FakeConsentRepository(tables)
        self.messages = FakeCitizenMessageRepository(tables)
        self.recipient_messages = FakeRecipientMessageRepository(tables)
        self.rights = FakeRightsRepository(tables)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tables = None  # anything not committed is gone

    def commit(self) -> None:
        assert self._tables is not None, "commit() outside the unit of work's with block"
        self._database.tables = copy.deepcopy(self._tables)
        self._database.commits += 1
