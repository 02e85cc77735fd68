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


INITIAL_STATE = DisclosureState.QUEUED
