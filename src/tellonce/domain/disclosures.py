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
    # Not acknowledged by the agreement's deadline, counted from when the recipient could have
    # it: delivered, or still waiting in its feed (``delivered_at`` tells which).
    OVERDUE = "overdue"
    DEAD_LETTERED = "dead-lettered"  # pushing gave up; an administrator can replay it
    ENDPOINT_DISABLED = "endpoint-disabled"  # the recipient's endpoint answered 410 Gone
    WITHDRAWN = "withdrawn"  # consent withdrawn before the data left: never sent
    # Restriction (Art. 18) or objection (Art. 21) stops it before the data left: not sent
    # while the flag is in force; lifting the flag queues it again (docs/rights.md).
    HELD = "held"
    # The citizen cancelled the report during its cooling-off (ADR 0088): never sent.
    CANCELLED = "cancelled"


INITIAL_STATE = DisclosureState.QUEUED

OUTCOMES = frozenset(
    {
        DisclosureState.ACTIONED,
        DisclosureState.NO_RECORD_FOUND,
        DisclosureState.NOT_APPLICABLE,
        DisclosureState.REJECTED,
    }
)
# Nothing more will happen to it: answered, given up on, or never sent. Retention counts from
# the last of a report's disclosures to get here (docs/rights.md).
FINAL = OUTCOMES | frozenset(
    {DisclosureState.DEAD_LETTERED, DisclosureState.WITHDRAWN, DisclosureState.CANCELLED}
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
    """Past the deadline, unacknowledged. Delivered, or waiting to be pushed or collected: now
    overdue. A delivery problem (retrying, dead-lettered, endpoint disabled) keeps its state,
    which says better why the recipient has not answered; it is chased all the same."""
    if state in AWAITING_ACKNOWLEDGEMENT or state is DisclosureState.QUEUED:
        return DisclosureState.OVERDUE
    return state


def on_consent_withdrawn(state: DisclosureState, *, delivered: bool) -> DisclosureState:
    """The citizen withdrew the consent a disclosure was made under. One not yet in the
    recipient's hands (including one overdue in its feed, never collected) is never sent; one
    already there keeps its state (the recipient is told to stop using the data: withdrawal
    does not undo what was lawful before it)."""
    if state in UNDELIVERED or state is DisclosureState.HELD:
        return DisclosureState.WITHDRAWN
    if state is DisclosureState.OVERDUE and not delivered:
        return DisclosureState.WITHDRAWN
    return state
