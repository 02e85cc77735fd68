"""What the citizen can see about their own data: every disclosure, consents, and messages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tellonce.entrypoints.portal.display import event_title, field_label
from tellonce.entrypoints.portal.rendering import language_of, render
from tellonce.entrypoints.portal.routes.tracking import STATUS_TAGS, when
from tellonce.entrypoints.portal.security import AccountDep, PortalDep
from tellonce.service_layer.notifications import messages_for_account
from tellonce.service_layer.your_data import data_for_account

router = APIRouter(include_in_schema=False)


@router.get("/your-data")
def your_data(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    language = language_of(request)
    _ = portal.gettext(language)
    data = data_for_account(account, portal.hub.uow())
    disclosures = [
        {
            "record": d,
            "event": event_title(d.event_type, _),
            "when": when(d.created_at, language),
            "fields": [field_label(path, _) for path in d.fields],
            "status": _(STATUS_TAGS.get(d.outcome or d.state, (d.state, ""))[0]),
        }
        for d in data.disclosures
    ]
    consents = [{"record": c, "when": when(c.recorded_at, language)} for c in data.consents]
    context = {"disclosures": disclosures, "consents": consents}
    return render(request, portal, "your_data.html", context)


@router.get("/messages")
def messages(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    language = language_of(request)
    found = messages_for_account(account.id, inbox=portal.inbox)
    items = [{"message": m, "when": when(m.sent_at, language)} for m in found]
    context = {"messages": items, "by_email": portal.messages_by_email}
    return render(request, portal, "messages.html", context)
