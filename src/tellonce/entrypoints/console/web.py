"""What every staff page needs: an English environment over the portal's layout, the signed-in
member from the staff session cookie, and errors as a GOV.UK error summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from babel.support import Translations
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from tellonce.domain.errors import FieldProblem, NotAuthenticated
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.rendering import TEMPLATES as PORTAL_TEMPLATES
from tellonce.entrypoints.portal.rendering import render
from tellonce.entrypoints.portal.security import PortalDep, safe_next
from tellonce.service_layer.ports.console import StaffMember
from tellonce.service_layer.staff import staff_for_session

TEMPLATES = Path(__file__).parent / "templates"
STAFF_COOKIE = "tellonce_staff"


def build_staff_portal(portal: Portal) -> Portal:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                FileSystemLoader(PORTAL_TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    english = Translations()  # no catalogue: every string stays in English (ADR 0094)
    environment.install_gettext_translations(english, newstyle=True)  # type: ignore[attr-defined]
    # The portal's context, with every language rendering the English environment.
    return Portal(
        hub=portal.hub,
        environments=dict.fromkeys(portal.environments, environment),
        translations=dict.fromkeys(portal.translations, english),
        inbox=portal.inbox,
    )


class StaffSignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"/staff/sign-in?next={quote(self.next_path, safe='/')}"


def staff_portal(request: Request) -> Portal:
    pages: Portal = request.app.state.staff_portal
    return pages


StaffPortalDep = Annotated[Portal, Depends(staff_portal)]


def current_staff(request: Request, portal: PortalDep) -> StaffMember:
    token = request.cookies.get(STAFF_COOKIE)
    if not token:
        raise StaffSignInRequired(safe_next(request.url.path))
    try:
        return staff_for_session(token, uow=portal.hub.console_uow(), clock=portal.hub.clock)
    except NotAuthenticated:
        raise StaffSignInRequired(safe_next(request.url.path)) from None


StaffDep = Annotated[StaffMember, Depends(current_staff)]


def error_list(
    problems: Sequence[FieldProblem], anchors: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """Problems as the error summary's list, each linked to its field."""
    anchors = anchors or {}
    listed = []
    for problem in problems:
        name = str(problem.location[-1]) if problem.location else "main-content"
        listed.append({"text": problem.message, "href": "#" + anchors.get(name, name)})
    return listed


def field_errors(problems: Sequence[FieldProblem]) -> dict[str, str]:
    return {str(p.location[-1]): p.message for p in problems if p.location}


def page(
    request: Request,
    portal: Portal,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    member: StaffMember | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(request, portal, template, {"member": member, **(context or {})}, status=status)
