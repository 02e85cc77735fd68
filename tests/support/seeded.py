"""A small seeded hub for repository tests: the small catalogue, an account and one report
disclosed to dwp, dvla and (by consent) leeds-electoral, with helpers to queue its pushes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.ports import UnitOfWork
from tellonce.service_layer.ports.deliveries import NewQueuedMessage
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.ports.reports import NewConsentRecord, NewDisclosure, NewReport
from tellonce.service_layer.ports.vault import PersonKey
from tests.factories import small_catalogue
from tests.fakes import FakeClock

Factory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Seeded:
    account: Account
    report: NewReport
    disclosures: dict[str, NewDisclosure]  # by recipient id
    consent: NewConsentRecord


def seed(
    uow: Factory, clock: FakeClock, *, endpoints: bool = True, held_until: datetime | None = None
) -> Seeded:
    """The small catalogue (push endpoints for dwp and dvla unless told otherwise), an account,
    and a report disclosed to dwp, dvla and (by consent, granted) leeds-electoral."""
    load_catalogue(small_catalogue(), uow=uow(), clock=clock)
    now = clock.now()
    account = Account(uuid.uuid4(), uuid.uuid4())
    report = NewReport(
        uuid.uuid4(), f"TLO-{uuid.uuid4().hex[:4].upper()}-TEST", account.id, account.person_id,
        "change-of-address", 1, b"sealed", "digest", "api", now, "self", held_until,
    )  # fmt: skip
    with uow() as u:
        u.people.add({account.person_id: PersonKey(uuid.uuid4(), "test1", b"wrapped")}, now)
        u.accounts.add(account, b"subject", now)
        if endpoints:
            for recipient_id in ("dwp", "dvla"):
                u.endpoints.set(recipient_id, f"https://{recipient_id}.example/hooks", now)
        versions = u.catalogue.published_versions()
        disclosures = {
            r: NewDisclosure(
                uuid.uuid4(), report.id, r, a, versions[a].version, basis, ("new_address",),
                DisclosureState.QUEUED.value, now, account.person_id, 1,
                acknowledge_by=now + timedelta(days=10),
            )
            for r, a, basis in (
                ("dwp", "dwp-moves", "law"),
                ("dvla", "dvla-moves", "law"),
                ("leeds-electoral", "leeds-electoral-moves", "consent"),
            )
        }  # fmt: skip
        consent = NewConsentRecord(
            uuid.uuid4(), report.id, account.person_id, "leeds-electoral",
            "leeds-electoral-moves", versions["leeds-electoral-moves"].version, "granted",
            "dpv:ServiceProvision", "dpv:Consent", 1, "digest", "api", now,
        )  # fmt: skip
        u.reports.add([report], list(disclosures.values()), [consent])
        u.commit()
    return Seeded(account, report, disclosures, consent)


def queue(uow: Factory, *messages: NewQueuedMessage) -> None:
    with uow() as u:
        u.deliveries.enqueue(messages)
        u.commit()


def push(disclosure: NewDisclosure, kind: QueueKind = QueueKind.DISCLOSURE) -> NewQueuedMessage:
    message_id = str(disclosure.id) if kind is QueueKind.DISCLOSURE else str(uuid.uuid4())
    return NewQueuedMessage(
        message_id, disclosure.id, kind, disclosure.created_at, disclosure.recipient_id
    )
