"""Install the citizen portal into the HTTP application, beside the API.

The portal's pages live at the site root (``/``, ``/report/...``, ``/reports``...), GOV.UK
Frontend's built assets at ``/assets`` and the portal's own at ``/static``. Errors on pages
are pages: the API's problem+json handlers stay in charge of ``/api`` and of callers that
do not ask for HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tellonce.bootstrap import Hub
from tellonce.entrypoints.api.middleware import BodyTooLarge
from tellonce.entrypoints.api.problems import http_error_headers
from tellonce.entrypoints.portal.assistant import routes as assistant
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.flow import NoJourneyHere
from tellonce.entrypoints.portal.i18n import LANGUAGES, load_translations
from tellonce.entrypoints.portal.rendering import build_environment, redirect, render
from tellonce.entrypoints.portal.routes import (
    cooling_off,
    pages,
    preview,
    report,
    rights,
    routing_questions,
    tracking,
    your_data,
)
from tellonce.entrypoints.portal.security import FormRejected, SignInRequired

STATIC = Path(__file__).parent / "static"
# Copied from node_modules/govuk-frontend/dist/govuk by `make install` (see ADR 0010).
GOVUK_ASSETS = STATIC / "govuk"
log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def install_portal(app: FastAPI, hub: Hub) -> None:
    translations = {language: load_translations(language) for language in LANGUAGES}
    portal = Portal(
        hub=hub,
        environments={lang: build_environment(t) for lang, t in translations.items()},
        translations=translations,
        inbox=hub.inbox,
    )
    app.state.portal = portal
    if not (GOVUK_ASSETS / "govuk-frontend.min.css").exists():
        log.warning("GOV.UK Frontend assets are missing from %s: run `make install`", GOVUK_ASSETS)
    app.mount("/assets", StaticFiles(directory=GOVUK_ASSETS, check_dir=False), name="govuk")
    app.mount("/static", StaticFiles(directory=STATIC), name="portal-static")
    # routing questions first: /report/questions/{id} must win over /report/{event}/{question}.
    # rights first: its pages replace the "not online yet" /your-data/rights/{right} page.
    modules = (rights, pages, routing_questions, preview, report, cooling_off, tracking, your_data)
    for module in modules:
        app.include_router(module.router)
    app.include_router(assistant.router)  # the webchat assistant (ADR 0060)
    _install_error_pages(app, portal)


def wants_page(request: Request) -> bool:
    """A browser asking for a page, not an API client."""
    path = request.url.path
    if path.startswith(("/api/", "/log/", "/schemas/", "/openapi.json")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _install_error_pages(app: FastAPI, portal: Portal) -> None:
    async def sign_in_required(_request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        return redirect(f"/sign-in?next={quote(error.next_path, safe='/')}")

    async def form_rejected(request: Request, _error: Exception) -> Response:
        return render(request, portal, "form_rejected.html", status=400)

    async def no_journey(_request: Request, error: Exception) -> Response:
        assert isinstance(error, NoJourneyHere)
        return redirect(error.go_to)

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(FormRejected, form_rejected)
    app.add_exception_handler(NoJourneyHere, no_journey)
    _page_or_previous(app, portal, BodyTooLarge, _too_large_page)
    _page_or_previous(app, portal, StarletteHTTPException, _http_error_page)
    _page_or_previous(app, portal, Exception, _server_error_page)


def _page_or_previous(
    app: FastAPI,
    portal: Portal,
    kind: type[Exception],
    page: Callable[[Request, Portal, Exception], Response],
) -> None:
    """Pages for browsers; whatever handled ``kind`` before (problem+json) for everyone else."""
    previous = app.exception_handlers.get(kind)

    async def handler(request: Request, error: Exception) -> Response:
        if wants_page(request) or previous is None:
            return page(request, portal, error)
        result = previous(request, error)
        return await result if isinstance(result, Awaitable) else result

    app.add_exception_handler(kind, handler)


def _http_error_page(request: Request, portal: Portal, error: Exception) -> Response:
    status = error.status_code if isinstance(error, StarletteHTTPException) else 500
    template = "not_found.html" if status in (404, 405) else "server_error.html"
    response = render(request, portal, template, status=status)
    if isinstance(error, StarletteHTTPException):
        response.headers.update(http_error_headers(request, error))
    return response


def _too_large_page(request: Request, portal: Portal, _error: Exception) -> Response:
    # No form of the portal comes near the limit: say the form could not be accepted.
    return render(request, portal, "form_rejected.html", status=413)


def _server_error_page(request: Request, portal: Portal, error: Exception) -> Response:
    # The type only: an exception's text and traceback can hold personal data (a failed
    # statement's bound values). Nothing else leaves (see api/middleware.py ContainErrors).
    log.error("portal page failed: %s", type(error).__name__)
    return render(request, portal, "server_error.html", status=500)
