"""'Your data': every disclosure of a citizen's data and every consent choice, for them alone."""

from __future__ import annotations

import datetime as dt

from tellonce.bootstrap import Hub
from tellonce.domain.examples import example_payload
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.identity import start_session
from tellonce.service_layer.ports.identity import Account
from tellonce.service_layer.reporting import (
    ReportDraft,
    ReportSubmission,
    preview_report,
    submit_report,
)
from tellonce.service_layer.your_data import agreements_in_force, data_for_account
from tests.factories import small_catalogue


def citizen(hub: Hub, name: str) -> Account:
    lifetime = dt.timedelta(hours=1)
    return start_session(
        "demo", name, uow_factory=hub.uow, vault=hub.vault, clock=hub.clock, lifetime=lifetime
    ).account


def report_move(hub: Hub, account: Account, *, consent: bool) -> str:
    payload = example_payload("change-of-address", today=hub.clock.now().date())
    draft = ReportDraft("change-of-address", payload, {"holds-driving-licence": True})
    plan = preview_report(draft, uow=hub.uow(), clock=hub.clock)
    consents = {route.agreement.id: consent for route in plan.by_consent}
    submission = ReportSubmission(draft, consents, plan.digest(), "portal")
    submitted = submit_report(
        submission, account=account, uow_factory=hub.uow, vault=hub.vault, clock=hub.clock
    )
    return submitted.report.reference


def test_every_disclosure_and_consent_is_listed_with_why(hub: Hub) -> None:
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    account = citizen(hub, "mover")
    reference = report_move(hub, account, consent=False)

    data = data_for_account(account, hub.uow())

    told = {d.agreement_id: d for d in data.disclosures}
    assert set(told) == {
        "dwp-moves",
        "dvla-moves",
        "leeds-council-tax-moves",
        "manchester-council-tax-moves",
        "leeds-electoral-moves",
    }
    dwp = told["dwp-moves"]
    assert dwp.report_reference == reference
    assert dwp.fields == ("person.name", "person.national_insurance_number", "new_address")
    assert dwp.basis == "law"
    assert dwp.gateway == "Digital Economy Act 2017, section 35"
    assert dwp.lawful_basis == "UK GDPR Article 6(1)(e)"
    assert dwp.purpose == "To keep their records up to date"
    assert dwp.state == "queued"
    (choice,) = data.consents
    assert (choice.agreement_id, choice.decision, choice.method) == (
        "charity-newsletter",
        "refused",
        "portal",
    )
    assert choice.purpose_code == "dpv:ServiceProvision"


def test_nobody_sees_anyone_elses_data(hub: Hub) -> None:
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    report_move(hub, citizen(hub, "mover"), consent=True)
    data = data_for_account(citizen(hub, "neighbour"), hub.uow())
    assert data.disclosures == ()
    assert data.consents == ()


def test_the_privacy_notice_reads_the_agreements_in_force(hub: Hub) -> None:
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    catalogue = agreements_in_force(hub.uow())
    assert {a.id for a in catalogue.agreements} >= {"dwp-moves", "charity-newsletter"}
