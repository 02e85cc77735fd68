"""The assistant's pages: /assistant, a chat that works as an ordinary form without JavaScript.

Without JavaScript each message is a form post answered by the whole page again (POST,
redirect, GET), one reply at a time. With it, ``static/assistant.js`` sends the same form in
the background and swaps in the new conversation, so the page never reloads; the answers are
the same. A conversation is kept server-side (sealed like a draft, gone after 4 hours), and
the browser holds only its opaque id in a cookie.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from tellonce.domain.errors import InvalidInput, NotFound
from tellonce.entrypoints.portal.assistant.prefill import pages_for
from tellonce.entrypoints.portal.assistant.text import CHOICE_LABELS, START_LABELS, say
from tellonce.entrypoints.portal.context import Portal
from tellonce.entrypoints.portal.drafts import NoJourney, current_state, start_state
from tellonce.entrypoints.portal.rendering import (
    delete_cookie,
    language_of,
    redirect,
    render,
    set_cookie,
)
from tellonce.entrypoints.portal.security import AccountDep, PortalDep, PostedDep, read_cookie
from tellonce.entrypoints.portal.state import JourneyState, question_url
from tellonce.service_layer.assistant import (
    LIFE_EVENTS,
    Conversation,
    ReplyKind,
    choose,
    load_conversation,
    offered,
    send_message,
)
from tellonce.service_layer.portal_drafts import discard_draft
from tellonce.service_layer.ports import Account

router = APIRouter(include_in_schema=False)
CONVERSATION_COOKIE = "tellonce_assistant"
Translate = Callable[[str], str]


def translator(portal: Portal, language: str) -> Translate:
    catalogue = portal.gettext(language)

    def translate(message: str) -> str:
        # Like Jinja's own gettext: a translation is trusted markup, the citizen's words never.
        return Markup(catalogue(message))  # noqa: S704

    return translate


def conversation_id(request: Request) -> uuid.UUID | None:
    portal: Portal = request.app.state.portal
    try:
        return uuid.UUID(read_cookie(request, portal, CONVERSATION_COOKIE) or "")
    except ValueError:
        return None


@router.get("/assistant")
def assistant_page(request: Request, portal: PortalDep, account: AccountDep) -> HTMLResponse:
    known = load_conversation(
        conversation_id(request), account=account, assistant=portal.hub.assistant()
    )
    return _page(request, portal, known)


@router.post("/assistant")
def post_message(
    request: Request, portal: PortalDep, account: AccountDep, form: PostedDep
) -> Response:
    assistant = portal.hub.assistant()
    found = conversation_id(request)
    try:
        if form.get("choice"):
            if found is None:
                raise NotFound("no conversation")
            conversation = choose(
                form.get("choice"), conversation_id=found, account=account, assistant=assistant
            )
        else:
            conversation = send_message(
                form.get("message"), conversation_id=found, account=account, assistant=assistant
            )
    except InvalidInput as error:
        known = load_conversation(found, account=account, assistant=assistant)
        _ = translator(portal, language_of(request))
        message = _(error.problems[0].message)
        return _page(request, portal, known, error=message, typed=form.get("message"), status=400)
    except NotFound:
        return redirect("/assistant")  # the conversation expired: start again
    response = redirect(f"/assistant#turn-{len(conversation.turns)}")
    set_cookie(response, portal, CONVERSATION_COOKIE, str(conversation.id))
    return response


@router.post("/assistant/start")
def start_journey(
    request: Request, portal: PortalDep, account: AccountDep, form: PostedDep
) -> Response:
    """Start the journey the assistant offered, pre-filled with what it understood."""
    event = form.get("event")
    known = load_conversation(
        conversation_id(request), account=account, assistant=portal.hub.assistant()
    )
    if event not in LIFE_EVENTS or known is None or known.last is None:
        return redirect("/assistant")
    if event not in offered(known.last) and event not in _started_offers(known):
        return redirect("/assistant")
    _discard_journey(request, portal, account)
    state = JourneyState(event, pages=pages_for(event, known.facts))
    # The first question, then every page in order: each pre-filled answer is seen there.
    response = redirect(question_url(state, state.questions()[0]))
    start_state(portal, account, state, response)
    return response


@router.post("/assistant/new")
def new_conversation(portal: PortalDep, form: PostedDep) -> Response:
    del form  # only checked: a cross-site page cannot end a conversation
    response = redirect("/assistant")
    delete_cookie(response, portal, CONVERSATION_COOKIE)
    return response


def _started_offers(conversation: Conversation) -> set[str]:
    """Events offered earlier in the conversation, so that a second of several can start."""
    return {i for turn in conversation.turns for i in offered(turn.reply) if i in LIFE_EVENTS}


def _discard_journey(request: Request, portal: Portal, account: Account) -> None:
    try:
        found, _state = current_state(request, portal, account)
    except NoJourney:
        return
    discard_draft(found, account=account, uow=portal.hub.uow())


def _page(
    request: Request,
    portal: Portal,
    conversation: Conversation | None,
    *,
    error: str | None = None,
    typed: str = "",
    status: int = 200,
) -> HTMLResponse:
    _ = translator(portal, language_of(request))
    turns = (
        [_turn(turn.text, turn.chosen, turn.reply, _) for turn in conversation.turns]
        if conversation
        else []
    )
    context: dict[str, Any] = {
        "_": _,
        "title": _("Ask the assistant"),
        "turns": turns,
        "typed": typed,
        "error": error,
        "errors": [{"text": error, "href": "#message"}] if error else [],
    }
    return render(request, portal, "assistant.html", context, status=status)


def _turn(text: str, chosen: str | None, reply: Any, _: Translate) -> dict[str, Any]:
    said = say(reply, _)
    buttons = []
    if reply.kind is ReplyKind.START:
        event = reply.intents[0]
        buttons = [
            {"action": "start", "value": event, "text": _("Start: %s") % _(START_LABELS[event])}
        ]
    elif reply.kind in (ReplyKind.SEVERAL, ReplyKind.CLARIFY, ReplyKind.OUT_OF_SCOPE):
        for intent in offered(reply):
            start = reply.kind is not ReplyKind.CLARIFY and intent in LIFE_EVENTS
            label = _(START_LABELS[intent]) if start else _(CHOICE_LABELS[intent])
            buttons.append(
                {"action": "start" if start else "choose", "value": intent, "text": label}
            )
    return {
        "you": _(CHOICE_LABELS[chosen]) if chosen else text,
        "paragraphs": said.paragraphs,
        "noted": said.noted if reply.kind is ReplyKind.START else [],
        "links": said.links,
        "buttons": buttons,
    }
