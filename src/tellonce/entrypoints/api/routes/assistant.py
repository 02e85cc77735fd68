"""/api/v1/assistant/messages: the webchat assistant for API clients (the portal's, in JSON).

The conversation is kept server-side, sealed under the citizen's key and gone 4 hours after
the last message; the client holds only its id. Replies never start or send a report: a
life event comes back with the facts understood as a partial payload, for the client to show
the citizen and carry into ``POST /api/v1/reports/preview``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field

from tellonce.domain.errors import FieldProblem, InvalidInput
from tellonce.entrypoints.api.dependencies import CitizenDep, HubDep
from tellonce.entrypoints.portal.assistant.prefill import payload_for
from tellonce.entrypoints.portal.assistant.text import CHOICE_LABELS, START_LABELS, say
from tellonce.entrypoints.portal.i18n import load_translations
from tellonce.service_layer.assistant import (
    INTENTS,
    LIFE_EVENTS,
    MAX_MESSAGE,
    Conversation,
    Reply,
    ReplyKind,
    choose,
    offered,
    send_message,
)

router = APIRouter(prefix="/api/v1", tags=["assistant"])
Intent = Literal[
    "change-of-address",
    "change-of-name",
    "birth",
    "death",
    "marriage",
    "status",
    "your-data",
    "faq",
    "out-of-scope",
]
assert set(Intent.__args__) == set(INTENTS)  # type: ignore[attr-defined]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: uuid.UUID | None = Field(
        None, description="From the previous reply; leave out to start a conversation"
    )
    message: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_MESSAGE,
        description="What the citizen wrote, in their own words",
        examples=["My mum died last Tuesday"],
    )
    choice: Intent | None = Field(
        None, description="One of the previous reply's choices, instead of a message"
    )


class ChoiceOut(BaseModel):
    intent: Intent
    label: str
    starts_journey: bool = Field(description="Choosing it offers the life event's journey")


class LinkOut(BaseModel):
    text: str
    href: str


class ReplyOut(BaseModel):
    kind: Literal["start", "several", "clarify", "status", "your-data", "faq", "out-of-scope"]
    text: list[str] = Field(description="What the assistant says, paragraph by paragraph")
    event_type: str | None = Field(
        None, description="For kind=start: the life event to report (POST /api/v1/reports)"
    )
    prefill: dict[str, Any] = Field(
        default_factory=dict,
        description="For kind=start: what was understood, as part of the event's payload; "
        "show each value to the citizen to confirm or change before previewing",
    )
    choices: list[ChoiceOut] = Field(default_factory=list)
    links: list[LinkOut] = Field(default_factory=list)


class ConversationOut(BaseModel):
    conversation_id: uuid.UUID
    reply: ReplyOut


@router.post(
    "/assistant/messages",
    summary="Send the assistant a message (or a choice) and get its reply",
    response_model_exclude_none=True,
)
def post_message(
    body: MessageIn,
    hub: HubDep,
    citizen: CitizenDep,
    accept_language: Annotated[str | None, Header()] = None,
) -> ConversationOut:
    assistant = hub.assistant()
    if (body.message is None) == (body.choice is None):
        raise InvalidInput([FieldProblem(("message",), "Send either a message or a choice")])
    if body.choice is not None:
        if body.conversation_id is None:
            problem = FieldProblem(("conversation_id",), "A choice needs its conversation_id")
            raise InvalidInput([problem])
        conversation = choose(
            body.choice, conversation_id=body.conversation_id, account=citizen, assistant=assistant
        )
    else:
        conversation = send_message(
            body.message or "",
            conversation_id=body.conversation_id,
            account=citizen,
            assistant=assistant,
        )
    language = "cy" if (accept_language or "").lower().startswith("cy") else "en"
    return _out(conversation, language)


def _out(conversation: Conversation, language: str) -> ConversationOut:
    reply = conversation.turns[-1].reply
    _ = _translator(language)
    said = say(reply, _)
    out = ReplyOut(
        kind=reply.kind.value,
        text=said.paragraphs,
        choices=[_choice(reply, intent, _) for intent in offered(reply)],
        links=[LinkOut(text=link.text, href=link.href) for link in said.links],
    )
    if reply.kind is ReplyKind.START:
        event = reply.intents[0]
        out.event_type = event
        out.prefill = payload_for(event, conversation.facts)
    return ConversationOut(conversation_id=conversation.id, reply=out)


def _choice(reply: Reply, intent: str, _: Any) -> ChoiceOut:
    starts = intent in LIFE_EVENTS
    label = START_LABELS[intent] if starts and reply.kind is not ReplyKind.CLARIFY else None
    return ChoiceOut(
        intent=intent,
        label=_(label or CHOICE_LABELS[intent]),
        starts_journey=starts,
    )


_CATALOGUES: dict[str, Any] = {}


def _translator(language: str) -> Any:
    if language not in _CATALOGUES:
        _CATALOGUES[language] = load_translations(language).gettext
    catalogue = _CATALOGUES[language]

    def translate(message: str) -> str:
        text: str = catalogue(message)
        return text

    return translate
