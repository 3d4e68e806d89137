"""Splitting articles into passages that follow their structure.

A passage is one section (a heading with its text). An FAQ question is a heading, so it stays with
its answer; a list stays with the line that introduces it. Sections longer than the limit are split
between paragraphs, lists or code blocks (never inside one), and every piece repeats its heading.

The sections and blocks come from `bot.ingest.markdown_blocks`; passages are split into quotable
sentences by `bot.ingest.sentences`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from bot.ingest.corpus import Article
from bot.ingest.markdown_blocks import Block, markdown_sections

CHUNKER_VERSION = "42"  # bump when passage or sentence boundaries change, so ingest re-embeds everything
# The last sentence of a paragraph that introduces what comes next: "... as follows:", "You can set these up in
# ~/.devscripts as follows.", "Erase everything by the following.", "This is equivalent to any one of the following
# lines." (manuals end such a sentence with a full stop as often as with a colon).
LEADS_IN = re.compile(r"(?:[:：]|\b(?:follows|(?:following|below)\b[^.!?]*)[.]?)\s*$", re.IGNORECASE)
# "Column: value; Column: value": one table row. A cell may hold "; " itself ("Staff escort: One free guide per 8
# pupils; required"): a part without a column name belongs to the cell before it.
TABLE_ROW = re.compile(r"^[^:;]{1,60}: [^;]*(?:; [^:;]+)*(?:; [^:;]{1,60}: [^;]*(?:; [^:;]+)*)+$")


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


def _units(blocks: list[Block], max_chars: int = 0) -> tuple[list[str], list[str]]:
    """Blocks that must stay together (a list joins the paragraph before it, a code block the paragraph that
    introduces it), and where each starts.

    A table (a list whose every item is a row of "Column: value; Column: value") longer than `max_chars`
    is cut between rows; each part keeps the lead-in, and every row names its columns.
    """
    units: list[str] = []
    locations: list[str] = []
    for i, block in enumerate(blocks):
        # A list joins the paragraph before it; a code block, the paragraph or list that introduces it ("... as
        # follows:"; a procedure's last step "... map it again by running the command below in PowerShell.").
        before = blocks[i - 1].kind if i > 0 and units else ""
        joins = (before == "para" and block.kind == "list") or (
            before in ("para", "list") and block.kind == "code" and leads_in(units[-1])
        )
        lead = units[-1] if joins else None
        parts = [block]
        if max_chars and block.kind == "list" and len(block.lines) > 1 and all(map(TABLE_ROW.match, block.lines)):
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


def leads_in(paragraph: str) -> bool:
    """Whether a paragraph's last sentence introduces what follows it (see `LEADS_IN`: anchored at the end and never
    across a stop, so it only ever matches within the last sentence)."""
    return bool(LEADS_IN.search(paragraph.rstrip().rsplit("\n", 1)[-1]))


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
    for section in markdown_sections(article.body):
        title = section.path[-1] if section.path else ""
        prefix = f"{title}\n\n" if title else ""
        units, locations = _units(section.blocks, max_chars - len(prefix))
        first = 0  # groups are contiguous runs of units: the first unit of each tells its page
        for group in _balanced_groups(units, max_chars, len(prefix)):
            text = prefix + "\n\n".join(group)
            # A passage that is only the document's title (a PDF's cover page) says nothing every passage
            # does not: quoted, it answered "How much does Fjordline contribute to my pension?" with the title.
            if " ".join(text.split()).casefold() != " ".join(article.title.split()).casefold():
                chunks.append(Chunk(text, section.path, len(chunks), locations[first]))
            first += len(group)
    return chunks
