"""Facts in a message, read against the day the hub's clock gives: never the machine's."""

from __future__ import annotations

from datetime import date

import pytest

from tellonce.adapters.assistant.facts import day_in, facts_in, without_details

WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("my mum died last tuesday", date(2026, 11, 24)),
        ("she died yesterday", date(2026, 11, 24)),
        ("we lost dad on thursday", date(2026, 11, 19)),  # no "next": the one gone
        ("moving next friday", date(2026, 11, 27)),
        ("we move on friday", date(2026, 11, 27)),  # a move looks ahead
        ("born on the 3rd of march", date(2026, 3, 3)),
        ("moving on the 3rd of march", date(2027, 3, 3)),
        ("married on 5 september 2025", date(2025, 9, 5)),
        ("it was on october 12", date(2026, 10, 12)),
        ("moved on 12/10/2026", date(2026, 10, 12)),
        ("two days ago", date(2026, 11, 23)),
        ("last week", None),  # not a day
        ("at the end of the month", None),
        ("on the 31st of february", None),
    ],
)
def test_days(text: str, day: date | None) -> None:
    assert day_in(text, today=WEDNESDAY) == day


def test_the_same_words_on_another_day_mean_another_day() -> None:
    assert day_in("last tuesday", today=date(2027, 1, 6)) == date(2027, 1, 5)


def test_a_move() -> None:
    facts = facts_in("We moved from Sheffield to Leeds, ls62ab, yesterday", today=WEDNESDAY)
    assert (facts.town, facts.postcode, facts.when) == ("Leeds", "LS6 2AB", date(2026, 11, 24))
    assert facts_in("new postcode QQ1 1QQ", today=WEDNESDAY).postcode is None  # not a postcode


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("My mum died", "mother"),
        ("my late husband", "husband"),
        ("grandma passed in her sleep", "grandparent"),
        ("Mae fy mam wedi marw", "mother"),
        ("I have moved", None),
    ],
)
def test_who(text: str, who: str | None) -> None:
    facts = facts_in(text, today=WEDNESDAY)
    assert facts.relationship == who
    assert facts.for_someone_else is (who is not None)


def test_a_child_and_a_reference() -> None:
    assert facts_in("we've had a little girl", today=WEDNESDAY).child_sex == "female"
    assert facts_in("a baby boy!", today=WEDNESDAY).child_sex == "male"
    assert facts_in("is tlo-7kq4-m3xh done?", today=WEDNESDAY).reference == "TLO-7KQ4-M3XH"


def test_details_are_left_out_of_what_the_model_reads() -> None:
    assert without_details("Moving to Leeds LS6 2AB next Friday") == "moving to leeds"
