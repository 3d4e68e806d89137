"""A PDF page as Markdown: paragraphs, list items, code fences and tables from the positions of its lines."""

from __future__ import annotations

import re
from collections import Counter

from bot.ingest.convert.base import location_marker
from bot.ingest.convert.pdf_text import BULLET_GLYPHS, PdfLine, Rule

_BULLET = re.compile(rf"^(?:[{BULLET_GLYPHS}·*–-]\s+|(?P<num>(?:\d{{1,3}}|[a-z])[.)]\s+))")
_LABEL = re.compile(r"^(?:Chapter|Appendix|Part)\s+(?:\d{1,3}|[IVXLC]{1,6}|[A-Z])$", re.I)


def line_pitch(pages: list[list[PdfLine]], body: float) -> float:
    """The usual distance between consecutive lines of body text; more than that separates paragraphs."""
    gaps = Counter()
    for lines in pages:
        for a, b in zip(lines, lines[1:]):
            if a.size == b.size == body and 0 < a.y - b.y < 3 * body:
                gaps[round(a.y - b.y, 1)] += 1
    return gaps.most_common(1)[0][0] if gaps else body * 1.2


def render_page(number: int, lines: list[PdfLine], body: float, pitch: float, rules: list[Rule] | None = None) -> str:
    """One page as Markdown, starting with its page marker; `rules` are the thin lines drawn on it."""
    out = ["", location_marker("page", number), ""]
    para: list[str] = []
    code: list[PdfLine] = []
    item_x: float | None = None  # x of the list item being continued, if any
    prev: PdfLine | None = None
    prev_prose = False

    def flush() -> None:
        nonlocal item_x
        if para:
            text = " ".join(para)
            out.extend([("\\" + text) if text.startswith("#") else text, ""])  # not a heading by accident
            para.clear()
        if code:
            left = min(line.x for line in code)
            # Indentation from position: a monospace character is about 0.55 of the font size wide.
            rows = [" " * max(0, round((line.x - left) / (0.55 * line.size))) + line.text.rstrip() for line in code]
            fence = "````" if any("```" in row for row in rows) else "```"
            out.extend([fence, *rows, fence, ""])
            code.clear()
        item_x = None

    grids = _ruled_tables(lines, rules or [])
    consumed = {n for first, (_end, _rows, members) in grids.items() for n in members}
    tables = {first: (end, rows) for first, (end, rows, _members) in grids.items()}
    for first, (end, rows) in _tables(lines, pitch).items():  # tables drawn without borders
        if not consumed & set(range(first, end)):
            tables[first] = (end, rows)
    edge = _right_edge(lines, body)
    unmarked = _unmarked_items(lines, body, pitch, edge)
    skip_to = 0
    for i, line in enumerate(lines):
        if i < skip_to or i in consumed and i not in tables:
            continue
        if i in tables:  # a table: a list item per row, each cell under its column's header
            flush()
            skip_to, rows = tables[i]
            out.extend([*rows, ""])
            prev, prev_prose = None, False
            continue
        text = line.text.strip()
        if _LABEL.match(text) and i + 1 < len(lines) and lines[i + 1].heading:
            continue  # "Chapter 1" above the chapter's heading: a label, not text of the section before
        gap = prev.y - line.y if prev else 0
        after = lines[i + 1] if i + 1 < len(lines) else None
        bullet = _BULLET.match(text)
        flows = (  # the line goes on with the paragraph above: same column, ordinary line spacing
            para
            and prev is not None
            and prev_prose
            # Lines of a paragraph are set a fixed pitch apart (within 5% in every PDF measured): after a line
            # ending early, a wider gap starts a new paragraph ("1.1 ...", "1.2 ..." at 1.2 pitches), though not
            # inside a list item. A line filled to the edge goes on (an accent had set one lower).
            and 0 < gap <= pitch * (1.1 if item_x is None and _ends_early(prev, line, edge) else 1.25)
            and not bullet
            and not unmarked.get(i)
            and (
                i in unmarked
                or (_continues_item(line.x, item_x, para[-1]) if item_x is not None else line.x <= prev.x + body * 0.8)
            )
        )
        if line.heading:
            flush()
            out.extend(["#" * line.heading + " " + " ".join(text.split()), ""])
        elif (line.mono and not (flows and line.mono_share < 1)) or (
            # Code with a comment in roman type, next to other code.
            line.starts_mono
            and not flows
            and ((code and 0 < gap <= pitch * 1.25) or (after and after.mono and 0 < line.y - after.y <= pitch * 1.25))
        ):
            if para:
                flush()
            code.append(line)
        elif not flows:
            flush()
            if bullet or unmarked.get(i):
                item_x = line.x
                text = "- " + (text if not bullet or bullet.group("num") else text[bullet.end() :])
            para.append(text)
        elif re.search(r"(?:[a-z]{2}|\b[A-Z][a-z])-$", para[-1]) and text[:1].islower():
            para[-1] = para[-1][:-1] + text  # "exam-" + "ple," was one word broken over the line
        elif (
            re.search(r"https?:/\S*[/\-_?=&#]$", para[-1])
            or re.search(r"https?:/\S*\.$", para[-1])
            and text[:1].islower()
        ):
            para[-1] += text  # a web address broken over the line has no space in it
        else:
            para.append(text)
        prev, prev_prose = line, bool(para)
    flush()
    return "\n".join(out)


def _unmarked_items(lines: list[PdfLine], body: float, pitch: float, right: float) -> dict[int, bool]:
    """The lines of lists whose markers are drawn, not written (a browser's "Save as PDF" draws a list's discs):
    line index -> whether it starts an item. `right` is where the page's full lines end (`_right_edge`).

    Such a list is a block of lines indented past the page's text, of two items or more, right after a line of the
    page's text ending in ":" or after a heading (then each item a sentence). A line starts an item when the line
    before it ended early: this line's first word would have fit there, so the break was not a wrap. (A first line
    indented by a paragraph, or the lines of an item written with its bullet, have no such introduction.)"""
    prose = _prose(lines, body)
    if not prose:
        return {}
    # The text's left edge: the leftmost of two lines or more (a page of list items has most lines indented).
    starts_at = Counter(round(line.x) for line in prose)
    left = min((x for x, n in starts_at.items() if n >= 2), default=starts_at.most_common(1)[0][0])
    found: dict[int, bool] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not (line.x > left + body * 0.8 and line.size == body and line.words) or not _plain(line):
            i += 1
            continue
        block = [i]
        while (
            block[-1] + 1 < len(lines)
            and abs(lines[block[-1] + 1].x - line.x) <= 1
            and 0 < lines[block[-1]].y - lines[block[-1] + 1].y <= pitch * 1.25
            and _plain(lines[block[-1] + 1])
        ):
            block.append(block[-1] + 1)
        # Its own right edge when two of its lines end flush there (a quotation set narrower than the page).
        ends = sorted((lines[n].words[-1][1] for n in block), reverse=True)
        edge = ends[0] if len(ends) > 1 and ends[0] - ends[1] <= 1 else right
        starts = {block[0]} | {b for a, b in zip(block, block[1:]) if _ends_early(lines[a], lines[b], edge)}
        intro = lines[i - 1] if i > 0 else None
        after_colon = bool(intro) and intro.text.rstrip().endswith(":") and abs(intro.x - left) <= 1 and _plain(intro)
        # Under a heading, each item ends a sentence: a boxed "Note" indented below a heading is a label, no item.
        last_lines = [lines[b - 1] for b in sorted(starts)[1:]] + [lines[block[-1]]]
        after_heading = bool(intro and intro.heading) and all(_FINISHED.search(x.text.rstrip()) for x in last_lines)
        if (after_colon or after_heading) and len(starts) >= 2:  # one "item" is a quotation ("... Definition:")
            found.update({n: n in starts for n in block})
        i = block[-1] + 1
    return found


def _prose(lines: list[PdfLine], body: float) -> list[PdfLine]:
    return [line for line in lines if line.size == body and line.words and not line.mono and not line.margin]


def _right_edge(lines: list[PdfLine], body: float) -> float:
    """Where the page's lines of text end when they are full."""
    return max((line.words[-1][1] for line in _prose(lines, body)), default=0.0)


def _ends_early(line: PdfLine, after: PdfLine, edge: float) -> bool:
    """Whether `line` ends short of `edge` by more than `after`'s first word needs: a break there was no wrap."""
    if not (line.words and after.words):
        return False
    (left, end, _), *rest = after.words
    space = rest[0][0] - end if rest else after.size / 4
    return line.words[-1][1] + space + end - left < edge


def _plain(line: PdfLine) -> bool:
    """A line of prose with no marker of its own: not a heading, code or an item written with its bullet."""
    return not (line.heading or line.mono or _BULLET.match(line.text.strip()))


def _continues_item(x: float, item_x: float, last: str) -> bool:
    """Whether a line at `x` goes on with the list item at `item_x` whose text so far ends with `last`: indented past
    its marker, or (a list without a hanging indent) level with it while the item's sentence is unfinished
    ("... registered (see the" then "Rules).")."""
    return x > item_x + 1 or abs(x - item_x) <= 1 and not _FINISHED.search(last)


_FINISHED = re.compile(r"[.!?:;]['\"’”)]*$")


def _ruled_tables(lines: list[PdfLine], rules: list[Rule]) -> dict[int, tuple[int, list[str], set[int]]]:
    """The tables drawn with cell borders: first line index -> (index after it, rows as list items, its lines).

    The borders give the grid: each word goes to the cell it lies in, however its cell wraps or is centred (a
    browser prints a row's cells one after another, each line of a wrapped cell on its own baseline). The first
    row names the columns. Without borders, `_tables` reads columns from the lines' spacing."""
    across = _clusters([((y0 + y1) / 2, (x0, x1)) for x0, y0, x1, y1 in rules if x1 - x0 > y1 - y0])
    down = _clusters([((x0 + x1) / 2, (y0, y1)) for x0, y0, x1, y1 in rules if y1 - y0 >= x1 - x0])
    found: dict[int, tuple[int, list[str], set[int]]] = {}
    for ys, xs in _grids(across, down):
        top, bottom, left, right = ys[0], ys[-1], xs[0], xs[-1]
        cells: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
        members: set[int] = set()
        beside = False  # a word level with the grid but outside it: rules around some columns only
        for n, line in enumerate(lines):
            for (w_left, w_right, word), height in zip(line.words, line.heights):
                middle = (w_left + w_right) / 2
                if not bottom < height < top:
                    continue
                if not left < middle < right:
                    beside = True
                    continue
                members.add(n)
                row = next(k for k in range(len(ys) - 1) if ys[k + 1] < height)
                column = next(k for k in range(len(xs) - 1) if middle < xs[k + 1])
                cells.setdefault((row, column), []).append((-round(height), w_left, word))
        text = {key: _cell_text([word for *_, word in sorted(words)]) for key, words in cells.items()}
        names = [text.get((0, c), "").rstrip(":") for c in range(len(xs) - 1)]
        rows = [[text.get((r, c), "") for c in range(len(xs) - 1)] for r in range(1, len(ys) - 1)]
        rows = [row for row in rows if any(row)]
        if beside or not members or not rows or sum(bool(name) for name in names) < 2:
            continue  # part of a table, a box around a note, or a grid without a row of column names
        items = ["- " + "; ".join(f"{h}: {c}" if h else c for h, c in zip(names, row) if c) for row in rows]
        found[min(members)] = (min(members) + 1, items, members)
    return found


def _cell_text(words: list[str]) -> str:
    """A cell's words in reading order as one line; a word wrapped at its hyphen ("Multi-" | "Arch") kept whole."""
    out: list[str] = []
    for word in words:
        if out and len(out[-1]) > 1 and out[-1].endswith("-"):
            out[-1] += word
        else:
            out.append(word)
    return " ".join(out)


def _clusters(segments: list[tuple[float, tuple[float, float]]]) -> list[tuple[float, float, float]]:
    """Segments at (about) one position merged: (position, start, end) of each, a gap of 2 points bridged."""
    merged: list[tuple[float, float, float]] = []
    for at, (start, end) in sorted(segments):
        for k, (m_at, m_start, m_end) in enumerate(merged):
            if abs(m_at - at) <= 1.5 and start <= m_end + 2 and end >= m_start - 2:
                merged[k] = (m_at, min(m_start, start), max(m_end, end))
                break
        else:
            merged.append((at, start, end))
    return merged


def _grids(
    across: list[tuple[float, float, float]], down: list[tuple[float, float, float]]
) -> list[tuple[list[float], list[float]]]:
    """(row boundaries top down, column boundaries left to right) of each grid of rules: three rules or more
    down, of one height (two columns), and three or more across, each spanning them (a header and a row)."""
    grids: list[tuple[list[float], list[float]]] = []
    for _x, bottom, top in down:
        xs = sorted({round(x, 1) for x, b, t in down if abs(b - bottom) <= 2 and abs(t - top) <= 2})
        if len(xs) < 3:
            continue
        ys = sorted(
            {
                round(y, 1)
                for y, start, end in across
                if bottom - 2 <= y <= top + 2 and start <= xs[0] + 2 and end >= xs[-1] - 2
            },
            reverse=True,
        )
        if len(ys) >= 3 and (ys, xs) not in grids:
            grids.append((ys, xs))
    return grids


def _tables(lines: list[PdfLine], pitch: float) -> dict[int, tuple[int, list[str]]]:
    """The tables of a page: first line index -> (index after its last line, its rows as list items).

    A table starts with a header line of short cells set more than an em apart, followed closely by a
    line of as many cells or fewer. Each later line's words go to the column they start under; a line
    starting under a later column (a wrapped cell) continues the row above. Rows read like the tables
    of Word and HTML files: "- Years of service: 3 to 5 years; Annual leave days: 27 days".
    """
    found: dict[int, tuple[int, list[str]]] = {}
    i = 0
    while i < len(lines) - 1:
        head, second = lines[i], lines[i + 1]
        header = head.cells()
        if not (
            len(header) >= 2
            and not head.mono
            and not head.heading
            # Column names: a few words each, no sentence (a glossary's "term  Its meaning." is no table).
            and all(len(text.split()) <= 5 and not text.endswith((".", ",", ":", ";")) for _, text in header)
            and 2 <= len(second.cells()) <= len(header)
            and 0 < head.y - second.y <= pitch * 2.5
            # A row under a header it does not fit (more cells) is no header either.
            and not (i > 0 and len(lines[i - 1].cells()) >= 2 and 0 < lines[i - 1].y - head.y <= pitch * 2.5)
        ):
            i += 1
            continue
        starts = [left for left, _ in header]
        rows: list[list[str]] = []
        end, prev = i + 1, head
        while end < len(lines):
            line = lines[end]
            if line.heading or line.mono or not 0 < prev.y - line.y <= pitch * 2.5 or not line.words:
                break
            cells = [""] * len(starts)
            for left, _right, word in line.words:
                column = max([k for k, x in enumerate(starts) if left >= x - line.size] or [0])
                cells[column] = f"{cells[column]} {word}".strip()
            first = next(k for k, cell in enumerate(cells) if cell)
            if first > 0 and rows and prev.y - line.y <= pitch * 1.3:
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells)]  # a wrapped cell
            elif 2 <= len(line.cells()) <= len(starts):
                rows.append(cells)
            else:
                break  # a line of prose (or a caption) ends the table
            end, prev = end + 1, line
        if len(rows) >= 1:
            names = [text for _, text in header]
            items = ["- " + "; ".join(f"{h}: {c}" for h, c in zip(names, row) if c) for row in rows]
            found[i] = (end, items)
            i = end
        else:
            i += 1
    return found
