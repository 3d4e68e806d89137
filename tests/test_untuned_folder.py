"""Faults a tester who had not seen the code found on a made-up company's folder (2026-12-05), each asked of a
small folder that says what that company's documents said."""

from __future__ import annotations

import pytest

from .conftest import one_file_indexed

pytestmark = pytest.mark.ingest


def test_a_sentence_opening_with_no_as_a_word_keeps_it(built_index, tmp_path):
    """ "No customer data is stored outside the UK" was quoted as "Customer data is stored outside the UK": its
    "No" was taken for a verdict answering another question, and stripped."""
    from bot.assistant import Assistant

    settings = one_file_indexed(
        built_index,
        tmp_path,
        "# Data retention policy\n\n## Hosting\n\nCustomer data is hosted in the London region. Backups are copied "
        "to the Ireland region. No customer data is stored outside the European Economic Area and the UK.\n\n"
        "## Deletion\n\nA deletion request is answered within 30 days.\n",
    )
    answer = Assistant.build(settings).ask("Where is customer data hosted?")
    assert answer.answered and "No customer data is stored outside" in answer.text, answer.text
