"""Declining honestly: a threshold derived from each corpus at ingest, and names the documents never mention."""

from __future__ import annotations

import pytest

from bot.ingest.index.calibration import CEILING, FLOOR, MARGIN, Calibration
from bot.question.patterns import named_terms


def test_ingest_derives_and_stores_the_corpus_threshold(assistant):
    calibration = assistant.retriever.calibration()
    assert isinstance(calibration, Calibration)
    assert calibration.min_score == pytest.approx(min(max(calibration.off_topic_high + MARGIN, FLOOR), CEILING))
    # The corpus's own headings clear the bar it derived; everyday off-topic questions do not.
    assert calibration.own_low > calibration.min_score > calibration.off_topic_max
    assert assistant.retriever.min_relevance() == calibration.min_score


def test_a_pinned_threshold_wins_over_the_derived_one(built_index):
    from bot.assistant import Assistant

    pinned = Assistant.build(built_index.model_copy(update={"min_score": 0.99}))
    assert pinned.retriever.min_relevance() == 0.99
    assert not pinned.ask("Can LLMs make images?").answered


def test_eval_shows_how_the_threshold_was_derived(run_cli, built_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "question": "Can LLMs make images?", "evidence": ["text"], "must_include": [["text"]]}\n'
        '{"id": "b", "question": "How do I bake sourdough bread?", "answerable": false}\n',
        encoding="utf-8",
    )
    code, out, _err = run_cli("eval", str(questions), settings=built_index)
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.startswith("refusal threshold"))
    assert f"+ margin {MARGIN:.2f}" in line and "off-topic probes" in line and "headings score" in line


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Can R use my GPU to speed up computations?", ["GPU"]),
        ("What's new in Python 3.13?", ["Python", "3.13"]),
        ("How do I install the RStudio Server Pro edition?", ["RStudio", "Server", "Pro"]),
        ("What was Apple's revenue in 2023?", ["Apple", "2023"]),
        ("How Do I Install R On Windows?", []),  # Title Case: capitals say nothing
        ("I made a 2D list and every row changed. Why?", []),
        ("is an llm the same as generative ai?", []),
    ],
)
def test_names_are_told_by_how_they_are_written(question, names):
    assert named_terms(question) == names


def test_a_question_about_a_name_the_documents_never_mention_is_declined_naming_it(assistant):
    answer = assistant.ask("Can Gemini make images?")
    assert not answer.answered and not answer.sources
    assert "don't mention “Gemini”" in answer.text
    versioned = assistant.ask("Can GPT-7 make images?")
    assert not versioned.answered and "“GPT-7”" in versioned.text


def test_the_check_can_be_turned_off(built_index):
    from bot.assistant import Assistant

    relaxed = Assistant.build(built_index.model_copy(update={"decline_unknown_names": False}))
    assert relaxed.ask("Can Gemini make images?").answered


@pytest.mark.ingest
def test_code_is_quoted_verbatim_after_the_sentence_that_introduces_it(tmp_path):
    from bot.assistant import Assistant
    from bot.ingest.index import ingest
    from bot.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ops.md").write_text(
        "# Operations guide\n\n## How do I restart the queue worker?\n\n"
        "Log in to the worker host first. To restart the queue worker, run\n\n"
        "```\nsudo systemctl restart queue-worker   # needs root\njournalctl -u queue-worker --since -5m\n```\n\n"
        "and check that the log shows no errors.\n\n"
        "## How do I list the queues?\n\nThe queues are listed by the admin tool:\n\n```\nadmin queues[0:10]\n```\n",
        encoding="utf-8",
    )
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index")
    ingest(settings, progress=False)
    assistant = Assistant.build(settings)
    answer = assistant.ask("How do I restart the queue worker?")
    assert answer.answered
    fence = "```\nsudo systemctl restart queue-worker   # needs root\njournalctl -u queue-worker --since -5m\n```"
    assert "To restart the queue worker, run [1]\n\n" + fence in answer.text  # spaces and comment kept
    listed = assistant.ask("How do I list the queues?")
    assert "admin queues[0:10]" in listed.text and listed.cited == [1]  # "[0:10]" in code is no citation
