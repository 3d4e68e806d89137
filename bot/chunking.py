"""Splitting articles into passages that follow their structure, and passages into sentences.

A passage is one section (a heading with its text). An FAQ question is a heading, so it stays with
its answer; a list stays with the line that introduces it. Sections longer than the limit are split
between paragraphs or lists, and every piece repeats its heading.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from bot.corpus import Article
from bot.safe_markdown import LINK_OR_IMAGE

CHUNKER_VERSION = "5"  # bump when passage or sentence boundaries change, so ingest re-embeds everything

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$")


@dataclass
class Block:
    kind: str  # "para" or "list"
    lines: list[str]

    @property
    def text(self) -> str:
        if self.kind == "list":
            return "\n".join(f"- {line}" for line in self.lines)
        return " ".join(self.lines)


@dataclass
class Chunk:
    """A passage before it is embedded."""

    text: str  # what a reader sees: heading line, then the section text
    heading_path: list[str]
    index: int  # position in the article

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)

    @property
    def search_text(self) -> str:
        """Text to embed and keyword-index: the full heading path gives a passage its context."""
        body = self.text
        if self.heading_path and body.startswith(self.heading_path[-1]):
            body = body[len(self.heading_path[-1]) :].lstrip()
        return f"{self.heading}\n{body}" if self.heading else body


@dataclass
class _Section:
    path: list[str]
    blocks: list[Block] = field(default_factory=list)


def _sections(markdown: str) -> list[_Section]:
    sections = [_Section(path=[])]
    stack: list[tuple[int, str]] = []
    for raw in markdown.splitlines():
        line = raw.rstrip()
        heading = _HEADING.match(line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            sections.append(_Section(path=[t for _, t in stack]))
            continue
        current = sections[-1]
        if not line.strip():
            if current.blocks and current.blocks[-1].kind == "para":
                current.blocks.append(Block("para", []))  # paragraph break
            continue
        item = _LIST_ITEM.match(line)
        if item:
            if current.blocks and current.blocks[-1].kind == "list":
                current.blocks[-1].lines.append(item.group(1).strip())
            else:
                current.blocks.append(Block("list", [item.group(1).strip()]))
        elif current.blocks and current.blocks[-1].kind == "para" and current.blocks[-1].lines:
            current.blocks[-1].lines.append(line.strip())
        else:
            current.blocks.append(Block("para", [line.strip()]))
    for section in sections:
        section.blocks = [b for b in section.blocks if b.lines]
    return [s for s in sections if s.blocks]


def _units(blocks: list[Block]) -> list[str]:
    """Blocks that must stay together: a list joins the paragraph that introduces it."""
    units: list[str] = []
    for i, block in enumerate(blocks):
        if block.kind == "list" and i > 0 and blocks[i - 1].kind == "para" and units:
            units[-1] = f"{units[-1]}\n{block.text}"
        else:
            units.append(block.text)
    return units


def _balanced_groups(units: list[str], max_chars: int, overhead: int) -> list[list[str]]:
    """Split `units` into the fewest contiguous groups that fit, making the largest group as small as possible."""

    def size(group: list[str]) -> int:
        return overhead + len("\n\n".join(group))

    n = len(units)
    for pieces in range(max(1, math.ceil(size(units) / max_chars)), n + 1):
        # best[i][p]: (largest group, cuts) for the first i units in p groups
        best: dict[tuple[int, int], tuple[int, list[int]]] = {(0, 0): (0, [])}
        for p in range(1, pieces + 1):
            for i in range(p, n + 1):
                options = [
                    (max(best[(j, p - 1)][0], size(units[j:i])), best[(j, p - 1)][1] + [j])
                    for j in range(p - 1, i)
                    if (j, p - 1) in best
                ]
                if options:
                    best[(i, p)] = min(options, key=lambda o: o[0])
        largest, cuts = best[(n, pieces)]
        if largest <= max_chars or pieces == n:
            bounds = cuts[1:] + [n]
            starts = cuts
            return [units[a:b] for a, b in zip(starts, bounds)]
    return [units]


def chunk_article(article: Article, max_chars: int = 700) -> list[Chunk]:
    """Passages of one article, in reading order.

    A section longer than `max_chars` is cut between its paragraphs (or lists) into the fewest pieces
    of about equal size, so that no piece is a small leftover competing with the rest of its section.
    """
    chunks: list[Chunk] = []
    for section in _sections(article.body):
        title = section.path[-1] if section.path else ""
        prefix = f"{title}\n\n" if title else ""
        for group in _balanced_groups(_units(section.blocks), max_chars, len(prefix)):
            chunks.append(Chunk(prefix + "\n\n".join(group), section.path, len(chunks)))
    return chunks


# --- sentences, for composing answers ----------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘'(\[]?[A-Z0-9])")
_LEADING_SYMBOLS = re.compile(r"^(?:[^\w(\"“'‘\[!<]|!(?!\[))+")  # bullets and arrows, not a link, image or tag


@dataclass(frozen=True)
class Sentence:
    """A quotable piece of a passage: a sentence, a list item, or a short list with its lead-in."""

    text: str  # as quoted in an answer (without its label)
    context: str  # text used to judge relevance (adds the lead-in to a list item)
    order: int  # position in the passage
    label: str = ""  # a short lead-in ("Industries That Benefit from LLMs:") that introduces a list item
    quotes: tuple[str, ...] = ()  # the exact pieces of the passage it is made of, for highlighting


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; a bare "No." or "Yes." stays with the sentence after it.

    A Markdown link or image is never cut ("[Dr. Smith](...)" is no sentence end), so a quote never
    holds half of one.
    """
    text = paragraph.strip()
    whole = [m.span() for m in LINK_OR_IMAGE.finditer(text)]
    parts, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        if not any(a < end.start() < b for a, b in whole):
            parts.append(text[start : end.start()].strip())
            start = end.end()
    parts = [p for p in [*parts, text[start:].strip()] if p]
    merged: list[str] = []
    for part in parts:
        if merged and len(merged[-1]) <= 12:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def heading_line(passage_text: str) -> str:
    """The heading line of a passage (as produced by `chunk_article`), or "" if it has none."""
    first, separator, _rest = passage_text.partition("\n\n")
    return first.strip() if separator else ""


def passage_sentences(passage_text: str) -> list[Sentence]:
    """Split a passage (as produced by `chunk_article`) into quotable sentences.

    The first line is its heading and is used only as context. A list of short items becomes one
    sentence with its lead-in; a list of long items yields one sentence per item.
    """
    paragraphs = passage_text.split("\n\n")
    heading = heading_line(passage_text)
    body = paragraphs[1:] if heading else paragraphs
    out: list[Sentence] = []

    def add(text: str, context: str, label: str = "", quotes: tuple[str, ...] = ()) -> None:
        out.append(Sentence(text=text, context=context, order=len(out), label=label, quotes=quotes or (text,)))

    for para in body:
        lines = para.split("\n")
        prose = [ln for ln in lines if not ln.startswith("- ")]
        items = [_LEADING_SYMBOLS.sub("", ln[2:]).strip() for ln in lines if ln.startswith("- ")]
        lead_sentences = split_sentences(" ".join(prose)) if prose else []
        lead = lead_sentences[-1] if lead_sentences else heading
        for s in lead_sentences:
            if not (items and s is lead and s.endswith(":")):  # a lead-in is quoted with its items
                add(s, f"{heading} {s}".strip())
        if not items:
            continue
        if sum(len(i) for i in items) / len(items) <= 45:
            joined = ", ".join(i.rstrip(".") for i in items)
            text = f"{lead} {joined}." if lead.endswith(":") else f"{joined}."
            add(text, f"{heading} {lead} {joined}", quotes=(lead, *items) if lead.endswith(":") else tuple(items))
        else:
            for item in items:
                label = lead if lead.endswith(":") and len(lead) <= 60 else ""
                add(item, f"{heading} {lead} {item}", label, quotes=(label, item) if label else (item,))
    return out
