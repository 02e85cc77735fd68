from __future__ import annotations

import pytest

from tellonce.domain.areas import Area, Nation, PostcodeUnits, unit_kind


def test_units_of_a_postcode() -> None:
    units = PostcodeUnits.of("LS6 2AB")
    assert (units.area, units.district, units.sector, units.unit) == (
        "LS",
        "LS6",
        "LS6 2",
        "LS6 2AB",
    )


@pytest.mark.parametrize(
    ("postcode", "nation"),
    [
        ("LS6 2AB", Nation.ENGLAND),
        ("CF10 1AA", Nation.WALES),
        ("EH1 1AA", Nation.SCOTLAND),
        ("G1 1AA", Nation.SCOTLAND),
        ("BT1 1AA", Nation.NORTHERN_IRELAND),
        ("TD15 1AA", Nation.ENGLAND),  # Berwick-upon-Tweed: a TD postcode in England
        ("SY23 1AA", Nation.WALES),  # Aberystwyth: an SY postcode in Wales
        ("SY1 1AA", Nation.ENGLAND),  # Shrewsbury
    ],
)
def test_nation_of_a_postcode(postcode: str, nation: Nation) -> None:
    assert PostcodeUnits.of(postcode).nation() is nation


def test_most_specific_rule_wins() -> None:
    area = Area.build(include=["LS29", "LS29 9AB"], exclude=["LS29 9"])
    assert area.serves("LS29 7AA")
    assert not area.serves("LS29 9ZZ")  # the sector is excluded...
    assert area.serves("LS29 9AB")  # ...except one full postcode inside it


def test_an_exclude_beats_an_include_at_the_same_level() -> None:
    area = Area.build(include=["LS6"], exclude=["LS6"])
    assert not area.serves("LS6 2AB")


def test_nations_are_the_broadest_rule() -> None:
    area = Area.build(nations=["england"], exclude=["LS"])
    assert area.serves("M14 5TQ")
    assert not area.serves("LS6 2AB")
    assert not area.serves("EH1 1AA")


def test_no_rule_means_not_served() -> None:
    assert Area.build(include=["M14"]).matching_rule("LS6 2AB") is None


@pytest.mark.parametrize(
    ("code", "kind"),
    [("LS", "area"), ("LS6", "district"), ("LS6 2", "sector"), ("LS6 2AB", "postcode")],
)
def test_unit_kind(code: str, kind: str) -> None:
    assert unit_kind(code) == kind
