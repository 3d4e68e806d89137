"""Question/answer cases: every item of tests/cases/*.jsonl asked of the real assistant on the seed corpus and
scored as `bot eval` scores it (bot.tools.evaluate), strictly: the reasons it failed are the failure message.

A case is one JSON line in `bot eval`'s format (`question` or `turns`, `must_include`, `lead`, `lead_not`,
`must_not_include`, `answerable`; `why` is a note for the reader). A check those fields cannot express stays a
test written as code. `bot eval tests/cases/FILE.jsonl` runs the same cases with the summary figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.tools.evaluate import load_questions, score_item

CASES = sorted((Path(__file__).parent / "cases").glob("*.jsonl"))
ITEMS = [(path.stem, item) for path in CASES for item in load_questions(path)]


def test_case_ids_are_unique_and_every_file_has_cases():
    assert CASES and all(load_questions(path) for path in CASES)
    ids = [f"{stem}:{item.id}" for stem, item in ITEMS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("item", [item for _stem, item in ITEMS], ids=[f"{stem}:{item.id}" for stem, item in ITEMS])
def test_case(assistant, item):
    answer = assistant.ask(item.question, item.turns[:-1])
    result = score_item(item, answer)
    shown = f"answer ({'answered' if answer.answered else 'declined'}, searched for {answer.query!r}):\n{answer.text}"
    assert result.strict_ok, "\n".join([*result.reasons, shown])
    if answer.answered:  # every `[n]` names a source, and there is one: `bot eval`'s citation validity
        assert result.citations_ok, shown
