"""The pull feed: each recipient's disclosures, in order, behind an opaque cursor."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tellonce.domain.cloudevents import consent_withdrawn_event
from tellonce.domain.deadlines import acknowledgement_due
from tellonce.domain.errors import FieldProblem, InvalidInput
from tellonce.service_layer.disclosure_events import EventBuilder
from tellonce.service_layer.ports import Clock, DisclosureRecord, UnitOfWork, UnitOfWorkFactory
from tellonce.service_layer.transparency import record_delivered

_CURSOR_PREFIX = "f1:"
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_CURSOR_PREFIX):
            position = int(text.removeprefix(_CURSOR_PREFIX))
            if position >= 0:
                return position
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput(
        [FieldProblem(("query", "after"), "This cursor is not one the feed gave out")]
    )


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
    after = decode_cursor(cursor)
    _assign_positions(uow_factory)
    with uow_factory() as uow:
        records = uow.disclosures.feed(recipient_id, after, limit + 1, unacknowledged_only)
        page = records[:limit]
        events.load_terms(uow, page)
        _mark_fetched(uow, events, page, clock.now())
        uow.commit()
    built = [events.event(r) for r in page]
    last = page[-1].feed_position if page else after
    return FeedPage(built, encode_cursor(last or after), has_more=len(records) > limit)


def _mark_fetched(
    uow: UnitOfWork, events: EventBuilder, records: list[DisclosureRecord], now: datetime
) -> None:
    fresh = [r for r in records if r.delivered_at is None]
    if not fresh:
        return
    uow.disclosures.mark_delivered(
        [(r.id, acknowledgement_due(now, events.agreement(uow, r).acknowledgement)) for r in fresh],
        now,
    )
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
    after = decode_cursor(cursor)
    _assign_positions(uow_factory)
    with uow_factory() as uow:
        withdrawn = uow.consents.withdrawn_after_delivery(recipient_id, after, limit + 1)
    page = withdrawn[:limit]
    now = clock.now()
    built = [
        consent_withdrawn_event(
            w.disclosure_id,
            w.agreement_id,
            w.agreement_version,
            w.withdrawn_at,
            hub_url=hub_url,
            now=now,
        )
        for w in page
    ]
    last = page[-1].feed_position if page else after
    return FeedPage(built, encode_cursor(last), has_more=len(withdrawn) > limit)


def _assign_positions(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.disclosures.assign_feed_positions()
        uow.commit()
