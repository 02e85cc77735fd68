"""The area a recipient serves, described by postcode units.

A council must only hear about people in its own area: telling the wrong council is a breach.
Postcode districts can straddle council boundaries (and sectors can too), so an area is a set of
*includes* and *excludes* at any granularity — postcode area (``LS``), district (``LS6``),
sector (``LS6 2``) or full postcode (``LS6 2AB``) — plus whole nations. The most specific rule
that matches a postcode decides: an exclude of ``HG3 1`` beats an include of ``HG3``.

In production these lists are generated from the ONS Postcode Directory (see ADR 0005); the
rules here only evaluate them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Nation(StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


# Postcode areas wholly or mostly in each nation. Cross-border areas (CH, LD, NP, SY, TD, CA, HR,
# GL) are listed under the nation of most of their units and corrected by district below.
_NATION_AREAS: dict[Nation, frozenset[str]] = {
    Nation.SCOTLAND: frozenset(
        [
            "AB",
            "DD",
            "DG",
            "EH",
            "FK",
            "G",
            "HS",
            "IV",
            "KA",
            "KW",
            "KY",
            "ML",
            "PA",
            "PH",
            "TD",
            "ZE",
        ],
    ),
    Nation.WALES: frozenset(["CF", "LD", "LL", "NP", "SA"]),
    Nation.NORTHERN_IRELAND: frozenset({"BT"}),
}
# Districts that sit on the other side of a border from the rest of their area.
_NATION_DISTRICT_OVERRIDES: dict[str, Nation] = {
    "TD12": Nation.ENGLAND,  # Cornhill-on-Tweed straddles; most units are English
    "TD15": Nation.ENGLAND,  # Berwick-upon-Tweed
    "SY15": Nation.WALES,
    "SY16": Nation.WALES,
    "SY17": Nation.WALES,
    "SY18": Nation.WALES,
    "SY19": Nation.WALES,
    "SY20": Nation.WALES,
    "SY21": Nation.WALES,
    "SY22": Nation.WALES,
    "SY23": Nation.WALES,
    "SY24": Nation.WALES,
    "SY25": Nation.WALES,
    "CH5": Nation.WALES,
    "CH6": Nation.WALES,
    "CH7": Nation.WALES,
    "CH8": Nation.WALES,
    "LL14": Nation.WALES,
    "NP25": Nation.WALES,
}

_OUTWARD = re.compile(r"^([A-Z]{1,2})(\d[A-Z\d]?)$")


@dataclass(frozen=True, slots=True)
class PostcodeUnits:
    """The four nested units of one full postcode, e.g. LS / LS6 / LS6 2 / LS6 2AB."""

    area: str
    district: str
    sector: str
    unit: str

    @classmethod
    def of(cls, postcode: str) -> PostcodeUnits:
        outward, inward = postcode.split(" ")
        match = _OUTWARD.match(outward)
        if match is None:
            raise ValueError("not a normalised postcode")
        return cls(
            area=match.group(1),
            district=outward,
            sector=f"{outward} {inward[0]}",
            unit=postcode,
        )

    def nation(self) -> Nation:
        if self.district in _NATION_DISTRICT_OVERRIDES:
            return _NATION_DISTRICT_OVERRIDES[self.district]
        for nation, areas in _NATION_AREAS.items():
            if self.area in areas:
                return nation
        return Nation.ENGLAND


def unit_kind(code: str) -> str:
    """Classify a postcode-unit code as written in an area definition."""
    if " " in code:
        return "postcode" if len(code.split(" ")[1]) == 3 else "sector"
    return "district" if any(ch.isdigit() for ch in code) else "area"


# Specificity: a higher number wins when several rules match one postcode.
_SPECIFICITY = {"nation": 0, "area": 1, "district": 2, "sector": 3, "postcode": 4}


@dataclass(frozen=True, slots=True)
class Area:
    """Where a recipient serves. Empty includes and no nations means nowhere."""

    nations: frozenset[Nation] = frozenset()
    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        nations: Iterable[str] = (),
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
    ) -> Area:
        return cls(
            nations=frozenset(Nation(n) for n in nations),
            include=frozenset(code.upper() for code in include),
            exclude=frozenset(code.upper() for code in exclude),
        )

    def matching_rule(self, postcode: str) -> tuple[bool, str] | None:
        """(served?, deciding rule) for a normalised postcode; None if no rule applies."""
        units = PostcodeUnits.of(postcode)
        best: tuple[int, bool, str] | None = None
        candidates = (
            ("area", units.area),
            ("district", units.district),
            ("sector", units.sector),
            ("postcode", units.unit),
        )
        nation = units.nation()
        if nation in self.nations:
            best = (_SPECIFICITY["nation"], True, f"nation {nation.value}")
        for kind, code in candidates:
            rank = _SPECIFICITY[kind]
            # Excludes are checked after includes so an exclude wins a tie at the same level.
            if code in self.include and (best is None or rank >= best[0]):
                best = (rank, True, f"postcode {kind} {code}")
            if code in self.exclude and (best is None or rank >= best[0]):
                best = (rank, False, f"postcode {kind} {code} is excluded")
        if best is None:
            return None
        return best[1], best[2]

    def serves(self, postcode: str) -> bool:
        rule = self.matching_rule(postcode)
        return rule is not None and rule[0]

    @property
    def is_everywhere(self) -> bool:
        return self.nations == frozenset(Nation) and not self.exclude
