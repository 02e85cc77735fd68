"""RFC 9457 problem details for every API error, naming the field at fault.

Field problems are listed under ``errors`` as JSON Pointers into the request (RFC 6901), as in
RFC 9457's own example; header problems point at ``header/<Name>``. Messages are written for
people and never echo the value that was sent (it may be personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from tellonce.bootstrap import DATABASE_UNAVAILABLE, database_unavailable
from tellonce.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    MissingScope,
    NotAuthenticated,
    NotFound,
    PreviewChanged,
)
from tellonce.entrypoints.api.middleware import BodyTooLarge

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 5  # a PostgreSQL restart or a lock held for seconds, not minutes
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProblemType:
    status: int
    title: str
    meaning: str
    what_to_do: str


# Each problem's ``type`` URI resolves to a page saying what it means and what to do (RFC 9457
# section 3.1.1): ``GET /problems/{slug}``.
PROBLEM_TYPES: dict[str, ProblemType] = {
    "invalid-request": ProblemType(
        422,
        "Your request has errors",
        "One or more fields, query parameters or headers are missing or invalid. Each is "
        "listed under errors, with a JSON Pointer to it and what is wrong.",
        "Correct every field listed and send the request again. Values you sent are never "
        "repeated back, as they may be personal data.",
    ),
    "not-authenticated": ProblemType(
        401,
        "Not signed in",
        "The request has no Authorization header, or its token or API key is not valid, has "
        "expired or was revoked. A citizen session and a recipient API key are not "
        "interchangeable.",
        "Send Authorization: Bearer with a current session token (citizens) or an API key "
        "from the hub's operators (recipients).",
    ),
    "insufficient-scope": ProblemType(
        403,
        "The API key does not have the scope this call needs",
        "The API key is valid, but it was issued without the scope this call needs: feed "
        "(reading the feed, notices and corrections), acknowledge (acknowledgements and "
        "outcomes) or registrar (registrations and bulk reports). The scope is named in "
        "required_scope and in the WWW-Authenticate header.",
        "Ask the hub's operators for a key with that scope, or use the key you were given "
        "for this kind of call.",
    ),
    "not-found": ProblemType(
        404,
        "Not found",
        "There is nothing at this address for you. The hub does not say whether something "
        "exists that belongs to someone else.",
        "Check the reference or id. Citizens can list their own reports and consents.",
    ),
    "conflict": ProblemType(
        409,
        "Conflict",
        "The request cannot be carried out in the resource's current state: for example an "
        "outcome already reported differently, a request with the same Idempotency-Key still "
        "in progress, a receipt not yet covered by a checkpoint, or a disclosure being sent "
        "at this moment.",
        "Read detail: it says what is in the way. Most conflicts clear on their own; try "
        "again in a few minutes.",
    ),
    "preview-changed": ProblemType(
        409,
        "The preview has changed",
        "Who would be told, or what they would get, changed after the citizen saw the preview "
        "(the catalogue was updated, or the answers differ). Consent given to the old preview "
        "cannot be used for the new one.",
        "Preview the report again, show the citizen the new preview, and submit with its "
        "preview_digest.",
    ),
    "request-too-large": ProblemType(
        413,
        "The request is too large",
        "The request's body is larger than the hub accepts (1 MiB unless its operators set "
        "TELLONCE_MAX_BODY_BYTES). It was refused before it was read.",
        "Send less: no report, acknowledgement batch or outcome needs anywhere near this much. "
        "Acknowledge large numbers of disclosures in batches of up to 500.",
    ),
    "service-unavailable": ProblemType(
        503,
        "The service is unavailable for a moment",
        "The hub's database could not be reached or is refusing writes (restarting, locked, "
        "or out of disk space). Nothing was half-done: the request's transaction was rolled "
        "back, and a report answered with this status was not accepted.",
        "Wait for the number of seconds in the Retry-After header and send the same request "
        "again, with the same Idempotency-Key.",
    ),
    "too-many-requests": ProblemType(
        429,
        "Too many requests",
        "The caller sent more requests than the hub accepts in a short time: every call with "
        "an API key counts against the key; signing in, previews and submissions count against "
        "the citizen's session and the client's address.",
        "Wait for the number of seconds in the Retry-After header, then send the request again. "
        "Acknowledge disclosures in batches rather than one by one.",
    ),
    "internal-error": ProblemType(
        500,
        "Something went wrong",
        "The hub failed in a way it did not expect. Nothing was half-done: the request's "
        "transaction was rolled back.",
        "Try again later. If it keeps happening, tell the hub's operators the time it happened.",
    ),
}


_UNPARSEABLE = "There was an error parsing the body"


def pointer(location: Sequence[str | int]) -> str:
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "#/" + "/".join(escaped)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: Iterable[FieldProblem] = (),
    headers: dict[str, str] | None = None,
    extensions: dict[str, object] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    listed = [{"pointer": pointer(e.location), "detail": e.message} for e in errors]
    if listed:
        body["errors"] = listed
    body.update(extensions or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _validation_problems(error: RequestValidationError) -> list[FieldProblem]:
    problems = []
    for item in error.errors():
        location = tuple(item.get("loc", ()))
        if location and location[0] == "body":
            location = location[1:]
        elif location and location[0] == "header":
            location = ("header", *location[1:])
        message = str(item.get("msg", "Invalid value")).removeprefix("Value error, ")
        problems.append(FieldProblem(location, message))
    return problems


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each field at fault, as a JSON Pointer into the request",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}


def document(app: FastAPI) -> None:
    """Say in the OpenAPI description what every error really is: problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        problem_response = {
            "description": "A problem: RFC 9457 problem details naming the field at fault",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code in [c for c in responses if c.startswith("4")]:
                    del responses[code]
                responses["4XX"] = problem_response
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Register handlers so that no error leaves the API as anything but problem+json, and
    the pages that document each problem type."""

    @app.get("/problems/{slug}", include_in_schema=False)
    def problem_type(slug: str) -> HTMLResponse:
        known = PROBLEM_TYPES.get(slug)
        if known is None:
            raise NotFound("There is no problem type with that name")
        return HTMLResponse(_problem_page(slug, known))

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return problem(
            422,
            "Your request has errors",
            "Correct the fields listed in errors and send the request again",
            slug="invalid-request",
            errors=_validation_problems(error),
        )

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, error: InvalidInput) -> JSONResponse:
        return problem(
            422,
            "Your request has errors",
            "Correct the fields listed in errors and send the request again",
            slug="invalid-request",
            errors=error.problems,
        )

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(_: Request, error: NotAuthenticated) -> JSONResponse:
        return problem(
            401,
            "Not signed in",
            str(error),
            slug="not-authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(MissingScope)
    async def _missing_scope(_: Request, error: MissingScope) -> JSONResponse:
        return problem(
            403,
            "The API key does not have the scope this call needs",
            str(error),
            slug="insufficient-scope",
            headers={
                "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{error.scope}"'
            },
            extensions={"required_scope": error.scope},
        )

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, error: NotFound) -> JSONResponse:
        return problem(404, "Not found", str(error), slug="not-found")

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, error: Conflict) -> JSONResponse:
        return problem(409, "Conflict", str(error), slug="conflict")

    @app.exception_handler(PreviewChanged)
    async def _preview_changed(_: Request, error: PreviewChanged) -> JSONResponse:
        return problem(
            409,
            "The preview has changed",
            str(error),
            slug="preview-changed",
            errors=[FieldProblem(("preview_digest",), str(error))],
        )

    @app.exception_handler(BodyTooLarge)
    async def _too_large(_: Request, error: BodyTooLarge) -> JSONResponse:
        return problem(
            413,
            "The request is too large",
            f"Send a body of at most {error.limit} bytes",
            slug="request-too-large",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        errors: list[FieldProblem] = []
        if error.status_code == 400 and error.detail == _UNPARSEABLE:
            # FastAPI's own words when the body is not JSON it can read (e.g. nested thousands
            # deep): name the field at fault, the body itself ("#/").
            errors.append(
                FieldProblem(
                    (), "The body is not JSON that can be read (malformed or nested too deeply)"
                )
            )
        return problem(
            error.status_code,
            str(error.detail),
            str(error.detail),
            errors=errors,
            headers=http_error_headers(request, error),
        )

    async def _unavailable(request: Request, error: Exception) -> Response:
        if not database_unavailable(error):  # a fault: whatever answers any other (500)
            fallback = app.exception_handlers[Exception]
            result = fallback(request, error)
            return await result if isinstance(result, Awaitable) else result
        return database_unavailable_problem(type(error).__name__)

    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        # Log the type only: exception text can carry personal data from the request (a failed
        # statement's SQL and bound values). Nothing else leaves: see middleware.ContainErrors.
        log.error("unexpected error: %s", type(error).__name__)
        return problem(500, "Something went wrong", "Try again later", slug="internal-error")


def database_unavailable_problem(error_type: str) -> JSONResponse:
    """503 with Retry-After: the database is away for now (bootstrap.database_unavailable)."""
    # The type only, as below; an operator sees the outage in /readyz and the metrics.
    log.warning("database unavailable: %s", error_type)
    return problem(
        503,
        "The service is unavailable for a moment",
        "Try again shortly: nothing was accepted",
        slug="service-unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def http_error_headers(request: Request, error: StarletteHTTPException) -> dict[str, str]:
    """The headers a plain HTTP error carries; a 405 names every method the URL allows (RFC
    9110 section 15.5.6), not only those of the first route that matched its path."""
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return headers


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route would take at this URL: asked of each route, method by method."""
    allowed = []
    routes = request.app.router.routes
    for method in _METHODS:
        # Routing rewrites root_path on the way into a mount; ask from the application's root.
        root = request.scope.get("app_root_path", "")
        scope = {**request.scope, "method": method, "root_path": root}
        for route in routes:
            match, _ = route.matches(scope)
            if match is Match.FULL and (not isinstance(route, Mount) or method in {"GET", "HEAD"}):
                allowed.append(method)  # a mount serves static files: GET and HEAD only
                break
    return allowed


def _problem_page(slug: str, known: ProblemType) -> str:
    title = escape(known.title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}: a tellonce API problem</title></head><body>"
        f"<h1>{title}</h1>"
        f"<p>Problem type <code>/problems/{escape(slug)}</code>, HTTP status {known.status}, "
        'in an <a href="https://www.rfc-editor.org/rfc/rfc9457">RFC 9457</a> '
        "<code>application/problem+json</code> response.</p>"
        f"<h2>What it means</h2><p>{escape(known.meaning)}</p>"
        f"<h2>What to do</h2><p>{escape(known.what_to_do)}</p>"
        "</body></html>\n"
    )
