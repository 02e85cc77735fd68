"""The pull feed: each recipient's disclosures, in order, behind an opaque cursor."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tellonce.domain.cloudevents import consent_withdrawn_event, erasure_requested_event
from tellonce.domain.deadlines import acknowledgement_due
from tellonce.domain.errors import FieldProblem, InvalidInput
from tellonce.service_layer.disclosure_events import EventBuilder
from tellonce.service_layer.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tellonce.service_layer.ports.consents import WithdrawnDisclosure
from tellonce.service_layer.ports.disclosures import DisclosureRecord
from tellonce.service_layer.ports.vault import SealedDataError
from tellonce.service_layer.transparency.entries import record_delivered

_CURSOR_PREFIX = "f1:"
_CURSOR_TEXT = re.compile(r"f1:(0|[1-9][0-9]{0,18})", re.ASCII)
MAX_POSITION = 2**63 - 1  # a feed position is a signed 64-bit integer in the database
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position in a cursor exactly as :func:`encode_cursor` writes it, or a problem at
    ``after``: no other spelling of a position (padding, leading zeros, signs, spaces,
    non-ASCII digits) and no position a database integer cannot hold."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = _CURSOR_TEXT.fullmatch(text)
    if match is not None:
        position = int(match.group(1))
        if position <= MAX_POSITION and encode_cursor(position) == cursor:
            return position
    raise _not_given_out()


def _not_given_out() -> InvalidInput:
    return InvalidInput(
        [FieldProblem(("query", "after"), "This cursor is not one the feed gave out")]
    )


def _checked_position(uow: UnitOfWork, recipient_id: str, cursor: str | None) -> int:
    """A cursor's position, if the feed could have given it to this recipient: the start (0),
    or the position of one of its own disclosures (every page ends on one)."""
    position = decode_cursor(cursor)
    if position and not uow.disclosures.holds_feed_position(recipient_id, position):
        raise _not_given_out()
    return position


def read_feed(
    recipient_id: str,
    cursor: str | None,
    *,
    limit: int,
    unacknowledged_only: bool,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    events: EventBuilder,
) -> FeedPage:
    """A page of the recipient's feed. Fetching a disclosure counts as delivering it."""
    decode_cursor(cursor)  # a malformed cursor is refused before anything is written
    _assign_positions(uow_factory, clock.now())
    with uow_factory() as uow:
        after = _checked_position(uow, recipient_id, cursor)
        records = uow.disclosures.feed(recipient_id, after, limit + 1, unacknowledged_only)
        page = records[:limit]
        events.load_terms(uow, page)
        _mark_fetched(uow, events, page, clock.now())
        uow.commit()
    built = [_with_reminder(event, r) for r in page if (event := _event_or_none(events, r))]
    last = page[-1].feed_position if page else after
    return FeedPage(built, encode_cursor(last or after), has_more=len(records) > limit)


def _event_or_none(events: EventBuilder, record: DisclosureRecord) -> dict[str, Any] | None:
    """The disclosure's event; None once its subject was erased (their details no longer
    exist, and the recipient received them before: erasure waits for that)."""
    try:
        return events.event(record)
    except SealedDataError:
        return None


def _with_reminder(event: dict[str, Any], record: DisclosureRecord) -> dict[str, Any]:
    """A chased, unanswered disclosure carries its reminder in the feed: the number of
    reminders so far and the deadline that passed, as CloudEvents extension attributes. This is
    how a pull recipient is reminded (``state=unacknowledged`` lists what is outstanding)."""
    if record.chases and record.acknowledged_at is None and record.outcome is None:
        event["reminder"] = record.chases
        if record.acknowledge_by is not None:
            event["acknowledgeby"] = record.acknowledge_by.isoformat().replace("+00:00", "Z")
    return event


def _mark_fetched(
    uow: UnitOfWork, events: EventBuilder, records: list[DisclosureRecord], now: datetime
) -> None:
    fresh = [r for r in records if r.delivered_at is None]
    if not fresh:
        return
    deadlines: dict[object, datetime] = {}  # one per agreement's terms: all fetched now
    due = []
    for r in fresh:
        terms = events.agreement(uow, r).acknowledgement
        if terms not in deadlines:
            deadlines[terms] = acknowledgement_due(now, terms)
        due.append((r.id, deadlines[terms]))
    uow.disclosures.mark_delivered(due, now)
    uow.deliveries.drop_pending_pushes([r.id for r in fresh], now)
    record_delivered(uow, fresh, now)


def read_withdrawals(
    recipient_id: str,
    cursor: str | None,
    *,
    limit: int,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hub_url: str,
) -> FeedPage:
    """The recipient's delivered disclosures whose consent was withdrawn, as the same
    ``consent-withdrawn`` notices that are pushed, in feed order behind the same cursor."""
    now = clock.now()
    return _notices(
        recipient_id,
        cursor,
        limit,
        uow_factory,
        lambda uow, after: uow.consents.withdrawn_after_delivery(recipient_id, after, limit + 1),
        lambda w: consent_withdrawn_event(
            w.disclosure_id,
            w.agreement_id,
            w.agreement_version,
            w.withdrawn_at,
            hub_url=hub_url,
            now=now,
        ),
        now,
    )


def read_erasures(
    recipient_id: str,
    cursor: str | None,
    *,
    limit: int,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hub_url: str,
) -> FeedPage:
    """The recipient's delivered consent disclosures whose subject had their data erased, as
    the same ``erasure-requested`` events that are pushed (UK GDPR Art. 19), in feed order
    behind the same cursor: how a pull-only recipient learns of an erasure."""
    now = clock.now()
    return _notices(
        recipient_id,
        cursor,
        limit,
        uow_factory,
        lambda uow, after: uow.rights.erased_after_delivery(recipient_id, after, limit + 1),
        lambda e: erasure_requested_event(
            e.disclosure_id, e.agreement_id, e.agreement_version, hub_url=hub_url, now=now
        ),
        now,
    )


def _notices(
    recipient_id: str,
    cursor: str | None,
    limit: int,
    uow_factory: UnitOfWorkFactory,
    fetch: Callable[[UnitOfWork, int], Sequence[WithdrawnDisclosure]],
    build: Callable[[WithdrawnDisclosure], dict[str, Any]],
    now: datetime,
) -> FeedPage:
    """A page of notices about delivered disclosures (fetching ``limit + 1`` after a position),
    behind the feed's own cursor."""
    decode_cursor(cursor)
    _assign_positions(uow_factory, now)
    with uow_factory() as uow:
        after = _checked_position(uow, recipient_id, cursor)
        found = fetch(uow, after)
    page = found[:limit]
    last = page[-1].feed_position if page else after
    return FeedPage([build(n) for n in page], encode_cursor(last), has_more=len(found) > limit)


def _assign_positions(uow_factory: UnitOfWorkFactory, now: datetime) -> None:
    with uow_factory() as uow:
        uow.disclosures.assign_feed_positions(now)
        uow.commit()
