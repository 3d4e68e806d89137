"""A tester's folder for a made-up holiday park (Pennycroft Farm, 2026-12-07), as written: a PDF tariff, Word booking
terms, a PowerPoint deck, an HTML FAQ, a Markdown welcome pack and a plain-text arrival guide. Each question is one
of the tester's that its answers got wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import folder_assistant

FOLDER = Path(__file__).parent / "cases/campsite-folder"

pytestmark = pytest.mark.ingest


@pytest.fixture(scope="module")
def pennycroft(built_index, tmp_path_factory):
    return folder_assistant(built_index, tmp_path_factory.mktemp("pennycroft") / "index", FOLDER)


def test_a_part_of_a_section_headed_by_a_bold_label_answers_what_it_names(pennycroft):
    # The welcome pack writes its facilities as paragraphs opening on bold labels ("**Laundry.** In the Barn Block:
    # ..."), eight in one section: the question was declined, that section coming no closer to it than off-topic
    # questions do. Found, it was answered with the opening hours' row naming the laundry alone.
    answer = pennycroft.ask("Is there a laundry on site?")
    assert answer.answered and "In the Barn Block: 2 washing machines" in answer.text, answer.text
    assert "Elsan" not in answer.text and "8am – 9pm" not in answer.text, answer.text


def test_a_follow_up_whose_it_stands_for_nothing_is_read_with_the_question_before(pennycroft):
    # "how much does it cost to wash and dry a load" was searched as "how much does site cost ...".
    retrieval = pennycroft.retrieve("how much does it cost to wash and dry a load", ["Is there a laundry on site?"])
    assert "laundry" in retrieval.form.query, retrieval.form.query
    assert retrieval.passages[0].heading.endswith("Laundry"), retrieval.passages[0].heading


def test_a_plain_text_rule_is_read_in_its_group_and_whole(pennycroft):
    # The arrival guide's rules are bullets under numbered groups ("5. Children"), long ones wrapped onto indented
    # lines. They were one run-on list ("Driving, 5 mph speed limit ..., Quiet time, ..."), the wrapped lines
    # paragraphs of their own ("fields or pitches. No cycling after dark."), and the question was declined.
    answer = pennycroft.ask("can the kids go fishing in the pond on the farm?")
    assert answer.answered and "No swimming, no fishing and no climbing the fence." in answer.text, answer.text
    assert "Driving" not in answer.text and "Smoking" not in answer.text, answer.text
    assert "not on the fields or pitches. No cycling after dark." in answer.text, answer.text


def test_a_decline_tells_apart_documents_of_one_title_and_names_the_guide_by_its_own(pennycroft):
    # The booking terms and the fair's slides are both titled "Pennycroft Farm Holiday Park", and the arrival guide
    # was named by its address line: a decline listed the park's name once for three files and "Saxby Road, ...".
    decline = pennycroft.ask("Is there a cash machine at Pennycroft Farm?")
    assert not decline.answered, decline.text
    assert "“Pennycroft Farm Holiday Park” (Booking_Terms_and_Conditions_2025.docx)" in decline.text, decline.text
    assert "and 3 other documents" in decline.text and "Saxby Road" not in decline.text, decline.text
    titles = {p.title for p in pennycroft.retriever.live_view().passages}
    assert "Arrival Guide & Site Rules - 2025" in titles, titles
    # The welcome screen's list of documents tells them apart the same way (the page shows "(file)" after each).
    from bot.web.branding import welcome_facts

    listed = welcome_facts(pennycroft.settings, pennycroft.overview.current())["documents"]
    files = {d["file"] for d in listed if d["title"] == "Pennycroft Farm Holiday Park"}
    assert files == {"Booking_Terms_and_Conditions_2025.docx", "Pennycroft_Tourism_Fair_2025.pptx"}, listed
    assert all("file" not in d for d in listed if d["title"] != "Pennycroft Farm Holiday Park"), listed
