"""The deciding policy, on made-up readings: when to answer, ask, reject, and topic versus act."""

from __future__ import annotations

from tellonce.service_layer.assistant import ReplyKind, answer, decide, offered
from tellonce.service_layer.ports.assistant import Cue, Facts, Scored, Understanding


def reading(
    *scores: tuple[str, float], cues: frozenset[Cue] = frozenset(), **kw: object
) -> Understanding:
    ranked = tuple(Scored(intent, score) for intent, score in scores)
    return Understanding(ranked, Facts(), cues, **kw)  # type: ignore[arg-type]


def test_a_clear_winner_is_answered() -> None:
    reply = decide(reading(("death", 0.8), ("birth", 0.5)))
    assert (reply.kind, reply.intents) == (ReplyKind.START, ("death",))


def test_close_or_weak_is_asked_with_buttons_and_something_else() -> None:
    close = decide(reading(("death", 0.62), ("status", 0.60), ("out-of-scope", 0.3)))
    assert close.kind is ReplyKind.CLARIFY
    assert offered(close) == ("death", "status", "out-of-scope")
    weak = decide(reading(("birth", 0.45), ("faq", 0.2)))
    assert weak.kind is ReplyKind.CLARIFY


def test_nothing_near_or_out_of_scope_first_is_rejected() -> None:
    assert decide(reading(("faq", 0.25), ("death", 0.2))).kind is ReplyKind.OUT_OF_SCOPE
    near = decide(reading(("out-of-scope", 0.59), ("change-of-name", 0.55), ("marriage", 0.4)))
    assert near.kind is ReplyKind.OUT_OF_SCOPE
    assert near.intents == ("change-of-name",)  # offered beside where to go


def test_topic_versus_act() -> None:
    told = decide(reading(("death", 0.7), ("status", 0.5), cues=frozenset({Cue.REPORTED_BEFORE})))
    assert (told.kind, told.topic) == (ReplyKind.STATUS, "death")
    data = decide(reading(("death", 0.7), ("your-data", 0.5), cues=frozenset({Cue.ABOUT_DATA})))
    assert data.kind is ReplyKind.YOUR_DATA


def test_several_events_and_welsh() -> None:
    several = decide(
        reading(("marriage", 0.6), ("change-of-name", 0.58), several=("marriage", "change-of-name"))
    )
    assert (several.kind, several.intents) == (ReplyKind.SEVERAL, ("marriage", "change-of-name"))
    welsh = decide(reading(("death", 0.9), ("birth", 0.2), cues=frozenset({Cue.WELSH})))
    assert welsh.kind is ReplyKind.CLARIFY and welsh.intents[0] == "death"


def test_a_chosen_intent_is_answered() -> None:
    assert answer("status", Facts()).kind is ReplyKind.STATUS
    assert answer("out-of-scope", Facts()).topic == "general"
