"""Recipients' push endpoints, their signing secrets and their contact addresses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class DestinationCheck(Protocol):
    """The webhook sender's destination policy, asked before a URL is stored."""

    def refusal(self, url: str) -> str | None:
        """Why pushes to ``url`` would be refused (safe to show), or None."""
        ...


@dataclass(frozen=True, slots=True)
class Endpoint:
    recipient_id: str
    url: str | None
    state: str | None


class EndpointRepository(Protocol):
    def get(self, recipient_id: str) -> Endpoint | None: ...
    def contact_email(self, recipient_id: str) -> str | None:
        """The recipient's contact address from the catalogue, if it gives one."""
        ...

    def set(self, recipient_id: str, url: str, now: datetime) -> None: ...
    def set_state(self, recipient_id: str, state: str, now: datetime) -> None: ...
    def add_secret(self, recipient_id: str, sealed: bytes, now: datetime) -> None: ...
    def retire_secrets(self, recipient_id: str, at: datetime) -> None:
        """Every secret still signing after ``at`` stops at ``at`` (replacing them all)."""
        ...

    def retire_current_secrets(self, recipient_id: str, at: datetime) -> None:
        """Secrets with no retirement yet stop at ``at``; those already retiring keep theirs."""
        ...

    def disable(self, recipient_id: str, now: datetime) -> int:
        """Stop pushing to the recipient's endpoint (a 410 Gone, or an operator): its pushes
        wait, and every one still waiting shows as endpoint-disabled. How many that is."""
        ...

    def release_disabled(self, recipient_id: str, now: datetime) -> int: ...
