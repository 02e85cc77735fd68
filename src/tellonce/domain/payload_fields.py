"""Fields of a life event payload by dotted path: which paths exist, and keeping only some.

Data-sharing agreements name the fields a recipient may receive by these paths
(``new_address.postcode``); a disclosure carries only the selected part of the payload.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, get_args

from pydantic import BaseModel


def model_field_paths(model: type[BaseModel]) -> frozenset[str]:
    """Every dotted path in ``model``: objects and leaves; lists by their field name."""
    return frozenset(_paths(model, ""))


def _paths(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, info in model.model_fields.items():
        path = prefix + name
        yield path
        nested = _nested_model(info.annotation)
        if nested is not None:
            yield from _paths(nested, path + ".")


def _nested_model(annotation: object) -> type[BaseModel] | None:
    """The model inside ``X``, ``X | None`` or ``list[X]``, if there is one."""
    if isinstance(annotation, type) and not get_args(annotation):
        return annotation if issubclass(annotation, BaseModel) else None
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


class _Missing:
    """Marks a path that selects nothing (absent, or ``None``)."""


_MISSING = _Missing()


def select_fields(payload_json: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """Keep only the named paths of a JSON-mode payload, in the payload's own shape.

    A path through a list selects that sub-field of every item; items that lack it stay as
    ``{}`` so that positions still line up when several paths are merged.
    """
    selected: dict[str, Any] = {}
    for path in paths:
        picked = _pick(payload_json, path.split("."))
        if isinstance(picked, dict):
            selected = _merge_dicts(selected, picked)
    return selected


def _pick(node: object, parts: Sequence[str]) -> object:
    if not parts:
        return _MISSING if node is None else _copied(node)
    if isinstance(node, list):
        items = [_pick(item, parts) for item in node]
        if all(item is _MISSING for item in items):
            return _MISSING
        return [{} if item is _MISSING else item for item in items]
    if isinstance(node, Mapping):
        picked = _pick(node.get(parts[0]), parts[1:])
        return _MISSING if picked is _MISSING else {parts[0]: picked}
    return _MISSING


def _copied(node: object) -> object:
    """A deep copy of a JSON value (dicts, lists and immutable scalars): several times faster
    than ``copy.deepcopy``, which keeps a memo for shared and cyclic objects JSON cannot have."""
    if isinstance(node, dict):
        return {key: _copied(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_copied(item) for item in node]
    return node


def _merge_dicts(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old)
    for key, value in new.items():
        merged[key] = _merge(merged[key], value) if key in merged else value
    return merged


def _merge(old: object, new: object) -> object:
    if isinstance(old, dict) and isinstance(new, dict):
        return _merge_dicts(old, new)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [_merge(a, b) for a, b in zip(old, new, strict=True)]
    return new
