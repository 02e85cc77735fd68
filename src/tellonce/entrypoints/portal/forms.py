"""From form posts to answers and payloads, and from validation problems to error messages.

Two kinds of problem reach a page. *Input* problems are the portal's own — a date typed as
"31 / 2 / 2020", a radio left unselected — and follow the GOV.UK patterns word for word. *Rule*
problems are the domain's (a postcode that cannot exist, a move date before a date of birth):
they come back from validating the whole payload, located by pydantic path, and each page shows
the ones located in its own answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tellonce.entrypoints.portal.i18n import N_, Gettext
from tellonce.entrypoints.portal.questions import DATE_PARTS, Input, Kind, Path, Question
from tellonce.service_layer.portal_drafts import AnswerProblem

Raw = Mapping[str, str]

MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
DATE_MISSING_PARTS = {
    ("day",): N_("%(label)s must include a day"),
    ("month",): N_("%(label)s must include a month"),
    ("year",): N_("%(label)s must include a year"),
    ("day", "month"): N_("%(label)s must include a day and month"),
    ("day", "year"): N_("%(label)s must include a day and year"),
    ("month", "year"): N_("%(label)s must include a month and year"),
}
# Domain rules whose message reads better with the question's own label in front.
DATE_RULES = {
    "date_in_future": N_("%(label)s must be today or in the past"),
    "date_too_early": N_("%(label)s must be on or after 1 January 1900"),
}
MISSING_CODES = frozenset({"missing", "name_empty", "text_empty"})


@dataclass(frozen=True, slots=True)
class FieldError:
    input_id: str  # what the error summary links to
    message: str  # already translated
    parts: tuple[str, ...] = ()  # for dates: which of day, month and year to highlight


def read_answers(question: Question, form: Mapping[str, str]) -> dict[str, str]:
    """The question's inputs from a form post, trimmed; nothing else from the post is kept."""
    if question.kind is Kind.DATE:
        names: Iterable[str] = (f"date-{part}" for part in DATE_PARTS)
    else:
        names = (i.name for i in question.inputs)
    return {name: " ".join(form.get(name, "").split()) for name in names}


def input_errors(question: Question, raw: Raw, _: Gettext) -> list[FieldError]:
    """Problems with how something was typed or chosen, before any domain rule applies."""
    if question.kind is Kind.DATE:
        error = _date_error(question, raw, _)
        return [error] if error else []
    choices = {option.value for option in question.options}
    if question.kind in (Kind.CHOICE, Kind.YES_NO) and raw.get("answer") not in choices:
        return [FieldError("answer", _(question.inputs[0].missing or ""))]
    return []


def contributions(question: Question, raw: Raw) -> list[tuple[Path, Any]]:
    """Where the answers go in the payload. Blank inputs are left out, so that the domain says
    what is missing; a required name or address is always present (perhaps empty) so that each
    of its missing parts is reported, not just the whole."""
    if question.path is None:
        return []
    if question.kind is Kind.DATE:
        parsed = parse_date(raw)
        return [(question.path, parsed.isoformat())] if parsed else []
    if question.kind in (Kind.CHOICE, Kind.YES_NO):
        answer = raw.get("answer", "")
        return [(question.path, answer)] if answer else []
    if question.kind is Kind.TEXT:
        answer = raw.get("answer", "")
        return [(question.path, answer)] if answer else []
    filled = [(question.path + i.subpath, raw[i.name]) for i in question.inputs if raw.get(i.name)]
    if not filled and question.optional:
        return []
    return [(question.path, {}), *filled]


def build_payload(questions: Sequence[Question], pages: Mapping[str, Raw]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for question in questions:
        if question.slug in pages:
            for path, value in contributions(question, pages[question.slug]):
                put(payload, path, value)
    return payload


def put(payload: dict[str, Any], path: Path, value: Any) -> None:
    """Set ``value`` at ``path``, making the objects and lists on the way (merging dicts)."""
    node: Any = payload
    for part, following in zip(path, [*path[1:], None], strict=True):
        if following is None:
            if isinstance(value, dict) and isinstance(_get(node, part), dict):
                return  # a placeholder {} never overwrites answers already in place
            _set(node, part, value)
            return
        child = _get(node, part)
        if child is None:
            child = [] if isinstance(following, int) else {}
            _set(node, part, child)
        node = child


def _get(node: Any, key: str | int) -> Any:
    if isinstance(node, list):
        assert isinstance(key, int)
        return node[key] if key < len(node) else None
    return node.get(key)


def _set(node: Any, key: str | int, value: Any) -> None:
    if isinstance(node, list):
        assert isinstance(key, int)
        while len(node) <= key:
            node.append({})
        node[key] = value
    else:
        node[key] = value


def under(location: Sequence[str | int], path: Path) -> bool:
    return tuple(location[: len(path)]) == path


def concerns(problem: AnswerProblem, path: Path) -> bool:
    """A problem in this answer, or a whole missing object this answer is part of (a blank
    registration reference leaves no ``registration`` at all)."""
    if under(problem.location, path):
        return True
    return problem.code in MISSING_CODES and under(path, problem.location)


def rule_errors(
    question: Question, problems: Iterable[AnswerProblem], _: Gettext
) -> list[FieldError]:
    """The domain's problems located in this question's answers, one per input, in order."""
    if question.path is None:
        return []
    found: dict[str, FieldError] = {}
    for problem in problems:
        if not concerns(problem, question.path):
            continue
        relative = tuple(problem.location[len(question.path) :])
        field = _input_at(question, relative)
        if field.name not in found:
            found[field.name] = FieldError(
                _anchor(question, field), _rule_message(question, field, problem, _)
            )
    order = [i.name for i in question.inputs]
    return sorted(found.values(), key=lambda e: order.index(_input_name(e.input_id)))


def _input_at(question: Question, relative: Path) -> Input:
    for candidate in question.inputs:
        if under(relative, candidate.subpath):
            return candidate
    return question.inputs[0]  # a problem with the whole answer, such as "must be different"


def _anchor(question: Question, field: Input) -> str:
    return "date-day" if question.kind is Kind.DATE else field.name


def _input_name(input_id: str) -> str:
    return "date" if input_id.startswith("date-") else input_id


def _rule_message(question: Question, field: Input, problem: AnswerProblem, _: Gettext) -> str:
    label = _(field.label)
    if problem.code in MISSING_CODES and field.missing:
        return _(field.missing) % {"whose": _(question.whose), "label": _lower_first(label)}
    if question.kind is Kind.DATE and problem.code in DATE_RULES:
        return _(DATE_RULES[problem.code]) % {"label": label}
    return _(problem.message)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _date_error(question: Question, raw: Raw, _: Gettext) -> FieldError | None:
    label = _(question.inputs[0].label)
    parts = {part: raw.get(f"date-{part}", "") for part in DATE_PARTS}
    missing = tuple(part for part in DATE_PARTS if not parts[part])
    if len(missing) == len(DATE_PARTS):
        if question.optional:
            return None
        message = _(question.inputs[0].missing or "") % {"label": _lower_first(label)}
        return FieldError("date-day", message, DATE_PARTS)
    if missing:
        message = _(DATE_MISSING_PARTS[missing]) % {"label": label}
        return FieldError(f"date-{missing[0]}", message, missing)
    if not parts["year"].isdigit() or len(parts["year"]) != 4:
        return FieldError("date-year", _("Year must include 4 numbers"), ("year",))
    if parse_date(raw) is None:
        return FieldError("date-day", _(N_("%(label)s must be a real date")) % {"label": label})
    return None


def parse_date(raw: Raw) -> dt.date | None:
    day, month, year = (raw.get(f"date-{part}", "") for part in DATE_PARTS)
    month_number = MONTHS.get(month[:3].lower()) if month[:3].isalpha() else None
    try:
        return dt.date(int(year), month_number or int(month), int(day))
    except ValueError:
        return None
