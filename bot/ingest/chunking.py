"""Splitting articles into passages that follow their structure, and passages into sentences.

A passage is one section (a heading with its text). An FAQ question is a heading, so it stays with
its answer; a list stays with the line that introduces it. Sections longer than the limit are split
between paragraphs, lists or code blocks (never inside one), and every piece repeats its heading.

Longer than most modules on purpose: reading the Markdown, grouping it into passages and splitting
those into sentences share one model of a document's units, and splitting them would scatter it.
Markdown structure is read by markdown-it-py (CommonMark), so a `# comment` in a code fence is code.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.ingest.convert import LOCATION_MARKER
from bot.ingest.corpus import Article
from bot.safe_markdown import LINK_OR_IMAGE

CHUNKER_VERSION = "10"  # bump when passage or sentence boundaries change, so ingest re-embeds everything

# CommonMark block structure (headings, fences, lists, paragraphs). Raw HTML is read as text, as before.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_BULLET = re.compile(r"^•\s+(.*)$")
_ENTITY = re.compile(r"&(?!lt;|gt;)(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_RUN_IN = re.compile(r"^(\*\*|__)[^*_]{1,80}\1:?$")  # "**Websites**" alone on a paragraph's first line
_TABLE_ROW = re.compile(r"^[^:;]{1,60}: [^;]*(?:; [^:;]{1,60}: [^;]*)+$")  # "Column: value; Column: value"
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
class Chunk:
    """A passage before it is embedded."""

    text: str  # what a reader sees: heading line, then the section text
    heading_path: list[str]
    index: int  # position in the article
    location: str = ""  # page or slide the passage starts on ("p. 41", "slide 3"); "" for text files

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


def _sections(markdown: str) -> list[_Section]:
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

    quotes = 0  # depth of block quotes around the current token
    for i, token in enumerate(tokens):
        kind = token.type
        quotes += (kind == "blockquote_open") - (kind == "blockquote_close")
        if kind == "heading_open" and token.level == 0:
            title = " ".join(_inline_lines(tokens, i))
            if title:
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
                for block in _paragraph_blocks(lines):
                    add(block.kind, block.lines)
        elif kind in ("fence", "code_block"):
            end_item()
            sections[-1].blocks.append(Block("code", _code_lines(token, source), location))
    for section in sections:
        section.blocks = [b for b in section.blocks if b.lines]
    return [s for s in sections if s.blocks]


def _units(blocks: list[Block], max_chars: int = 0) -> tuple[list[str], list[str]]:
    """Blocks that must stay together (a list joins the paragraph that introduces it), and where each starts.

    A table (a list whose every item is a row of "Column: value; Column: value") longer than `max_chars`
    is cut between rows; each part keeps the lead-in, and every row names its columns.
    """
    units: list[str] = []
    locations: list[str] = []
    for i, block in enumerate(blocks):
        lead = units[-1] if block.kind == "list" and i > 0 and blocks[i - 1].kind == "para" and units else None
        parts = [block]
        if max_chars and block.kind == "list" and len(block.lines) > 1 and all(map(_TABLE_ROW.match, block.lines)):
            parts = _table_parts(block, max_chars - len(lead or "") - 1)
        for n, part in enumerate(parts):
            if lead is not None and n == 0:
                units[-1] = f"{lead}\n{part.text}"
            elif lead is not None:
                units.append(f"{lead}\n{part.text}")
                locations.append(part.location)
            else:
                units.append(part.text)
                locations.append(part.location)
    return units, locations


def _table_parts(block: Block, room: int) -> list[Block]:
    """A table's rows in consecutive parts of at most `room` characters (a row longer than that alone)."""
    parts: list[Block] = []
    size = 0
    for line in block.lines:
        if parts and size + len(line) + 3 <= room:
            parts[-1].lines.append(line)
            size += len(line) + 3
        else:
            parts.append(Block("list", [line], block.location))
            size = len(line) + 2
    return parts


def _balanced_groups(units: list[str], max_chars: int, overhead: int) -> list[list[str]]:
    """Split `units` into contiguous groups of at most `max_chars` (with `overhead` added to each).

    A unit too long to fit is a group of its own; the units between such units are split into the
    fewest groups that fit, with the largest group as small as possible (see `_fewest_balanced`).
    """
    groups: list[list[str]] = []
    run: list[str] = []
    for unit in units:
        if overhead + len(unit) > max_chars:
            groups += _fewest_balanced(run, max_chars, overhead) if run else []
            groups.append([unit])
            run = []
        else:
            run.append(unit)
    return groups + (_fewest_balanced(run, max_chars, overhead) if run else [])


def _fewest_balanced(units: list[str], max_chars: int, overhead: int) -> list[list[str]]:
    """The fewest groups of at most `max_chars`, the largest as small as possible (every unit fits alone).

    Built from the end: the last group is the longest tail that fits the smallest achievable
    largest group, and the units before it are split the same way into one group fewer, so no
    group is a small leftover. (This is the split the former exhaustive search chose.)

    A group size `B` is feasible for the first `end` units in `p` groups when `p` greedy groups
    from the start, each as long as `B` allows, reach `end`. The greedy cut positions for a `B` are
    computed once (a binary search over prefix sums per group), so the split costs
    O(n + d * k * log n) for k groups, where d is the number of distinct sizes tried (a binary search
    over sizes when the largest group shrinks; usually a handful).
    """
    n = len(units)
    ends = [0]  # ends[i]: the lengths of the first i units, plus 2 each for the "\n\n" between them
    for unit in units:
        ends.append(ends[-1] + len(unit) + 2)
    room = 2 - overhead  # a group of units a..b fits size B when ends[b] - ends[a] <= B + room
    widest = [0]  # widest[i]: size of the largest single group among the first i units
    for unit in units:
        widest.append(max(widest[-1], overhead + len(unit)))
    greedy: dict[int, list[int]] = {}  # size -> cut positions of greedy groups from the start

    def reach(size: int, p: int) -> int:
        """How many units `p` greedy groups of at most `size` cover."""
        cuts = greedy.setdefault(size, [0])
        while len(cuts) <= p and cuts[-1] < n:
            cuts.append(bisect_right(ends, ends[cuts[-1]] + size + room) - 1)
        return cuts[min(p, len(cuts) - 1)]

    def smallest_largest(end: int, p: int, high: int) -> int:
        """The smallest largest-group size for the first `end` units in `p` groups (at most `high`)."""
        low = max(widest[end], -(-(ends[end] - p * room) // p))  # the largest unit; the mean group
        while low < high:
            middle = (low + high) // 2
            if reach(middle, p) >= end:
                high = middle
            else:
                low = middle + 1
        return high

    pieces = 1
    while reach(max_chars, pieces) < n:
        pieces += 1
    groups: list[list[str]] = []
    end, size = n, max_chars
    for p in range(pieces, 1, -1):
        size = smallest_largest(end, p, size)
        start = max(p - 1, bisect_left(ends, ends[end] - size - room))
        groups.append(units[start:end])
        end = start
    groups.append(units[:end])
    return groups[::-1]


def chunk_article(article: Article, max_chars: int = 700) -> list[Chunk]:
    """Passages of one article, in reading order.

    A section longer than `max_chars` is cut between its paragraphs (or lists, or code blocks) into the
    fewest pieces of about equal size, so that no piece is a small leftover competing with the rest of
    its section. A paragraph or code block longer than `max_chars` is a passage of its own, whole.
    """
    chunks: list[Chunk] = []
    for section in _sections(article.body):
        title = section.path[-1] if section.path else ""
        prefix = f"{title}\n\n" if title else ""
        units, locations = _units(section.blocks, max_chars - len(prefix))
        first = 0  # groups are contiguous runs of units: the first unit of each tells its page
        for group in _balanced_groups(units, max_chars, len(prefix)):
            chunks.append(Chunk(prefix + "\n\n".join(group), section.path, len(chunks), locations[first]))
            first += len(group)
    return chunks


# --- sentences, for composing answers ----------------------------------------------------------

# A period that ends an initial or a title, not a sentence: "Richard M. Stallman", "e.g. R", "Dr. Smith".
# A lone capital after a name is an initial; after other words it may be a name ("written in R.").
_ABBREVIATED = re.compile(r"(?:\b[A-Z][a-z]+ [A-Z]|\b(?:e\.g|i\.e|cf|vs|Dr|Mr|Mrs|Ms|Prof|St|Fig|No|approx))\.$")
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
    code: str = ""  # a code block the sentence introduces ("you can use" + the command), fences included
    list_id: int = 0  # which list of the passage the sentence comes from (1, 2, ...); 0 for prose


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def _paragraphs(body: str) -> list[tuple[bool, str]]:
    """(is_code, text) for each paragraph of a passage body; a fenced block is one, blank lines and all."""
    out: list[tuple[bool, str]] = []
    lines: list[str] = []
    fence = ""
    for line in body.split("\n"):
        opening = _FENCE.match(line)
        if fence:
            lines.append(line)
            if (
                opening
                and opening.group(1)[0] == fence[0]
                and len(opening.group(1)) >= len(fence)
                and not line.strip("`~ \t")
            ):
                out.append((True, "\n".join(lines)))
                lines, fence = [], ""
        elif opening:
            if lines:
                out.append((False, "\n".join(lines)))
            lines, fence = [line], opening.group(1)
        elif not line.strip():
            if lines:
                out.append((False, "\n".join(lines)))
            lines = []
        else:
            lines.append(line)
    if lines:
        out.append((bool(fence), "\n".join(lines)))
    return out


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
        if merged and (len(merged[-1]) <= 12 or _ABBREVIATED.search(merged[-1])):
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
    heading = heading_line(passage_text)
    body = passage_text.split("\n\n", 1)[1] if heading else passage_text
    out: list[Sentence] = []

    lists = 0

    def add(text: str, context: str, label: str = "", quotes: tuple[str, ...] = (), list_id: int = 0) -> None:
        out.append(
            Sentence(text=text, context=context, order=len(out), label=label, quotes=quotes or (text,), list_id=list_id)
        )

    for is_code, para in _paragraphs(body):
        if is_code:
            # Code is quoted whole with the sentence that introduces it: in a technical document the
            # command is the answer, and "you can use" means nothing without it.
            if out and not out[-1].code:
                lead = out[-1]
                out[-1] = Sentence(
                    lead.text, f"{lead.context}\n{para}", lead.order, lead.label, lead.quotes, para, lead.list_id
                )
            else:
                out.append(Sentence("", f"{heading}\n{para}".strip(), len(out), code=para, quotes=()))
            continue
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
        lists += 1
        if sum(len(i) for i in items) / len(items) <= 45:
            joined = ", ".join(i.rstrip(".") for i in items)
            text = f"{lead} {joined}." if lead.endswith(":") else f"{joined}."
            quotes = (lead, *items) if lead.endswith(":") else tuple(items)
            add(text, f"{heading} {lead} {joined}", quotes=quotes, list_id=lists)
        else:
            for item in items:
                label = lead if lead.endswith(":") and len(lead) <= 60 else ""
                add(item, f"{heading} {lead} {item}", label, quotes=(label, item) if label else (item,), list_id=lists)
    return out
