"""One recipient or agreement: its keys read with messages that name the record."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from yaml.nodes import MappingNode, Node

from tellonce.adapters.catalogue_files.yaml_nodes import NodeMap, NodeReader, optional_node

_Choice = TypeVar("_Choice", bound=StrEnum)
_Parsed = TypeVar("_Parsed")


def record_label(kind: str, nodes: NodeReader, node: Node) -> str:
    """How messages name a record: by its id as written, even when that id is faulty."""
    pairs = node.value if isinstance(node, MappingNode) else []
    for key_node, value_node in pairs:
        written = nodes.scalar(value_node) if nodes.scalar(key_node) == "id" else None
        if isinstance(written, str) and written.strip():
            return f"{kind} '{written.strip()}'"
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


class Record:
    """The keys of one recipient or agreement, read with messages that name it."""

    def __init__(self, nodes: NodeReader, fields: NodeMap, label: str) -> None:
        self.nodes = nodes
        self.fields = fields
        self.label = label

    def node(self, key: str) -> Node | None:
        return optional_node(self.fields, key)

    def what(self, key: str) -> str:
        return f"{self.label}: '{key}'"

    def get(self, key: str, parse: Callable[[Node, str], _Parsed | None]) -> _Parsed | None:
        node = self.node(key)
        if node is None:
            if key in self.fields.values:  # written as null, but required
                self.nodes.problem(self.fields.values[key], f"{self.what(key)} must not be empty")
            return None
        return parse(node, self.what(key))

    def text(self, key: str) -> str | None:
        return self.get(key, self.nodes.text)

    def flag(self, key: str) -> bool | None:
        return self.get(key, self.nodes.flag)

    def choice(self, key: str, choices: type[_Choice]) -> _Choice | None:
        return self.get(key, lambda node, what: self.nodes.choice(node, what, choices))
