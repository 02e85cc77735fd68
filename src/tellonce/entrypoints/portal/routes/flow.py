"""Where a journey goes next, decided from the answers so far and the routing plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tellonce.domain.routing import RoutingPlan
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.state import (
    JourneyState,
    after_answers,
    first_unanswered,
    page_with_problem,
    question_url,
)
from tellonce.service_layer.portal_drafts import AnswerProblem, answer_problems
from tellonce.service_layer.reporting import preview_report


def problems_for(
    portal: Portal, state: JourneyState, payload: Mapping[str, Any] | None = None
) -> list[AnswerProblem]:
    chosen = state.payload() if payload is None else payload
    return answer_problems(state.event_type, chosen, clock=portal.hub.clock)


def current_plan(portal: Portal, state: JourneyState) -> RoutingPlan:
    return preview_report(state.draft(), uow=portal.hub.uow(), clock=portal.hub.clock)


def continue_url(portal: Portal, state: JourneyState) -> str:
    """The first thing still to do: a question, a page whose answer breaks a rule, a routing
    question, the preview, or — when all is done — "Check your answers"."""
    unanswered = first_unanswered(state)
    if unanswered is not None:
        return question_url(state, unanswered)
    problems = problems_for(portal, state)
    if problems:
        # A problem no page owns cannot be fixed by going round again: show the first page.
        owner = page_with_problem(state, problems) or state.questions()[0]
        return question_url(state, owner)
    return after_answers(state, current_plan(portal, state))
