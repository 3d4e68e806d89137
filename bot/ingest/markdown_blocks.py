"""A Markdown text's sections and their blocks (paragraphs, lists, code), read by markdown-it-py (CommonMark).

A top-level heading starts a section; a `# comment` in a code fence is code, not a heading. Emphasis
markers and HTML entities are taken out of the text, and converters' page or slide markers tell each
block where it starts. `bot.ingest.chunking` groups these blocks into passages.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.ingest.convert import LOCATION_MARKER

# CommonMark block structure (headings, fences, lists, paragraphs). Raw HTML is read as text, as before.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_BULLET = re.compile(r"^•\s+(.*)$")
_ENTITY = re.compile(r"&(?!lt;|gt;)(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_RUN_IN = re.compile(r"^(\*\*|__)[^*_]{1,80}\1:?$")  # "**Websites**" alone on a paragraph's first line
# "**Laundry.** In the Barn Block: ..." - a paragraph opening on a short bold label that ends in "." or ":"
_LABEL = re.compile(r"^(\*\*|__)(?P<label>[^*_]{1,60}?)(?P<stop>[.:])?\1(?(stop)|[.:])\s+(?P<rest>\S.*)$")
# Label words at most: a longer bold opening is emphasis ("**Never leave a fire or BBQ unattended.** ...").
_LABEL_WORDS = 6
_QUOTE_MARKS = re.compile(r"^\s{0,3}(?:>\s?)+")  # a block quote's markers at the start of a line


@dataclass
class Block:
    kind: str  # "para", "list" or "code"
    lines: list[str]
    location: str = ""  # page or slide it starts on ("p. 41", "slide 3"), for converted documents

    @property
    def text(self) -> str:
        if self.kind == "list":
            return "\n".join(f"- {line}" for line in self.lines)
        if self.kind == "code":
            return "\n".join(self.lines)  # verbatim, fences included
        return " ".join(self.lines)


@dataclass
class _Section:
    path: list[str]
    blocks: list[Block] = field(default_factory=list)


def _inline_lines(tokens: list[Token], i: int) -> list[str]:
    """The text lines of the inline token after block token `i` (a heading's or paragraph's text)."""
    inline = tokens[i + 1] if i + 1 < len(tokens) and tokens[i + 1].type == "inline" else None
    return [ln.strip() for ln in (inline.content if inline else "").splitlines() if ln.strip()]


def _plain(line: str) -> str:
    """A line of text without emphasis markers and HTML entities (inline code kept as written):
    `**` or `__` would be quoted as such once a sentence is cut from the passage."""
    parts = re.split(r"(`+[^`]*`+)", line)  # odd parts are code spans
    for i in range(0, len(parts), 2):
        text = _EMPHASIS.sub(r"\2", parts[i])
        # Entities read as their characters; "&lt;" and "&gt;" stay, so that written-out tags stay text.
        parts[i] = _ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text
    return "".join(parts)


def _paragraph_blocks(lines: list[str]) -> list[Block]:
    """A paragraph's lines joined, except lines starting with "•": conversions write it, Markdown has no such bullet.

    A first line all in bold ("**Websites**") is a paragraph of its own: a run-in heading, not the
    start of the sentence after it.
    """
    blocks: list[Block] = []
    for n, line in enumerate(ln.strip() for ln in lines):
        bullet = _BULLET.match(line)
        kind, text = ("list", _plain(bullet.group(1).strip())) if bullet else ("para", _plain(line))
        if not text:
            continue
        if n == 0 and kind == "para" and len(lines) > 1 and _RUN_IN.match(line):
            blocks.append(Block(kind, [text.rstrip(".:") + "."]))
            blocks.append(Block(kind, []))
            continue
        if blocks and blocks[-1].kind == kind:
            blocks[-1].lines.append(text)
        else:
            blocks.append(Block(kind, [text]))
    return blocks


def _bold_question(line: str) -> str:
    """The question a paragraph's first line asks all in bold ("**Can I park at the studio?**"), else ""."""
    text = _plain(line.strip()).strip() if _RUN_IN.match(line.strip()) else ""
    return text if text.endswith("?") else ""


def _run_in_label(line: str) -> tuple[str, str] | None:
    """(label, rest of the line) of a paragraph opening on a short bold label ("**Laundry.** In the ..."), else None."""
    found = _LABEL.match(line.strip())
    if not found or len(found["label"].split()) > _LABEL_WORDS:
        return None
    return _plain(found["label"]).strip(), found["rest"]


def _labelled_sections(tokens: list[Token], source: list[str]) -> set[int]:
    """Which sections (counted from 0 at each top-level heading, as `markdown_sections` counts them) have two or
    more paragraphs opening on a run-in label: there the labels are the section's parts. One alone ("**Note:**
    ...") is emphasis, and stays in its section's text."""
    counts: dict[int, int] = {}
    section = 0
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and _inline_lines(tokens, i):
            section += 1
        elif token.type == "paragraph_open" and token.level == 0 and token.map and _run_in_label(source[token.map[0]]):
            counts[section] = counts.get(section, 0) + 1
    return {n for n, count in counts.items() if count >= 2}


def _code_lines(token: Token, source: list[str]) -> list[str]:
    """A fenced or indented code block as written: its source lines, or rebuilt when it sits in a list or quote."""
    if token.level == 0 and token.map:
        lines = source[token.map[0] : token.map[1]]
    elif token.type == "fence":
        lines = [f"{token.markup}{token.info}", *token.content.splitlines(), token.markup]
    else:
        lines = [f"    {ln}" if ln else ln for ln in token.content.splitlines()]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def markdown_sections(markdown: str) -> list[_Section]:
    """Sections of a Markdown text, from the CommonMark token stream.

    A top-level heading starts a section. A paragraph is one block (its lines joined); consecutive
    lists are one block with a line per item (nested items flattened, an item's paragraphs joined); a
    fenced or indented code block is one block, verbatim, so a `# comment` inside it is no heading.
    """
    source = re.split(r"\r\n?|\n", markdown)  # lines as markdown-it counts them (not str.splitlines)
    tokens = _MARKDOWN.parse(markdown)
    sections = [_Section(path=[])]
    stack: list[tuple[int, str]] = []
    items: list[list[str]] = []  # text of the list items being read, innermost last
    location = ""

    def add(kind: str, lines: list[str]) -> None:
        blocks = sections[-1].blocks
        if not lines:
            return
        if kind == "list" and blocks and blocks[-1].kind == "list":
            blocks[-1].lines += lines
        else:
            blocks.append(Block(kind, lines, location))

    def end_item() -> None:
        if items and items[-1]:
            add("list", [" ".join(items[-1])])
            items[-1] = []

    def open_part(title: str) -> None:
        """A heading one level below the section's ("How can I pay?", "Laundry"), as "##" under "#" would be."""
        while stack and stack[-1][0] > 6:
            stack.pop()
        stack.append((7, title))
        sections.append(_Section(path=[t for _, t in stack]))

    labelled = _labelled_sections(tokens, source)
    heading = 0  # top-level headings read so far (the section `labelled` counts)
    quotes = 0  # depth of block quotes around the current token
    for i, token in enumerate(tokens):
        kind = token.type
        quotes += (kind == "blockquote_open") - (kind == "blockquote_close")
        if kind == "heading_open" and token.level == 0:
            title = " ".join(_inline_lines(tokens, i))
            if title:
                heading += 1
                level = int(token.tag[1:])
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
                sections.append(_Section(path=[t for _, t in stack]))
        elif kind == "list_item_open":
            end_item()  # a parent item's own text comes before its nested items
            items.append([])
        elif kind == "list_item_close":
            end_item()
            items.pop()
        elif kind in ("paragraph_open", "heading_open"):
            marker = LOCATION_MARKER.match(" ".join(_inline_lines(tokens, i))) if kind == "paragraph_open" else None
            if marker and token.level == 0:  # a converter's page or slide start: where the next text is
                location = f"p. {marker['number']}" if marker["kind"] == "page" else f"slide {marker['number']}"
            elif items:
                items[-1] += _inline_lines(tokens, i)
            elif token.map:  # the source lines, as a reader wrote them, without a quote's ">" markers
                lines = source[token.map[0] : token.map[1]]
                if quotes:  # "> " would be quoted mid-sentence once the lines are joined
                    lines = [_QUOTE_MARKS.sub("", line) for line in lines]
                elif question := _bold_question(lines[0]):
                    # "**How can I pay?**" over its answer: an FAQ entry's heading, one level below the section's,
                    # as "## How can I pay?" would be (it had been quoted as a sentence, "How can I pay?.")
                    open_part(question)
                    lines = lines[1:]
                elif heading in labelled and token.level == 0 and (label := _run_in_label(lines[0])):
                    # "**Laundry.** In the Barn Block: ..." beside "**Wi-Fi.** ...": each label heads its part of
                    # the section, as a heading one level below would ("Is there a laundry on site?" came only
                    # as close to the whole section as off-topic questions do).
                    open_part(label[0])
                    lines = [label[1], *lines[1:]]
                for block in _paragraph_blocks(lines):
                    add(block.kind, block.lines)
        elif kind in ("fence", "code_block"):
            end_item()
            sections[-1].blocks.append(Block("code", _code_lines(token, source), location))
    for section in sections:
        section.blocks = [b for b in section.blocks if b.lines]
    return [s for s in sections if s.blocks]
