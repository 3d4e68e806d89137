"""A tester's folder for a made-up housing association (Calderbrook Homes, 2026-12-07), as written: a PDF repairs
guide, a Word summary of the tenancy, a PowerPoint welcome session, Markdown on neighbour disputes, an HTML page on
paying rent and plain-text contacts. Each question is one of the tester's that its answers got wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import folder_assistant

FOLDER = Path(__file__).parent / "cases/housing-folder"

pytestmark = pytest.mark.ingest


@pytest.fixture(scope="module")
def calderbrook(built_index, tmp_path_factory):
    return folder_assistant(built_index, tmp_path_factory.mktemp("calderbrook") / "index", FOLDER)


@pytest.mark.parametrize(
    "question",
    [
        "whos the chief executive of calderbrook",  # answered with the repairs table at 0.82
        "how long is the waiting list for a 3 bed house with calderbrook",  # answered with the head office's name
    ],
)
def test_the_landlords_name_in_lower_case_does_not_carry_a_question_it_does_not_answer(calderbrook, question):
    answer = calderbrook.ask(question)
    assert not answer.answered and not answer.sources, answer.text
    assert "own name alone comes" in answer.reason, answer.reason


def test_im_is_no_word_the_documents_must_use(calderbrook):
    # "im", read "i'm", weighed as the question's rarest word: declined at 0.62, the notice clause quoted as closest.
    answer = calderbrook.ask("how much notice do i have to give if im moving out")
    assert answer.answered and "at least 4 weeks' notice in writing" in answer.text, answer.text
