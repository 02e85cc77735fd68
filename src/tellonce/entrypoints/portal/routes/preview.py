"""After the questions and the routing questions: the preview of who is told (with consent
choices), "Check your answers", and sending the report."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tellonce.domain.errors import Conflict, InvalidInput, PreviewChanged
from tellonce.domain.registrations import RegisteredDetails
from tellonce.domain.routing import Route, RoutingPlan
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.display import Row, answer_lines, shared_rows
from tellonce.entrypoints.portal.explanations import lawful_basis_lines, why_it_applies
from tellonce.entrypoints.portal.flow import JourneyDep, SendingDep
from tellonce.entrypoints.portal.i18n import Gettext
from tellonce.entrypoints.portal.rendering import language_of, redirect, render
from tellonce.entrypoints.portal.routes.routing_questions import routing_rows
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep
from tellonce.entrypoints.portal.state import (
    CHECK_ANSWERS,
    JourneyState,
    last_answer_url,
    question_url,
)
from tellonce.service_layer.portal_drafts import normalised_answers
from tellonce.service_layer.registrations import recorded_registration
from tellonce.service_layer.reporting import (
    IdempotencyRequest,
    ReportSubmission,
    submit_report,
)

router = APIRouter(include_in_schema=False)


# --- preview --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteView:
    route: Route
    rows: list[Row]
    reasons: list[str]
    basis: list[str]


def _route_views(
    routes: tuple[Route, ...], state: JourneyState, language: str, _: Gettext
) -> list[RouteView]:
    return [
        RouteView(
            route,
            shared_rows(route.data, route.fields, language, _),
            # The page says already that the report is about this life event.
            why_it_applies(route, state.event_type, state.answers, _),
            lawful_basis_lines(route.agreement.lawful_basis, _),
        )
        for route in routes
    ]


@router.get("/report/preview")
def preview(request: Request, portal: PortalDep, journey: JourneyDep) -> Response:
    next_step = journey.continue_url()
    if next_step not in ("/report/preview", CHECK_ANSWERS):
        return redirect(next_step)
    return _render_preview(request, portal, journey.state, journey.plan())


def _render_preview(
    request: Request, portal: Portal, state: JourneyState, plan: RoutingPlan
) -> HTMLResponse:
    language = language_of(request)
    _ = portal.gettext(language)
    context = {
        "title": _("Check who we will tell"),
        "caption": _(state.journey.title),
        "by_law": _route_views(plan.by_law, state, language, _),
        "by_consent": _route_views(plan.by_consent, state, language, _),
        "consents": state.consents if state.preview_digest else {},
        "digest": plan.digest(),
        "changed": state.preview_changed,
        "back_url": last_answer_url(state),
        "registered": _registered(portal, state),
    }
    return render(request, portal, "preview.html", context)


def _registered(portal: Portal, state: JourneyState) -> RegisteredDetails | None:
    """What the registrar recorded for a death or a birth (the journey only reaches the
    preview once the reference matches)."""
    hub = portal.hub
    payload = normalised_answers(state.event_type, state.payload(), clock=hub.clock)
    if payload is None:
        return None
    try:
        return recorded_registration(
            state.event_type, payload, uow=hub.read_uow(), vault=hub.vault, clock=hub.clock
        )
    except InvalidInput:
        return None


@router.post("/report/preview")
def confirm_preview(
    account: AccountDep,  # noqa: ARG001 - signed in before the form is checked
    form: PostedDep,
    journey: JourneyDep,
) -> RedirectResponse:
    next_step = journey.continue_url()
    if next_step not in ("/report/preview", CHECK_ANSWERS):
        return redirect(next_step)
    plan, state = journey.plan(), journey.state
    if form.get("digest") != plan.digest():  # the plan moved under the citizen's feet
        state.preview_changed = True
        journey.save()
        return redirect("/report/preview")
    chosen = set(form.getlist("consent"))
    state.consents = {r.agreement.id: r.agreement.id in chosen for r in plan.by_consent}
    state.preview_digest = plan.digest()
    state.preview_changed = False
    journey.save()
    return redirect(CHECK_ANSWERS)


# --- check your answers and send ------------------------------------------------------------


@router.get(CHECK_ANSWERS)
def check_answers(request: Request, portal: PortalDep, journey: JourneyDep) -> Response:
    next_step = journey.continue_url()
    if next_step != CHECK_ANSWERS:
        return redirect(next_step)
    state = journey.state
    language = language_of(request)
    _ = portal.gettext(language)
    sent = normalised_answers(state.event_type, state.payload(), clock=portal.hub.clock)
    answers = [
        Row(
            _(q.summary),
            tuple(answer_lines(q, state.pages.get(q.slug, {}), language, _, sent)),
            change_url=question_url(state, q) + "?change=1",
        )
        for q in state.questions()
    ]
    routing = routing_rows(journey, _)
    plan = journey.plan()
    told = [r.recipient.name for r in plan.by_law]
    told += [r.recipient.name for r in plan.by_consent if state.consents.get(r.agreement.id)]
    context = {
        "title": _("Check your answers before sending your report"),
        "caption": _(state.journey.title),
        "answers": answers,
        "routing": routing,
        "told": told,
        "back_url": "/report/preview",
    }
    return render(request, portal, "check_answers.html", context)


@router.post(CHECK_ANSWERS)
def send_report(
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
    journey: SendingDep,  # none: sent already (a double click), or expired
) -> RedirectResponse:
    state = journey.state
    if journey.continue_url() != CHECK_ANSWERS or state.preview_digest is None:
        return redirect(journey.continue_url())
    hub = portal.hub
    submission = ReportSubmission(state.draft(), state.consents, state.preview_digest, "portal")
    # The draft id is the idempotency key: a second click replays the first report.
    key = str(journey.draft_id)
    idempotency = IdempotencyRequest(f"portal:{account.id}", key, hub.idempotency_ttl)
    try:
        submitted = submit_report(
            submission,
            account=account,
            uow_factory=hub.uow,
            vault=hub.vault,
            clock=hub.clock,
            idempotency=idempotency,
            read_uow_factory=hub.read_uow,
            cooling_off=hub.settings.address_cooling_off,
            writer=hub.report_writer,
        )
    except PreviewChanged:
        state.preview_digest = None
        state.preview_changed = True
        journey.save()
        return redirect("/report/preview")
    except (InvalidInput, Conflict):
        journey.forget_plans()  # the catalogue may have changed since: plan afresh
        return redirect(journey.continue_url())
    response = redirect(f"/reports/{submitted.report.reference}/confirmation")
    journey.end(response)
    return response
