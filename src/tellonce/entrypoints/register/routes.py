"""The public register: recipients and agreements in force with their history, statistics
protected against small counts (ADR 0090) as tables, a chart and CSV, and the transparency
log's latest checkpoint with how to verify it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tellonce.domain.statistics import ROUND_TO, THRESHOLD
from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.rendering import language_of, render
from tellonce.entrypoints.portal.security import PortalDep
from tellonce.service_layer.register import StatisticRow, Statistics, public_register, statistics

router = APIRouter(include_in_schema=False)

CHART_WIDTH, CHART_HEIGHT, BAR_GAP, AXIS = 640, 240, 8, 40


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value_text: str
    x: int
    y: int
    width: int
    height: int
    suppressed: bool


def chart_bars(rows: list[StatisticRow]) -> list[Bar]:
    """Bars for a server-rendered SVG chart: a suppressed count is drawn as an outline at the
    threshold's height, labelled as fewer than the threshold."""
    if not rows:
        return []
    values = [r.disclosures.value if r.disclosures.value is not None else THRESHOLD for r in rows]
    top = max(*values, 1)
    plot = CHART_HEIGHT - AXIS
    width = min(72, max(8, (CHART_WIDTH - BAR_GAP * (len(rows) + 1)) // len(rows)))
    bars = []
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        height = max(1, round(plot * value / top)) if value else 0
        bars.append(
            Bar(
                label=row.key,
                value_text=row.disclosures.csv(),
                x=BAR_GAP + index * (width + BAR_GAP),
                y=plot - height,
                width=width,
                height=height,
                suppressed=row.disclosures.suppressed,
            )
        )
    return bars


def _names(portal: PortalDep) -> dict[str, str]:
    with portal.hub.uow() as uow:
        return {r.id: r.name for r in uow.catalogue.current().recipients.values()}


@router.get("/register")
def register(request: Request, portal: PortalDep) -> HTMLResponse:
    found = public_register(uow_factory=portal.hub.console_uow)
    gettext = portal.gettext(language_of(request))
    by_recipient: dict[str, list[object]] = {}
    for agreement in sorted(found.catalogue.agreements, key=lambda a: a.title):
        by_recipient.setdefault(agreement.recipient_id, []).append(agreement)
    recipients = sorted(found.catalogue.recipients.values(), key=lambda r: r.name)
    return render(
        request,
        portal,
        "register/register.html",
        {
            "recipients": recipients,
            "by_recipient": by_recipient,
            "field_label": lambda path: field_label(path, gettext),
            "event_title": lambda event: event_title(event, gettext),
        },
    )


@router.get("/register/history")
def history(request: Request, portal: PortalDep) -> HTMLResponse:
    found = public_register(uow_factory=portal.hub.console_uow)
    return render(
        request,
        portal,
        "register/history.html",
        {"history": found.history, "names": _names(portal)},
    )


@router.get("/register/statistics")
def statistics_page(request: Request, portal: PortalDep) -> HTMLResponse:
    figures = statistics(uow_factory=portal.hub.console_uow)
    gettext = portal.gettext(language_of(request))
    return render(
        request,
        portal,
        "register/statistics.html",
        {
            "figures": figures,
            "names_label": _names(portal).get,
            "event_title": lambda event: event_title(event, gettext),
            "same": str,
            "bars": chart_bars(figures.by_month),
            "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT, "axis": AXIS},
            "threshold": THRESHOLD,
            "round_to": ROUND_TO,
        },
    )


@router.get("/register/statistics.csv")
def statistics_csv(portal: PortalDep) -> Response:
    figures = statistics(uow_factory=portal.hub.console_uow)
    return Response(
        statistics_table(figures),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="tellonce-statistics.csv"',
            "Cache-Control": "public, max-age=300",
        },
    )


def statistics_table(figures: Statistics) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["grouping", "key", "disclosures", "median_hours_to_acknowledge", "median_hours_to_outcome"]
    )
    for grouping, rows in (
        ("recipient", figures.by_recipient),
        ("event_type", figures.by_event_type),
        ("month", figures.by_month),
    ):
        for row in rows:
            writer.writerow(
                [
                    grouping,
                    row.key,
                    row.disclosures.csv(),
                    "" if row.acknowledged_median_hours is None else row.acknowledged_median_hours,
                    "" if row.outcome_median_hours is None else row.outcome_median_hours,
                ]
            )
    writer.writerow(["total", "all", figures.total.csv(), "", ""])
    return buffer.getvalue()


@router.get("/register/log")
def log_page(request: Request, portal: PortalDep) -> HTMLResponse:
    found = public_register(uow_factory=portal.hub.console_uow)
    return render(
        request,
        portal,
        "register/log.html",
        {
            "checkpoint": found.checkpoint,
            "verifier_key": portal.hub.log_signer.verifier_key,
            "public_url": portal.hub.settings.public_url,
        },
    )
