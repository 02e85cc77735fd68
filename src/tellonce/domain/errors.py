"""Domain errors. Each names the input at fault, so entrypoints can point the user at it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with one input: ``location`` is a path such as ``("answers", "x")``."""

    location: tuple[str | int, ...]
    message: str
    code: str = ""  # the rule broken, for callers that word it themselves (e.g. "missing")


class TellonceError(Exception):
    """Base for errors a caller can correct or must be told about."""


class InvalidInput(TellonceError):
    """The input breaks one or more rules; every problem is listed."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class NotFound(TellonceError):
    """The thing does not exist — or the caller may not see it (we do not say which)."""


class Conflict(TellonceError):
    """The request clashes with the current state, such as a repeat still in progress."""


class PreviewChanged(TellonceError):
    """The routing plan changed since the preview the citizen saw; they must look again."""


class NotAuthenticated(TellonceError):
    """No valid credentials for this kind of caller."""


class MissingScope(TellonceError):
    """The API key is valid but was not issued with the scope this call needs."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"This API key does not have the {scope!r} scope this call needs")
        self.scope = scope
