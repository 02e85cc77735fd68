"""A disclosure: one report sent to one recipient under one agreement, and its states."""

from __future__ import annotations

from enum import StrEnum


class DisclosureState(StrEnum):
    QUEUED = "queued"  # waiting to be pushed or fetched
    RETRYING = "retrying"  # a push failed and will be tried again
    DELIVERED = "delivered"  # pushed and accepted, or fetched from the feed
    ACKNOWLEDGED = "acknowledged"  # the recipient confirmed receipt
    ACTIONED = "actioned"  # outcomes: what the recipient did
    NO_RECORD_FOUND = "no-record-found"
    NOT_APPLICABLE = "not-applicable"
    REJECTED = "rejected"
    OVERDUE = "overdue"  # not acknowledged by the agreement's deadline
    DEAD_LETTERED = "dead-lettered"  # pushing gave up; an administrator can replay it
    ENDPOINT_DISABLED = "endpoint-disabled"  # the recipient's endpoint answered 410 Gone
    WITHDRAWN = "withdrawn"  # consent withdrawn before the data left: never sent


INITIAL_STATE = DisclosureState.QUEUED

OUTCOMES = frozenset(
    {
        DisclosureState.ACTIONED,
        DisclosureState.NO_RECORD_FOUND,
        DisclosureState.NOT_APPLICABLE,
        DisclosureState.REJECTED,
    }
)
# Not yet in the recipient's hands.
UNDELIVERED = frozenset(
    {
        DisclosureState.QUEUED,
        DisclosureState.RETRYING,
        DisclosureState.ENDPOINT_DISABLED,
        DisclosureState.DEAD_LETTERED,
    }
)
# In the recipient's hands, not yet acknowledged.
AWAITING_ACKNOWLEDGEMENT = frozenset({DisclosureState.DELIVERED, DisclosureState.OVERDUE})


def on_delivered(state: DisclosureState) -> DisclosureState:
    """Pushed and accepted, or fetched from the feed. Never moves a disclosure backwards."""
    return DisclosureState.DELIVERED if state in UNDELIVERED else state


def on_push_failed(state: DisclosureState, *, final: bool, endpoint_gone: bool) -> DisclosureState:
    """A push attempt failed. Only an undelivered disclosure changes: one fetched from the feed
    meanwhile has reached the recipient whatever happened to the push."""
    if state not in UNDELIVERED:
        return state
    if endpoint_gone:
        return DisclosureState.ENDPOINT_DISABLED
    return DisclosureState.DEAD_LETTERED if final else DisclosureState.RETRYING


def on_acknowledged(state: DisclosureState) -> DisclosureState:
    return state if state in OUTCOMES else DisclosureState.ACKNOWLEDGED


def on_overdue(state: DisclosureState) -> DisclosureState:
    return DisclosureState.OVERDUE if state in AWAITING_ACKNOWLEDGEMENT else state


def on_consent_withdrawn(state: DisclosureState) -> DisclosureState:
    """The citizen withdrew the consent a disclosure was made under. One not yet in the
    recipient's hands is never sent; one already there keeps its state (the recipient is
    told to stop using the data: withdrawal does not undo what was lawful before it)."""
    return DisclosureState.WITHDRAWN if state in UNDELIVERED else state
