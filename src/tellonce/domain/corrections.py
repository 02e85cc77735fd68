"""Rectification (UK GDPR Art. 16): applying a citizen's corrections to a report's details, and
which earlier recipients hold a corrected detail (Art. 19).

A correction names dotted paths of the report's payload (``person.name.family_name``,
``person.date_of_birth``, ``new_address``) and their new values. An agreement's field
``new_address`` holds ``new_address.postcode``, and a correction of ``new_address`` changes
``new_address.postcode``: a recipient is told when one of its agreed paths and one of the
corrected paths is the other or lies inside it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from tellonce.domain.errors import FieldProblem, InvalidInput

MAX_CHANGES = 20


def _related(agreed: str, changed: str) -> bool:
    return agreed == changed or changed.startswith(agreed + ".") or agreed.startswith(changed + ".")


def touched(agreed: Iterable[str], changed: Iterable[str]) -> tuple[str, ...]:
    """The agreed paths a correction of ``changed`` touches, sorted (none: not told)."""
    changes = list(changed)
    return tuple(sorted(a for a in set(agreed) if any(_related(a, c) for c in changes)))


def apply_changes(
    payload: Mapping[str, Any], changes: Mapping[str, Any], known_paths: Iterable[str]
) -> dict[str, Any]:
    """The payload with each changed path set to its new value. Unknown paths, and a path
    through something that is not an object, are problems at ``("corrections", path)``."""
    known = set(known_paths)
    problems = []
    if not changes:
        problems.append(FieldProblem(("corrections",), "Say which detail to correct"))
    elif len(changes) > MAX_CHANGES:
        problems.append(
            FieldProblem(("corrections",), f"Correct at most {MAX_CHANGES} details at once")
        )
    corrected = copy.deepcopy(dict(payload))
    for path, value in changes.items():
        if path not in known:
            problems.append(FieldProblem(("corrections", path), "This report has no such detail"))
            continue
        *parents, leaf = path.split(".")
        node: Any = corrected
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            problems.append(FieldProblem(("corrections", path), "This detail cannot be set"))
            continue
        node[leaf] = value
    if problems:
        raise InvalidInput(problems)
    return corrected


def changed_paths(
    before: Mapping[str, Any], after: Mapping[str, Any], paths: Iterable[str]
) -> list[str]:
    """Of the corrected ``paths``, those whose value really changed."""
    return sorted(p for p in paths if _value(before, p) != _value(after, p))


def _value(payload: Mapping[str, Any], path: str) -> Any:
    node: Any = payload
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node
