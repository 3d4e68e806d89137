"""The public question file meets the quality bar."""

from __future__ import annotations

import json

import pytest

from bot.tools.eval_report import format_report
from bot.tools.evaluate import EvalItem, load_questions, run_eval, score_item, sentences
from bot.types import Answer, Passage

from .conftest import PUBLIC_EVAL, ROOT, require_shared


def test_public_eval_meets_the_bar(assistant):
    items = load_questions(require_shared(PUBLIC_EVAL))
    summary, results = run_eval(assistant, items)
    misses = {r.item.id: r.answer.text for r in results if not r.answer_ok}
    assert summary["n"] == len(results) > 0
    assert summary["retrieval_hit_at_1"] >= 0.90, summary
    assert summary["retrieval_hit_at_k"] == 1.0, summary
    assert summary["answer_accuracy"] >= 0.95, (summary, misses)
    assert summary["refusal_accuracy"] == 1.0, (summary, misses)
    assert summary["citation_validity"] == 1.0, summary
    assert summary["context_chars_mean"] <= 1500, summary
    # Latency against the query-embedding floor is a figure of `bot bench`, not a pass/fail here.


def test_own_dev_questions_hold_up(assistant):
    # Questions written apart from the public file, so the method is not tuned to one file. The first 30
    # hold the bar they were set with; the rest (issue 14's harder set) are scored by `bot eval`.
    summary, results = run_eval(assistant, load_questions(ROOT / "eval" / "dev_questions.jsonl")[:30])
    assert summary["retrieval_hit_at_k"] >= 0.9 and summary["answer_accuracy"] >= 0.9, summary
    assert summary["refusal_accuracy"] == 1.0 and summary["citation_validity"] == 1.0, summary


def test_eval_cli_prints_the_figures(built_index, tmp_path, run_cli):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "a",
                "question": "Can LLMs make images?",
                "evidence": ["do not create images"],
                "must_include": [["no"]],
            }
        )
        + "\n"
        + json.dumps({"id": "b", "question": "What is the capital of France?", "answerable": False})
        + "\n",
        encoding="utf-8",
    )

    def run(*args: str) -> str:
        code, out, _err = run_cli("eval", str(questions), *args, settings=built_index)
        assert code == 0
        return out

    summary = json.loads(run("--json").strip().splitlines()[-1])
    assert set(summary) == {
        "n",
        "retrieval_hit_at_1",
        "retrieval_hit_at_k",
        "answer_accuracy",
        "strict_answer_accuracy",
        "refusal_accuracy",
        "citation_validity",
        "context_chars_mean",
        "latency_ms_p50",
        "latency_ms_p95",
        "off_topic_high",
    }
    assert summary["n"] == 2 and summary["answer_accuracy"] == 1.0 and summary["refusal_accuracy"] == 1.0
    table = run("--compare", "naive")
    assert "hit@1" in table and "answer_accuracy" in table and "query embedding p50" in table
    assert "Side by side" in table and "naive" in table


# Strict scoring, on hand-built answers: no model needed.
IMAGES = "LLMs do not create images or videos on their own; they describe images given to them."
IMAGES_ITEM = dict(id="img", turns=["Can LLMs make images?"], must_include=[["no", "not"]])


def answer(text: str, answered: bool = True, best: str = IMAGES) -> Answer:
    passage = Passage(id="p1", text=best, title="LLMs", publisher="", source="a.md")
    return Answer(question="Can LLMs make images?", text=text, answered=answered, sources=[passage])


def test_a_borrowed_yes_before_the_verdict_fails_strict_only():
    item = EvalItem(**IMAGES_ITEM, lead=["no", "not"], lead_not=["yes"])
    result = score_item(item, answer("**Yes.** LLMs do not create images on their own [1]."))
    assert result.answer_ok and not result.strict_ok
    assert result.reasons == ["first sentence lacks any of ['no', 'not']", "first sentence begins with 'yes'"]


def test_a_verdict_is_found_as_a_word_not_inside_one():
    # "no" inside "technology" is no verdict: the first sentence says nothing of what LLMs cannot make.
    item = EvalItem(**IMAGES_ITEM, lead=["no", "not"])
    text = "This technology is valuable for companies that need images. LLMs do not create images [1]."
    result = score_item(item, answer(text))
    assert result.reasons == ["first sentence lacks any of ['no', 'not']"]
    assert score_item(item, answer("No, LLMs do not create images [1].")).strict_ok


def test_a_yes_and_a_no_stitched_together_fail():
    text = "Yes, LLMs describe images [1].\n\n- No, LLMs do not create images on their own [1]."
    result = score_item(EvalItem(**IMAGES_ITEM), answer(text))
    assert result.answer_ok and not result.strict_ok
    assert result.reasons == ["both a Yes and a No sentence"]
    # "Not" and "Nobody" are not a No: the same answer without the Yes passes.
    assert score_item(
        EvalItem(**IMAGES_ITEM), answer("Not on their own [1]. Nobody says LLMs create images.")
    ).strict_ok


def test_a_filler_sentence_fails_and_is_named():
    text = "LLMs do not create images [1]. Bananas ripen quickly in warm kitchens [2]."
    result = score_item(EvalItem(**IMAGES_ITEM), answer(text))
    assert result.answer_ok and not result.strict_ok
    assert result.reasons == ["filler sentence: 'Bananas ripen quickly in warm kitchens.'"]


def test_what_the_filler_check_leaves_alone():
    # Code, short fragments, captions before code, words of the question only, parts of "AI-generated".
    text = (
        "LLMs do not create images [1]. Indeed. Try this banana recipe:\n\n```python\nbananas = ripen(quickly)\n```\n\n"
        "Make videos elsewhere. AI-generated pictures need other tools."
    )
    item = EvalItem(id="ai", turns=["Can LLMs make images?", "What about AI art?"], must_include=[["not"]])
    assert score_item(item, answer(text)).reasons == []


def test_must_not_include_matches_short_words_whole():
    item = EvalItem(**IMAGES_ITEM, must_not_include=["no", "generative adversarial"])
    assert score_item(item, answer("I know LLMs do not create images; nothing more [1].")).strict_ok
    refused = score_item(item, answer("No: LLMs do not create images [1]."))
    assert refused.answer_ok and not refused.strict_ok
    assert refused.reasons == ["contains forbidden 'no'"]
    named = score_item(item, answer("LLMs do not create images; Generative **adversarial** networks do [1]."))
    assert named.reasons == ["contains forbidden 'generative adversarial'"]


def test_a_decline_counts_only_where_the_item_allows_it():
    declined = answer("The articles do not cover this.", answered=False)
    allowed = score_item(EvalItem(**IMAGES_ITEM, ok_if_declined=True), declined)
    assert allowed.answer_ok and allowed.strict_ok and allowed.reasons == []
    refused = score_item(EvalItem(**IMAGES_ITEM), declined)
    assert not refused.answer_ok and not refused.strict_ok and refused.reasons == ["declined"]


def test_a_clean_answer_passes_and_a_wrong_one_says_why():
    item = EvalItem(**IMAGES_ITEM, lead=["no", "not"], lead_not=["yes"], must_not_include=["yes"])
    clean = "> **No.** LLMs do not create images [1].\n\n- They describe images given to them, e.g. photos [1]."
    result = score_item(item, answer(clean))
    assert result.answer_ok and result.strict_ok and result.reasons == []
    wrong = score_item(item, answer("LLMs describe pictures [1]."))
    assert not wrong.answer_ok and not wrong.strict_ok
    assert wrong.reasons == ["missing terms ['no', 'not']", "first sentence lacks any of ['no', 'not']"]
    unanswerable = score_item(EvalItem(id="u", turns=["Capital of France?"], answerable=False), answer(clean))
    assert unanswerable.reasons == ["answered an unanswerable question"] and not unanswerable.strict_ok


def test_sentences_split_at_ends_lines_and_bullets_not_code_or_abbreviations():
    text = '**Yes.** It works [1]! Why? See e.g. the FAQ.\n```\nx = 1. y = 2.\n```\n> - "Quoted," item\n2. Last'
    assert sentences(text) == ["**Yes.", "It works!", "Why?", "See e.g. the FAQ.", '"Quoted," item', "Last"]


def test_load_questions_reads_the_strict_fields(tmp_path):
    path = tmp_path / "q.jsonl"
    strict = {"lead": ["no"], "lead_not": "yes", "must_not_include": ["gan"], "ok_if_declined": True}
    path.write_text(json.dumps({"id": "s", "question": "Q?", **strict}) + "\n" + json.dumps({"question": "R?"}) + "\n")
    first, second = load_questions(path)
    assert (first.lead, first.lead_not, first.must_not_include, first.ok_if_declined) == (
        ["no"],
        ["yes"],
        ["gan"],
        True,
    )
    assert (second.lead, second.lead_not, second.must_not_include, second.ok_if_declined) == ([], [], [], False)
    path.write_text(json.dumps({"question": "Q?", "lead": 3}) + "\n")
    with pytest.raises(ValueError, match="q.jsonl:1"):
        load_questions(path)


class Canned:
    """Answers from a table, as the assistant would."""

    def __init__(self, texts: dict[str, str]):
        self.texts = texts

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        return answer(self.texts.get(question, "warm"))


def test_strict_accuracy_is_summarised_and_reported():
    items = [
        EvalItem(id="a", turns=["Can LLMs make images?"], evidence=["not create"], must_include=[["not"]], lead=["no"]),
        EvalItem(id="b", turns=["Do LLMs create videos?"], evidence=["not create"], must_include=[["not"]]),
    ]
    texts = {
        "Can LLMs make images?": "Yes. LLMs do not create images [1].",
        "Do LLMs create videos?": "No, not videos [1].",
    }
    summary, results = run_eval(Canned(texts), items)
    keys = list(summary)
    assert keys[keys.index("answer_accuracy") + 1] == "strict_answer_accuracy"
    assert summary["answer_accuracy"] == 1.0 and summary["strict_answer_accuracy"] == 0.5
    report = format_report(summary, results)
    assert "strict" in report.splitlines()[0]
    assert "- a: Can LLMs make images?" in report and "why: first sentence lacks any of ['no']" in report
    assert "- b:" not in report
