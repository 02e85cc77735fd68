"""The ports the use cases need, as small Protocols, one module per aggregate with the values
each port takes and returns beside it. Adapters implement them; tests use in-memory fakes.

The names re-exported here are the ones most use cases need, and the old ``ports`` module's
surface; import anything else from its home (``ports.deliveries``, ``ports.transparency``...).
"""

from __future__ import annotations

from tellonce.service_layer.ports.catalogue import CatalogueRepository, PublishedVersion
from tellonce.service_layer.ports.clock import Clock
from tellonce.service_layer.ports.consents import (
    ConsentRecord,
    ConsentRepository,
    WithdrawnDisclosure,
)
from tellonce.service_layer.ports.deliveries import (
    AttemptRecord,
    ClaimedMessage,
    DeliveryRepository,
    NewQueuedMessage,
)
from tellonce.service_layer.ports.disclosures import DisclosureRecord, DisclosureRepository
from tellonce.service_layer.ports.drafts import PortalDraftRepository
from tellonce.service_layer.ports.endpoints import Endpoint, EndpointRepository
from tellonce.service_layer.ports.idempotency import IdempotencyClaim, IdempotencyRepository
from tellonce.service_layer.ports.identity import (
    Account,
    AccountRepository,
    PeopleRepository,
    RecipientKeyRepository,
)
from tellonce.service_layer.ports.messages import (
    CitizenMessageRepository,
    QueuedContactMessage,
    QueuedMessage,
    RecipientMessageRepository,
    SettledMessage,
)
from tellonce.service_layer.ports.pusher import OutgoingWebhook, Pusher, PushResult
from tellonce.service_layer.ports.reports import (
    DisclosureView,
    NewConsentRecord,
    NewDisclosure,
    NewReport,
    ReportRepository,
    ReportView,
)
from tellonce.service_layer.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tellonce.service_layer.ports.vault import PersonKey, SealedDataError, Vault

__all__ = [
    "Account",
    "AccountRepository",
    "AttemptRecord",
    "CatalogueRepository",
    "CitizenMessageRepository",
    "ClaimedMessage",
    "Clock",
    "ConsentRecord",
    "ConsentRepository",
    "DeliveryRepository",
    "DisclosureRecord",
    "DisclosureRepository",
    "DisclosureView",
    "Endpoint",
    "EndpointRepository",
    "IdempotencyClaim",
    "IdempotencyRepository",
    "NewConsentRecord",
    "NewDisclosure",
    "NewQueuedMessage",
    "NewReport",
    "OutgoingWebhook",
    "PeopleRepository",
    "PersonKey",
    "PortalDraftRepository",
    "PublishedVersion",
    "PushResult",
    "Pusher",
    "QueuedContactMessage",
    "QueuedMessage",
    "RecipientKeyRepository",
    "RecipientMessageRepository",
    "ReportRepository",
    "ReportView",
    "SealedDataError",
    "SettledMessage",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "Vault",
    "WithdrawnDisclosure",
]
