"""A PDF's structure from its lines: headings (from the outline, else by font size), page furniture, the title."""

from __future__ import annotations

import re
from collections import Counter

from bot.ingest.convert.pdf_text import PdfLine

_LEADER = re.compile(r"(?:\.\s?){4,}\s*\S{1,8}$|…{2,}\s*\S{1,8}$")  # "2.1 What is R? . . . . 3"
_PAGE_NUMBER = re.compile(r"(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?", re.I)
_HEADING_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.(?:\d+\.?)*)\s+")  # "7.2 ", "A.1 "
_BAD_TITLE = re.compile(r"^(untitled|microsoft \w+ - .*)$|\.(pdf|docx?|tex|dvi|indd|qxd)$", re.I)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def mark_outline(pages: list[list[PdfLine]], outline: list[tuple[str, int, int]]) -> int:
    """Mark the lines each bookmark names (on its page or the next) as headings; returns how many matched."""
    matched = 0
    for title, page, depth in outline:
        want = {_key(title), _key(_HEADING_NUMBER.sub("", title))}
        for lines in pages[page : page + 2]:
            hit = _find_title(lines, want)
            if hit is not None:
                first, count = hit
                # A heading wrapped over two or three lines becomes one heading line.
                lines[first].text = " ".join(line.text.strip() for line in lines[first : first + count])
                lines[first].heading = min(depth + 1, 6)
                del lines[first + 1 : first + count]
                matched += 1
                break
    return matched


def _find_title(lines: list[PdfLine], want: set[str]) -> tuple[int, int] | None:
    """(index, line count) of the largest-type run of up to three lines reading as a wanted title."""
    best = None
    for i, line in enumerate(lines):
        if line.heading or line.mono:
            continue
        for count in (1, 2, 3):
            text = " ".join(x.text for x in lines[i : i + count])
            if _key(text) in want or _key(_HEADING_NUMBER.sub("", text.strip())) in want:
                if best is None or line.size > lines[best[0]].size:
                    best = (i, count)
                break
    return best


def body_size(pages: list[list[PdfLine]]) -> float:
    """The size most of the text is set in."""
    sizes = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0]


def mark_by_size(pages: list[list[PdfLine]], body: float) -> None:
    """Without an outline: short lines larger than body text, not ending a sentence, are headings, in a size at
    least half of whose lines are like that (a size set only a little larger, "1. Definitions" at 16 points over
    14, is a heading's too; one that prose is mostly set in is not)."""
    lines_of: dict[float, list[PdfLine]] = {}
    for lines in pages:
        for line in lines:
            # A heading says something: a glyph alone ("•", "—") is a bullet or a rule, however large.
            if line.size > body and not line.mono and any(ch.isalnum() for ch in line.text):
                lines_of.setdefault(line.size, []).append(line)
    candidates = []
    for size_lines in lines_of.values():
        short = [
            line for line in size_lines if len(line.text) <= 150 and not line.text.rstrip().endswith((".", ",", ";"))
        ]
        if 2 * len(short) >= len(size_lines):
            candidates += short
    levels = {size: min(n + 1, 6) for n, size in enumerate(sorted({c.size for c in candidates}, reverse=True))}
    for line in candidates:
        line.heading = levels[line.size]


def drop_furniture(pages: list[list[PdfLine]], body: float) -> list[list[PdfLine]]:
    """Without running headers/footers, page numbers and table-of-contents lines."""
    shapes, offsets, starts = Counter(), Counter(), Counter()
    for n, lines in enumerate(pages):
        edges = _edges(lines)
        shapes.update({_shape(line) for line in edges})
        offsets.update({k - n for line in edges for k in _end_numbers(line)})
        starts.update({_start(line) for line in edges})
    repeated = {shape for shape, count in shapes.items() if count >= 3 or count == len(pages) > 1}
    # A header naming the chapter and the section ("CHAPTER 5. BASICS 5.2. HISTORICAL ...") changes with
    # each section, but starts alike at the same height on many pages.
    alike = {start for start, count in starts.items() if count >= max(3, len(pages) / 20)}
    # Printed page number = physical page + a fixed offset; a header/footer line carrying it is furniture
    # even when its chapter runs for only a page or two (so its text repeats too few times).
    offset = {k for k, count in offsets.most_common(1) if count >= 3}
    kept = []
    for n, lines in enumerate(pages):
        furniture = set()
        heads = {
            id(a)
            for a, b in zip(lines, lines[1:])
            if len(a.cells()) >= 2 and len(b.cells()) >= 2 and 0 < a.y - b.y <= 2.5 * body
        }
        for line in _edges(lines):
            # Large type is the title or a heading, even when a running header repeats its words.
            ordinary = line.size < body * 1.15
            # A table's header repeats at the top of each page the table runs over; it is no furniture.
            alike_text = id(line) not in heads and (_shape(line) in repeated or _start(line) in alike)
            if _PAGE_NUMBER.fullmatch(line.text.strip()) or (
                ordinary and (alike_text or any(k - n in offset for k in _end_numbers(line)))
            ):
                furniture.add(id(line))
        leaders = sum(bool(_LEADER.search(line.text)) for line in lines)
        if leaders >= max(3, len(lines) / 2):  # a contents page: its other lines are its entries too
            lines = []
        kept.append([x for x in lines if id(x) not in furniture and (x.mono or not _LEADER.search(x.text))])
    return kept


def _start(line: PdfLine) -> tuple[int, str]:
    """A line's height on the page and its first two words, numbers blanked."""
    return round(line.y), re.sub(r"\d+", "#", " ".join(line.text.split()[:2]))


def _end_numbers(line: PdfLine) -> set[int]:
    """The numbers a line starts or ends with: where a header or footer puts the page number."""
    found = re.match(r"(\d{1,4})\b", line.text.strip()), re.search(r"\b(\d{1,4})$", line.text.strip())
    return {int(m.group(1)) for m in found if m}


def _edges(lines: list[PdfLine]) -> list[PdfLine]:
    """The two top-most and two bottom-most lines of a page, if in its margins: where furniture lives."""
    order = sorted((line for line in lines if not line.mono), key=lambda line: -line.y)
    return [line for line in order[:2] + order[-2:] if line.margin]


def _shape(line: PdfLine) -> str:
    """A line's text with numbers blanked, so "Chapter 7: Misc 29" and "Chapter 7: Misc 30" are alike."""
    # A roman page number at either end too: "Debian Reference xxiii" in the front matter.
    text = re.sub(r"^[ivxlc]{1,7}\b|\b[ivxlc]{1,7}$", "#", line.text.strip())
    return re.sub(r"\d+", "#", _key(text))


def pdf_title(meta: str, pages: list[list[PdfLine]], body: float) -> str:
    """The metadata title if it is a real one, else the title page's large type, else the first top heading."""
    if re.search(r"[A-Za-z]{2}", meta) and not _BAD_TITLE.search(meta):
        return " ".join(meta.split())
    first = [line for line in pages[0] if not line.mono and len(line.text) <= 120] if pages else []
    if first:
        big = max(first, key=lambda line: line.size)
        if big.size >= body * 1.3:
            return " ".join(big.text.split())
    top = [line for lines in pages for line in lines if line.heading == 1]
    return " ".join(top[0].text.split()) if top else ""
