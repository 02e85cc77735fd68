"""Rendering pages: Jinja with the GOV.UK Frontend macros, in the citizen's language, with the
headers every page needs (a strict Content-Security-Policy with a per-response nonce, no caching
of pages that may hold personal data)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.i18n import LANGUAGES, choose_language
from tellonce.entrypoints.portal.security import (
    CSRF_COOKIE,
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    csrf_token,
    new_csrf_secret,
)

TEMPLATES = Path(__file__).parent / "templates"
SERVICE_NAME = "Tell government once"  # translated in templates


def build_environment(translations: Translations) -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return environment


def language_of(request: Request) -> str:
    return choose_language(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE))


def render(
    request: Request,
    portal: Portal,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    language = language_of(request)
    secret = request.cookies.get(CSRF_COOKIE) or new_csrf_secret()
    nonce = secrets.token_urlsafe(16)
    page = portal.environments[language].get_template(template)
    html = page.render(
        {
            "lang": language,
            "languages": LANGUAGES,
            "csrf_token": csrf_token(portal, secret),
            "nonce": nonce,
            "path": request.url.path,
            "signed_in": SESSION_COOKIE in request.cookies,
            "demo": portal.demo,
            "mode": portal.hub.settings.mode.value,
            **(context or {}),
        }
    )
    response = HTMLResponse(html, status_code=status)
    _security_headers(response, nonce)
    if CSRF_COOKIE not in request.cookies:
        set_cookie(response, portal, CSRF_COOKIE, secret, samesite="strict")
    requested = request.query_params.get("lang")
    if requested in LANGUAGES and requested != request.cookies.get(LANGUAGE_COOKIE):
        set_cookie(response, portal, LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600)
    return response


def redirect(url: str) -> RedirectResponse:
    """POST-redirect-GET: always 303, so the browser follows with a GET."""
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def set_cookie(
    response: HTMLResponse | RedirectResponse,
    portal: Portal,
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    samesite: str = "lax",
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=portal.secure_cookies,
        httponly=True,
        samesite=samesite,  # type: ignore[arg-type]
    )


def _security_headers(response: HTMLResponse, nonce: str) -> None:
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
