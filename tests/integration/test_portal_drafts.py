"""Answers in progress: sealed under the citizen's key, visible only to them, and expiring."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from tellonce.adapters.database.schema import portal_drafts
from tellonce.bootstrap import Hub
from tellonce.service_layer.identity import start_session
from tellonce.service_layer.portal_drafts import (
    DRAFT_LIFETIME,
    answer_problems,
    discard_draft,
    load_draft,
    purge_expired_drafts,
    save_draft,
    start_draft,
)
from tellonce.service_layer.ports.identity import Account
from tests.fakes import FakeClock

ANSWERS = {"event_type": "change-of-address", "pages": {"name": {"given-names": "Siân"}}}


def citizen(hub: Hub, name: str) -> Account:
    issued = start_session(
        "demo",
        name,
        uow_factory=hub.uow,
        vault=hub.vault,
        clock=hub.clock,
        lifetime=dt.timedelta(hours=1),
    )
    return issued.account


def test_answers_round_trip_sealed(hub: Hub) -> None:
    account = citizen(hub, "a")
    draft_id = start_draft(
        ANSWERS, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    assert (
        load_draft(draft_id, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
        == ANSWERS
    )
    with hub.engine.connect() as connection:
        sealed = connection.execute(sa.select(portal_drafts.c.sealed_answers)).scalar_one()
    assert "Siân".encode() not in sealed


def test_only_the_owner_can_read_a_draft(hub: Hub) -> None:
    owner, other = citizen(hub, "owner"), citizen(hub, "other")
    draft_id = start_draft(ANSWERS, account=owner, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
    assert (
        load_draft(draft_id, account=other, uow=hub.uow(), vault=hub.vault, clock=hub.clock) is None
    )
    assert not save_draft(
        draft_id, {}, account=other, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    assert (
        load_draft(uuid.uuid4(), account=owner, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
        is None
    )


def test_saving_slides_the_expiry_and_expired_drafts_go(hub: Hub, clock: FakeClock) -> None:
    account = citizen(hub, "a")
    draft_id = start_draft(
        ANSWERS, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    clock.advance(DRAFT_LIFETIME - dt.timedelta(minutes=1))
    changed = {**ANSWERS, "answers": {"x": True}}
    assert save_draft(
        draft_id, changed, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    clock.advance(dt.timedelta(minutes=2))
    assert (
        load_draft(draft_id, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
        == changed
    )
    clock.advance(DRAFT_LIFETIME)
    assert (
        load_draft(draft_id, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
        is None
    )
    assert not save_draft(
        draft_id, changed, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    assert purge_expired_drafts(uow=hub.uow(), clock=hub.clock) == 1
    with hub.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(portal_drafts)).scalar() == 0
        )


def test_discarding_deletes(hub: Hub) -> None:
    account = citizen(hub, "a")
    draft_id = start_draft(
        ANSWERS, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock
    )
    discard_draft(draft_id, account=account, uow=hub.uow())
    assert (
        load_draft(draft_id, account=account, uow=hub.uow(), vault=hub.vault, clock=hub.clock)
        is None
    )


def test_answer_problems_carry_the_domain_location_code_and_message(clock: FakeClock) -> None:
    problems = answer_problems(
        "change-of-address",
        {"person": {"name": {"given_names": "A"}}, "new_address": {"postcode": "nope"}},
        clock=clock,
    )
    by_location = {p.location: p for p in problems}
    assert by_location[("person", "name", "family_name")].code == "missing"
    postcode = by_location[("new_address", "postcode")]
    assert (postcode.code, postcode.message) == (
        "postcode_invalid",
        "Enter a real postcode, like LS1 1UR",
    )
    assert answer_problems("nonsense", {}, clock=clock)[0].location == ("event_type",)
