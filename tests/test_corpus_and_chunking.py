"""The corpus keeps the articles word for word, and passages follow the article structure."""

from __future__ import annotations

import re

import pytest

from bot.chunking import chunk_article, passage_sentences
from bot.corpus import load_corpus, read_article

from .conftest import ROOT, SHARED, require_shared


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def test_corpus_is_the_seed_articles_word_for_word():
    seeds = sorted(require_shared(SHARED / "seeds").glob("*.txt"))
    articles, errors = load_corpus(ROOT / "corpus")
    assert not errors
    assert {a.publisher for a in articles} == {"Globussoft", "Zero Gravity Marketing"}
    by_origin = {a.origin.rsplit("/", 1)[-1]: a for a in articles}
    assert sorted(by_origin) == [s.name for s in seeds]
    for seed in seeds:
        article = by_origin[seed.name]
        assert article.title and article.publisher
        # Only Markdown structure was added: heading marks and list dashes.
        body = re.sub(r"^(#{1,6} |- )", "", article.body, flags=re.MULTILINE)
        assert _words(body) == _words(seed.read_text(encoding="utf-8").replace("\n- ", "\n"))


@pytest.fixture(scope="module")
def passages():
    articles, _ = load_corpus(ROOT / "corpus")
    return [c for a in articles for c in chunk_article(a, 700)]


def test_faq_question_stays_with_its_answer(passages):
    faq = [c for c in passages if c.heading.startswith("FAQs > ")]
    assert len({c.heading for c in faq}) == 6
    first = next(c for c in faq if "Can LLMs Create Images" in c.heading)
    assert first.text.startswith("Can LLMs Create Images and Videos Like Generative AI?\n\nNo, LLMs are built")
    for chunk in faq:
        assert chunk.text.split("\n\n")[1].strip(), "a question without its answer"


def test_heading_stays_with_its_text_and_list_with_its_lead_in(passages):
    for chunk in passages:
        if chunk.heading_path:
            assert chunk.text.startswith(chunk.heading_path[-1] + "\n\n")
    characteristics = next(c for c in passages if "Key characteristics include:" in c.text)
    assert "Key characteristics include:\n- Advanced natural language understanding" in characteristics.text
    assert characteristics.text.startswith("What Is a Large Language Model (LLM)?")
    industries = [c for c in passages if "Industries That Benefit from LLMs:" in c.text]
    assert len(industries) == 1 and "- Law & Finance:" in industries[0].text


def test_passages_respect_the_size_limit(passages):
    assert all(len(c.text) <= 700 for c in passages)
    assert all("FAQs" in c.search_text.split("\n")[0] for c in passages if c.heading.startswith("FAQs"))


def test_sentences_keep_short_lists_with_their_lead_in():
    sentences = passage_sentences("What Is Generative AI?\n\nIt can generate:\n- Written content\n- Videos")
    assert [s.text for s in sentences] == ["It can generate: Written content, Videos."]
    yes = passage_sentences("Q?\n\nYes. Many systems use GANs. Others do not.")
    assert yes[0].text == "Yes. Many systems use GANs."


def test_plain_text_and_bad_files(tmp_path):
    (tmp_path / "notes.txt").write_text(
        "Intro line that is long enough to be text.\nPricing Tiers\nThe basic tier costs little and suits most teams.\n",
        encoding="utf-8",
    )
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "blob.md").write_bytes(b"\x89PNG\x00\x00binary")
    articles, errors = load_corpus(tmp_path)
    assert [a.source for a in articles] == ["notes.txt"]
    assert "## Pricing Tiers" in articles[0].body
    assert sorted(e.split(":")[0] for e in errors) == ["blob.md", "empty.md", "latin1.txt"]
    assert any("not UTF-8" in e for e in errors) and any("binary" in e for e in errors)
    assert read_article(tmp_path / "notes.txt").title == "Notes"
