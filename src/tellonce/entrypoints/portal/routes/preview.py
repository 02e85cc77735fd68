"""After the questions: routing questions from the catalogue, the preview of who is told (with
consent choices), "Check your answers", and sending the report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tellonce.domain.errors import Conflict, InvalidInput, PreviewChanged
from tellonce.domain.routing import Route, RoutingPlan
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.display import Row, answer_lines, shared_rows
from tellonce.entrypoints.portal.drafts import NoJourney, current_state, end_state, save_state
from tellonce.entrypoints.portal.forms import FieldError, input_errors, read_answers
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.journeys.builders import YES_NO, choice
from tellonce.entrypoints.portal.questions import Question
from tellonce.entrypoints.portal.rendering import language_of, redirect, render
from tellonce.entrypoints.portal.routes.flow import continue_url, current_plan
from tellonce.entrypoints.portal.routes.report import error_context
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep
from tellonce.entrypoints.portal.state import JourneyState, last_answer_url, question_url
from tellonce.service_layer.portal_drafts import normalised_answers
from tellonce.service_layer.reporting import (
    IdempotencyRequest,
    ReportSubmission,
    submit_report,
)

router = APIRouter(include_in_schema=False)
CHECK_ANSWERS = "/report/check-answers"


# --- routing questions ----------------------------------------------------------------------


def _routing_question(
    portal: Portal, state: JourneyState, question_id: str
) -> tuple[str, Question] | None:
    """The catalogue's question text, as a yes/no question page (None if it is not asked)."""
    without = {k: v for k, v in state.answers.items() if k != question_id}
    plan = current_plan(portal, JourneyState(state.event_type, state.pages, without))
    found = next((q for q in plan.unanswered if q.id == question_id), None)
    if found is None:
        return None
    page = choice(
        question_id,
        found.text,
        None,
        YES_NO,
        summary=found.text,
        missing=N_("Select yes or no"),
    )
    return found.text, page


@router.get("/report/questions/{question_id}")
def routing_question(
    request: Request, portal: PortalDep, account: AccountDep, question_id: str
) -> Response:
    try:
        _found, state = current_state(request, portal, account)
    except NoJourney:
        return redirect("/report")
    asked = _routing_question(portal, state, question_id)
    if asked is None or _blocked(portal, state):
        return redirect(continue_url(portal, state))
    answer = state.answers.get(question_id)
    values = {"answer": ("yes" if answer else "no")} if answer is not None else {}
    change = request.query_params.get("change") == "1"
    return _render_routing(request, portal, state, asked[1], values, [], change)


@router.post("/report/questions/{question_id}")
def answer_routing_question(
    request: Request, portal: PortalDep, account: AccountDep, form: PostedDep, question_id: str
) -> Response:
    try:
        found, state = current_state(request, portal, account)
    except NoJourney:
        return redirect("/report")
    asked = _routing_question(portal, state, question_id)
    if asked is None or _blocked(portal, state):
        return redirect(continue_url(portal, state))
    text, page = asked
    raw = read_answers(page, form.as_dict())
    errors = input_errors(page, raw, portal.gettext(language_of(request)))
    if errors:
        change = form.get("change") == "1"
        return _render_routing(request, portal, state, page, raw, errors, change, status=400)
    state.answers[question_id] = raw["answer"] == "yes"
    state.asked.pop(question_id, None)
    state.asked[question_id] = text  # kept in the order answered, for back links
    save_state(portal, account, found, state)
    return redirect(continue_url(portal, state))


def _blocked(portal: Portal, state: JourneyState) -> bool:
    """Routing questions come once every page is answered and valid."""
    return continue_url(portal, state).startswith(f"/report/{state.event_type}/")


def _render_routing(
    request: Request,
    portal: Portal,
    state: JourneyState,
    page: Question,
    values: Mapping[str, str],
    errors: list[FieldError],
    change: bool,
    status: int = 200,
) -> HTMLResponse:
    _ = portal.gettext(language_of(request))
    earlier = [qid for qid in state.asked if qid != page.slug]
    back = f"/report/questions/{earlier[-1]}" if earlier else _last_page(state)
    options = [
        {"value": o.value, "text": _(o.label), "checked": values.get("answer") == o.value}
        for o in page.options
    ]
    context = {
        "title": page.heading,
        "caption": _(state.journey.title),
        "question": page,
        "values": values,
        "options": options,
        "change": change,
        "back_url": CHECK_ANSWERS if change else back,
        **error_context(errors),
    }
    return render(request, portal, "question.html", context, status=status)


def _last_page(state: JourneyState) -> str:
    questions = state.questions()
    return question_url(state, questions[-1]) if questions else "/report"


# --- preview --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteView:
    route: Route
    rows: list[Row]
    reasons: list[str]


def _route_views(routes: tuple[Route, ...], language: str, _: Gettext) -> list[RouteView]:
    return [
        RouteView(
            route,
            shared_rows(route.data, route.fields, language, _),
            # The first reason is always "the report is a <event>": the page says that already.
            [reason[:1].upper() + reason[1:] for reason in route.reasons[1:]],
        )
        for route in routes
    ]


@router.get("/report/preview")
def preview(request: Request, portal: PortalDep, account: AccountDep) -> Response:
    try:
        _found, state = current_state(request, portal, account)
    except NoJourney:
        return redirect("/report")
    next_step = continue_url(portal, state)
    if next_step not in ("/report/preview", CHECK_ANSWERS):
        return redirect(next_step)
    return _render_preview(request, portal, state, current_plan(portal, state))


def _render_preview(
    request: Request, portal: Portal, state: JourneyState, plan: RoutingPlan
) -> HTMLResponse:
    language = language_of(request)
    _ = portal.gettext(language)
    context = {
        "title": _("Check who we will tell"),
        "caption": _(state.journey.title),
        "by_law": _route_views(plan.by_law, language, _),
        "by_consent": _route_views(plan.by_consent, language, _),
        "consents": state.consents if state.preview_digest else {},
        "digest": plan.digest(),
        "changed": state.preview_changed,
        "back_url": last_answer_url(state),
    }
    return render(request, portal, "preview.html", context)


@router.post("/report/preview")
def confirm_preview(
    request: Request, portal: PortalDep, account: AccountDep, form: PostedDep
) -> RedirectResponse:
    try:
        found, state = current_state(request, portal, account)
    except NoJourney:
        return redirect("/report")
    next_step = continue_url(portal, state)
    if next_step not in ("/report/preview", CHECK_ANSWERS):
        return redirect(next_step)
    plan = current_plan(portal, state)
    if form.get("digest") != plan.digest():  # the plan moved under the citizen's feet
        state.preview_changed = True
        save_state(portal, account, found, state)
        return redirect("/report/preview")
    chosen = set(form.getlist("consent"))
    state.consents = {r.agreement.id: r.agreement.id in chosen for r in plan.by_consent}
    state.preview_digest = plan.digest()
    state.preview_changed = False
    save_state(portal, account, found, state)
    return redirect(CHECK_ANSWERS)


# --- check your answers and send ------------------------------------------------------------


@router.get(CHECK_ANSWERS)
def check_answers(request: Request, portal: PortalDep, account: AccountDep) -> Response:
    try:
        _found, state = current_state(request, portal, account)
    except NoJourney:
        return redirect("/report")
    next_step = continue_url(portal, state)
    if next_step != CHECK_ANSWERS:
        return redirect(next_step)
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
    routing = [
        Row(
            text,
            (_("Yes") if state.answers[qid] else _("No"),),
            change_url=f"/report/questions/{qid}?change=1",
        )
        for qid, text in state.asked.items()
        if qid in state.answers
    ]
    plan = current_plan(portal, state)
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
    request: Request,
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,  # noqa: ARG001
) -> RedirectResponse:
    try:
        found, state = current_state(request, portal, account)
    except NoJourney:
        return redirect("/reports")  # sent already (a double click), or expired
    if continue_url(portal, state) != CHECK_ANSWERS or state.preview_digest is None:
        return redirect(continue_url(portal, state))
    hub = portal.hub
    submission = ReportSubmission(state.draft(), state.consents, state.preview_digest, "portal")
    # The draft id is the idempotency key: a second click replays the first report.
    idempotency = IdempotencyRequest(f"portal:{account.id}", str(found), hub.idempotency_ttl)
    try:
        submitted = submit_report(
            submission,
            account=account,
            uow_factory=hub.uow,
            vault=hub.vault,
            clock=hub.clock,
            idempotency=idempotency,
        )
    except PreviewChanged:
        state.preview_digest = None
        state.preview_changed = True
        save_state(portal, account, found, state)
        return redirect("/report/preview")
    except (InvalidInput, Conflict):
        return redirect(continue_url(portal, state))
    response = redirect(f"/reports/{submitted.report.reference}/confirmation")
    end_state(portal, account, found, response)
    return response
