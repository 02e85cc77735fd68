"""Messages to citizens on the fakes: queued with what they announce, sent by the worker."""

from __future__ import annotations

from datetime import timedelta

from tellonce.service_layer.acknowledgement import acknowledge
from tellonce.service_layer.notifications import send_due_messages
from tests.fakes import RecordingNotifier
from tests.support.fake_world import World


def test_an_acknowledgement_is_announced_once_even_if_the_service_is_down(world: World) -> None:
    report = world.submit()
    dwp = next(d for d in report.disclosures if d.recipient_id == "dwp")
    uow = world.database.uow
    acknowledge("dwp", [dwp.id], uow=uow(), clock=world.clock)
    acknowledge("dwp", [dwp.id], uow=uow(), clock=world.clock)  # idempotent: one message
    notifier = RecordingNotifier(world.clock, down=1)
    assert send_due_messages(uow, notifier, world.clock, "worker-1") == 1
    assert notifier.messages_for(world.account.id) == []
    assert send_due_messages(uow, notifier, world.clock, "worker-1") == 0  # backing off
    world.clock.advance(timedelta(seconds=30))
    assert send_due_messages(uow, notifier, world.clock, "worker-1") == 1
    [message] = notifier.messages_for(world.account.id)
    assert message.subject == f"Dwp has received your report {report.reference}"
    with uow() as u:
        [settled] = u.messages.settled_for(world.account.id)
    assert settled.state == "sent"


def test_a_citizen_without_an_email_address_sees_messages_in_the_portal_only(
    world: World,
) -> None:
    report = world.submit()
    dwp = next(d for d in report.disclosures if d.recipient_id == "dwp")
    uow = world.database.uow
    acknowledge("dwp", [dwp.id], uow=uow(), clock=world.clock)
    notifier = RecordingNotifier(world.clock, no_email={world.account.id})
    assert send_due_messages(uow, notifier, world.clock, "worker-1") == 1
    with uow() as u:
        [settled] = u.messages.settled_for(world.account.id)
    assert settled.state == "no-email"
