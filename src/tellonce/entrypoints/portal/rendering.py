"""Rendering pages: Jinja with the GOV.UK Frontend macros, in the citizen's language, with the
headers every page needs (a strict Content-Security-Policy that allows no inline script, no caching
of pages that may hold personal data)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from tellonce.entrypoints.portal.branding import brand_of
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.i18n import LANGUAGES, choose_language
from tellonce.entrypoints.portal.security import (
    CSRF_COOKIE,
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    cookie_name,
    csrf_token,
    new_csrf_secret,
    read_cookie,
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
    portal: Portal = request.app.state.portal
    return choose_language(
        request.query_params.get("lang"), read_cookie(request, portal, LANGUAGE_COOKIE)
    )


def render(
    request: Request,
    portal: Portal,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    language = language_of(request)
    known_secret = read_cookie(request, portal, CSRF_COOKIE)
    secret = known_secret or new_csrf_secret()
    session = read_cookie(request, portal, SESSION_COOKIE)
    page = portal.environments[language].get_template(template)
    html = page.render(
        {
            "lang": language,
            "languages": LANGUAGES,
            "csrf_token": csrf_token(portal, secret, session),
            "path": request.url.path,
            "signed_in": session is not None,
            "demo": portal.demo,
            "mode": portal.hub.settings.mode.value,
            "brand": brand_of(portal.hub.settings),  # ADR 0094
            **(context or {}),
        }
    )
    response = HTMLResponse(html, status_code=status)
    _security_headers(response, hsts=portal.secure_cookies, provider=portal.provider_origin)
    if known_secret is None:
        set_cookie(response, portal, CSRF_COOKIE, secret, samesite="strict")
    requested = request.query_params.get("lang")
    if requested in LANGUAGES and requested != read_cookie(request, portal, LANGUAGE_COOKIE):
        set_cookie(response, portal, LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600)
    return response


def redirect(url: str) -> RedirectResponse:
    """POST-redirect-GET: always 303, so the browser follows with a GET."""
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def set_cookie(
    response: Response,
    portal: Portal,
    name: str,
    value: str,
    *,
    max_age: int | None = None,
    samesite: str = "lax",
) -> None:
    response.set_cookie(
        cookie_name(portal, name),
        value,
        max_age=max_age,
        path="/",
        secure=portal.secure_cookies,
        httponly=True,
        samesite=samesite,  # type: ignore[arg-type]
    )


def delete_cookie(response: Response, portal: Portal, name: str) -> None:
    response.delete_cookie(
        cookie_name(portal, name), path="/", secure=portal.secure_cookies, httponly=True
    )


def _security_headers(response: HTMLResponse, *, hsts: bool, provider: str | None) -> None:
    # Signing out POSTs here, then redirects to the provider: form-action covers redirects.
    form_action = f"'self' {provider}" if provider else "'self'"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        "script-src 'self'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    if hsts:  # only over TLS: a browser ignores it on http, and it would pin a dev host
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
