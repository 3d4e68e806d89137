"""How a retrieval and an answer read in the chat: plain functions, so the UI's text is testable without a browser.

Everything taken from the corpus (titles, headings, passages) or from an answer is made inert before it
is shown (`bot.safe_markdown.inert_markdown`): no image renders and no link is live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answer.replies import highlighted_markdown, tables_shown
from bot.safe_markdown import inert_markdown, unlinked
from bot.text import in_quotes
from bot.types import Answer, Passage, Retrieval

# After each citation the chat can open: the source's element is named "[n]" plus this invisible word
# joiner, so Chainlit turns exactly those into links, never a "[1]" inside quoted code (R prints "[1] 2").
CITE_MARK = "\u2060"
# The search step's name: the page writes "Searching" or "Searched" in front of it
# (chat.messages.status in .chainlit/translations/en-US.json), so it reads "Searched the documents".
SEARCH_STEP = "the documents"
LABEL_SECTION_CHARS = 40  # a longer section name is shortened on the source's label (the footnote has it whole)
_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class SourceView:
    """One cited passage: the link the chat makes of its `[n]`, its label and footnote, and what its panel shows."""

    n: int  # the citation number
    name: str  # "[1]" + CITE_MARK: the element's name, so every "[1]" of the answer opens it
    label: str  # "[1] Zero Gravity Marketing › Can LLMs Create Images and Videos… (p. 2)"
    footnote: str  # the label's source in full: "[1] Zero Gravity Marketing › <section> · “Title”, p. 2"
    content: str  # the passage as Markdown, backing sentences in bold, then its whole section


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _article(passage: Passage) -> str:
    """What names the article: its publisher when there is one (two articles may share a title), else its title."""
    return escape_markdown(inert_markdown(passage.publisher or passage.title))


def _section(passage: Passage) -> str:
    leaf = passage.heading.rsplit(" > ", 1)[-1].strip()
    return "" if leaf.casefold() == passage.title.casefold() else inert_markdown(leaf)


def _body(passage: Passage) -> str:
    """The passage without its heading line (which `passage.text` opens with when it has a heading)."""
    _heading, sep, body = passage.text.partition("\n\n")
    return body if sep and passage.heading else passage.text


def source_label(n: int, passage: Passage, part: str = "") -> str:
    """ "[1] Zero Gravity Marketing › Can LLMs Create Images and Videos… (p. 2)": article, section, page."""
    section = _section(passage)
    where = ", ".join(x for x in (passage.location, part) if x)
    return (
        f"[{n}] {_article(passage)}"
        + (f" › {escape_markdown(_short(section, LABEL_SECTION_CHARS))}" if section else "")
        + (f" ({where})" if where else "")
    )


def source_footnote(n: int, passage: Passage, part: str = "") -> str:
    """The citation resolved for pasting elsewhere: article › whole section · “title”, page."""
    section = _section(passage)
    title = inert_markdown(passage.title)
    parts = [
        f"[{n}]{CITE_MARK} {_article(passage)}"
        + (f" › {escape_markdown(section)}" if section else "")
        + (f" ({part})" if part else "")
    ]
    if passage.publisher and title:
        parts.append(in_quotes(escape_markdown(title)) + (f", {passage.location}" if passage.location else ""))
    elif passage.location:
        parts.append(passage.location)
    return " · ".join(parts)


def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown (questions and headings can hold any characters)."""
    return unlinked(re.sub(r"([\\`*_{}\[\]<>()#+!|])", r"\\\1", text))


def retrieval_summary(retrieval: Retrieval, answer: Answer | None = None) -> str:
    """The "Searched the documents" step: what was searched for and what was found, most relevant first.

    The passages are listed by the relevance shown beside them (their cosine to the query), not in the
    retriever's rank order, which also weighs keywords and sentences: "0.72" above "0.87" reads as a mistake.
    The first line also says whether the documents answer, and why (`bot.retrieval.refusal`); given the
    `answer`, its verdict wins: the answerer may still decline what retrieval found answerable (no amount
    for "How much ...?").
    """
    decision = retrieval.decision
    answered, reason = (answer.answered, answer.reason) if answer and answer.reason else (None, "")
    if decision and answered is None:
        answered, reason = decision.answer, decision.reason
    verdict = f" · {'answerable' if answered else 'declined'}: {escape_markdown(reason)}" if reason else ""
    lines = [f"Searched for: {escape_markdown(retrieval.query)}{verdict}", ""]
    found = sorted(retrieval.passages, key=lambda p: -p.score)
    lines += [
        f"{n}. {source_label(n, p)[len(f'[{n}] ') :]} · relevance {p.score:.2f}" for n, p in enumerate(found, start=1)
    ]
    return "\n".join(lines)


def _section_passages(passage: Passage, documents: dict[str, list[Passage]] | None) -> list[Passage]:
    """All passages of the section `passage` is in, in reading order (just it when unknown)."""
    siblings = [p for p in (documents or {}).get(passage.source, []) if p.heading == passage.heading]
    return siblings if any(p.id == passage.id for p in siblings) else [passage]


def _part_label(passage: Passage, section: list[Passage]) -> str:
    """ "part 2 of 3" for a passage of a section in several; "parts 1–4 of 5" for one the answerer read with the
    other parts of a table cut between them (`bot.answer.tables.with_split_table`), which holds their rows."""
    if len(section) < 2:
        return ""
    stored = next(p for p in section if p.id == passage.id)
    lines = set(passage.text.split("\n"))
    held = [
        k
        for k, p in enumerate(section, start=1)
        if p is stored or (stored.text != passage.text and (items := _rows(p)) and items <= lines)
    ]
    first, last = held[0], held[-1]
    return f"part {first} of {len(section)}" if first == last else f"parts {first}–{last} of {len(section)}"


def _rows(passage: Passage) -> set[str]:
    """The list items ("- ..." lines) of a passage."""
    return {line for line in passage.text.split("\n") if line.startswith("- ")}


WHOLE_SECTION = "The whole section"  # the heading public/bot.js folds away, with everything after it


def source_views(answer: Answer, documents: dict[str, list[Passage]] | None = None) -> list[SourceView]:
    """The cited passages, in citation order (none for small talk, or a decline that quotes nothing).

    `documents` (each file's passages in reading order) lets a view add the whole section its passage is
    part of, folded, and tell apart two passages of one section ("part 2 of 3").
    """
    views = []
    for n, passage in answer.cited_sources:
        section = _section_passages(passage, documents)
        part = _part_label(passage, section)
        label = source_label(n, passage, part)
        content = highlighted_markdown(passage.text, answer.used_sentences.get(n, []))  # inert
        title, publisher = inert_markdown(passage.title), inert_markdown(passage.publisher)
        file_name = passage.source.replace("`", "'")  # shown in a code span, which a backtick would end
        heading = escape_markdown(inert_markdown(_below_title(passage).replace(" > ", " › ")))
        where = " - ".join(part for part in (heading, passage.location, publisher) if part)
        footer = f"\n\n*{title}*" + (f" - {where}" if where else "") + f" - `{file_name}`"
        whole = ""
        if len(section) > 1:
            text = "\n\n".join(inert_markdown(tables_shown(_body(p))) for p in section)
            whole = f"\n\n---\n\n##### {WHOLE_SECTION} ({len(section)} passages)\n\n{text}"
        views.append(
            SourceView(
                n,
                f"[{n}]{CITE_MARK}",
                label,
                source_footnote(n, passage, part),
                f"**{label}**\n\n{content}{footer}{whole}",
            )
        )
    return views


def _below_title(passage: Passage) -> str:
    """The passage's heading path without a first heading that is the document's title, which the panel shows
    already ("Travel and Expenses Policy - Travel and Expenses Policy › What is not reimbursed")."""
    first, _, rest = passage.heading.partition(" > ")
    return rest if first.strip().casefold() == passage.title.strip().casefold() else passage.heading


def linked_citations(text: str, cited: list[int]) -> str:
    """`text` with each citation of a cited source marked (CITE_MARK), outside fenced code only."""
    numbers = "|".join(str(n) for n in cited)
    if not numbers:
        return text
    pattern = re.compile(rf"\[({numbers})\](?!{CITE_MARK})")
    out, last = [], 0
    for fence in _FENCE.finditer(text):
        out += [pattern.sub(rf"[\1]{CITE_MARK}", text[last : fence.start()]), fence.group(0)]
        last = fence.end()
    return "".join(out) + pattern.sub(rf"[\1]{CITE_MARK}", text[last:])


def answer_notes(answer: Answer) -> list[str]:
    """Lines under the answer: grounding, sentences removed as unsupported, provider notices."""
    notes = []
    if answer.grounding and not answer.grounding.fallback:
        notes.append(f"✔ {answer.grounding.supported} of {answer.grounding.total} sentences supported by the articles")
    if answer.removed:
        notes.append(
            f"{len(answer.removed)} generated sentence(s) removed as not supported by the articles: "
            + " · ".join(f"~~{escape_markdown(r)}~~" for r in answer.removed)
        )
    if answer.notice:
        notes.append(f"ℹ {answer.notice}")
    return notes


def reply_markdown(answer: Answer, sources: list[SourceView]) -> str:
    """The complete reply: the answer, its sources as footnotes (what the copy button copies), then the notes."""
    content = inert_markdown(answer.text)  # already inert from every answerer; a second pass changes nothing
    if sources:
        content = linked_citations(content, [s.n for s in sources])
        # After an answer that ends with a "-" list, "-" footnotes would continue that list as its last items.
        last = content.rstrip().rsplit("\n", 1)[-1].lstrip()
        bullet = "*" if last.startswith("- ") else "-"
        content += "\n\n" + "\n".join(f"{bullet} {s.footnote}" for s in sources)
    notes = answer_notes(answer)
    if notes:
        content += "\n\n" + "\n\n".join(f"*{note}*" for note in notes)
    return content
