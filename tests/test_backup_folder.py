"""A tester's folder for made-up backup software (Stowline Backup, 2026-12-06), as written: Markdown, HTML, plain
text, Word and a PDF a browser printed. Each question is one its answers got wrong, graded blind."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import folder_assistant

FOLDER = Path(__file__).parent / "cases/backup-folder"

pytestmark = pytest.mark.ingest


@pytest.fixture(scope="module")
def stowline(built_index, tmp_path_factory):
    return folder_assistant(built_index, tmp_path_factory.mktemp("stowline") / "index", FOLDER)


def test_a_list_question_gets_every_item_of_the_list_it_quotes(stowline):
    # Two of the four systems, the two whose wording fitted best, and not Debian or Windows Server.
    answer = stowline.ask("Which operating systems can I install the Stowline server itself on?")
    assert answer.answered, answer.text
    for system in ("Ubuntu Server 22.04", "Debian 12", "Red Hat Enterprise Linux 9", "Windows Server 2022 (x86_64)"):
        assert system in answer.text, answer.text


def test_a_row_named_by_its_first_cell_is_the_row_quoted(stowline):
    # The Enterprise row had answered, its features saying "Everything in Professional, plus ...".
    answer = stowline.ask("How much is the Professional edition per year?")
    assert answer.answered and "€1,150" in answer.text and "€3,900" not in answer.text, answer.text


def test_a_word_shortened_from_the_documents_own_is_theirs(stowline):
    # Declined as "The documents I have don't mention “dedup”" beside "deduplication chunk size".
    answer = stowline.ask("what's the default dedup chunk size these days?")
    assert answer.answered and "1024 KiB" in answer.text, answer.text


def test_a_version_number_is_no_date(stowline):
    # The documents never say; "Upgrades are supported from 3.8 or later" had answered, "3.8" read as a date.
    answer = stowline.ask("When is Stowline 4.3 going to be released?")
    assert not answer.answered and "3.8" not in answer.text, answer.text


def test_a_table_the_browser_printed_into_the_pdf_is_read_by_its_cells(stowline):
    # The PDF's support-hours table: the Professional row and the channels column had been lost.
    answer = stowline.ask(
        "How do Standard and Professional support compare in terms of hours and how you can reach them?"
    )
    assert answer.answered, answer.text
    assert "| Professional | Monday – Friday | 07:00 – 20:00 | Portal, e-mail, phone |" in answer.text, answer.text
    assert "| Standard | Monday – Friday | 09:00 – 17:30 | Portal, e-mail |" in answer.text, answer.text
