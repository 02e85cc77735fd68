"""The recipient console (``/console``): a recipient's caseworkers and managers read and act
on their organisation's disclosures, and managers run its settings. Every page works without
JavaScript; every error is a GOV.UK error summary; no personal data goes into a URL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from tellonce.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tellonce.domain.events import EVENT_TYPES
from tellonce.entrypoints.console.web import (
    StaffDep,
    StaffPortalDep,
    error_list,
    field_errors,
    page,
)
from tellonce.entrypoints.portal.display import event_title, shared_rows
from tellonce.entrypoints.portal.rendering import redirect
from tellonce.entrypoints.portal.security import PostedDep
from tellonce.service_layer import console
from tellonce.service_layer.ports.console import InboxQuery, StaffMember

router = APIRouter(include_in_schema=False)
STATES = {
    "": "Any state",
    "unacknowledged": "Not yet acknowledged",
    "acknowledged": "Acknowledged, no outcome yet",
    "closed": "Outcome recorded",
}
OUTCOMES = {
    "actioned": "Actioned: we updated our records",
    "no-record-found": "No record found",
    "not-applicable": "Not applicable to us",
    "rejected": "Rejected",
}


def english(text: str) -> str:
    return text


def _date(value: str, name: str, problems: list[dict[str, str]]) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        problems.append({"text": "Enter a real date, like 2026-03-31", "href": f"#{name}"})
        return None


def _ids(values: list[str]) -> list[uuid.UUID]:
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


@router.get("/console")
def inbox(
    request: Request,
    portal: StaffPortalDep,
    member: StaffDep,
    event_type: str = "",
    state: str = "",
    overdue: str = "",
    since: str = "",
    until: str = "",
    sort: str = "newest",
    page_number: int = 1,
    done: int = 0,
) -> HTMLResponse:
    hub = portal.hub
    problems: list[dict[str, str]] = []
    since_at, until_at = _date(since, "since", problems), _date(until, "until", problems)
    if until_at is not None:
        until_at += dt.timedelta(days=1)  # "to" includes the day given
    query = InboxQuery(
        recipient_id="",  # the member's own, whatever is given here
        event_type=event_type if event_type in EVENT_TYPES else None,
        state=state if state in STATES else None,
        overdue_only=overdue == "yes",
        since=since_at,
        until=until_at,
        newest_first=sort != "oldest",
        offset=(max(page_number, 1) - 1) * console.PAGE_SIZE,
        limit=console.PAGE_SIZE,
    )
    result = console.inbox(member, query, uow_factory=hub.console_uow, clock=hub.clock)
    pages = max(1, -(-result.total // console.PAGE_SIZE))
    filters = {
        "event_type": event_type,
        "state": state,
        "overdue": overdue,
        "since": since,
        "until": until,
        "sort": sort,
    }
    active = {k: v for k, v in filters.items() if v and not (k == "sort" and v == "newest")}
    notice = f"{done} disclosure{'s' if done != 1 else ''} acknowledged" if done > 0 else None
    return page(
        request,
        portal,
        "console_inbox.html",
        {
            "title": "Disclosures",
            "result": result,
            "filters": filters,
            "page_number": max(page_number, 1),
            "pages": pages,
            "event_types": {t: event_title(t, english) for t in EVENT_TYPES},
            "states": STATES,
            "now": hub.clock.now(),
            "errors": problems,
            "notice": notice,
            "page_href": lambda n: "/console?" + urlencode({**active, "page_number": n}),
        },
        member=member,
        status=400 if problems else 200,
    )


@router.post("/console/selection")
def selection(
    request: Request, portal: StaffPortalDep, member: StaffDep, form: PostedDep
) -> Response:
    """Bulk actions on the ticked disclosures: acknowledge them, or export them (after a
    warning about handling personal data)."""
    hub = portal.hub
    ids = _ids(form.getlist("disclosure"))
    if form.get("action") == "export":
        if not ids:
            return _inbox_error(request, portal, member, "Select the disclosures to export")
        return page(
            request,
            portal,
            "console_export.html",
            {"title": "Export disclosures", "ids": [str(i) for i in ids]},
            member=member,
        )
    try:
        count = console.acknowledge(member, ids, uow_factory=hub.console_uow, clock=hub.clock)
    except InvalidInput:
        return _inbox_error(request, portal, member, "Select the disclosures to acknowledge")
    except (NotFound, Conflict) as error:
        return _inbox_error(request, portal, member, str(error))
    return redirect(f"/console?done={count}")


def _inbox_error(
    request: Request, portal: StaffPortalDep, member: StaffMember, message: str
) -> HTMLResponse:
    hub = portal.hub
    result = console.inbox(
        member, InboxQuery(recipient_id=""), uow_factory=hub.console_uow, clock=hub.clock
    )
    return page(
        request,
        portal,
        "console_inbox.html",
        {
            "title": "Disclosures",
            "result": result,
            "filters": {},
            "page_number": 1,
            "pages": max(1, -(-result.total // console.PAGE_SIZE)),
            "event_types": {t: event_title(t, english) for t in EVENT_TYPES},
            "states": STATES,
            "now": hub.clock.now(),
            "errors": [{"text": message, "href": "#disclosures"}],
            "page_href": lambda n: f"/console?page_number={n}",
        },
        member=member,
        status=400,
    )


@router.post("/console/export")
def export(request: Request, portal: StaffPortalDep, member: StaffDep, form: PostedDep) -> Response:
    hub = portal.hub
    ids = _ids(form.getlist("disclosure"))
    if form.get("understood") != "yes":
        return page(
            request,
            portal,
            "console_export.html",
            {
                "title": "Export disclosures",
                "ids": [str(i) for i in ids],
                "errors": [
                    {
                        "text": "Confirm that you will handle the export as personal data",
                        "href": "#understood",
                    }
                ],
                "understood_error": "Confirm that you will handle the export as personal data",
            },
            member=member,
            status=400,
        )
    try:
        opened = console.export(
            member, ids, uow_factory=hub.console_uow, events=hub.events, clock=hub.clock
        )
    except InvalidInput as error:
        return _inbox_error(request, portal, member, error.problems[0].message)
    return _csv(opened, hub.clock.now())


def _csv(opened: list[console.OpenedDisclosure], now: dt.datetime) -> Response:
    paths = sorted({path for o in opened for path in o.record.fields})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["disclosure_id", "event_type", "agreement", "state", "received", *paths])
    for o in opened:
        rows = {
            row.field: " / ".join(row.lines)
            for row in shared_rows(o.payload, o.record.fields, "en", english)
        }
        writer.writerow(
            [
                str(o.record.id),
                o.record.event_type,
                f"{o.record.agreement_id} v{o.record.agreement_version}",
                o.record.state,
                o.record.created_at.isoformat(),
                *(_safe_cell(rows.get(path, "")) for path in paths),
            ]
        )
    name = f"disclosures-{now:%Y-%m-%d}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _safe_cell(value: str) -> str:
    """No spreadsheet formula injection: a cell a spreadsheet would evaluate is quoted."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@router.get("/console/disclosures/{disclosure_id}")
def disclosure(
    request: Request, portal: StaffPortalDep, member: StaffDep, disclosure_id: uuid.UUID
) -> HTMLResponse:
    notice = None
    if request.query_params.get("acknowledged"):
        notice = "Receipt acknowledged"
    elif request.query_params.get("recorded"):
        notice = "Outcome recorded: the person who reported the change will be told"
    return _disclosure_page(request, portal, member, disclosure_id, {"notice": notice})


def _disclosure_page(
    request: Request,
    portal: StaffPortalDep,
    member: StaffMember,
    disclosure_id: uuid.UUID,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    hub = portal.hub
    try:
        opened = console.open_disclosure(
            member, disclosure_id, uow_factory=hub.console_uow, events=hub.events
        )
    except NotFound:
        raise HTTPException(404) from None
    rows = shared_rows(opened.payload, opened.record.fields, "en", english)
    return page(
        request,
        portal,
        "console_disclosure.html",
        {
            "title": f"{event_title(opened.record.event_type, english)} disclosure",
            "opened": opened,
            "rows": rows,
            "event_name": event_title(opened.record.event_type, english),
            "outcomes": OUTCOMES,
            "now": hub.clock.now(),
            **(extra or {}),
        },
        member=member,
        status=status,
    )


@router.post("/console/disclosures/{disclosure_id}/acknowledgement")
def acknowledge(
    request: Request,
    portal: StaffPortalDep,
    member: StaffDep,
    disclosure_id: uuid.UUID,
    form: PostedDep,  # noqa: ARG001 - CSRF checked
) -> Response:
    hub = portal.hub
    try:
        console.acknowledge(member, [disclosure_id], uow_factory=hub.console_uow, clock=hub.clock)
    except NotFound:
        raise HTTPException(404) from None
    except Conflict as error:
        errors = [{"text": str(error), "href": "#acknowledge"}]
        return _disclosure_page(request, portal, member, disclosure_id, {"errors": errors}, 409)
    return redirect(f"/console/disclosures/{disclosure_id}?acknowledged=1")


@router.post("/console/disclosures/{disclosure_id}/outcome")
def outcome(
    request: Request,
    portal: StaffPortalDep,
    member: StaffDep,
    disclosure_id: uuid.UUID,
    form: PostedDep,
) -> Response:
    hub = portal.hub
    chosen, reason = form.get("outcome"), form.get("reason")
    try:
        problems = []
        if chosen not in OUTCOMES:
            problems.append(FieldProblem(("outcome",), "Select what you did with it"))
        if not reason.strip():
            problems.append(FieldProblem(("reason",), "Give a reason for the outcome"))
        if problems:
            raise InvalidInput(problems)
        console.record_outcome(
            member,
            disclosure_id,
            chosen,
            reason,
            uow_factory=hub.console_uow,
            vault=hub.vault,
            clock=hub.clock,
        )
    except NotFound:
        raise HTTPException(404) from None
    except InvalidInput as error:
        extra = {
            "errors": error_list(error.problems),
            "field_errors": field_errors(error.problems),
            "chosen": chosen,
            "reason": reason,
        }
        return _disclosure_page(request, portal, member, disclosure_id, extra, 400)
    except Conflict as error:
        extra = {"errors": [{"text": str(error), "href": "#outcome"}], "chosen": chosen}
        return _disclosure_page(request, portal, member, disclosure_id, extra, 409)
    return redirect(f"/console/disclosures/{disclosure_id}?recorded=1")
