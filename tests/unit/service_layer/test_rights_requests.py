"""Rights requests on the fakes: deadlines recorded and logged, extensions, pauses, the
overdue list; erasure by crypto-shredding; restriction and objection holding disclosures."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tellonce.domain.catalogue import LawfulBasis
from tellonce.domain.delivery_queue import QueueKind
from tellonce.domain.disclosures import DisclosureState
from tellonce.domain.errors import Conflict, InvalidInput, NotFound
from tellonce.domain.rights import ErasureLimit, RightKind
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.delivery import DeliveryService, deliver_due
from tellonce.service_layer.erasure import erase_your_data
from tellonce.service_layer.ports.vault import SealedDataError
from tellonce.service_layer.processing_flags import lift_flag, set_flag
from tellonce.service_layer.rights import export_your_data
from tellonce.service_layer.rights_requests import (
    extend_request,
    list_requests,
    open_request,
    pause_request,
    requests_for_account,
    resume_request,
)
from tests.factories import small_catalogue
from tests.fakes import RecordingPusher
from tests.support.fake_world import World


def _logged(world: World) -> list[dict[str, object]]:
    return [json.loads(row.pending.entry) for row in world.database.tables.log_entries]


def _open(world: World, kind: RightKind = RightKind.RECTIFICATION):  # type: ignore[no-untyped-def]
    with world.database.uow() as uow:
        request = open_request(
            uow, world.vault, account=world.account, kind=kind, now=world.clock.now()
        )
        uow.commit()
    return request


def test_a_request_is_recorded_with_its_deadline_and_logged(world: World) -> None:
    world.clock = type(world.clock)(datetime(2027, 1, 31, 12, tzinfo=UTC))
    request = _open(world)
    assert request.due_on == date(2027, 3, 1)  # 28 February 2027 is a Sunday
    entry = _logged(world)[-1]
    assert entry["kind"] == "rights-request-received"
    assert (entry["request"], entry["due"]) == ("rectification", "2027-03-01")
    assert "commitment" in entry and str(world.account.person_id) not in json.dumps(entry)


def test_extensions_pauses_and_the_overdue_list(world: World) -> None:
    request = _open(world)  # 25 November 2026: due 29 December (Christmas, Boxing Day)
    assert request.due_on == date(2026, 12, 29)
    uow = world.database.uow
    with pytest.raises(InvalidInput) as caught:
        extend_request(
            request.id, months=3, reason="", uow=uow(), vault=world.vault, clock=world.clock
        )
    assert {p.location for p in caught.value.problems} == {("months",), ("reason",)}
    extended = extend_request(
        request.id,
        months=1,
        reason="Reports at many recipients to trace",
        uow=uow(),
        vault=world.vault,
        clock=world.clock,
    )
    assert extended.due_on == date(2027, 1, 25)
    assert _logged(world)[-1]["kind"] == "rights-request-extended"
    assert "trace" not in json.dumps(_logged(world))  # the reason is not logged
    world.clock.advance(timedelta(days=2))
    assert pause_request(request.id, uow=uow(), clock=world.clock).due_on is None
    with pytest.raises(Conflict):
        pause_request(request.id, uow=uow(), clock=world.clock)
    world.clock.advance(timedelta(days=10))
    resumed = resume_request(request.id, uow=uow(), clock=world.clock)
    assert resumed.due_on == date(2027, 2, 4)  # ten days later
    assert list_requests(overdue=True, uow=uow(), clock=world.clock) == []
    world.clock.advance(timedelta(days=90))
    assert [r.id for r in list_requests(overdue=True, uow=uow(), clock=world.clock)] == [request.id]
    with pytest.raises(NotFound):
        resume_request(world.account.id, uow=uow(), clock=world.clock)


def test_access_is_recorded_as_a_closed_request(world: World) -> None:
    export_your_data(world.account, uow=world.database.uow(), vault=world.vault, clock=world.clock)
    [request] = requests_for_account(world.account, uow=world.database.uow())
    assert (request.kind, request.state, request.outcome) == ("access", "closed", "fulfilled")


def test_erasure_is_refused_while_a_disclosure_by_law_is_on_its_way(world: World) -> None:
    world.submit()
    answer = erase_your_data(
        world.account, uow=world.database.uow(), vault=world.vault, clock=world.clock
    )
    assert answer.erased_at is None
    [limit] = answer.limits
    assert (limit.reason, limit.dpv) == (
        ErasureLimit.LAW_DISCLOSURE_IN_FLIGHT,
        "dpv:LegalObligation",
    )
    assert "Dwp" in limit.recipients
    closed = _logged(world)[-1]
    assert (closed["outcome"], closed["reasons"]) == ("refused", ["dpv:LegalObligation"])
    key = world.database.tables.people[world.account.person_id]
    assert key.wrapped is not None  # nothing was erased


@pytest.mark.anyio
async def test_erasure_shreds_the_key_and_tells_consent_recipients(
    charity_pushed: World, delivery: DeliveryService, pusher: RecordingPusher
) -> None:
    world = charity_pushed
    report = world.submit(consent=True)
    await deliver_due(delivery)  # dwp, dvla and the charity take pushes
    for recipient in ("leeds-council-tax", "manchester-council-tax", "leeds-electoral"):
        with world.database.uow() as uow:  # the pull recipients collect theirs
            for d in report.disclosures:
                if d.recipient_id == recipient:
                    uow.disclosures.mark_delivered([(d.id, world.clock.now())], world.clock.now())
            uow.commit()
    world.clock.advance(timedelta(minutes=5))
    answer = erase_your_data(
        world.account, uow=world.database.uow(), vault=world.vault, clock=world.clock
    )
    assert answer.erased_at == world.clock.now()
    assert (answer.people_erased, answer.consents_withdrawn, answer.recipients_told) == (1, 1, 1)
    assert [n.reason for n in answer.limits] == [ErasureLimit.ACCOUNTABILITY_RECORDS]
    tables = world.database.tables
    key = tables.people[world.account.person_id]
    assert key.wrapped is None
    sealed = next(iter(tables.reports.values())).sealed_payload
    with pytest.raises(SealedDataError):
        world.vault.open(key, sealed, next(iter(tables.reports)).bytes)
    kinds = sorted(q.kind for q in tables.queue.values() if q.kind != QueueKind.DISCLOSURE)
    assert kinds == sorted([QueueKind.CONSENT_WITHDRAWN, QueueKind.ERASURE_REQUESTED])
    await deliver_due(delivery)
    types = {json.loads(w.body)["type"] for w in pusher.sent[-2:]}
    assert types == {
        "uk.tellonce.disclosure.consent-withdrawn",
        "uk.tellonce.disclosure.erasure-requested",
    }
    assert [e["kind"] for e in _logged(world)[-3:]] == [
        "rights-request-received",
        "consent-withdrawn",
        "rights-request-closed",
    ]
    # A copy of the data afterwards holds no details, and asking is still logged.
    copy = export_your_data(
        world.account, uow=world.database.uow(), vault=world.vault, clock=world.clock
    )
    assert copy.document["reports"][0]["details"] is None
    assert _logged(world)[-1]["kind"] == "rights-request-closed"


def _with_dvla_by_law(world: World) -> None:
    catalogue = small_catalogue()
    agreements = tuple(
        replace(a, lawful_basis=LawfulBasis("c")) if a.id == "dvla-moves" else a
        for a in catalogue.agreements
    )
    load_catalogue(
        replace(catalogue, agreements=agreements), uow=world.database.uow(), clock=world.clock
    )


def test_objection_holds_public_task_disclosures_and_lifting_it_sends_them(world: World) -> None:
    _with_dvla_by_law(world)
    report = world.submit()
    answer = set_flag(
        "objection",
        account=world.account,
        uow=world.database.uow(),
        vault=world.vault,
        clock=world.clock,
    )
    tables = world.database.tables
    states = {d.recipient_id: tables.disclosures[d.id].state for d in report.disclosures}
    assert states["dvla"] == "queued"  # Art. 6(1)(c): an objection does not stop it
    assert {r for r, s in states.items() if s == DisclosureState.HELD} == {
        "dwp",
        "leeds-council-tax",
        "manchester-council-tax",
        "leeds-electoral",
    }
    assert len(answer.held) == 4
    pushed = {q.disclosure_id for q in tables.queue.values()}
    assert pushed == {d.id for d in report.disclosures if d.recipient_id == "dvla"}
    later = world.submit()  # new reports are held from the start
    assert {d.recipient_id for d in later.disclosures if d.state == "held"} == {
        "dwp",
        "leeds-council-tax",
        "manchester-council-tax",
        "leeds-electoral",
    }
    lifted = lift_flag(
        "objection", account=world.account, uow=world.database.uow(), clock=world.clock
    )
    assert len(lifted.held) == 8
    tables = world.database.tables
    assert all(row.state == "queued" for row in tables.disclosures.values())
    assert {q.disclosure_id for q in tables.queue.values()} >= {
        d.id for d in report.disclosures if d.recipient_id == "dwp"
    }
    with pytest.raises(InvalidInput):
        set_flag(
            "erasure",
            account=world.account,
            uow=world.database.uow(),
            vault=world.vault,
            clock=world.clock,
        )


def test_lifting_an_objection_while_an_endpoint_is_disabled_says_the_push_waits(
    world: World,
) -> None:
    """Finding 6: what a lifted objection releases to a disabled endpoint is not "queued"."""
    report = world.submit()
    set_flag(
        "objection",
        account=world.account,
        uow=world.database.uow(),
        vault=world.vault,
        clock=world.clock,
    )
    with world.database.uow() as uow:
        uow.endpoints.disable("dwp", world.clock.now())
        uow.commit()

    lift_flag("objection", account=world.account, uow=world.database.uow(), clock=world.clock)

    tables = world.database.tables
    states = {d.recipient_id: tables.disclosures[d.id].state for d in report.disclosures}
    assert states["dwp"] == DisclosureState.ENDPOINT_DISABLED
    assert {s for r, s in states.items() if r != "dwp"} == {"queued"}
