"""A citizen's journey in progress: what is kept (sealed) between pages, and where to go next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tellonce.domain.routing import RoutingPlan
from tellonce.entrypoints.portal.forms import build_payload, concerns, under
from tellonce.entrypoints.portal.journeys import JOURNEYS, Journey
from tellonce.entrypoints.portal.questions import Question
from tellonce.entrypoints.portal.routing_wording import wording
from tellonce.service_layer.portal_drafts import AnswerProblem
from tellonce.service_layer.reporting import ReportDraft

VERSION = 1  # bump when the shape below changes; older drafts are then started afresh


@dataclass
class JourneyState:
    event_type: str
    pages: dict[str, dict[str, str]] = field(default_factory=dict)  # slug -> raw answers
    answers: dict[str, bool] = field(default_factory=dict)  # routing question id -> answer
    asked: dict[str, str] = field(default_factory=dict)  # routing question id -> its text
    consents: dict[str, bool] = field(default_factory=dict)  # agreement id -> granted
    preview_digest: str | None = None  # the preview the citizen confirmed
    preview_changed: bool = False  # submission found the plan had changed since

    @property
    def journey(self) -> Journey:
        return JOURNEYS[self.event_type]

    def questions(self) -> list[Question]:
        return self.journey.applicable(self.pages)

    def payload(self) -> dict[str, Any]:
        return build_payload(self.questions(), self.pages)

    def draft(self) -> ReportDraft:
        return ReportDraft(self.event_type, self.payload(), dict(self.answers))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "event_type": self.event_type,
            "pages": self.pages,
            "answers": self.answers,
            "asked": self.asked,
            "consents": self.consents,
            "preview_digest": self.preview_digest,
            "preview_changed": self.preview_changed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JourneyState | None:
        if data.get("version") != VERSION or data.get("event_type") not in JOURNEYS:
            return None
        return cls(
            event_type=data["event_type"],
            pages={k: dict(v) for k, v in data.get("pages", {}).items()},
            answers=dict(data.get("answers", {})),
            asked=dict(data.get("asked", {})),
            consents=dict(data.get("consents", {})),
            preview_digest=data.get("preview_digest"),
            preview_changed=bool(data.get("preview_changed", False)),
        )


def question_url(state: JourneyState, question: Question) -> str:
    return f"/report/{state.event_type}/{question.slug}"


def owner_of(state: JourneyState, problem: AnswerProblem) -> Question | None:
    """The question whose answer a problem is about: the longest matching path, or for a whole
    missing object, the first question that fills part of it."""
    questions = [q for q in state.questions() if q.path is not None]
    owners = [q for q in questions if under(problem.location, q.path or ())]
    if owners:
        return max(owners, key=lambda q: len(q.path or ()))
    return next((q for q in questions if concerns(problem, q.path or ())), None)


def first_unanswered(state: JourneyState) -> Question | None:
    return next((q for q in state.questions() if q.slug not in state.pages), None)


def page_with_problem(state: JourneyState, problems: list[AnswerProblem]) -> Question | None:
    """The first answered question, in journey order, that one of the problems is about."""
    owners = {owner.slug for p in problems if (owner := owner_of(state, p)) is not None}
    return next((q for q in state.questions() if q.slug in owners), None)


WHICH_APPLY = "/report/questions"
CHECK_ANSWERS = "/report/check-answers"


def routing_url(event_type: str, question_id: str) -> str:
    """Where a routing question is asked: the questions the portal words for the event share
    one "Which of these apply…?" page; any other has a yes/no page of its own."""
    if wording(event_type, question_id) is not None:
        return WHICH_APPLY
    return f"{WHICH_APPLY}/{question_id}"


def after_answers(state: JourneyState, plan: RoutingPlan) -> str:
    """Where to go once every question is answered: routing questions, preview, or check."""
    if plan.unanswered:
        urls = [routing_url(state.event_type, q.id) for q in plan.unanswered]
        return WHICH_APPLY if WHICH_APPLY in urls else urls[0]
    if state.preview_digest != plan.digest():
        return "/report/preview"
    return CHECK_ANSWERS


def previous_url(state: JourneyState, question: Question) -> str:
    before = state.journey.before(question.slug, state.pages)
    return question_url(state, before) if before else "/report"


def last_answer_url(state: JourneyState) -> str:
    """The page before the routing questions and the preview: the last question asked."""
    if state.asked:
        return routing_url(state.event_type, list(state.asked)[-1])
    questions = state.questions()
    return question_url(state, questions[-1]) if questions else "/report"
