"""How a retrieval and an answer read in the chat: plain functions, so the UI's text is testable without a browser.

Everything taken from the corpus (titles, headings, passages) or from an answer is made inert before it
is shown (`bot.safe_markdown.inert_markdown`): no image renders and no link is live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.replies import highlighted_markdown
from bot.safe_markdown import inert_markdown
from bot.types import Answer, Retrieval


@dataclass(frozen=True)
class SourceView:
    """One cited passage as the side panel shows it."""

    name: str  # "Source 1: Title (Publisher)", also the link text under the answer
    content: str  # the passage as Markdown, backing sentences in bold, with where it comes from


def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown (questions and headings can hold any characters)."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|])", r"\\\1", text)


def retrieval_summary(retrieval: Retrieval) -> str:
    """The "Retrieve passages" step: what was searched for and what was found."""
    lines = [f"Searched for: {escape_markdown(retrieval.query)}", ""]
    lines += [
        f"{n}. {escape_markdown(inert_markdown(p.heading or p.title))} - {inert_markdown(p.publisher)} (score {p.score:.2f})"
        for n, p in enumerate(retrieval.passages, start=1)
    ]
    return "\n".join(lines)


def source_views(answer: Answer) -> list[SourceView]:
    """The cited passages, in citation order (none for a declined question)."""
    if not answer.answered:
        return []
    views = []
    for n in answer.cited:
        passage = answer.sources[n - 1]
        title, publisher = inert_markdown(passage.title), inert_markdown(passage.publisher)
        name = f"Source {n}: {inert_markdown(passage.where)}"
        content = highlighted_markdown(passage.text, answer.used_sentences.get(n, []))  # inert
        file_name = passage.source.replace("`", "'")  # shown in a code span, which a backtick would end
        heading = escape_markdown(inert_markdown(passage.heading.replace(" > ", " › ")))
        where = " - ".join(part for part in (heading, passage.location, publisher) if part)
        footer = f"\n\n---\n*{title}*" + (f" - {where}" if where else "") + f" - `{file_name}`"
        views.append(SourceView(name, content + footer))
    return views


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
    """The complete reply: the answer, the list of its sources, then the notes."""
    content = inert_markdown(answer.text)  # already inert from every answerer; a second pass changes nothing
    if sources:
        content += "\n\n" + "\n".join(f"- {s.name}" for s in sources)
    notes = answer_notes(answer)
    if notes:
        content += "\n\n" + "\n\n".join(f"*{note}*" for note in notes)
    return content
