"""The shipped demo catalogue (``catalogue/``) is sound, lawful in shape, and routes by area.

These are promises the demo makes to anyone reading it: real UK public bodies, private
organisations only with consent, every by-law disclosure tied to a cited source, and councils
that never hear about people outside their area.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tellonce.adapters.catalogue_files import read_catalogue
from tellonce.domain.catalogue import Agreement, Catalogue, RecipientKind
from tellonce.domain.events import EVENT_TYPES
from tests.support.paths import CATALOGUE_DIR

COUNCILS = ("leeds", "manchester", "sheffield")
COUNCIL_SERVICES = ("electoral-registration", "council-tax", "benefits", "blue-badge", "libraries")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    catalogue, problems = read_catalogue(CATALOGUE_DIR)
    assert problems == []
    assert catalogue is not None
    return catalogue


def test_the_demo_catalogue_has_no_problems() -> None:
    catalogue, problems = read_catalogue(CATALOGUE_DIR)

    assert [str(problem) for problem in problems] == []
    assert catalogue is not None


def test_it_has_enough_public_and_private_recipients(catalogue: Catalogue) -> None:
    kinds = Counter(
        "private" if r.kind is RecipientKind.PRIVATE else "public"
        for r in catalogue.recipients.values()
    )

    assert kinds["public"] >= 15
    assert kinds["private"] >= 2


def test_every_life_event_has_at_least_three_agreements(catalogue: Catalogue) -> None:
    counts = Counter(event for a in catalogue.agreements for event in a.event_types)

    assert min(counts[event] for event in EVENT_TYPES) >= 3, counts


def test_every_life_event_has_a_by_law_and_a_consent_based_agreement(
    catalogue: Catalogue,
) -> None:
    for event in EVENT_TYPES:
        agreements = [a for a in catalogue.agreements if event in a.event_types]
        assert any(a.by_law for a in agreements), event
        assert any(a.consent_required for a in agreements), event


def test_every_by_law_agreement_cites_a_gateway_with_a_source(catalogue: Catalogue) -> None:
    by_law = [a for a in catalogue.agreements if a.by_law]

    assert by_law
    for agreement in by_law:
        assert agreement.gateway is not None, agreement.id
        assert agreement.gateway.source.startswith("https://"), agreement.id
        assert agreement.gateway.citation, agreement.id
        assert agreement.lawful_basis.article_6 != "a", agreement.id


def test_consent_based_agreements_use_consent_and_cite_no_gateway(catalogue: Catalogue) -> None:
    for agreement in catalogue.agreements:
        if agreement.consent_required:
            assert agreement.lawful_basis.article_6 == "a", agreement.id
            assert agreement.gateway is None, agreement.id


def test_disclosures_that_reveal_health_name_an_article_9_condition(catalogue: Catalogue) -> None:
    """Telling a Blue Badge team about someone says they hold a badge: health data."""
    revealing = [a for a in catalogue.agreements if "blue-badge" in a.recipient_id]
    assert len(revealing) == 3  # one at each council
    for agreement in revealing:
        assert agreement.lawful_basis.article_9 == "a", agreement.id  # explicit consent
        assert agreement.consent_required, agreement.id
        assert "Article 9(2)(a)" in agreement.lawful_basis.describe()


def test_private_recipients_are_consent_only(catalogue: Catalogue) -> None:
    private = {r.id for r in catalogue.recipients.values() if r.kind is RecipientKind.PRIVATE}
    their_agreements = [a for a in catalogue.agreements if a.recipient_id in private]

    assert {a.recipient_id for a in their_agreements} == private
    assert all(a.consent_required for a in their_agreements)


def test_every_recipient_has_an_agreement(catalogue: Catalogue) -> None:
    assert {a.recipient_id for a in catalogue.agreements} == set(catalogue.recipients)


def test_each_council_has_its_five_services_sharing_one_area(catalogue: Catalogue) -> None:
    for council in COUNCILS:
        services = [catalogue.recipient(f"{council}-{service}") for service in COUNCIL_SERVICES]
        assert {r.kind for r in services} == {RecipientKind.LOCAL_AUTHORITY}
        assert len({r.area for r in services}) == 1, council


def _councils_serving(catalogue: Catalogue, postcode: str) -> set[str]:
    return {
        council
        for council in COUNCILS
        if catalogue.recipient(f"{council}-electoral-registration").area.serves(postcode)
    }


@pytest.mark.parametrize(
    ("postcode", "councils"),
    [
        ("LS6 2AB", {"leeds"}),  # Headingley
        ("LS1 4AP", {"leeds"}),  # city centre
        ("LS27 0AA", {"leeds"}),  # Gildersome
        ("WF3 1AA", {"leeds"}),  # Tingley (WF postcode, Leeds council)
        ("LS29 9AA", set()),  # Ilkley is Bradford
        ("LS25 6AA", set()),  # Sherburn in Elmet is North Yorkshire
        ("LS24 9AA", set()),  # Tadcaster is North Yorkshire
        ("WF3 4AA", set()),  # Stanley is Wakefield
        ("M14 5TQ", {"manchester"}),  # Fallowfield
        ("M1 1AD", {"manchester"}),  # Piccadilly
        ("M3 2AA", {"manchester"}),  # Deansgate
        ("M16 8AA", {"manchester"}),  # Whalley Range
        ("M3 5AA", set()),  # Greengate is Salford
        ("M5 4WT", set()),  # Salford
        ("M32 0AA", set()),  # Stretford is Trafford
        ("S10 2TN", {"sheffield"}),  # Broomhill
        ("S36 2AA", {"sheffield"}),  # Deepcar
        ("S36 6AA", set()),  # Penistone is Barnsley
        ("S35 7AA", set()),  # Wortley is Barnsley
        ("S18 1AA", set()),  # Dronfield is Derbyshire
        ("S60 1AA", set()),  # Rotherham
    ],
)
def test_councils_do_not_overlap_and_stop_at_their_boundaries(
    catalogue: Catalogue, postcode: str, councils: set[str]
) -> None:
    assert _councils_serving(catalogue, postcode) == councils


def test_every_area_decides_the_sample_postcodes_of_only_one_council(catalogue: Catalogue) -> None:
    samples = ["LS6 2AB", "M14 5TQ", "S10 2TN"]
    councils = [r for r in catalogue.recipients.values() if r.kind is RecipientKind.LOCAL_AUTHORITY]

    for postcode in samples:
        serving = {r.id.split("-")[0] for r in councils if r.area.serves(postcode)}
        assert len(serving) == 1, postcode


def test_national_bodies_serve_the_nations_they_cover(catalogue: Catalogue) -> None:
    dwp = catalogue.recipient("dwp-benefits-and-pensions").area
    hmrc = catalogue.recipient("hmrc-personal-tax").area
    scotland = catalogue.recipient("social-security-scotland").area

    assert dwp.serves("LS6 2AB") and dwp.serves("EH1 1YZ")
    assert not dwp.serves("BT1 1AA")  # Northern Ireland has its own social security
    assert hmrc.serves("BT1 1AA")
    assert scotland.serves("EH1 1YZ") and not scotland.serves("LS6 2AB")


def _questions(agreement: Agreement) -> set[str]:
    return {question.id for question in agreement.questions}


def test_routing_questions_narrow_recipients_that_only_matter_for_some_people(
    catalogue: Catalogue,
) -> None:
    agreements = {a.id: a for a in catalogue.agreements}

    assert "holds-driving-licence" in _questions(agreements["dvla-driving-licence-updates"])
    assert "keeps-registered-vehicle" in _questions(agreements["dvla-vehicle-keeper-updates"])
    assert "holds-british-passport" in _questions(agreements["hmpo-cancel-passport-after-death"])
    assert "paid-by-veterans-uk" in _questions(agreements["veterans-uk-pensions-and-compensation"])
    assert "has-student-loan" in _questions(agreements["slc-borrower-details"])
