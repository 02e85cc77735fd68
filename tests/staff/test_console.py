"""The recipient console as a browser without JavaScript uses it: only the organisation's own
disclosures, exactly the agreed fields, the same use cases as the API, every action logged."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Sequence

import pytest
import sqlalchemy as sa
from markupsafe import escape

from tellonce.adapters.database.schema import disclosures
from tellonce.bootstrap import Hub
from tellonce.service_layer.catalogue import current_catalogue
from tellonce.service_layer.ports.transparency import PendingLogEntry
from tests.fakes import FakeClock
from tests.support.api import draft, previewed, sign_in
from tests.support.portal import Portal, errors, send
from tests.support.staff import add, disclosures_by_recipient, hub_actions, staff_sign_in


def _two_recipients(
    hub: Hub, browsers: Callable[[], Portal]
) -> tuple[str, str, dict[str, list[str]]]:
    citizen = browsers()
    citizen.sign_in("console citizen")
    send(citizen, hub)
    found = disclosures_by_recipient(hub)
    first, second = sorted(found)[:2]
    return first, second, found


def test_a_caseworker_sees_and_acts_on_only_their_organisations_disclosures(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    mine, theirs, found = _two_recipients(hub, browsers)
    add(hub, "casey@mine.example", "caseworker", mine)
    add(hub, "mo@theirs.example", "manager", theirs)
    casey = browsers()
    staff_sign_in(casey, "casey@mine.example")

    inbox = casey.get("/console").text
    for disclosure_id in found[mine]:
        assert f"/console/disclosures/{disclosure_id}" in inbox
    for disclosure_id in found[theirs]:
        assert disclosure_id not in inbox
        assert casey.get(f"/console/disclosures/{disclosure_id}").status_code == 404
        # Bulk acknowledge with another recipient's id: refused, nothing acknowledged.
        response = casey.post(
            "/console/selection", {"action": "acknowledge", "disclosure": [disclosure_id]}
        )
        assert response.status_code == 400
        assert errors(response)
        export = casey.post("/console/export", {"disclosure": [disclosure_id], "understood": "yes"})
        assert disclosure_id not in export.text
    with hub.engine.connect() as connection:
        acknowledged = connection.execute(
            sa.select(sa.func.count()).where(disclosures.c.acknowledged_at.is_not(None))
        ).scalar_one()
    assert acknowledged == 0
    # Settings are a manager's, and only of their own organisation.
    assert casey.get("/console/settings").status_code == 403
    assert casey.get("/admin").status_code == 403
    manager = browsers()
    staff_sign_in(manager, "mo@theirs.example")
    settings = manager.get("/console/settings").text
    assert "casey@mine.example" not in settings
    assert manager.get("/console/disclosures/" + found[mine][0]).status_code == 404


def test_the_disclosure_page_shows_exactly_the_agreed_fields_and_its_legal_basis(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    mine, _, found = _two_recipients(hub, browsers)
    add(hub, "casey@mine.example", "caseworker", mine)
    casey = browsers()
    staff_sign_in(casey, "casey@mine.example")
    page = casey.get(f"/console/disclosures/{found[mine][0]}").text
    catalogue = current_catalogue(uow=hub.uow())
    agreement = next(a for a in catalogue.agreements if a.recipient_id == mine)
    assert str(escape(agreement.lawful_basis.describe())) in page
    assert str(escape(agreement.purpose.description)) in page
    received = page.split("What you received", 1)[1].split("Why you received it", 1)[0]
    shown = re.findall(r'<dt class="govuk-summary-list__key">\s*([^<]+?)\s*</dt>', received)
    assert 0 < len(shown) <= len(agreement.fields["change-of-address"])
    if not any("national_insurance" in f for f in agreement.fields["change-of-address"]):
        assert "QQ123456C" not in page


def test_acknowledge_outcome_with_reason_bulk_and_export_are_recorded(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    mine, _, found = _two_recipients(hub, browsers)
    add(hub, "casey@mine.example", "caseworker", mine)
    casey = browsers()
    staff_sign_in(casey, "casey@mine.example")
    first = found[mine][0]
    casey.get(f"/console/disclosures/{first}")
    assert casey.post(f"/console/disclosures/{first}/acknowledgement").status_code == 303
    assert "Receipt acknowledged" in casey.get(f"/console/disclosures/{first}?acknowledged=1").text

    missing = casey.post(
        f"/console/disclosures/{first}/outcome", {"outcome": "actioned", "reason": ""}
    )
    assert missing.status_code == 400
    assert errors(missing) == ["Give a reason for the outcome"]
    done = casey.post(
        f"/console/disclosures/{first}/outcome",
        {"outcome": "actioned", "reason": "Updated the roll"},
    )
    assert done.status_code == 303
    assert "Actioned" in casey.get(f"/console/disclosures/{first}").text
    again = casey.post(
        f"/console/disclosures/{first}/outcome",
        {"outcome": "actioned", "reason": "Updated the roll"},
    )
    assert again.status_code == 303  # the same outcome again changes nothing: not logged

    casey.get("/console")
    nothing = casey.post("/console/selection", {"action": "acknowledge"})
    assert errors(nothing) == ["Select the disclosures to acknowledge"]
    bulk = casey.post("/console/selection", {"action": "acknowledge", "disclosure": found[mine]})
    assert bulk.headers["location"] == f"/console?done={len(found[mine])}"

    warning = casey.post("/console/selection", {"action": "export", "disclosure": found[mine]})
    assert "holds personal data" in warning.text
    unconfirmed = casey.post("/console/export", {"disclosure": found[mine]})
    assert errors(unconfirmed) == ["Confirm that you will handle the export as personal data"]
    export = casey.post("/console/export", {"disclosure": found[mine], "understood": "yes"})
    assert export.headers["content-type"].startswith("text/csv")
    assert first in export.text

    actions = [json.loads(entry) for entry in hub_actions(hub)]
    # The bulk acknowledgement counts only those it acknowledged (the first was already): when
    # that is none, it changed nothing and logs nothing (ADR 0078).
    fresh = len(found[mine]) - 1
    assert [a["action"] for a in actions] == [
        "disclosures-acknowledged",
        "outcome-recorded",
        *(["disclosures-acknowledged"] if fresh else []),
        "disclosures-exported",
    ]
    for action in actions:
        assert action["actor"]["organisation"] == mine
        assert "casey" not in json.dumps(action)
    if fresh:
        assert actions[2]["count"] == fresh
    assert actions[-1]["count"] == len(found[mine])


def test_an_outcome_and_its_hub_action_commit_together(
    hub: Hub, browsers: Callable[[], Portal], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry is written in the outcome's own transaction (ADR 0078): when writing it fails,
    the outcome is not recorded either; a crash can no longer leave a change without its entry."""
    from tellonce.adapters.database.repositories.transparency import (
        SqlTransparencyLogRepository,
    )

    mine, _, found = _two_recipients(hub, browsers)
    add(hub, "casey@mine.example", "caseworker", mine)
    casey = browsers()
    staff_sign_in(casey, "casey@mine.example")
    first = found[mine][0]
    casey.get(f"/console/disclosures/{first}")

    add_pending = SqlTransparencyLogRepository.add_pending

    def refuse_hub_actions(
        self: SqlTransparencyLogRepository, entries: Sequence[PendingLogEntry]
    ) -> None:
        if any(e.kind == "hub-action" for e in entries):
            raise RuntimeError("the log's table is away")
        add_pending(self, entries)

    with monkeypatch.context() as patched:
        patched.setattr(SqlTransparencyLogRepository, "add_pending", refuse_hub_actions)
        failed = casey.post(
            f"/console/disclosures/{first}/outcome",
            {"outcome": "actioned", "reason": "Updated the roll"},
        )
        assert failed.status_code == 500
    with hub.engine.connect() as connection:
        outcome = connection.execute(
            sa.select(disclosures.c.outcome).where(disclosures.c.id == uuid.UUID(first))
        ).scalar_one()
    assert outcome is None and hub_actions(hub) == []
    done = casey.post(
        f"/console/disclosures/{first}/outcome",
        {"outcome": "actioned", "reason": "Updated the roll"},
    )
    assert done.status_code == 303
    assert [json.loads(e)["action"] for e in hub_actions(hub)] == ["outcome-recorded"]


def test_inbox_filters_sort_and_date_errors(hub: Hub, browsers: Callable[[], Portal]) -> None:
    mine, _, found = _two_recipients(hub, browsers)
    add(hub, "casey@mine.example", "caseworker", mine)
    casey = browsers()
    staff_sign_in(casey, "casey@mine.example")
    today = hub.clock.now().date()
    page = casey.get(
        f"/console?event_type=change-of-address&since={today}&until={today}&sort=oldest"
    )
    assert found[mine][0] in page.text
    assert casey.get("/console?event_type=birth").text.count("/console/disclosures/") == 0
    assert casey.get("/console?state=closed").text.count("/console/disclosures/") == 0
    bad = casey.get("/console?since=31-02-2026")
    assert bad.status_code == 400
    assert errors(bad) == ["Enter a real date, like 2026-03-31"]


def test_a_manager_runs_keys_endpoint_and_staff_and_each_change_is_logged(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    mine, theirs, _ = _two_recipients(hub, browsers)
    add(hub, "mo@mine.example", "manager", mine)
    add(hub, "other@theirs.example", "manager", theirs)
    mo = browsers()
    staff_sign_in(mo, "mo@mine.example")
    mo.get("/console/settings")
    key = mo.post("/console/settings/keys", {"label": "case system", "environment": "live"})
    shown = re.search(r'id="shown-once">(tlo_live_[^<]+)<', key.text)
    assert shown, key.text
    prefix = shown.group(1)[: len("tlo_live_") + 8]
    assert shown.group(1) not in mo.get("/console/settings").text  # shown once
    bad = mo.post("/console/settings/endpoint", {"url": "ftp://nowhere"})
    assert errors(bad) == ["The endpoint must be an http(s) URL"]
    secret = mo.post("/console/settings/endpoint", {"url": "https://receiver.example/hook"})
    assert "whsec_" in secret.text
    mo.get("/console/settings")
    assert "whsec_" in mo.post("/console/settings/secret").text
    invite = mo.post("/console/settings/staff", {"name": "", "email": "nope", "role": ""})
    assert errors(invite) == [
        "Enter their full name (up to 100 characters)",
        "Select caseworker or manager",
        "Enter an email address in the correct format, like name@example.gov.uk",
    ]
    assert (
        mo.post(
            "/console/settings/staff",
            {"name": "Cas Worker", "email": "cas@mine.example", "role": "caseworker"},
        ).status_code
        == 303
    )
    # Another organisation's manager cannot revoke this key.
    other = browsers()
    staff_sign_in(other, "other@theirs.example")
    other.get("/console/settings")
    refused = other.post("/console/settings/keys/revoke", {"prefix": prefix})
    assert refused.status_code == 400
    assert (
        mo.post("/console/settings/keys/revoke", {"prefix": prefix})
        .headers["location"]
        .endswith("revoked")
    )
    actions = [json.loads(entry)["action"] for entry in hub_actions(hub)]
    assert actions == [
        "api-key-issued",
        "endpoint-set",
        "secret-rotated",
        "staff-invited",
        "api-key-revoked",
    ]


def test_signing_in_needs_a_known_address_and_an_error_summary_says_so(
    browsers: Callable[[], Portal],
) -> None:
    stranger = browsers()
    assert stranger.get("/console").headers["location"] == "/staff/sign-in?next=/console"
    stranger.get("/staff/sign-in")
    empty = stranger.post("/staff/sign-in", {"email": ""})
    assert errors(empty) == ["Enter your work email address"]
    unknown = stranger.post("/staff/sign-in", {"email": "who@nowhere.example"})
    assert errors(unknown) == ["No one with that email address works on this hub: ask your manager"]


def test_the_inbox_pages_25_at_a_time_newest_first(
    hub: Hub, browsers: Callable[[], Portal], clock: FakeClock
) -> None:
    api = browsers().client
    auth = sign_in(api, "many moves")
    body = draft(today=clock.now().date())
    body["answers"] = {q["id"]: False for q in previewed(api, auth, body)["questions"]}
    body |= {"preview_digest": previewed(api, auth, body)["preview_digest"], "consents": {}}
    for _ in range(26):
        response = api.post("/api/v1/reports", json=body, headers=auth)
        assert response.status_code == 201, response.text
        clock.advance(dt.timedelta(minutes=1))
    counts = {k: len(v) for k, v in disclosures_by_recipient(hub).items()}
    recipient = next(r for r, n in sorted(counts.items()) if n == 26)
    add(hub, "casey@mine.example", "caseworker", recipient)
    casey = browsers()
    staff_sign_in(casey, "casey@mine.example")
    first = casey.get("/console").text
    assert "26 disclosures" in first
    assert first.count('name="disclosure"') == 25
    assert 'href="/console?page_number=2"' in first
    second = casey.get("/console?page_number=2").text
    assert second.count('name="disclosure"') == 1
    oldest = casey.get("/console?sort=oldest").text
    newest_first = re.findall(r'/console/disclosures/([0-9a-f-]+)"', first)
    oldest_first = re.findall(r'/console/disclosures/([0-9a-f-]+)"', oldest)
    assert newest_first[0] not in oldest_first
    assert re.findall(r'/console/disclosures/([0-9a-f-]+)"', second)[0] == oldest_first[0]


def test_the_legal_gateway_is_a_link_to_its_source(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    mine, _, found = _two_recipients(hub, browsers)
    add(hub, "casey@mine.example", "caseworker", mine)
    casey = browsers()
    staff_sign_in(casey, "casey@mine.example")
    page = casey.get(f"/console/disclosures/{found[mine][0]}").text
    agreement = next(
        a for a in current_catalogue(uow=hub.uow()).agreements if a.recipient_id == mine
    )
    assert agreement.gateway
    assert f'<a class="govuk-link" href="{escape(agreement.gateway.source)}">' in page
    assert "&lt;a class" not in page
