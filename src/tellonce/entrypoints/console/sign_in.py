"""Staff sign-in and sign-out (``/staff``). In demo mode a work email address is enough; a real
identity provider replaces ``demo_sign_in`` by vouching for the address (ADR 0091)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.errors import FieldProblem, NotAuthenticated
from tellonce.entrypoints.console.web import STAFF_COOKIE, StaffPortalDep, error_list, page
from tellonce.entrypoints.portal.rendering import redirect, set_cookie
from tellonce.entrypoints.portal.security import PostedDep, safe_next
from tellonce.service_layer.staff import OPERATOR, end_staff_session, start_staff_session

router = APIRouter(include_in_schema=False)


@router.get("/staff/sign-in")
def sign_in_page(request: Request, portal: StaffPortalDep, next: str = "/console") -> HTMLResponse:  # noqa: A002 - the query parameter's name
    return page(request, portal, "staff_sign_in.html", {"next_path": safe_next(next), "email": ""})


@router.post("/staff/sign-in")
def demo_sign_in(request: Request, portal: StaffPortalDep, form: PostedDep) -> Response:
    hub = portal.hub
    email = form.get("email").strip()[:254]
    context = {"next_path": safe_next(form.get("next")), "email": email}
    if not portal.demo:
        return page(request, portal, "staff_sign_in.html", context, status=403)
    problem = None
    if not email:
        problem = FieldProblem(("email",), "Enter your work email address")
    else:
        try:
            session = start_staff_session(
                email, uow=hub.console_uow(), clock=hub.clock, lifetime=hub.session_lifetime
            )
        except NotAuthenticated:
            problem = FieldProblem(
                ("email",), "No one with that email address works on this hub: ask your manager"
            )
    if problem is not None:
        errors = error_list([problem])
        return page(
            request,
            portal,
            "staff_sign_in.html",
            {**context, "errors": errors, "field_errors": {"email": problem.message}},
            status=400,
        )
    home = "/admin" if session.member.role == OPERATOR else "/console"
    next_path = context["next_path"]
    wanted = next_path if next_path.startswith(("/admin", "/console")) else home
    response = redirect(wanted)
    max_age = int(hub.session_lifetime.total_seconds())
    set_cookie(response, portal, STAFF_COOKIE, session.token, max_age=max_age, samesite="strict")
    return response


@router.post("/staff/sign-out")
def sign_out(
    request: Request,
    portal: StaffPortalDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> Response:
    token = request.cookies.get(STAFF_COOKIE)
    if token:
        end_staff_session(token, uow=portal.hub.console_uow())
    response = redirect("/staff/sign-in")
    response.delete_cookie(STAFF_COOKIE, path="/")
    return response
