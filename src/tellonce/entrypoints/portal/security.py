"""Who is signed in, and whether a form post is genuine.

Cookies hold only opaque values: a session token (stored hashed), a draft id (the answers are
sealed server-side) and a CSRF secret. Every POST carries a token that is an HMAC, under the
hub's index key, of the CSRF cookie *and the session cookie* (signed double-submit bound to the
session, as OWASP recommends): a page on another site can make the browser send the cookies but
can neither read them nor compute the token, and a cookie and token taken from an anonymous page
do not work with anybody's session. When the public URL is https the cookies are ``__Host-``
cookies (Secure, path /, no Domain): a sibling subdomain cannot plant or overwrite them.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from tellonce.domain.errors import NotAuthenticated
from tellonce.entrypoints.portal.context import Portal
from tellonce.service_layer.identity import authenticate_citizen
from tellonce.service_layer.ports.identity import Account

SESSION_COOKIE = "tellonce_session"
DRAFT_COOKIE = "tellonce_draft"
CSRF_COOKIE = "tellonce_csrf"
LANGUAGE_COOKIE = "tellonce_language"
CSRF_FIELD = "csrf_token"
SIGN_IN_COOKIE = "tellonce_sign_in"  # the seed of an OpenID sign-in under way
HOST_PREFIX = "__Host-"


def cookie_name(portal: Portal, name: str) -> str:
    """``__Host-`` cookies under https; browsers refuse them over plain http (development)."""
    return HOST_PREFIX + name if portal.secure_cookies else name


def read_cookie(request: Request, portal: Portal, name: str) -> str | None:
    return request.cookies.get(cookie_name(portal, name))


class SignInRequired(Exception):
    """The page needs a signed-in citizen; the portal sends them to sign in, then back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class FormRejected(Exception):
    """A POST without a valid CSRF token: forged, or the cookie has gone."""


def get_portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


PortalDep = Annotated[Portal, Depends(get_portal)]


def current_account(request: Request, portal: PortalDep) -> Account:
    token = read_cookie(request, portal, SESSION_COOKIE)
    if not token:
        raise SignInRequired(safe_next(request.url.path))
    hub = portal.hub
    try:
        return authenticate_citizen(
            token, uow=hub.read_uow(), clock=hub.clock, idle=hub.session_idle, seen=hub.uow
        )
    except NotAuthenticated:
        raise SignInRequired(safe_next(request.url.path)) from None


AccountDep = Annotated[Account, Depends(current_account)]


def csrf_token(portal: Portal, secret: str, session: str | None) -> str:
    """The form token for this CSRF secret and this session (none: signed out)."""
    digest = portal.hub.vault.blind_index("portal-csrf", f"{secret}\n{session or ''}")
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Posted:
    """A verified form post: single values, and every value for repeated names (checkboxes)."""

    form: FormData

    def get(self, name: str, default: str = "") -> str:
        value = self.form.get(name)
        return value if isinstance(value, str) else default

    def getlist(self, name: str) -> list[str]:
        return [v for v in self.form.getlist(name) if isinstance(v, str)]

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.form.items() if isinstance(v, str)}


async def posted(request: Request, portal: PortalDep) -> Posted:
    form = await request.form()
    secret = read_cookie(request, portal, CSRF_COOKIE)
    sent = form.get(CSRF_FIELD)
    if not secret or not isinstance(sent, str):
        raise FormRejected
    expected = csrf_token(portal, secret, read_cookie(request, portal, SESSION_COOKIE))
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise FormRejected
    return Posted(form)


PostedDep = Annotated[Posted, Depends(posted)]


def draft_id(request: Request) -> uuid.UUID | None:
    portal: Portal = request.app.state.portal
    try:
        return uuid.UUID(read_cookie(request, portal, DRAFT_COOKIE) or "")
    except ValueError:
        return None


def safe_next(path: str | None) -> str:
    """Only a path on this site: never another host ("//evil.example") or a scheme."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/report"
    return path
