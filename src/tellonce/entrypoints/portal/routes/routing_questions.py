"""The catalogue's routing questions, asked once every page is answered and valid.

The questions the portal words for the event are asked together on one checkbox page, "Which of
these apply to you?", with an exclusive "None of these"; each ticked box is a yes and each box
left unticked a no, so the answers are the same yes/no answers the API takes. A question the
portal cannot word yet keeps a yes/no page of its own, in the catalogue's words.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.catalogue import RoutingQuestion
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.display import Row
from tellonce.entrypoints.portal.flow import JourneyDep, Underway
from tellonce.entrypoints.portal.forms import FieldError, input_errors, read_answers
from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.journeys.builders import YES_NO, choice
from tellonce.entrypoints.portal.questions import Question
from tellonce.entrypoints.portal.rendering import language_of, redirect, render
from tellonce.entrypoints.portal.routes.report import error_context
from tellonce.entrypoints.portal.routing_wording import (
    SUBJECTS,
    WHICH_APPLY_HEADINGS,
    Wording,
    wording,
)
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep
from tellonce.entrypoints.portal.state import (
    CHECK_ANSWERS,
    WHICH_APPLY,
    JourneyState,
    question_url,
    routing_url,
)

router = APIRouter(include_in_schema=False)

NONE_OF_THESE = "none"
SELECT_SOME = N_("Select all that apply, or select \u2018None of these\u2019")
NOT_BOTH = N_("Select \u2018None of these\u2019 or the options that apply, not both")


def _worded_questions(journey: Underway) -> list[tuple[RoutingQuestion, Wording]]:
    """Every question the report's plan asks, whatever has been answered, that the portal
    words for the event: the boxes of the checkbox page."""
    state = journey.state
    plan = journey.plan(JourneyState(state.event_type, state.pages, {}))
    return [
        (question, worded)
        for question in plan.unanswered
        if (worded := wording(state.event_type, question.id)) is not None
    ]


@router.get(WHICH_APPLY)
def which_apply(request: Request, portal: PortalDep, journey: JourneyDep) -> Response:
    state = journey.state
    asked = _worded_questions(journey)
    if not asked or _blocked(journey):
        return redirect(journey.continue_url())
    ids = [q.id for q, _w in asked]
    ticked = [qid for qid in ids if state.answers.get(qid) is True]
    if ids and all(state.answers.get(qid) is False for qid in ids):
        ticked = [NONE_OF_THESE]
    change = request.query_params.get("change") == "1"
    return _render_which_apply(request, portal, state, asked, ticked, None, change)


@router.post(WHICH_APPLY)
def answer_which_apply(
    request: Request,
    portal: PortalDep,
    account: AccountDep,  # noqa: ARG001 - signed in before the form is checked
    form: PostedDep,
    journey: JourneyDep,
) -> Response:
    state = journey.state
    asked = _worded_questions(journey)
    if not asked or _blocked(journey):
        return redirect(journey.continue_url())
    ids = [q.id for q, _w in asked]
    chosen = set(form.getlist("applies"))
    ticked = [qid for qid in [*ids, NONE_OF_THESE] if qid in chosen]
    problem = None
    if not ticked:
        problem = SELECT_SOME
    elif NONE_OF_THESE in ticked and len(ticked) > 1:  # possible with JavaScript off
        problem = NOT_BOTH
    if problem is not None:
        change = form.get("change") == "1"
        _ = portal.gettext(language_of(request))
        error = FieldError("applies", _(problem))
        return _render_which_apply(request, portal, state, asked, ticked, error, change, 400)
    for question, _worded in asked:
        state.answers[question.id] = question.id in ticked
        state.asked.pop(question.id, None)
        state.asked[question.id] = question.text  # kept in the order answered, for back links
    journey.save()
    return redirect(journey.continue_url())


def _render_which_apply(
    request: Request,
    portal: Portal,
    state: JourneyState,
    asked: list[tuple[RoutingQuestion, Wording]],
    ticked: list[str],
    error: FieldError | None,
    change: bool,
    status: int = 200,
) -> HTMLResponse:
    _ = portal.gettext(language_of(request))
    heading = _(WHICH_APPLY_HEADINGS[SUBJECTS[state.event_type]])
    items: list[dict[str, object]] = [
        {"value": q.id, "text": worded.state(_), "checked": q.id in ticked} for q, worded in asked
    ]
    items += [
        {"divider": _("or")},
        {
            "value": NONE_OF_THESE,
            "text": _("None of these"),
            "behaviour": "exclusive",
            "checked": NONE_OF_THESE in ticked,
        },
    ]
    context = {
        "title": heading,
        "heading": heading,
        "caption": _(state.journey.title),
        "items": items,
        "error": error,
        "change": change,
        "back_url": CHECK_ANSWERS if change else _last_page(state),
        **error_context([error] if error else []),
    }
    return render(request, portal, "which_apply.html", context, status=status)


def _routing_question(journey: Underway, question_id: str) -> tuple[str, Question] | None:
    """The catalogue's question text, as a yes/no question page (None if it is not asked)."""
    state = journey.state
    without = {k: v for k, v in state.answers.items() if k != question_id}
    plan = journey.plan(JourneyState(state.event_type, state.pages, without))
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
    request: Request, portal: PortalDep, journey: JourneyDep, question_id: str
) -> Response:
    state = journey.state
    if routing_url(state.event_type, question_id) == WHICH_APPLY:
        return redirect(WHICH_APPLY + ("?change=1" if "change" in request.query_params else ""))
    asked = _routing_question(journey, question_id)
    if asked is None or _blocked(journey):
        return redirect(journey.continue_url())
    answer = state.answers.get(question_id)
    values = {"answer": ("yes" if answer else "no")} if answer is not None else {}
    change = request.query_params.get("change") == "1"
    return _render_routing(request, portal, state, asked[1], values, [], change)


@router.post("/report/questions/{question_id}")
def answer_routing_question(
    request: Request,
    portal: PortalDep,
    account: AccountDep,  # noqa: ARG001 - signed in before the form is checked
    form: PostedDep,
    journey: JourneyDep,
    question_id: str,
) -> Response:
    state = journey.state
    if routing_url(state.event_type, question_id) == WHICH_APPLY:
        return redirect(WHICH_APPLY)
    asked = _routing_question(journey, question_id)
    if asked is None or _blocked(journey):
        return redirect(journey.continue_url())
    text, page = asked
    raw = read_answers(page, form.as_dict())
    errors = input_errors(page, raw, portal.gettext(language_of(request)))
    if errors:
        change = form.get("change") == "1"
        return _render_routing(request, portal, state, page, raw, errors, change, status=400)
    state.answers[question_id] = raw["answer"] == "yes"
    state.asked.pop(question_id, None)
    state.asked[question_id] = text  # kept in the order answered, for back links
    journey.save()
    return redirect(journey.continue_url())


def _blocked(journey: Underway) -> bool:
    """Routing questions come once every page is answered and valid."""
    return journey.continue_url().startswith(f"/report/{journey.state.event_type}/")


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
    back = routing_url(state.event_type, earlier[-1]) if earlier else _last_page(state)
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
        "english_only": True,  # the question is the catalogue's, which has no Welsh
        **error_context(errors),
    }
    return render(request, portal, "question.html", context, status=status)


def _last_page(state: JourneyState) -> str:
    questions = state.questions()
    return question_url(state, questions[-1]) if questions else "/report"


def routing_rows(journey: Underway, _: Gettext) -> list[Row]:
    """The checkbox page as one row, as the citizen answered it (the boxes they ticked, or
    "None of these"), then any question asked on a yes/no page of its own."""
    state = journey.state
    rows = []
    boxes = _worded_questions(journey)
    if boxes:
        ticked = [worded.state(_) for q, worded in boxes if state.answers.get(q.id)]
        rows.append(
            Row(
                _(WHICH_APPLY_HEADINGS[SUBJECTS[state.event_type]]),
                tuple(ticked) or (_("None of these"),),
                change_url=WHICH_APPLY + "?change=1",
            )
        )
    rows += [
        Row(
            text,
            (_("Yes") if state.answers[qid] else _("No"),),
            change_url=routing_url(state.event_type, qid) + "?change=1",
        )
        for qid, text in state.asked.items()
        if qid in state.answers and routing_url(state.event_type, qid) != WHICH_APPLY
    ]
    return rows
