"""PDF to Markdown for indexing: headings, page markers, code fences and paragraphs from the text layer.

Built on PDFium (pypdfium2; Apache-2.0 or BSD-3, PDFium itself BSD-3): it places the spaces and line
breaks between words from the glyphs' positions. pypdf, used before, joined words whose PDF draws no
space between them, as XeTeX (xdvipdfmx) writes them: 26% of the Debian Reference's "words" were several
run together ("Therearetwomethodsof..."); PDFium keeps them apart and reads its 261 pages in about 3 s.
Headings come from the outline (bookmarks) when it has one, otherwise from font size. Page furniture
(running headers and footers, page numbers, table-of-contents lines) is dropped, since it would
otherwise be quoted as if it were content.

Longer than most modules on purpose: furniture detection, outline matching and paragraph/code layout
each need their own heuristics over the same model of a page's lines.
"""

from __future__ import annotations

import ctypes
import io
import logging
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from bot.ingest.convert.base import ConversionError, Converted, location_marker

_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one document at a time in this process

_MONO = re.compile(r"courier|mono|cm[a-z]*tt|sftt|lmtt|typewriter|consola|menlo|inconsolata", re.I)
_LEADER = re.compile(r"(?:\.\s?){4,}\s*\S{1,8}$|…{2,}\s*\S{1,8}$")  # "2.1 What is R? . . . . 3"
_PAGE_NUMBER = re.compile(r"(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-–—]?(?:\s*(?:of|/)\s*\d{1,4})?", re.I)
_BULLET = re.compile(r"^(?:[•◦▪▫‣●○■□∙·*–-]\s+|(?P<num>(?:\d{1,3}|[a-z])[.)]\s+))")
_HEADING_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.(?:\d+\.?)*)\s+")  # "7.2 ", "A.1 "
_ORNAMENTS = set("✡✠❧☙❦✢✣✤✥")  # dingbats TeX draws as the corners and flourishes of a box
_LABEL = re.compile(r"^(?:Chapter|Appendix|Part)\s+(?:\d{1,3}|[IVXLC]{1,6}|[A-Z])$", re.I)
_BAD_TITLE = re.compile(r"^(untitled|microsoft \w+ - .*)$|\.(pdf|docx?|tex|dvi|indd|qxd)$", re.I)


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float  # font size in points, as drawn
    starts_mono: bool  # its first word is in a monospace font
    mono_share: float  # of its characters in a monospace font
    margin: bool = False  # in the top or bottom eighth of the page, where headers and footers live
    heading: int = 0  # 1..6 once recognised as a heading
    words: list[tuple[float, float, str]] = field(default_factory=list)  # (left, right, text) of each word

    def cells(self) -> list[tuple[float, str]]:
        """(left, text) of the runs of words set more than an em apart: the cells of a table row."""
        found: list[tuple[float, str]] = []
        right = None
        for left, end, word in self.words:
            if right is not None and left - right <= self.size:
                found[-1] = (found[-1][0], f"{found[-1][1]} {word}")
            else:
                found.append((left, word))
            right = end
        return found

    @property
    def mono(self) -> bool:
        """Code or a command: starts in a monospace font and mostly is (inline `words` stay prose)."""
        return self.starts_mono and self.mono_share >= 0.6


def pdf_to_markdown(data: bytes) -> Converted:
    """Convert a PDF's text layer to Markdown with headings, `<!-- page n -->` markers and code fences.

    Raises ConversionError for an encrypted, corrupt, truncated, empty or text-less (scanned) PDF.
    """
    if b"%PDF-" not in data[:1024]:
        raise ConversionError("not a readable PDF: no PDF header")
    if b"%%EOF" not in data[-2048:]:
        # PDFium reads on through a cut-off file; a document missing its end is refused, not half read.
        raise ConversionError("not a readable PDF: truncated (no end-of-file marker)")
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            raise _refusal(data) from None
        try:
            pages = [_page_lines(document[n]) for n in range(len(document))]
            outline = _outline(document)
            meta_title = str(document.get_metadata_dict().get("Title") or "").strip()
        except Exception as e:  # a damaged page: the user needs only the gist
            raise ConversionError(f"not a readable PDF: {str(e)[:120] or type(e).__name__}") from None
        finally:
            document.close()
    if not pages:
        raise ConversionError("the PDF has no pages")
    if not any(line.text.strip() for lines in pages for line in lines):
        raise ConversionError("no text layer (a scanned PDF?); OCR is not supported")

    body = _body_size(pages)
    pages = _drop_furniture(pages, body)
    if not (outline and _mark_outline(pages, outline) >= len(outline) / 2):
        _mark_by_size(pages, body)
    pitch = _line_pitch(pages, body)
    markdown = "\n".join(_render(n, lines, body, pitch) for n, lines in enumerate(pages, 1))
    return Converted(markdown=markdown.strip() + "\n", title=_title(meta_title, pages, body))


def _refusal(data: bytes) -> ConversionError:
    """Why PDFium could not open a file, as pypdf tells it (PDFium's own error code is global state,
    left over from the last failure, so it cannot be trusted to name this one)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "EOF marker not found" and the like: we raise instead
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return ConversionError("encrypted: needs a password; save an unencrypted copy")
        if not reader.pages:
            return ConversionError("the PDF has no pages")
    except DependencyError as e:
        return ConversionError(f"encrypted in a way that cannot be read here ({e})")
    except Exception as e:  # pypdf raises many kinds for broken files; the user needs only the gist
        return ConversionError(f"not a readable PDF: {str(e)[:120] or type(e).__name__}")
    return ConversionError("not a readable PDF: damaged beyond repair")


def _page_lines(page) -> list[_Line]:
    """The page's text lines in reading order, each with position, size and whether monospace.

    PDFium puts the spaces and line breaks between words from the glyphs' positions (the PDF itself
    often has none), so its text is split into lines; each word's first glyph tells its size and font.
    """
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range() if count else ""
        if len(text) != count:  # characters outside the BMP: one glyph, two UTF-16 units; index by glyph
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 32) for i in range(count))
        lines: list[_Line] = []
        x, y = ctypes.c_double(), ctypes.c_double()
        name, flags = ctypes.create_string_buffer(128), ctypes.c_int()
        # PDFium joins a word hyphenated at the line end into one line, marking the break with U+FFFE (or
        # U+0002): it is split there again, ending in "-", so the paragraph layout below sees each line.
        for match in re.finditer(r"[^\r\n\ufffe\x02]+[\ufffe\x02]?", text):
            line = match.group()
            line = line[:-1] + "-" if line[-1] in "\ufffe\x02" else line
            if not any(ch.isalnum() or unicodedata.category(ch)[0] in "PS" and ch not in _ORNAMENTS for ch in line):
                continue  # nothing but the corners of a drawn box ("✡ ✠") or spaces
            sizes: Counter = Counter()
            mono_chars, first_mono, first = 0, None, None
            words = []
            for word in re.finditer(r"\S+", line):
                i = match.start() + word.start()
                words.append(
                    (textpage.get_charbox(i)[0], textpage.get_charbox(i + len(word.group()) - 1)[2], word.group())
                )
                size = round(pdfium_c.FPDFText_GetFontSize(textpage, i) * 2) / 2
                # Its first and last letters' fonts: "source()." is code with a full stop in roman type.
                mono = [_is_mono(textpage, j, name, flags) for j in {i, i + len(word.group()) - 1}]
                sizes[size] += len(word.group())
                mono_chars += len(word.group()) * sum(mono) / len(mono)
                if first is None:
                    first, first_mono = i, mono[0]
            pdfium_c.FPDFText_GetCharOrigin(textpage, first, x, y)
            total = sum(sizes.values())
            lines.append(
                _Line(
                    line.rstrip(),
                    x.value,
                    y.value,
                    sizes.most_common(1)[0][0],
                    first_mono,
                    mono_chars / total,
                    words=words,
                )
            )
    finally:
        textpage.close()
    left, bottom, right, top = page.get_mediabox()
    height = top - bottom
    for line in lines:
        line.margin = not bottom + height / 8 < line.y < top - height / 8
    return lines


def _is_mono(textpage, index: int, name, flags) -> bool:
    """Whether character `index` is set in a monospace font (by name, or the font's FixedPitch flag)."""
    pdfium_c.FPDFText_GetFontInfo(textpage, index, name, len(name), flags)
    return bool(flags.value & 1) or bool(_MONO.search(name.value.decode("latin-1")))


def _outline(document) -> list[tuple[str, int, int]]:
    """(title, page index, depth) for each bookmark; empty when there is none or it is unreadable."""
    found: list[tuple[str, int, int]] = []
    try:
        for item in document.get_toc(max_depth=15):
            dest = item.get_dest()
            page = dest.get_index() if dest is not None else None
            title = " ".join((item.get_title() or "").split())
            if page is not None and page >= 0 and title:
                found.append((title, page, item.level))
            if len(found) >= 5000:
                break
    except Exception:  # a broken outline costs us the headings, not the document
        return []
    return found


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _mark_outline(pages: list[list[_Line]], outline: list[tuple[str, int, int]]) -> int:
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


def _find_title(lines: list[_Line], want: set[str]) -> tuple[int, int] | None:
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


def _body_size(pages: list[list[_Line]]) -> float:
    """The size most of the text is set in."""
    sizes = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0]


def _mark_by_size(pages: list[list[_Line]], body: float) -> None:
    """Without an outline: short lines clearly larger than body text, not ending a sentence, are headings."""
    candidates = [
        line
        for lines in pages
        for line in lines
        if line.size >= body * 1.15
        and not line.mono
        and len(line.text) <= 150
        and not line.text.rstrip().endswith((".", ",", ";"))
    ]
    levels = {size: min(n + 1, 6) for n, size in enumerate(sorted({c.size for c in candidates}, reverse=True))}
    for line in candidates:
        line.heading = levels[line.size]


def _drop_furniture(pages: list[list[_Line]], body: float) -> list[list[_Line]]:
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


def _start(line: _Line) -> tuple[int, str]:
    """A line's height on the page and its first two words, numbers blanked."""
    return round(line.y), re.sub(r"\d+", "#", " ".join(line.text.split()[:2]))


def _end_numbers(line: _Line) -> set[int]:
    """The numbers a line starts or ends with: where a header or footer puts the page number."""
    found = re.match(r"(\d{1,4})\b", line.text.strip()), re.search(r"\b(\d{1,4})$", line.text.strip())
    return {int(m.group(1)) for m in found if m}


def _edges(lines: list[_Line]) -> list[_Line]:
    """The two top-most and two bottom-most lines of a page, if in its margins: where furniture lives."""
    order = sorted((line for line in lines if not line.mono), key=lambda line: -line.y)
    return [line for line in order[:2] + order[-2:] if line.margin]


def _shape(line: _Line) -> str:
    """A line's text with numbers blanked, so "Chapter 7: Misc 29" and "Chapter 7: Misc 30" are alike."""
    # A roman page number at either end too: "Debian Reference xxiii" in the front matter.
    text = re.sub(r"^[ivxlc]{1,7}\b|\b[ivxlc]{1,7}$", "#", line.text.strip())
    return re.sub(r"\d+", "#", _key(text))


def _line_pitch(pages: list[list[_Line]], body: float) -> float:
    """The usual distance between consecutive lines of body text; more than that separates paragraphs."""
    gaps = Counter()
    for lines in pages:
        for a, b in zip(lines, lines[1:]):
            if a.size == b.size == body and 0 < a.y - b.y < 3 * body:
                gaps[round(a.y - b.y, 1)] += 1
    return gaps.most_common(1)[0][0] if gaps else body * 1.2


def _render(number: int, lines: list[_Line], body: float, pitch: float) -> str:
    """One page as Markdown, starting with its page marker."""
    out = ["", location_marker("page", number), ""]
    para: list[str] = []
    code: list[_Line] = []
    item_x: float | None = None  # x of the list item being continued, if any
    prev: _Line | None = None
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

    tables = _tables(lines, pitch)
    skip_to = 0
    for i, line in enumerate(lines):
        if i < skip_to:
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
            and 0 < gap <= pitch * 1.25
            and not bullet
            and (line.x > item_x + 1 if item_x is not None else line.x <= prev.x + body * 0.8)
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
            if bullet:
                item_x = line.x
                text = "- " + (text if bullet.group("num") else text[bullet.end() :])
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


def _tables(lines: list[_Line], pitch: float) -> dict[int, tuple[int, list[str]]]:
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


def _title(meta: str, pages: list[list[_Line]], body: float) -> str:
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
