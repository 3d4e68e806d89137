"""A tester's folder for a made-up library service (Brackenford Libraries, 2026-12-07), as written: a PDF of charges,
a Word membership policy, PowerPoint welcome slides, an HTML FAQ, a Markdown guide to digital services and a
plain-text branch sheet. Each question is one of the tester's that its answers got wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import folder_assistant

FOLDER = Path(__file__).parent / "cases/library-folder"

pytestmark = pytest.mark.ingest


@pytest.fixture(scope="module")
def brackenford(built_index, tmp_path_factory):
    return folder_assistant(built_index, tmp_path_factory.mktemp("brackenford") / "index", FOLDER)


def test_a_follow_up_on_a_branch_gets_the_branchs_hours(brackenford):
    # "is it open on tuesdays?" was searched as "is time open on tuesdays?" ("What time does ..." read as about the
    # time), and then answered with "Hollins Green: Thursdays 10:30am", a slide's activity naming the branch,
    # before the hours under the branch's own heading.
    answer = brackenford.ask(
        "is it open on tuesdays?", ["What time does the Hollins Green branch shut on a wednesday?"]
    )
    assert answer.answered and "Opening hours: Monday: 10:00am - 5:00pm, Tuesday: CLOSED" in answer.text, answer.text
    assert "Thursdays 10:30am" not in answer.text and "Rhymetime" not in answer.text, answer.text


def test_how_many_is_declined_when_no_number_is_given(brackenford):
    # The guide says what the magazine app holds and that issues may be kept "as long as you like once downloaded",
    # never how many one may have: the answer had been the app's description.
    answer = brackenford.ask("how many magazines can I have on PressRack at the same time?")
    assert not answer.answered and "don't give a number" in answer.text, answer.text


def test_a_past_form_asks_what_its_verb_answers(brackenford):
    # "I've lost a library book" shared only "lost" with "I've lost my library card. What should I do?" and got the
    # card's price: "lost" is "lose", as in the FAQ's "What happens if I lose a library book?".
    from bot.text import tokenize

    assert "lose" in tokenize("I've lost a library book") and "pay" in tokenize("I paid twice")
    answer = brackenford.ask("I've lost a library book, how much will I have to pay?")
    assert answer.answered and "£2.50 administration fee" in answer.text, answer.text


def test_a_lead_in_naming_all_that_is_asked_answers_with_its_items(brackenford):
    # The slide's "Summer Reading Challenge for ages 4 to 11:" fitted best, but a bare lead-in is quoted only with
    # its items: the answer was the FAQ's "Young people aged 14 to 24 can help with the Summer Reading Challenge".
    answer = brackenford.ask("What is the Summer Reading Challenge?")
    assert answer.answered and "Summer Reading Challenge for ages 4 to 11:" in answer.text, answer.text
    assert "read 6 library books over the summer holidays" in answer.text, answer.text


def test_what_if_asks_the_question_before_on_a_new_condition(brackenford):
    # "what if I'm not a member?" was searched alone, and declined with the members' duties as what comes closest.
    answer = brackenford.ask("what if I'm not a member?", ["how long can I use the computers for free"])
    assert answer.answered and "guest pass for £1.50 an hour" in answer.text, answer.text
