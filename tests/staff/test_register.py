"""The public register: no sign-in, generated from the catalogue in force, statistics that
never show a small count, the log's checkpoint and verifier key, in English and Welsh."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from markupsafe import escape

from tellonce.bootstrap import Hub
from tellonce.service_layer.catalogue import current_catalogue
from tellonce.service_layer.transparency.entries import integrate_pending
from tests.support.portal import Portal, send


def test_every_recipient_and_agreement_in_force_is_listed_with_its_law(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    visitor = browsers()
    page = visitor.get("/register")
    assert page.status_code == 200
    catalogue = current_catalogue(uow=hub.uow())
    for recipient in catalogue.recipients.values():
        assert str(escape(recipient.name)) in page.text
    for agreement in catalogue.agreements:
        assert str(escape(agreement.title)) in page.text
        assert str(escape(agreement.retention)) in page.text
        if agreement.gateway:
            assert str(escape(agreement.gateway.source)) in page.text
    history = visitor.get("/register/history").text
    assert history.count("<code>") == len(catalogue.agreements)
    welsh = visitor.get("/register?lang=cy")
    assert welsh.status_code == 200
    assert 'lang="cy"' in welsh.text


def test_statistics_protect_small_counts_in_the_page_the_chart_and_the_csv(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    citizen = browsers()
    citizen.sign_in("register citizen")
    send(citizen, hub)
    visitor = browsers()
    page = visitor.get("/register/statistics").text
    assert "fewer than 10" in page
    assert 'role="img"' in page
    assert "tellonce-chart__bar--suppressed" in page
    assert '<title id="chart-title">Disclosures per month</title>' in page
    rows = list(csv.DictReader(io.StringIO(visitor.get("/register/statistics.csv").text)))
    assert rows
    assert {row["disclosures"] for row in rows} == {"<10"}
    assert {row["grouping"] for row in rows} == {"recipient", "event_type", "month", "total"}
    assert all(row["median_hours_to_acknowledge"] == "" for row in rows)


def test_the_log_page_shows_the_latest_checkpoint_and_how_to_verify(
    hub: Hub, browsers: Callable[[], Portal]
) -> None:
    visitor = browsers()
    assert "has not signed a checkpoint yet" in visitor.get("/register/log").text
    integrate_pending(hub.log_sequencer(owner="test"))
    page = visitor.get("/register/log").text
    assert hub.log_signer.verifier_key in page
    assert "tellonce log verify --url" in page
    assert "Latest checkpoint" in page
