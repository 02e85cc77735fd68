"""The authorisation matrix (issue 13, ADR 0089): every route of the app — API, portal, staff
console and administration — called by every kind of caller, with exactly who may do what.

The routes are read from the app itself (``ROUTE_TABLE``), walking included routers and mounted
sub-applications, so a new route without a row in ``MATRIX`` fails
``test_every_route_has_a_row``. A row names the callers allowed; every other caller must be
refused (401, 403, 404, or sent to a sign-in page). Path parameters are filled with citizen A's
report and recipient X's disclosure, so a refusal is about who asks, not a missing object.

Zero leaks: nobody but citizen A, the recipients told and their staff ever gets a response
holding A's report reference (other than in a refusal of an address that held it), and
recipient Y never gets X's disclosure id.

A new kind of caller (the informant acting for A, say) is its name in ``EVERYONE``, one entry
in the fixture's ``principals`` (how it signs in), and its name in the rows it is allowed on.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from starlette.routing import BaseRoute, Mount

from tellonce.adapters.database.schema import disclosures, metadata, reports
from tellonce.bootstrap import Hub, build_vault
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.identity import create_recipient_key, create_registrar_key
from tests.factories import small_catalogue
from tests.fakes import FakeClock
from tests.support.api import sign_in, submission
from tests.support.databases import make_settings
from tests.support.staff import add

# The callers. X and Y are two pull recipients that both receive citizen A's report.
ANON, A, B, REPORTER = "anonymous", "citizen A", "citizen B", "reporter"
X, Y, OTHER_ENV, REGISTRAR = (
    "recipient X",
    "recipient Y",
    "X's key of the other environment",
    "registrar",
)
OPERATOR, STAFF_X = "operator", "X's manager"
X_ID, Y_ID = "leeds-electoral", "leeds-council-tax"

CITIZENS = frozenset({A, B, REPORTER})
EVERYONE = frozenset({ANON, A, B, REPORTER, X, Y, OTHER_ENV, REGISTRAR, OPERATOR, STAFF_X})
RECIPIENTS = frozenset({X, Y})


@dataclass(frozen=True)
class Row:
    allowed: frozenset[str]
    # The object named in the path does not exist for anyone (a made-up id): the allowed
    # callers get past authentication and then a 404.
    absent: bool = False
    # A public route: everyone gets the same status, whoever they are (a 404 for a log with no
    # checkpoint yet, a 503 for a hub whose worker is not running, a redirect...).
    public: bool = False


def row(*allowed: str | frozenset[str], absent: bool = False) -> Row:
    names: set[str] = set()
    for name in allowed:
        names |= {name} if isinstance(name, str) else name
    return Row(frozenset(names), absent)


PUBLIC = Row(EVERYONE, public=True)
OWNER = row(A)  # citizen A's own report, consent or data: anyone else gets a 404 or 401

# (method, path) -> who may. Paths are the route table's templates.
MATRIX: dict[tuple[str, str], Row] = {
    # Public documents, the transparency log, health and the assistant.
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/problems/{slug}"): PUBLIC,
    ("GET", "/api/v1/schemas"): PUBLIC,
    ("GET", "/api/v1/schemas/{event_type}/v{version}.json"): PUBLIC,
    ("GET", "/api/v1/schemas/{event_type}/v{version}/disclosure.json"): PUBLIC,
    ("GET", "/api/v1/schemas/consent-record.json"): PUBLIC,
    ("GET", "/log/checkpoint"): PUBLIC,
    ("GET", "/log/key"): PUBLIC,
    ("GET", "/log/tile/{path:path}"): PUBLIC,
    ("GET", "/api/v1/log/proofs/inclusion"): PUBLIC,
    ("GET", "/api/v1/log/proofs/consistency"): PUBLIC,
    ("POST", "/api/v1/assistant/messages"): PUBLIC,
    ("POST", "/api/v1/demo/sessions"): PUBLIC,  # demo sign-in: demo and development mode only
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    # The API, citizens' side.
    ("POST", "/api/v1/reports/preview"): row(CITIZENS),
    ("POST", "/api/v1/reports"): row(CITIZENS),
    ("GET", "/api/v1/reports"): row(CITIZENS),
    ("GET", "/api/v1/reports/{reference}"): OWNER,
    ("GET", "/api/v1/reports/{reference}/receipt"): OWNER,
    ("POST", "/api/v1/reports/{reference}/corrections"): OWNER,
    ("GET", "/api/v1/reports/{reference}/corrections"): OWNER,
    # A's report has no hold here (development mode): A is answered 409, never refused.
    ("POST", "/api/v1/reports/{reference}/cancellation"): OWNER,
    ("GET", "/api/v1/consents"): row(CITIZENS),
    ("POST", "/api/v1/consents/{consent_id}/withdrawal"): OWNER,
    ("GET", "/api/v1/consents/{consent_id}/record"): OWNER,
    ("POST", "/api/v1/access-requests"): row(CITIZENS),
    ("GET", "/api/v1/rights-requests"): row(CITIZENS),
    ("POST", "/api/v1/erasure-requests"): row(CITIZENS),
    ("GET", "/api/v1/processing-flags"): row(CITIZENS),
    ("PUT", "/api/v1/processing-flags/{kind}"): row(CITIZENS),
    ("DELETE", "/api/v1/processing-flags/{kind}"): row(CITIZENS),
    # The API, recipients' side: X's disclosure and correction are X's alone.
    # X's key of the other environment reads empty lists (the leak test holds them empty).
    ("GET", "/api/v1/feed"): row(RECIPIENTS, OTHER_ENV),
    ("POST", "/api/v1/acknowledgements"): row(X),
    ("POST", "/api/v1/disclosures/{disclosure_id}/acknowledgement"): row(X),
    ("POST", "/api/v1/disclosures/{disclosure_id}/outcome"): row(X),
    ("GET", "/api/v1/corrections"): row(RECIPIENTS, OTHER_ENV),
    ("POST", "/api/v1/corrections/{correction_id}/acknowledgement"): row(X),
    ("POST", "/api/v1/corrections/{correction_id}/outcome"): row(X),
    # The API, registrars' side.
    ("POST", "/api/v1/registrar/reports"): row(REGISTRAR),
    ("POST", "/api/v1/registrar/registrations"): row(REGISTRAR),
    # The portal's public pages and sign-in.
    ("GET", "/"): PUBLIC,
    ("GET", "/sign-in"): PUBLIC,
    ("GET", "/sign-in/provider"): PUBLIC,
    ("GET", "/sign-in/callback"): PUBLIC,
    ("POST", "/sign-in"): PUBLIC,
    ("POST", "/sign-out"): PUBLIC,
    ("GET", "/signed-out"): PUBLIC,
    ("GET", "/accessibility"): PUBLIC,
    ("GET", "/cookies"): PUBLIC,
    ("GET", "/privacy"): PUBLIC,
    ("GET", "/assistant"): row(CITIZENS),
    ("POST", "/assistant"): row(CITIZENS),
    ("POST", "/assistant/start"): row(CITIZENS),
    # Starts this browser's own conversation afresh: any browser holding its form token.
    ("POST", "/assistant/new"): row(CITIZENS, OPERATOR, STAFF_X),
    ("GET", "/register"): PUBLIC,
    ("GET", "/register/history"): PUBLIC,
    ("GET", "/register/statistics"): PUBLIC,
    ("GET", "/register/statistics.csv"): PUBLIC,
    ("GET", "/register/log"): PUBLIC,
    # The portal, citizens' pages.
    ("GET", "/report"): row(CITIZENS),
    ("POST", "/report"): row(CITIZENS),
    ("GET", "/report/questions"): row(CITIZENS),
    ("POST", "/report/questions"): row(CITIZENS),
    ("GET", "/report/questions/{question_id}"): row(CITIZENS),
    ("POST", "/report/questions/{question_id}"): row(CITIZENS),
    ("GET", "/report/preview"): row(CITIZENS),
    ("POST", "/report/preview"): row(CITIZENS),
    ("GET", "/report/check-answers"): row(CITIZENS),
    ("POST", "/report/check-answers"): row(CITIZENS),
    ("GET", "/report/{event_type}/{slug}"): row(CITIZENS),
    ("POST", "/report/{event_type}/{slug}"): row(CITIZENS),
    ("GET", "/reports"): row(CITIZENS),
    ("GET", "/reports/{reference}"): OWNER,
    ("GET", "/reports/{reference}/confirmation"): OWNER,
    ("GET", "/reports/{reference}/receipt"): OWNER,
    ("GET", "/reports/{reference}/correct"): OWNER,
    ("POST", "/reports/{reference}/correct"): OWNER,
    ("GET", "/reports/{reference}/cancel"): OWNER,
    ("POST", "/reports/{reference}/cancel"): OWNER,
    ("GET", "/your-data"): row(CITIZENS),
    ("GET", "/your-data/consents/{consent_id}/withdraw"): OWNER,
    ("POST", "/your-data/consents/{consent_id}/withdraw"): OWNER,
    ("GET", "/your-data/consents/{consent_id}/record"): OWNER,
    ("POST", "/your-data/copy"): row(CITIZENS),
    ("POST", "/your-data/download"): row(CITIZENS),
    ("GET", "/your-data/rights/{right}"): row(CITIZENS),
    ("GET", "/your-data/rights/erasure"): row(CITIZENS),
    ("POST", "/your-data/rights/erasure"): row(CITIZENS),
    ("GET", "/your-data/rights/restriction"): row(CITIZENS),
    ("POST", "/your-data/rights/restriction"): row(CITIZENS),
    ("GET", "/your-data/rights/objection"): row(CITIZENS),
    ("POST", "/your-data/rights/objection"): row(CITIZENS),
    ("GET", "/your-data/rights/rectification"): row(CITIZENS),
    ("GET", "/messages"): row(CITIZENS),
    # The staff console: a recipient's own staff, about its own disclosures.
    ("GET", "/staff/sign-in"): PUBLIC,
    ("POST", "/staff/sign-in"): PUBLIC,
    ("POST", "/staff/sign-out"): PUBLIC,
    ("GET", "/console"): row(STAFF_X),
    ("POST", "/console/selection"): row(STAFF_X),
    ("POST", "/console/export"): row(STAFF_X),
    ("GET", "/console/disclosures/{disclosure_id}"): row(STAFF_X),
    ("POST", "/console/disclosures/{disclosure_id}/acknowledgement"): row(STAFF_X),
    ("POST", "/console/disclosures/{disclosure_id}/outcome"): row(STAFF_X),
    ("GET", "/console/settings"): row(STAFF_X),
    ("POST", "/console/settings/endpoint"): row(STAFF_X),
    ("POST", "/console/settings/secret"): row(STAFF_X),
    ("POST", "/console/settings/keys"): row(STAFF_X),
    ("POST", "/console/settings/keys/revoke"): row(STAFF_X),
    ("POST", "/console/settings/staff"): row(STAFF_X),
    ("POST", "/console/settings/staff/remove"): row(STAFF_X),
    # The hub's administration: operators only.
    ("GET", "/admin"): row(OPERATOR),
    ("GET", "/admin/catalogue/{agreement_id}/change"): row(OPERATOR),
    ("POST", "/admin/catalogue/{agreement_id}/change"): row(OPERATOR),
    ("POST", "/admin/catalogue/{agreement_id}/retire"): row(OPERATOR),
    ("GET", "/admin/recipients/new"): row(OPERATOR),
    ("POST", "/admin/recipients/new"): row(OPERATOR),
    ("POST", "/admin/proposals/{proposal_id}/{decision}"): row(OPERATOR, absent=True),
    ("GET", "/admin/deliveries"): row(OPERATOR),
    ("POST", "/admin/deliveries/{recipient_id}/{action}"): row(OPERATOR),
    ("GET", "/admin/rights"): row(OPERATOR),
}

# What a call sends, where an empty body would be refused before the caller is checked against
# the object (the key or session is checked first, the object by the use case).
BODIES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("POST", "/console/export"): lambda w: {"disclosure": w.x_disclosure, "understood": "yes"},
    ("POST", "/admin/recipients/new"): lambda _: {
        "id": "matrix-council",
        "name": "Matrix Council",
        "controller": "Matrix Council",
        "kind": "local-authority",
        "channel": "pull",
        "nations": "england",
    },
    ("POST", "/api/v1/acknowledgements"): lambda w: {"disclosure_ids": [w.x_disclosure]},
    ("POST", "/api/v1/disclosures/{disclosure_id}/outcome"): lambda _: {"outcome": "actioned"},
    ("POST", "/api/v1/corrections/{correction_id}/outcome"): lambda _: {"outcome": "actioned"},
    ("POST", "/api/v1/reports/{reference}/corrections"): lambda _: {
        "corrections": {"person.date_of_birth": "1988-04-19"}
    },
}

# Mounted static files: the same for everyone, checked with one file each.
STATIC = {"/assets": "/assets/images/favicon.ico", "/static": "/static/portal.css"}
# Public, but answered by who is signed in (a signed-in citizen is sent on, say).
SIGNING = {
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("POST", "/sign-out"),
    ("GET", "/staff/sign-in"),
    ("POST", "/staff/sign-in"),
    ("POST", "/staff/sign-out"),
    ("GET", "/"),
}
# Calls that end the caller's session: made last.
ENDING = {
    ("POST", "/sign-in"),
    ("POST", "/sign-out"),
    ("POST", "/staff/sign-in"),
    ("POST", "/staff/sign-out"),
}


def route_table(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, through included routers and mounted apps."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[BaseRoute], prefix: str) -> None:
        for context in iter_route_contexts(routes):
            route = context.original_route
            if isinstance(route, Mount):
                if route.routes:
                    walk(list(route.routes), prefix + route.path)
                else:
                    found.add(("MOUNT", prefix + route.path))
                continue
            methods = getattr(context._effective_route, "methods", None) or {"GET"}
            for method in methods - {"HEAD"}:
                found.add((method, prefix + (context.path or "")))

    walk(list(app.routes), "")
    return found


@dataclass
class World:
    hub: Hub
    app: FastAPI
    clients: dict[str, TestClient]
    tokens: dict[str, str]  # each portal caller's CSRF token
    values: dict[str, str]  # path parameters
    reference: str  # citizen A's report
    x_disclosure: str
    responses: dict[tuple[str, str, str], Response] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(migrated_engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    engine = migrated_engine
    folder = tmp_path_factory.mktemp("matrix")
    settings = make_settings(folder, engine.url.render_as_string(hide_password=False))
    settings = settings.model_copy(update={"rate_limits": False})
    hub = Hub(settings=settings, engine=engine, vault=build_vault(settings), clock=FakeClock())
    load_catalogue(small_catalogue(), uow=hub.uow(), clock=hub.clock)
    app = create_app(hub)
    opened: list[TestClient] = []

    def client(headers: dict[str, str] | None = None) -> TestClient:
        made = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
        made.__enter__()
        made.headers.update(headers or {})
        opened.append(made)
        return made

    def key(recipient: str, environment: str) -> dict[str, str]:
        issued = create_recipient_key(recipient, environment, None, uow=hub.uow(), clock=hub.clock)
        return {"Authorization": f"Bearer {issued.key}"}

    registrar = create_registrar_key(
        "matrix-office", "test", None, uow_factory=hub.uow, vault=hub.vault, clock=hub.clock
    ).key
    add(hub, "ada@hub.example", "operator")
    add(hub, "mo@council.example", "manager", X_ID)
    # A development hub carries test traffic: X and Y hold test keys; X's live key sees none.
    principals: dict[str, Callable[[], TestClient]] = {
        ANON: client,
        A: lambda: citizen(client(), "ada-matrix"),
        B: lambda: citizen(client(), "bo-matrix"),
        REPORTER: lambda: citizen(client(), "rae-matrix"),
        X: lambda: client(key(X_ID, "test")),
        Y: lambda: client(key(Y_ID, "test")),
        OTHER_ENV: lambda: client(key(X_ID, "live")),
        REGISTRAR: lambda: client({"Authorization": f"Bearer {registrar}"}),
        OPERATOR: lambda: staff(client(), "ada@hub.example"),
        STAFF_X: lambda: staff(client(), "mo@council.example"),
    }
    clients = {name: make() for name, make in principals.items()}
    assert set(clients) == EVERYONE

    # Each citizen has a report of their own; A's is the one every path names.
    references = {name: report(clients[name]) for name in (A, B, REPORTER)}
    for name in (X, Y):  # the pull recipients collect theirs, so corrections follow
        assert clients[name].get("/api/v1/feed").json()["events"]
    corrected = clients[A].post(
        f"/api/v1/reports/{references[A]}/corrections",
        json={"corrections": {"person.date_of_birth": "1988-04-18"}},
    )
    assert corrected.status_code == 201, corrected.text
    [correction] = clients[X].get("/api/v1/corrections").json()["events"]
    consents = clients[A].get("/api/v1/consents").json()["consents"]
    with engine.connect() as connection:
        x_disclosure = connection.execute(
            sa.select(disclosures.c.id)
            .join(reports, reports.c.id == disclosures.c.report_id)
            .where(reports.c.reference == references[A], disclosures.c.recipient_id == X_ID)
        ).scalar_one()
    values = {
        "reference": references[A],
        "disclosure_id": str(x_disclosure),
        "correction_id": correction["id"],
        "consent_id": consents[0]["id"] if consents else str(uuid.uuid4()),
        "slug": "not-found",
        "event_type": "change-of-address",
        "version": "1",
        "path:path": "checkpoint",
        "question_id": "moved",
        "right": "access",
        "kind": "restriction",
        "agreement_id": "leeds-electoral-moves",
        "proposal_id": str(uuid.uuid4()),
        "decision": "approve",
        "recipient_id": X_ID,
        "action": "replay",
    }
    tokens = {name: csrf(made) for name, made in clients.items()}
    yield World(hub, app, clients, tokens, values, references[A], str(x_disclosure))
    for made in opened:
        made.__exit__(None, None, None)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


def citizen(client: TestClient, name: str) -> TestClient:
    """Signed in to the portal (cookie) and to the API (bearer) as the same demo citizen."""
    page = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    signed = client.post(
        "/sign-in", data={"csrf_token": token.group(1), "demo-name": name, "next": "/report"}
    )
    assert signed.status_code == 303, signed.text
    client.headers.update(sign_in(client, name))
    return client


def staff(client: TestClient, email: str) -> TestClient:
    page = client.get("/staff/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    signed = client.post(
        "/staff/sign-in", data={"csrf_token": token.group(1), "email": email, "next": "/console"}
    )
    assert signed.status_code == 303, signed.text
    return client


def report(client: TestClient) -> str:
    headers = {"Authorization": client.headers["Authorization"]}
    body = submission(client, headers, {"charity-newsletter": True}, holds_driving_licence=True)
    made = client.post("/api/v1/reports", json=body)
    assert made.status_code == 201, made.text
    reference: str = made.json()["reference"]
    return reference


def csrf(client: TestClient) -> str:
    for page in ("/your-data", "/console", "/admin", "/"):
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
        if found:
            return found.group(1)
    return ""


def call(world: World, principal: str, method: str, template: str) -> Response:
    path = re.sub(r"\{([^}]+)\}", lambda m: world.values[m.group(1)], template)
    client = world.clients[principal]
    make = BODIES.get((method, template))
    body = make(world) if make else {}
    if path.startswith(("/api/", "/log/")) or template in {"/openapi.json", "/healthz", "/readyz"}:
        return client.request(method, path, json=body)
    if method == "GET":
        return client.get(path, headers={"accept": "text/html"})
    return client.request(
        method,
        path,
        data={"csrf_token": world.tokens[principal], **body},
        headers={"accept": "text/html"},
    )


def refused(response: Response) -> bool:
    if response.status_code in {401, 403, 404}:
        return True
    if response.status_code == 400 and "could not accept that form" in response.text:
        return True  # a form token not bound to a citizen session of this portal: refused
    location = response.headers.get("location", "")
    return response.is_redirect and location.startswith(("/sign-in", "/staff/sign-in"))


def test_every_route_has_a_row(world: World) -> None:
    table = route_table(world.app)
    mounts = {path for method, path in table if method == "MOUNT"}
    routes = table - {(m, p) for m, p in table if m == "MOUNT"}
    assert len(routes) > 100  # the whole app, not only its top level
    assert routes - MATRIX.keys() == set(), "routes without a row in the authorisation matrix"
    assert MATRIX.keys() - routes == set(), "rows for routes that no longer exist"
    assert mounts == STATIC.keys()


def _ordered() -> list[tuple[str, str]]:
    return sorted(MATRIX, key=lambda k: (k in ENDING, k))


def test_each_caller_may_do_exactly_what_the_matrix_allows(world: World) -> None:
    wrong = []
    for method, template in _ordered():
        expected = MATRIX[(method, template)]
        statuses = set()
        for principal in sorted(EVERYONE):
            response = call(world, principal, method, template)
            world.responses[(principal, method, template)] = response
            statuses.add(response.status_code)
            if expected.public:
                continue
            if response.status_code >= 500:
                wrong.append(f"{method} {template} as {principal}: {response.status_code}")
            elif principal in expected.allowed:
                if refused(response) and not (expected.absent and response.status_code == 404):
                    wrong.append(
                        f"{method} {template} as {principal}: refused ({response.status_code})"
                    )
            elif not refused(response):
                wrong.append(
                    f"{method} {template} as {principal}: allowed ({response.status_code})"
                )
    for mount, path in STATIC.items():
        statuses = {world.clients[p].get(path).status_code for p in EVERYONE}
        assert statuses == {200}, (mount, statuses)
    assert not wrong, "\n".join(wrong)


def test_nobody_sees_what_is_not_theirs(world: World) -> None:
    if not world.responses:
        test_each_caller_may_do_exactly_what_the_matrix_allows(world)
    not_for_a = {ANON, B, REPORTER, OTHER_ENV, REGISTRAR, OPERATOR}
    leaks = []
    for (principal, method, template), response in world.responses.items():
        body = response.text
        asked = "{reference}" in template  # a page may repeat the address the caller typed
        if principal in not_for_a and not asked and world.reference in body:
            leaks.append(f"A's reference to {principal}: {method} {template}")
        if principal in {Y, OTHER_ENV} and world.x_disclosure in body:
            leaks.append(f"X's disclosure to {principal}: {method} {template}")
    assert not leaks, "\n".join(leaks)


def test_a_key_without_a_scope_is_told_which_it_lacks(world: World) -> None:
    response = world.clients[REGISTRAR].get("/api/v1/feed")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["required_scope"] == "feed"
    refused_key = world.clients[X].post("/api/v1/registrar/registrations", json={})
    assert refused_key.status_code == 403
    assert refused_key.json()["required_scope"] == "registrar"
    # X's key of the other environment reads an empty feed: it never sees this hub's traffic.
    assert world.clients[OTHER_ENV].get("/api/v1/feed").json()["events"] == []


def test_the_route_table_reaches_into_included_routers_and_mounted_apps() -> None:
    """So a route added anywhere — a nested router, a mounted sub-application — needs a row."""
    from fastapi import APIRouter
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    inner = APIRouter(prefix="/inner")
    inner.add_api_route("/x", lambda: None, methods=["GET", "POST"])
    outer = APIRouter(prefix="/outer")
    outer.include_router(inner)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(outer)
    sub = Starlette(routes=[Route("/y", lambda _: PlainTextResponse(""), methods=["PUT"])])
    app.mount("/sub", sub)
    assert route_table(app) == {
        ("GET", "/outer/inner/x"),
        ("POST", "/outer/inner/x"),
        ("PUT", "/sub/y"),
    }
