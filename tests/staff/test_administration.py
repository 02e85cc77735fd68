"""The hub's administration: four-eyes changes to the catalogue (never self-approved, on the
pages and in the use case), the same versions as the YAML path, delivery operations, and
every action in the transparency log."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from tellonce.adapters.database.schema import agreement_versions, log_entries
from tellonce.bootstrap import Hub
from tellonce.domain.catalogue import Catalogue
from tellonce.service_layer import administration
from tellonce.service_layer.catalogue import current_catalogue, load_catalogue
from tellonce.service_layer.staff import Forbidden, start_staff_session
from tests.support.api import signed_in_account
from tests.support.portal import Portal, demo_catalogue, errors
from tests.support.staff import add, hub_actions, staff_sign_in


def _versions(hub: Hub, agreement_id: str) -> list[int]:
    with hub.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(agreement_versions.c.version)
                .where(agreement_versions.c.agreement_id == agreement_id)
                .order_by(agreement_versions.c.version)
            ).scalars()
        )


def _published_entries(hub: Hub) -> int:
    with hub.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).where(log_entries.c.kind == "agreement-version-published")
        ).scalar_one()


def test_a_change_takes_effect_only_when_another_operator_approves_it(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    add(hub, "ada@hub.example", "operator")
    add(hub, "bo@hub.example", "operator")
    ada, bo = browsers(), browsers()
    staff_sign_in(ada, "ada@hub.example")
    staff_sign_in(bo, "bo@hub.example")
    agreement = sorted(current_catalogue(uow=hub.uow()).agreements, key=lambda a: a.id)[0]
    before = _published_entries(hub)

    form = ada.get(f"/admin/catalogue/{agreement.id}/change").text
    fields = re.search(r'<textarea[^>]*name="fields"[^>]*>([^<]*)</textarea>', form)
    assert fields
    bad = ada.post(
        f"/admin/catalogue/{agreement.id}/change",
        {
            "title": "",
            "purpose": "p",
            "retention": "r",
            "fields": "change-of-address: no.such.field",
        },
    )
    assert errors(bad) == [
        "change-of-address has no field no.such.field",
        "Enter the title (up to 500 characters)",
    ]
    proposed = ada.post(
        f"/admin/catalogue/{agreement.id}/change",
        {
            "title": agreement.title + " (revised)",
            "purpose": agreement.purpose.description,
            "retention": agreement.retention,
            "fields": fields.group(1).replace("&#39;", "'"),
        },
    )
    assert proposed.headers["location"] == "/admin?done=proposed"
    page = ada.get("/admin").text
    proposal_id = re.search(r'id="proposal-([0-9a-f-]+)"', page)
    assert proposal_id
    assert "Another operator must approve this." in page

    # Ada cannot approve her own change, whatever she posts.
    refused = ada.post(f"/admin/proposals/{proposal_id.group(1)}/approve")
    assert refused.status_code == 403
    assert errors(refused) == ["You proposed this change: another operator must approve it"]
    assert _versions(hub, agreement.id) == [1]

    bo.get("/admin")
    approved = bo.post(f"/admin/proposals/{proposal_id.group(1)}/approve")
    assert approved.headers["location"] == "/admin?done=approved"
    assert _versions(hub, agreement.id) == [1, 2]
    assert _published_entries(hub) == before + 1
    again = bo.post(f"/admin/proposals/{proposal_id.group(1)}/approve")
    assert errors(again) == ["This proposal has already been decided"]

    # The YAML path with the same content makes no new version; its own content, a third.
    changed = current_catalogue(uow=hub.uow())
    load_catalogue(changed, uow=hub.uow(), clock=hub.clock)
    assert _versions(hub, agreement.id) == [1, 2]
    load_catalogue(demo_catalogue(), uow=hub.uow(), clock=hub.clock)
    assert _versions(hub, agreement.id) == [1, 2, 3]

    actions = [json.loads(entry) for entry in hub_actions(hub)]
    assert [a["action"] for a in actions] == ["change-proposed", "change-approved"]
    assert actions[0]["actor"]["staff"] != actions[1]["actor"]["staff"]
    # No name or address of the staff member (a pseudonymous id may contain "ada" by chance).
    assert all("ada@" not in json.dumps(a) and "Ada" not in json.dumps(a) for a in actions)


def test_the_use_case_refuses_self_approval_and_non_operators(hub: Hub) -> None:
    load_catalogue(demo_catalogue(), uow=hub.uow(), clock=hub.clock)
    recipient = sorted(current_catalogue(uow=hub.uow()).recipients)[0]
    add(hub, "ada@hub.example", "operator")
    add(hub, "mo@council.example", "manager", recipient)
    lifetime = hub.session_lifetime
    ada = start_staff_session(
        "ada@hub.example", uow=hub.console_uow(), clock=hub.clock, lifetime=lifetime
    ).member
    mo = start_staff_session(
        "mo@council.example", uow=hub.console_uow(), clock=hub.clock, lifetime=lifetime
    ).member
    agreement_id = sorted(a.id for a in current_catalogue(uow=hub.uow()).agreements)[0]
    proposal = administration.propose_retirement(
        ada, agreement_id, uow_factory=hub.console_uow, clock=hub.clock
    )
    with pytest.raises(Forbidden):
        administration.decide(
            ada, proposal, approve=True, uow_factory=hub.console_uow, clock=hub.clock
        )
    with pytest.raises(Forbidden):
        administration.decide(
            mo, proposal, approve=True, uow_factory=hub.console_uow, clock=hub.clock
        )
    with pytest.raises(Forbidden):
        administration.propose_retirement(
            mo, agreement_id, uow_factory=hub.console_uow, clock=hub.clock
        )
    assert agreement_id in {a.id for a in current_catalogue(uow=hub.uow()).agreements}


def test_a_new_recipient_and_a_retirement_need_a_second_operator(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    add(hub, "ada@hub.example", "operator")
    add(hub, "bo@hub.example", "operator")
    ada, bo = browsers(), browsers()
    staff_sign_in(ada, "ada@hub.example")
    staff_sign_in(bo, "bo@hub.example")
    ada.get("/admin/recipients/new")
    missing = ada.post("/admin/recipients/new", {})
    assert errors(missing) == [
        "Enter an id of letters, digits and hyphens",
        "Enter the name of the recipient",
        "Enter the data controller",
        "Select the kind of organisation",
        "Select how it receives disclosures",
        "Select the nations it serves",
    ]
    ada.post(
        "/admin/recipients/new",
        {
            "id": "tref-council-tax",
            "name": "Tref Council Tax",
            "controller": "Tref County Council",
            "kind": "local-authority",
            "channel": "pull",
            "nations": ["wales"],
        },
    )
    agreement_id = sorted(a.id for a in current_catalogue(uow=hub.uow()).agreements)[0]
    ada.get("/admin")
    ada.post(f"/admin/catalogue/{agreement_id}/retire")
    assert "tref-council-tax" not in current_catalogue(uow=hub.uow()).recipients
    page = bo.get("/admin").text
    for proposal_id in re.findall(r'id="proposal-([0-9a-f-]+)"', page):
        assert bo.post(f"/admin/proposals/{proposal_id}/approve").status_code == 303
    catalogue: Catalogue = current_catalogue(uow=hub.uow())
    assert "tref-council-tax" in catalogue.recipients
    assert agreement_id not in {a.id for a in catalogue.agreements}
    actions = [json.loads(entry)["action"] for entry in hub_actions(hub)]
    assert "agreement-retired" in actions
    assert actions.count("change-approved") == 2


def test_delivery_operations_disable_enable_and_replay_are_logged(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    from tellonce.service_layer.endpoints import set_endpoint
    from tests.fakes import PublicDestinations

    recipient = next(
        r.id for r in current_catalogue(uow=hub.uow()).recipients.values() if r.channel != "pull"
    )
    set_endpoint(
        recipient,
        "https://receiver.example/hook",
        None,
        uow=hub.uow(),
        vault=hub.vault,
        clock=hub.clock,
        destinations=PublicDestinations(),  # receiver.example resolves nowhere here
    )
    add(hub, "ada@hub.example", "operator")
    ada = browsers()
    staff_sign_in(ada, "ada@hub.example")
    page = ada.get("/admin/deliveries")
    assert page.status_code == 200
    assert (
        ada.post(f"/admin/deliveries/{recipient}/disable").headers["location"].endswith("disabled")
    )
    assert "Enable" in ada.get("/admin/deliveries").text
    assert ada.post(f"/admin/deliveries/{recipient}/enable").headers["location"].endswith("enabled")
    assert ada.post(f"/admin/deliveries/{recipient}/replay").status_code == 303
    assert ada.post("/admin/deliveries/no-such-recipient/disable").status_code == 404
    actions = [json.loads(entry) for entry in hub_actions(hub)]
    # Nothing was dead-lettered: the replay changed nothing, and logs nothing (ADR 0078).
    assert [a["action"] for a in actions] == ["endpoint-disabled", "endpoint-enabled"]
    assert actions[0]["recipient"] == actions[1]["recipient"] == recipient


def test_operators_see_rights_requests_and_their_deadlines_and_nobody_else_does(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    from datetime import timedelta

    from tellonce.domain.rights import RightKind
    from tellonce.service_layer.rights_requests import open_request

    account = signed_in_account(hub, "Rhiannon Citizen")
    received = {RightKind.ERASURE: 40, RightKind.RESTRICTION: 1}  # days ago: one is overdue
    for kind, days in received.items():
        with hub.uow() as uow:
            open_request(
                uow,
                hub.vault,
                account=account,
                kind=kind,
                now=hub.clock.now() - timedelta(days=days),
            )
            uow.commit()
    add(hub, "ada@hub.example", "operator")
    recipient = next(iter(current_catalogue(uow=hub.uow()).recipients))
    add(hub, "casey@council.example", "caseworker", recipient)
    ada, casey = browsers(), browsers()
    staff_sign_in(ada, "ada@hub.example")
    staff_sign_in(casey, "casey@council.example")
    page = ada.get("/admin/rights")
    assert page.status_code == 200
    assert "1 request overdue" in page.text
    assert page.text.count("Overdue") == 1 and page.text.count(">Open<") == 1
    assert "Erasure" in page.text and "Restriction" in page.text
    assert "Rhiannon" not in page.text  # ids and dates, never the citizen
    assert casey.get("/admin/rights").status_code == 403
    with pytest.raises(Forbidden):
        administration.rights_overview(
            start_staff_session(
                "casey@council.example",
                uow=hub.console_uow(),
                clock=hub.clock,
                lifetime=timedelta(hours=1),
            ).member,
            uow_factory=hub.console_uow,
            clock=hub.clock,
        )


def test_a_withdrawn_or_rejected_proposal_says_so_and_changes_nothing(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    add(hub, "ada@hub.example", "operator")
    ada = browsers()
    staff_sign_in(ada, "ada@hub.example")
    before = current_catalogue(uow=hub.uow())
    agreement_id = sorted(a.id for a in before.agreements)[0]
    ada.get("/admin")
    ada.post(f"/admin/catalogue/{agreement_id}/retire")
    proposal_id = re.findall(r'id="proposal-([0-9a-f-]+)"', ada.get("/admin").text)[0]
    withdrawn = ada.post(f"/admin/proposals/{proposal_id}/reject")
    assert withdrawn.headers["location"].endswith("/admin?done=rejected")
    assert "Change rejected" in ada.get(withdrawn.headers["location"]).text
    assert agreement_id in {a.id for a in current_catalogue(uow=hub.uow()).agreements}
