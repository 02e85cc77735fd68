"""Plain values from YAML nodes, each bad node recorded as a problem at its file and line.

We compose the YAML into nodes (``yaml.compose`` with ``SafeLoader``) instead of loading it
into plain values, because only the nodes remember where they were written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tellonce.adapters.catalogue_files.problems import CatalogueProblem, Where

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HTTP_URL = re.compile(r"^https?://[^\s/]+\.[^\s]+$")

_Choice = TypeVar("_Choice", bound=StrEnum)


@dataclass
class NodeMap:
    """A YAML mapping with string keys, remembering each key's node for line numbers."""

    node: MappingNode
    values: dict[str, Node]
    keys: dict[str, Node]


class NodeReader:
    """Turns nodes of one file into plain values, recording a problem for each bad node."""

    def __init__(self, file: str, problems: list[CatalogueProblem]) -> None:
        self.file = file
        self.problems = problems
        self._constructor = SafeConstructor()

    def where(self, node: Node) -> Where:
        return Where(self.file, node.start_mark.line + 1)

    def problem(self, node: Node, message: str) -> None:
        self.problems.append(CatalogueProblem(self.file, node.start_mark.line + 1, message))

    def scalar(self, node: Node) -> object:
        """The plain value of a scalar node; other nodes, and scalars with a tag or a value the
        safe constructor refuses (``!python/name``, ``2024-02-30``), come back as themselves, so
        the caller's type check reports them."""
        if not isinstance(node, ScalarNode):
            return node
        try:
            return self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError):
            return node

    def mapping(
        self, node: Node, what: str, required: Iterable[str] = (), optional: Iterable[str] = ()
    ) -> NodeMap | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return None
        known = {*required, *optional}
        result = NodeMap(node, {}, {})
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            if not isinstance(key, str):
                self.problem(key_node, f"{what}: keys must be text")
            elif key in result.values:
                self.problem(key_node, f"{what}: key '{key}' is given twice")
            elif known and key not in known:
                self.problem(key_node, f"{what}: unknown key '{key}' (expected {allowed(known)})")
            else:
                result.values[key], result.keys[key] = value_node, key_node
        for key in required:
            if key not in result.values:
                self.problem(node, f"{what}: required key '{key}' is missing")
        return result

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if isinstance(node, SequenceNode):
            return list(node.value)
        self.problem(node, f"{what} must be a list")
        return None

    def text(self, node: Node, what: str) -> str | None:
        value = self.scalar(node)
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.problem(node, f"{what} must be non-empty text")
        return None

    def flag(self, node: Node, what: str) -> bool | None:
        value = self.scalar(node)
        if isinstance(value, bool):
            return value
        self.problem(node, f"{what} must be true or false")
        return None

    def number(self, node: Node, what: str, low: int, high: int) -> int | None:
        value = self.scalar(node)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        self.problem(node, f"{what} must be a whole number from {low} to {high}")
        return None

    def choice(self, node: Node, what: str, choices: type[_Choice]) -> _Choice | None:
        value = self.scalar(node)
        if isinstance(value, str) and value in {choice.value for choice in choices}:
            return choices(value)
        self.problem(node, f"{what} must be one of: {allowed(c.value for c in choices)}")
        return None

    def slug(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not _SLUG.match(value):
            self.problem(node, f"{what} '{value}' must be a lowercase slug like 'leeds-libraries'")
            return None
        return value

    def url(self, node: Node, what: str) -> str | None:
        value = self.text(node, what)
        if value is not None and not _HTTP_URL.match(value):
            self.problem(node, f"{what} must be an http(s) web address, not '{value}'")
            return None
        return value


def allowed(choices: Iterable[str]) -> str:
    return ", ".join(sorted(choices))


def optional_node(fields: NodeMap, key: str) -> Node | None:
    node = fields.values.get(key)
    if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
        return None
    return node
