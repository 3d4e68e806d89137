"""What PDFium reads from a PDF: each page's text lines (position, size, font, words) and the outline."""

from __future__ import annotations

import ctypes
import dataclasses
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2.raw as pdfium_c

_MONO = re.compile(r"courier|mono|cm[a-z]*tt|sftt|lmtt|typewriter|consola|menlo|inconsolata", re.I)
_ORNAMENTS = set("✡✠❧☙❦✢✣✤✥")  # dingbats TeX draws as the corners and flourishes of a box


@dataclass
class PdfLine:
    text: str
    x: float
    y: float
    size: float  # font size in points, as drawn
    starts_mono: bool  # its first word is in a monospace font
    mono_share: float  # of its characters in a monospace font
    margin: bool = False  # in the top or bottom eighth of the page, where headers and footers live
    heading: int = 0  # 1..6 once recognised as a heading
    words: list[tuple[float, float, str]] = field(default_factory=list)  # (left, right, text) of each word
    heights: list[float] = field(default_factory=list)  # each word's baseline (one line may mix baselines)

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


def page_lines(page) -> list[PdfLine]:
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
        lines: list[PdfLine] = []
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
            words, heights = [], []
            for word in re.finditer(r"\S+", line):
                i = match.start() + word.start()
                words.append(
                    (textpage.get_charbox(i)[0], textpage.get_charbox(i + len(word.group()) - 1)[2], word.group())
                )
                pdfium_c.FPDFText_GetCharOrigin(textpage, i, x, y)
                heights.append(y.value)
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
                PdfLine(
                    line.rstrip(),
                    x.value,
                    y.value,
                    sizes.most_common(1)[0][0],
                    first_mono,
                    mono_chars / total,
                    words=words,
                    heights=heights,
                )
            )
    finally:
        textpage.close()
    lines = _with_bullets_joined(lines)
    left, bottom, right, top = page.get_mediabox()
    height = top - bottom
    for line in lines:
        line.margin = not bottom + height / 8 < line.y < top - height / 8
    return lines


def _with_bullets_joined(lines: list[PdfLine]) -> list[PdfLine]:
    """Each bullet drawn apart from its item's text (a larger glyph on a baseline of its own, as ReportLab sets
    them) joined to that text, which follows it on the right on nearly the same baseline: "• you can still
    create ...", not a line "•" (read as a heading for its size) and a paragraph."""
    out: list[PdfLine] = []
    for line in lines:
        last = out[-1] if out else None
        if (
            last is not None
            and len(last.text) == 1
            and last.text in BULLET_GLYPHS
            and line.x > last.x
            and abs(line.y - last.y) < max(line.size, last.size)
        ):
            out[-1] = dataclasses.replace(
                line,
                text=f"{last.text} {line.text}",
                x=last.x,
                words=[*last.words, *line.words],
                heights=[*last.heights, *line.heights],
            )
            continue
        out.append(line)
    return out


BULLET_GLYPHS = "•◦▪▫‣●○■□∙"  # drawn bullets (not a dash or a point, which may stand alone in a table cell)

Rule = tuple[float, float, float, float]  # (left, bottom, right, top) of a drawn line


def page_rules(page) -> list[Rule]:
    """The thin lines drawn on the page (a table's cell borders): paths at most 2 points across, 4 or more long."""
    rules: list[Rule] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for k in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, k)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        if pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            box = (left.value, bottom.value, right.value, top.value)
            width, height = box[2] - box[0], box[3] - box[1]
            if min(width, height) <= 2 and max(width, height) >= 4:
                rules.append(box)
    return rules


def _is_mono(textpage, index: int, name, flags) -> bool:
    """Whether character `index` is set in a monospace font (by name, or the font's FixedPitch flag)."""
    pdfium_c.FPDFText_GetFontInfo(textpage, index, name, len(name), flags)
    return bool(flags.value & 1) or bool(_MONO.search(name.value.decode("latin-1")))


def pdf_outline(document) -> list[tuple[str, int, int]]:
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
