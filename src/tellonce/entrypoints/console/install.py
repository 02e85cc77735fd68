"""Install the staff pages (console, administration, their sign-in) and the public register
into the HTTP application, after the portal (they share its layout, CSRF and error pages)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from tellonce.entrypoints.console import admin, routes, settings, sign_in
from tellonce.entrypoints.console.web import StaffSignInRequired, build_staff_portal, page
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.rendering import redirect
from tellonce.entrypoints.register import routes as register
from tellonce.service_layer.staff import Forbidden


def install_staff_pages(app: FastAPI) -> None:
    portal: Portal = app.state.portal
    staff_portal = build_staff_portal(portal)
    app.state.staff_portal = staff_portal
    for module in (register, sign_in, routes, settings, admin):
        app.include_router(module.router)

    async def sign_in_required(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StaffSignInRequired)
        return redirect(error.location)

    async def forbidden(request: Request, _error: Exception) -> Response:
        return page(
            request, staff_portal, "staff_forbidden.html", {"title": "No access"}, status=403
        )

    app.add_exception_handler(StaffSignInRequired, sign_in_required)
    app.add_exception_handler(Forbidden, forbidden)
