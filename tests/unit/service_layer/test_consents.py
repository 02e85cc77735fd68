"""withdraw_consent on the fakes: stop what has not left, tell whoever already has it."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.domain.errors import Conflict, NotFound
from tellonce.service_layer.consents import withdraw_consent
from tellonce.service_layer.delivery import DeliveryRound, DeliveryService, deliver_due
from tellonce.service_layer.ports.reports import ReportView
from tellonce.service_layer.your_data import data_for_account
from tests.fakes import RecordingPusher
from tests.support.fake_world import World


def charity(world: World, report: ReportView) -> tuple[uuid.UUID, uuid.UUID]:
    """The charity's consent and the disclosure made under it."""
    [consent] = world.database.tables.consents.values()
    [disclosure] = [d for d in report.disclosures if d.recipient_id == "a-charity"]
    return consent.record.id, disclosure.id


def withdraw(world: World, consent_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return withdraw_consent(
        consent_id,
        account=world.account,
        uow=world.database.uow(),
        vault=world.vault,
        clock=world.clock,
    )


def test_a_disclosure_not_yet_collected_is_never_sent(world: World) -> None:
    report = world.submit(consent=True)
    consent_id, disclosure_id = charity(world, report)
    withdrawal = withdraw(world, consent_id)
    assert (withdrawal.disclosure_state, withdrawal.recipient_told) == ("withdrawn", False)
    tables = world.database.tables
    assert tables.disclosures[disclosure_id].state == DisclosureState.WITHDRAWN
    assert tables.disclosures[disclosure_id].next_chase_at is None
    assert disclosure_id not in tables.commitments  # it will never be logged as delivered
    assert tables.log_entries[-1].pending.kind == "consent-withdrawn"
    assert withdraw(world, consent_id).withdrawn_at == withdrawal.withdrawn_at  # idempotent


@pytest.mark.anyio
async def test_a_delivered_disclosure_is_followed_by_a_consent_withdrawn_notice(
    charity_pushed: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    world = charity_pushed
    report = world.submit(consent=True)
    consent_id, disclosure_id = charity(world, report)
    assert await deliver_due(delivery) == DeliveryRound(claimed=3, delivered=3)
    world.clock.advance(timedelta(minutes=1))
    withdrawal = withdraw(world, consent_id)
    assert (withdrawal.disclosure_state, withdrawal.recipient_told) == ("delivered", True)
    [notice_row] = [
        q for q in world.database.tables.queue.values() if q.kind == QueueKind.CONSENT_WITHDRAWN
    ]
    assert notice_row.disclosure_id == disclosure_id
    assert await deliver_due(delivery) == DeliveryRound(claimed=1, delivered=1)
    notice = json.loads(pusher.sent[-1].body)
    assert notice["subject"] == str(disclosure_id)
    assert notice["id"] == notice_row.message_id != str(disclosure_id)


def test_a_disclosure_being_sent_cannot_be_withdrawn_yet(charity_pushed: World) -> None:
    world = charity_pushed
    report = world.submit(consent=True)
    consent_id, _ = charity(world, report)
    with world.database.uow() as uow:  # a worker holds the batch right now
        now = world.clock.now()
        uow.deliveries.claim(now, "worker-0", now + timedelta(minutes=10), 100)
        uow.commit()
    with pytest.raises(Conflict):
        withdraw(world, consent_id)
    assert world.database.tables.consents[consent_id].withdrawn_at is None


def test_only_the_citizens_own_granted_consents_can_be_withdrawn(world: World) -> None:
    world.submit(consent=False)
    [consent] = world.database.tables.consents.values()
    with pytest.raises(Conflict):
        withdraw(world, consent.record.id)
    with pytest.raises(NotFound):
        withdraw(world, uuid.uuid4())


def test_your_data_lists_every_disclosure_and_the_consent_as_withdrawn(world: World) -> None:
    report = world.submit(consent=True)
    consent_id, _ = charity(world, report)
    withdrawal = withdraw(world, consent_id)
    mine = data_for_account(world.account, world.database.uow())
    assert {d.recipient_id for d in mine.disclosures} == {
        d.recipient_id for d in report.disclosures
    }
    [consent] = mine.consents
    assert (consent.id, consent.withdrawn_at) == (consent_id, withdrawal.withdrawn_at)
