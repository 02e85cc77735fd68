"""A recipient's area: the nations and postcode units it serves, and those it does not."""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from yaml.nodes import Node

from tellonce.adapters.catalogue_files.yaml_nodes import NodeMap, NodeReader, allowed, optional_node
from tellonce.domain.areas import Area, Nation

# Postcode area (LS), district (LS6, SW1A), sector (LS6 2) or full postcode (LS6 2AB).
_POSTCODE_UNIT = re.compile(r"^[A-Z]{1,2}(?:\d[A-Z\d]?(?: \d(?:[A-Z]{2})?)?)?$")


def read_area(nodes: NodeReader, node: Node, what: str) -> Area | None:
    fields = nodes.mapping(node, what, optional=("nations", "include", "exclude"))
    if fields is None:
        return None
    nations = _read_codes(nodes, fields, "nations", what, _nation_problem)
    include = _read_codes(nodes, fields, "include", what, _postcode_problem)
    exclude = _read_codes(nodes, fields, "exclude", what, _postcode_problem)
    if nations is None or include is None or exclude is None:
        return None
    if not nations and not include:
        nodes.problem(node, f"{what} serves nowhere: list its 'nations' or 'include' postcodes")
        return None
    if not _excludes_make_sense(nodes, what, nations, include, exclude):
        return None
    return Area.build(
        nations=[code for code, _ in nations],
        include=[code for code, _ in include],
        exclude=[code for code, _ in exclude],
    )


_Code = tuple[str, Node]


def _read_codes(
    nodes: NodeReader, fields: NodeMap, key: str, what: str, check: Callable[[str], str | None]
) -> list[_Code] | None:
    node = optional_node(fields, key)
    if node is None:
        return []
    items = nodes.sequence(node, f"{what} {key}")
    if items is None:
        return None
    codes: list[_Code] = []
    for item in items:
        value = nodes.text(item, f"{what} {key} entries")
        problem = check(value) if value is not None else None
        if problem is not None:
            nodes.problem(item, f"{what} {key}: {problem}")
        elif value is not None and value in (code for code, _ in codes):
            nodes.problem(item, f"{what} {key}: '{value}' is listed twice")
        elif value is not None:
            codes.append((value, item))
    return codes if len(codes) == len(items) else None


def _excludes_make_sense(
    nodes: NodeReader, what: str, nations: list[_Code], include: list[_Code], exclude: list[_Code]
) -> bool:
    included = {code for code, _ in include}
    ok = True
    for code, item in exclude:
        if code in included:
            nodes.problem(item, f"{what}: '{code}' is both included and excluded")
            ok = False
        elif not nations and not _containers(code) & included:
            nodes.problem(
                item,
                f"{what}: excluding '{code}' has no effect, as no included postcode unit "
                "contains it",
            )
            ok = False
    return ok


def _containers(code: str) -> set[str]:
    """The broader postcode units that contain ``code``: LS6 2AB is inside LS6 2, LS6 and LS."""
    outward, _, inward = code.partition(" ")
    letters = len(outward) - len(outward.lstrip(string.ascii_uppercase))
    found = {outward[:letters]}
    if inward:
        found.add(outward)
    if len(inward) == 3:
        found.add(f"{outward} {inward[0]}")
    found.discard(code)
    return found


def _nation_problem(value: str) -> str | None:
    if value in {nation.value for nation in Nation}:
        return None
    return f"'{value}' is not a nation (expected {allowed(nation.value for nation in Nation)})"


def _postcode_problem(value: str) -> str | None:
    if _POSTCODE_UNIT.match(value):
        return None
    return (
        f"'{value}' is not a postcode unit: write an area (LS), district (LS6), "
        "sector (LS6 2) or full postcode (LS6 2AB) in capitals"
    )
