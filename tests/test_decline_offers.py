"""What a decline offers to ask instead, on two of the benchmark's check folders as written (a water utility's and a
vet group's, `eval/corpora/`): the questions nearest to what was asked, whether the documents' own question
headings or questions about their sections, so that one click may find what the question missed."""

from __future__ import annotations

import pytest

from .conftest import ROOT, folder_assistant

pytestmark = pytest.mark.ingest

CHECK_FOLDERS = ROOT / "eval" / "corpora"


def test_a_decline_offers_the_section_that_came_closest_before_far_question_headings(built_index, tmp_path):
    # The utility's question headings are all in its new-connections FAQ, and a decline offered them first however
    # far they were: "My bill was huge because of a leak. Can I get some money back?", declined, got "Can I connect
    # to the public sewer myself?", not the leak allowance section that came closest and answers it in one click.
    utility = folder_assistant(built_index, tmp_path / "index", CHECK_FOLDERS / "kestrel-valley-water")
    leak = utility.ask("My bill was huge because of a leak. Can I get some money back?")
    assert not leak.answered and len(set(leak.suggestions)) == 3, leak.suggestions
    assert "What do the documents say about leak allowance?" in leak.suggestions, leak.suggestions
    assert "leak allowance" in leak.text, leak.text  # the reply names it as well as offering it
    # The offer answers: asked, it quotes the section.
    allowance = utility.ask("What do the documents say about leak allowance?")
    assert allowance.answered and "21 days" in allowance.text, allowance.text


def test_a_decline_near_the_line_offers_questions_too_never_the_one_asked(built_index, tmp_path):
    # "Do you see tortoises?" is declined near the line, quoting the exotic-species sentence as what comes closest;
    # it offered nothing to ask instead, though the new-client FAQ's "Which animals do you see?" answers it.
    vets = folder_assistant(built_index, tmp_path / "index", CHECK_FOLDERS / "larkspur-hollins")
    tortoises = vets.ask("Do you see tortoises?")
    assert not tortoises.answered and "comes closest" in tortoises.text, tortoises.text
    assert "Which animals do you see?" in tortoises.suggestions, tortoises.suggestions
    animals = vets.ask("Which animals do you see?")
    assert animals.answered and "reptiles" in animals.text, animals.text
    for offered in tortoises.suggestions:  # a suggestion clicked and declined does not offer itself again
        assert offered not in vets.ask(offered).suggestions


def test_two_offers_that_ask_the_same_are_one(built_index):
    # The articles' front matter asks "Which industries benefit most from LLMs?" and a heading "Which Industries
    # Benefit Most from LLMs vs. Generative AI?": both were offered under one decline, side by side.
    from bot.assistant import Assistant

    deepfakes = Assistant.build(built_index).ask("What are deepfakes made with?")
    assert not deepfakes.answered and len(deepfakes.suggestions) == 3, deepfakes.suggestions
    industries = [q for q in deepfakes.suggestions if q.lower().startswith("which industries benefit most")]
    assert len(industries) <= 1, deepfakes.suggestions
