"""What the generated OpenAPI description cannot say on its own.

- A report's ``payload`` is shaped by its ``event_type``: the request bodies of preview and
  submit are a ``oneOf`` of one branch per life event, with a ``discriminator`` on
  ``event_type``, each branch's ``payload`` being that event's own JSON Schema (the one served at
  ``/api/v1/schemas/{event_type}/v1.json``, generated from the same pydantic model). At run time
  the payload is still checked by the use case, so every problem is reported at once with its
  pointer; this only describes it.
- The 422s that depend on the hub's state (a proof beyond the log, a cursor never given out, a
  rejection without a reason) are listed on their operations.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from tellonce.domain.events import EVENT_MODELS

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_COMPONENTS = "#/components/schemas/{model}"
_REPORT_BODIES = ("ReportDraftIn", "ReportSubmissionIn")

# The documented 422s of each operation whose rules go beyond what its parameters' schemas say.
STATE_DEPENDENT_422: dict[tuple[str, str], str] = {
    ("/api/v1/feed", "get"): (
        "after is not a cursor this feed gave this recipient (#/query/after: a position beyond "
        "its feed, another recipient's, or any other spelling), or limit or state is out of "
        "range"
    ),
    ("/api/v1/log/proofs/inclusion", "get"): (
        "size is beyond the log's latest checkpoint (#/query/size), or index is not below "
        "size (#/query/index)"
    ),
    ("/api/v1/log/proofs/consistency", "get"): (
        "from or to is beyond the log's latest checkpoint, or from is above to (#/query/from, "
        "#/query/to)"
    ),
    ("/api/v1/disclosures/{disclosure_id}/outcome", "post"): (
        "outcome is rejected without a reason (#/reason), or the body is otherwise invalid"
    ),
    ("/api/v1/reports/preview", "post"): (
        "The payload breaks a rule of its event that JSON Schema cannot express (a date in the "
        "future, a postcode that cannot exist): every problem is listed with its pointer"
    ),
    ("/api/v1/reports", "post"): (
        "The payload breaks a rule of its event, a routing question is unanswered, or a "
        "consent is given for an agreement that was not offered"
    ),
}

# Rules of request bodies, in JSON Schema, that the pydantic models check in code.
REJECTED_NEEDS_A_REASON = {
    "if": {"properties": {"outcome": {"const": "rejected"}}, "required": ["outcome"]},
    "then": {
        "required": ["reason"],
        "properties": {"reason": {"type": "string", "pattern": r"\S"}},
    },
}


def describe(app: FastAPI) -> None:
    """Wrap ``app.openapi`` (already set by ``problems.document``) with these additions."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    done: list[bool] = []

    def openapi() -> dict[str, Any]:
        spec = generate()
        if not done:
            add_event_schemas(spec)
            add_state_dependent_problems(spec)
            done.append(True)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def add_event_schemas(spec: dict[str, Any]) -> None:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    for event_type, model in EVENT_MODELS.items():
        payload = model.model_json_schema(ref_template=_COMPONENTS)
        for name, definition in payload.pop("$defs", {}).items():
            if schemas.setdefault(name, definition) != definition:
                raise ValueError(f"Two events define {name} differently; rename one")
        schemas[model.__name__] = {
            **payload,
            "description": (
                f"The payload of a {event_type} report, as served at "
                f"/api/v1/schemas/{event_type}/v{model.schema_version}.json"
            ),
        }
    for body in _REPORT_BODIES:
        if body in schemas:
            schemas[body] = _one_branch_per_event(body, schemas)


def _one_branch_per_event(body: str, schemas: dict[str, Any]) -> dict[str, Any]:
    common = schemas[body]
    mapping = {}
    for event_type, model in EVENT_MODELS.items():
        name = f"{body}.{model.__name__}"
        branch = copy.deepcopy(common)
        branch["title"] = f"{common.get('title', body)}: {event_type}"
        branch["properties"]["event_type"] = {"type": "string", "const": event_type}
        branch["properties"]["payload"] = {
            "$ref": _COMPONENTS.format(model=model.__name__),
            "description": (
                f"The {event_type} itself, shaped by its JSON Schema at "
                f"/api/v1/schemas/{event_type}/v{model.schema_version}.json"
            ),
        }
        schemas[name] = branch
        mapping[event_type] = _COMPONENTS.format(model=name)
    return {
        "title": common.get("title", body),
        "description": (
            "One branch per life event: event_type decides the payload's schema (the one "
            "served at /api/v1/schemas/{event_type}/v1.json)"
        ),
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "event_type", "mapping": mapping},
    }


def add_state_dependent_problems(spec: dict[str, Any]) -> None:
    paths: dict[str, Any] = spec.get("paths", {})
    for (path, method), when in STATE_DEPENDENT_422.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue
        operation["responses"]["422"] = {
            "description": f"Invalid request (/problems/invalid-request): {when}",
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }
    outcome = spec["components"]["schemas"].get("OutcomeIn")
    if outcome is not None:
        outcome.update(REJECTED_NEEDS_A_REASON)
