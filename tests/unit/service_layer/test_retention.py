"""The retention job on the fakes: per event type, counted from the last final disclosure;
a subject with nothing else is crypto-shredded, a citizen with an account keeps their key."""

from __future__ import annotations

import json
from datetime import timedelta

from tellonce.domain.examples import example_payload
from tellonce.service_layer.reporting import (
    ReportDraft,
    ReportSubmission,
    preview_report,
    submit_report,
)
from tellonce.service_layer.retention import purge_expired
from tests.support.fake_world import World
from tests.support.registrations import registered_with


def report_a_death(world: World) -> None:
    payload = example_payload("death", today=world.clock.now().date())
    payload = registered_with(world.database.uow, world.vault, world.clock, "death", payload)
    draft = ReportDraft("death", payload)
    plan = preview_report(draft, uow=world.database.uow(), clock=world.clock)
    submit_report(
        ReportSubmission(draft, {}, plan.digest(), "api"),
        account=world.account,
        uow_factory=world.database.uow,
        vault=world.vault,
        clock=world.clock,
    )


def settle(world: World) -> None:
    with world.database.uow() as uow:
        for row in world.database.tables.disclosures.values():
            uow.disclosures.update(
                row.id, world.clock.now(), state="actioned", outcome_at=world.clock.now()
            )
        uow.commit()


def purge(world: World) -> tuple[int, int]:
    done = purge_expired(
        uow=world.database.uow(),
        clock=world.clock,
        default_days=90,
        days_by_event={"death": 365},
    )
    return done.reports, done.people


def test_each_event_type_keeps_its_details_as_long_as_configured(world: World) -> None:
    world.submit()
    report_a_death(world)
    assert purge(world) == (0, 0)  # nothing is final yet
    settle(world)
    world.clock.advance(timedelta(days=90))
    assert purge(world) == (1, 0)  # the move: the citizen has an account, so only the details
    tables = world.database.tables
    [move] = [r for r in tables.reports.values() if r.event_type == "change-of-address"]
    assert move.sealed_payload == b"" and tables.people[world.account.person_id].wrapped
    assert purge(world) == (0, 0)
    world.clock.advance(timedelta(days=275))
    assert purge(world) == (1, 1)  # the death: its subject has nothing else, so shredded
    [death] = [r for r in world.database.tables.reports.values() if r.event_type == "death"]
    assert world.database.tables.people[death.subject_person_id].wrapped is None
    assert death.sealed_payload != b""  # the ciphertext stays, unreadable
    kinds = [e.pending.kind for e in world.database.tables.log_entries]
    assert kinds.count("personal-data-purged") == 2


def test_registration_references_go_with_their_report_or_after_their_grace(
    world: World,
) -> None:
    """A used reference's registered details (sealed under the hub's key, which no shredding
    reaches) go when its report's details do; an unused one 28 days and the grace after."""
    report_a_death(world)  # uses one reference
    death = example_payload("death", today=world.clock.now().date())
    registered_with(world.database.uow, world.vault, world.clock, "death", death)  # never used
    registrations = world.database.tables.registrations
    assert len(registrations) == 2
    settle(world)

    def purge_with_grace() -> int:
        return purge_expired(
            uow=world.database.uow(),
            clock=world.clock,
            default_days=365,
            registration_grace=timedelta(days=7),
        ).registrations

    world.clock.advance(timedelta(days=28 + 7))
    assert purge_with_grace() == 0  # the unused one expired exactly a grace ago: kept
    world.clock.advance(timedelta(seconds=1))
    assert purge_with_grace() == 1
    [left] = world.database.tables.registrations.values()
    assert left.used_at is not None  # the death report's details are still kept
    world.clock.advance(timedelta(days=365))
    assert purge_with_grace() == 1
    assert world.database.tables.registrations == {}
    [*_, last] = [e.pending for e in world.database.tables.log_entries]
    assert json.loads(last.entry)["registrations"] == 1
