"""The journey a request works on, and where it goes next, decided from the answers so far and
the routing plan.

Pages of the journey take it as a dependency (``JourneyDep``): the citizen's draft, loaded once,
with the routing plan for each set of answers planned at most once per request however many
times the page asks where to go next. Without answers in progress the portal redirects to
start again (``NoJourneyHere``, handled in ``portal.app``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from tellonce.domain.routing import RoutingPlan
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.drafts import NoJourney, current_state, end_state, save_state
from tellonce.entrypoints.portal.security import AccountDep, PortalDep
from tellonce.entrypoints.portal.state import (
    JourneyState,
    after_answers,
    first_unanswered,
    page_with_problem,
    question_url,
)
from tellonce.service_layer.portal_drafts import (
    AnswerProblem,
    answer_problems,
    normalised_answers,
)
from tellonce.service_layer.ports import Account
from tellonce.service_layer.registrations import registration_problems
from tellonce.service_layer.reporting import preview_report


class NoJourneyHere(Exception):
    """A page of the journey without answers in progress: the portal redirects to ``go_to``."""

    def __init__(self, go_to: str) -> None:
        super().__init__(go_to)
        self.go_to = go_to


@dataclass
class Underway:
    """A citizen's journey in progress, for one request."""

    portal: Portal
    account: Account
    draft_id: uuid.UUID
    state: JourneyState
    # Plans by the draft they are for: a page that changes the answers gets a new plan.
    _plans: dict[str, RoutingPlan] = field(default_factory=dict, repr=False)

    def plan(self, state: JourneyState | None = None) -> RoutingPlan:
        """The routing plan for the answers (this journey's, or a variant of them)."""
        draft = (state or self.state).draft()
        key = json.dumps(
            [draft.event_type, draft.payload, draft.answers], sort_keys=True, default=str
        )
        if key not in self._plans:
            hub = self.portal.hub
            self._plans[key] = preview_report(draft, uow=hub.uow(), clock=hub.clock)
        return self._plans[key]

    def forget_plans(self) -> None:
        self._plans.clear()

    def problems(
        self, state: JourneyState | None = None, payload: Mapping[str, Any] | None = None
    ) -> list[AnswerProblem]:
        chosen = state or self.state
        sent = chosen.payload() if payload is None else payload
        hub = self.portal.hub
        found = answer_problems(chosen.event_type, sent, clock=hub.clock)
        normalised = None if found else normalised_answers(chosen.event_type, sent, clock=hub.clock)
        if normalised is None:
            return found
        # All the answers make a report: a death or a birth needs the registrar's reference.
        refused = registration_problems(
            chosen.event_type, normalised, uow=hub.read_uow(), vault=hub.vault, clock=hub.clock
        )
        return [AnswerProblem(p.location, p.code, p.message) for p in refused]

    def continue_url(self) -> str:
        """The first thing still to do: a question, a page whose answer breaks a rule, a routing
        question, the preview, or — when all is done — "Check your answers"."""
        state = self.state
        unanswered = first_unanswered(state)
        if unanswered is not None:
            return question_url(state, unanswered)
        problems = self.problems()
        if problems:
            # A problem no page owns cannot be fixed by going round again: show the first page.
            owner = page_with_problem(state, problems) or state.questions()[0]
            return question_url(state, owner)
        return after_answers(state, self.plan())

    def save(self) -> None:
        save_state(self.portal, self.account, self.draft_id, self.state)

    def end(self, response: Response) -> None:
        """The report is sent: forget the answers, here and in the browser."""
        end_state(self.portal, self.account, self.draft_id, response)


def _underway(request: Request, portal: Portal, account: Account) -> Underway | None:
    try:
        found, state = current_state(request, portal, account)
    except NoJourney:
        return None
    return Underway(portal, account, found, state)


def journey_or(go_to: str) -> Callable[[Request, Portal, Account], Underway]:
    """A dependency: the journey in progress, or a redirect to ``go_to``."""

    def journey(request: Request, portal: PortalDep, account: AccountDep) -> Underway:
        found = _underway(request, portal, account)
        if found is None:
            raise NoJourneyHere(go_to)
        return found

    return journey


def maybe_journey(request: Request, portal: PortalDep, account: AccountDep) -> Underway | None:
    return _underway(request, portal, account)


# A page of the journey: without answers in progress, start again.
JourneyDep = Annotated[Underway, Depends(journey_or("/report"))]
# Sending: without answers in progress the report was sent already (a double click), or expired.
SendingDep = Annotated[Underway, Depends(journey_or("/reports"))]
# "What has changed?": the journey in progress, if any.
MaybeJourneyDep = Annotated[Underway | None, Depends(maybe_journey)]
