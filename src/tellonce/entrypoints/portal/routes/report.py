"""Reporting a life event, one question per page: "What has changed?" then each question."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.drafts import start_state
from tellonce.entrypoints.portal.flow import JourneyDep, MaybeJourneyDep, Underway
from tellonce.entrypoints.portal.forms import (
    MISSING_CODES,
    FieldError,
    build_payload,
    input_errors,
    read_answers,
    rule_errors,
)
from tellonce.entrypoints.portal.i18n import Gettext
from tellonce.entrypoints.portal.journeys import JOURNEYS
from tellonce.entrypoints.portal.questions import Question
from tellonce.entrypoints.portal.rendering import language_of, redirect, render
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep, draft_id
from tellonce.entrypoints.portal.state import (
    JourneyState,
    owner_of,
    previous_url,
    question_url,
)
from tellonce.service_layer.portal_drafts import discard_draft

router = APIRouter(include_in_schema=False)


def error_context(errors: Sequence[FieldError]) -> dict[str, Any]:
    """What the layout's error summary and each input's error message need."""
    return {
        "errors": [{"text": e.message, "href": f"#{e.input_id}"} for e in errors],
        "field_errors": {
            ("date" if e.input_id.startswith("date-") else e.input_id): e for e in errors
        },
    }


@router.get("/report")
def what_changed(request: Request, portal: PortalDep, journey: MaybeJourneyDep) -> HTMLResponse:
    chosen = None if journey is None else journey.state.event_type
    expired = draft_id(request) is not None and chosen is None
    return render(request, portal, "what_changed.html", _choices(chosen) | {"expired": expired})


@router.post("/report")
def choose_event(
    request: Request,
    portal: PortalDep,
    account: AccountDep,
    form: PostedDep,
    journey: MaybeJourneyDep,
) -> Response:
    event_type = form.get("answer")
    if event_type not in JOURNEYS:
        _ = portal.gettext(language_of(request))
        errors = [FieldError("answer", _("Select what has changed"))]
        context = _choices(None) | error_context(errors)
        return render(request, portal, "what_changed.html", context, status=400)
    if journey is not None:
        if journey.state.event_type == event_type:
            return redirect(journey.continue_url())
        # a different change now
        discard_draft(journey.draft_id, account=account, uow=portal.hub.uow())
    state = JourneyState(event_type)
    response = redirect(question_url(state, state.questions()[0]))
    start_state(portal, account, state, response)
    return response


def _choices(chosen: str | None) -> dict[str, Any]:
    return {"journeys": list(JOURNEYS.values()), "chosen": chosen, "back_url": "/"}


@router.get("/report/{event_type}/{slug}")
def question_page(
    request: Request, portal: PortalDep, journey: JourneyDep, event_type: str, slug: str
) -> Response:
    state = journey.state
    question = _question(state, event_type, slug)
    if question is None:
        return redirect(journey.continue_url())
    _ = portal.gettext(language_of(request))
    errors: list[FieldError] = []
    if slug in state.pages:  # rules this answer still breaks, such as "must be different"
        # (not a part still to fill in, as a page pre-filled by the assistant has: ADR 0060)
        broken = [p for p in journey.problems() if p.code not in MISSING_CODES]
        errors = rule_errors(question, broken, _)
    values = state.pages.get(slug, {})
    change = request.query_params.get("change") == "1"
    return _render_question(request, portal, state, question, values, errors, change=change)


@router.post("/report/{event_type}/{slug}")
def answer_question(
    request: Request,
    portal: PortalDep,
    account: AccountDep,  # noqa: ARG001 - signed in before the form is checked
    form: PostedDep,
    journey: JourneyDep,
    event_type: str,
    slug: str,
) -> Response:
    state = journey.state
    question = _question(state, event_type, slug)
    if question is None:
        return redirect(journey.continue_url())
    _ = portal.gettext(language_of(request))
    raw = read_answers(question, form.as_dict())
    change = form.get("change") == "1"
    errors = input_errors(question, raw, _) or _rule_errors_with(journey, question, raw, _)
    if errors:
        return _render_question(request, portal, state, question, raw, errors, change, status=400)
    state.pages[slug] = raw
    journey.save()
    return redirect(_next_url(journey, question, change=change))


def _question(state: JourneyState, event_type: str, slug: str) -> Question | None:
    if event_type != state.event_type:
        return None
    question = state.journey.question(slug)
    return question if question is not None and question.applies(state.pages) else None


def _rule_errors_with(
    journey: Underway, question: Question, raw: dict[str, str], _: Gettext
) -> list[FieldError]:
    state = journey.state
    pages = {**state.pages, question.slug: raw}
    questions = state.journey.applicable(pages)
    trial = JourneyState(state.event_type, pages=pages)
    problems = journey.problems(trial, build_payload(questions, pages))
    return rule_errors(question, problems, _)


def _next_url(journey: Underway, question: Question, *, change: bool) -> str:
    # A rule that spans answers (a new address the same as the old) may now fail on an
    # earlier page: go back there first.
    state = journey.state
    for problem in journey.problems():
        owner = owner_of(state, problem)
        if problem.code not in MISSING_CODES and owner is not None and owner.slug in state.pages:
            return question_url(state, owner)
    following = None if change else state.journey.after(question.slug, state.pages)
    return question_url(state, following) if following else journey.continue_url()


def _render_question(
    request: Request,
    portal: Portal,
    state: JourneyState,
    question: Question,
    values: Mapping[str, str],
    errors: list[FieldError],
    change: bool = False,
    status: int = 200,
) -> HTMLResponse:
    _ = portal.gettext(language_of(request))
    options = [
        {
            "value": o.value,
            "text": _(o.label),
            "hint": {"text": _(o.hint)} if o.hint else None,
            "checked": values.get("answer") == o.value,
        }
        for o in question.options
    ]
    context = {
        "title": _(question.heading),
        "caption": _(state.journey.title),
        "question": question,
        "values": values,
        "options": options,
        "change": change,
        "back_url": "/report/check-answers" if change else previous_url(state, question),
        **error_context(errors),
    }
    return render(request, portal, "question.html", context, status=status)
