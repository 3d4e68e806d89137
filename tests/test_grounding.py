"""The grounding check on hand-written sentences, with the real embedding model."""

from __future__ import annotations

import pytest

from bot.answer.generate import describe_failure


@pytest.fixture(scope="module")
def images_retrieval(assistant):
    return assistant.retrieve("Can LLMs make images?")


@pytest.mark.parametrize(
    "sentence",
    [
        "No, LLMs are built for text-based tasks and do not create images or videos on their own. [1]",
        "LLMs don't make images; they work with text. [1]",
        "To create images, use a generative AI model like DALL·E, MidJourney or Stable Diffusion.",
    ],
)
def test_supported_sentences_pass(assistant, images_retrieval, sentence):
    checks = assistant.checker.check(sentence, images_retrieval.passages)
    assert len(checks) == 1 and checks[0].supported, checks
    assert 1 <= checks[0].source_n <= len(images_retrieval.passages)


@pytest.mark.parametrize(
    "sentence",
    [
        "You should use Adobe Photoshop to make images. [1]",
        "LLMs were invented by IBM in 1950. [1]",
        "The capital of France is Paris. [2]",
        "Bananas are rich in potassium and grow in tropical climates.",
        "Yes, LLMs can create images and videos. [1]",  # close in meaning, opposite in claim
        "LLMs can create images easily. [1]",
        "To make images, you should use an LLM.",  # seen from SmolLM2-135M
    ],
)
def test_invented_sentences_are_caught(assistant, images_retrieval, sentence):
    checks = assistant.checker.check(sentence, images_retrieval.passages)
    assert len(checks) == 1 and not checks[0].supported, checks


def test_mixed_answer_keeps_only_supported_sentences(assistant, images_retrieval):
    text = (
        "No, LLMs are built specifically for text-based tasks. [1] "
        "Midjourney was founded in 2015 by Elon Musk. [2] "
        "A generative AI model like DALL·E would be the better choice for images. [2]"
    )
    checks = assistant.checker.check(text, images_retrieval.passages)
    assert [c.supported for c in checks] == [True, False, True]


def test_failures_are_described_without_details():
    class APITimeoutError(Exception):
        pass

    class AuthenticationError(Exception):
        status_code = 401

    class RateLimitError(Exception):
        status_code = 429

    assert describe_failure(APITimeoutError("sk-secret")) == "it took too long to answer"
    assert describe_failure(AuthenticationError("sk-secret")) == "it refused the API key"
    assert describe_failure(RateLimitError()) == "it is rate-limited"
    assert describe_failure(ConnectionRefusedError()) == "it could not be reached"
    assert "sk-secret" not in describe_failure(RuntimeError("sk-secret"))


def test_a_quoted_table_is_checked_row_by_row(assistant):
    """The extractive fallback may quote a table (issue 28): each row is a sentence the passage backs."""
    import numpy as np

    from bot.answer.quoting import quoted
    from bot.answer.sections import Candidate
    from bot.ingest.sentences import passage_sentences
    from bot.types import Passage

    text = (
        "Annual Leave\n\nYour annual leave entitlement depends on your years of service:\n"
        "- Years of service: 0 to 2 years; Annual leave days: 25 days\n"
        "- Years of service: 3 to 5 years; Annual leave days: 27 days"
    )
    passage = Passage("leave-1", text, "Employee Handbook", "", "handbook.pdf", "Annual Leave")
    rows = [Candidate(s, 1, 0.5, np.zeros(1)) for s in passage_sentences(text) if s.list_id]
    answer, _ = quoted(rows, {1: False})
    assert answer.startswith("| Years of service | Annual leave days |")
    checks = assistant.checker.check(answer, [passage])
    assert [(c.text, c.source_n, c.supported) for c in checks] == [(r.sentence.text + ".", 1, True) for r in rows]
    invented = answer.replace("| 27 days |", "| 27 days |\n| 10 years or more | 40 days |")
    assert [c.supported for c in assistant.checker.check(invented, [passage])] == [True, True, False]
