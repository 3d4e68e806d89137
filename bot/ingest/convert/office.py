"""Word (.docx) and PowerPoint (.pptx) to Markdown for indexing, with headings, lists, code and tables kept.

Reads with python-docx and python-pptx. Word: body paragraphs and tables in document order; Title is `#`,
Heading n is `#` * (n + 1). PowerPoint: one `<!-- slide n -->` marker per slide, its title as `##`, then
its text, tables and speaker notes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator

import docx
import pptx
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.shapes.group import GroupShape

from bot.ingest.convert.base import ConversionError, Converted, location_marker, table_items, tags_as_text

# A Word or PowerPoint file's members unpacked, at most: a 400 KB file unpacking to 400 MB of XML (a zip bomb) is
# refused from its zip directory, before any of it is inflated. Real ones stay far below (a 500-page Word file's
# XML is about 20 MB; pictures are stored compressed, so they unpack to about their size in the file).
MAX_UNPACKED_MB = 256
_HEADING = re.compile(r"^heading ([1-9])$", re.I)
_LIST_STYLE = re.compile(r"^list(?: (?:bullet|number|continue))?(?: ([2-9]))?$|^list paragraph$", re.I)
_CODE_STYLES = {"code", "html preformatted", "plain text", "macro text", "source code", "html code"}
_FURNITURE = (PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER)
_MONO_NAMES = ("mono", "courier", "consolas", "menlo", "monaco", "lucida console", "code", "fixedsys")


def docx_to_markdown(data: bytes) -> Converted:
    """Convert a Word .docx file to Markdown and its title; raise ConversionError for an unreadable file."""
    _check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx says "not a Word file" with KeyError, ValueError...
        raise ConversionError("not a Word document") from exc
    try:
        blocks, first_heading = _word_blocks(document)
        title = (document.core_properties.title or "").strip() or first_heading
    except Exception as exc:  # broken XML inside an otherwise valid package
        raise ConversionError("unreadable Word document") from exc
    return Converted(markdown=tags_as_text(_join(blocks)), title=title)


def pptx_to_markdown(data: bytes) -> Converted:
    """Convert a PowerPoint .pptx file to Markdown, one marker per slide, and its title."""
    _check_zip(data)
    try:
        presentation = pptx.Presentation(io.BytesIO(data))
    except Exception as exc:
        raise ConversionError("not a PowerPoint presentation") from exc
    try:
        blocks: list[str] = []
        first_title = ""
        for number, slide in enumerate(presentation.slides, start=1):
            blocks.append(location_marker("slide", number))
            title_shape = slide.shapes.title
            title = _one_line(title_shape.text_frame.text) if title_shape is not None else ""
            if title:
                blocks.append(f"## {title}")
                first_title = first_title or title
            blocks.extend(_slide_blocks(slide.shapes, skip=title_shape))
            if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
                notes = _one_line(slide.notes_slide.notes_text_frame.text)
                if notes:
                    blocks.append(f"Notes: {notes}")
        title = (presentation.core_properties.title or "").strip() or first_title
    except Exception as exc:
        raise ConversionError("unreadable PowerPoint presentation") from exc
    return Converted(markdown=tags_as_text(_join(blocks)), title=title)


def _check_zip(data: bytes) -> None:
    """Both formats are zip packages: say which way the file is broken before a library does."""
    if not data.startswith(b"PK"):
        raise ConversionError("not a zip file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(item.file_size for item in package.infolist())
            if unpacked > MAX_UNPACKED_MB * 2**20:
                raise ConversionError(
                    f"unpacks to {unpacked / 2**20:,.0f} MB, more than the {MAX_UNPACKED_MB} MB a Word or PowerPoint "
                    "file may hold (a zip bomb?); not indexed"
                )
            broken = package.testzip()  # reads every member: a truncated or damaged file fails here
    except ConversionError:
        raise
    except Exception as exc:  # BadZipFile, EOFError, zlib.error, NotImplementedError (odd compression)...
        raise ConversionError("corrupt or truncated zip file") from exc
    if broken is not None:
        raise ConversionError("corrupt or truncated zip file")


# --- Word ---------------------------------------------------------------------------------------------


def _word_blocks(document) -> tuple[list[str], str]:
    """Markdown blocks in document order, and the first Title or Heading 1 text."""
    blocks: list[str] = []
    code: list[str] = []  # consecutive code paragraphs become one fence
    first_heading = ""
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph) and _is_code(item):
            code.append(item.text)
            continue
        if code:
            blocks.append(_fence(code))
            code = []
        if isinstance(item, WordTable):
            blocks.append("\n".join(table_items([[c.text for c in _unique_cells(r.cells)] for r in item.rows])))
            continue
        text = item.text.strip()
        if not text:
            continue
        level = _heading_level(item)
        if level:
            text = _one_line(text)
            blocks.append("#" * level + " " + text)
            if not first_heading and level <= 2:
                first_heading = text
        elif (depth := _list_depth(item)) is not None:
            blocks.append(_Item("  " * depth + "- " + _one_line(text)))
        else:
            blocks.append(text)
    if code:
        blocks.append(_fence(code))
    return blocks, first_heading


def _style_names(paragraph: Paragraph) -> Iterator[str]:
    """The paragraph's style and the styles it is based on: "My Heading" may be based on Heading 2."""
    style = paragraph.style
    for _ in range(4):  # chains are short; a loop in a broken file must not hang
        if style is None:
            return
        yield (style.name or "").strip()
        style = style.base_style


def _heading_level(paragraph: Paragraph) -> int:
    for name in _style_names(paragraph):
        if name.lower() == "title":
            return 1
        if match := _HEADING.match(name):
            return min(int(match.group(1)) + 1, 6)
    return 0


def _list_depth(paragraph: Paragraph) -> int | None:
    """Nesting depth (0 = top) of a list paragraph, or None for an ordinary one."""
    ppr = paragraph._p.pPr
    numbering = ppr.numPr if ppr is not None else None
    if numbering is not None and numbering.numId is not None and numbering.numId.val != 0:
        return numbering.ilvl.val if numbering.ilvl is not None else 0
    name = (paragraph.style.name or "") if paragraph.style is not None else ""
    match = _LIST_STYLE.match(name.strip())
    if match:
        return int(match.group(1)) - 1 if match.group(1) else 0
    return None


def _is_code(paragraph: Paragraph) -> bool:
    """A code-style paragraph, or one whose every run with text is set in a monospace font."""
    if any(name.lower() in _CODE_STYLES for name in _style_names(paragraph)):
        return True
    if not paragraph.text.strip():
        return False
    style_font = _font_of_style(paragraph)
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and all(_is_mono(r.font.name or style_font) for r in runs)


def _font_of_style(paragraph: Paragraph) -> str:
    style = paragraph.style
    while style is not None:
        if style.font.name:
            return style.font.name
        style = style.base_style
    return ""


def _is_mono(font: str) -> bool:
    return any(part in font.lower() for part in _MONO_NAMES)


def _unique_cells(cells: Iterable) -> list:
    """Row cells without the repeats python-docx returns for a merged cell."""
    out: list = []
    for cell in cells:
        if not out or cell._tc is not out[-1]._tc:
            out.append(cell)
    return out


# --- PowerPoint ---------------------------------------------------------------------------------------


def _slide_blocks(shapes, skip) -> Iterator[str]:
    """Text, tables and grouped shapes of a slide, in the slide's own shape order."""
    for shape in shapes:
        if skip is not None and shape.shape_id == skip.shape_id:
            continue
        if isinstance(shape, GroupShape):
            yield from _slide_blocks(shape.shapes, skip=None)
        elif shape.is_placeholder and shape.placeholder_format.type in _FURNITURE:
            continue  # a date, footer or slide number repeated on slides says nothing of the slide
        elif shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            yield "\n".join(table_items(rows))
        elif shape.has_text_frame:
            yield from _frame_blocks(shape)


def _frame_blocks(shape) -> Iterator[str]:
    """A body placeholder's paragraphs as list items at their levels; a text box's as paragraphs."""
    as_list = shape.is_placeholder and shape.placeholder_format.type not in (
        PP_PLACEHOLDER.SUBTITLE,
        PP_PLACEHOLDER.CENTER_TITLE,
        PP_PLACEHOLDER.TITLE,
    )
    for paragraph in shape.text_frame.paragraphs:
        text = _one_line(paragraph.text)
        if text and (as_list or paragraph.level > 0 or _has_bullet(paragraph)):
            yield _Item("  " * paragraph.level + "- " + text)
        elif text:
            yield text


def _has_bullet(paragraph) -> bool:
    ppr = paragraph._p.pPr
    return ppr is not None and (ppr.find(qn("a:buChar")) is not None or ppr.find(qn("a:buAutoNum")) is not None)


# --- shared -------------------------------------------------------------------------------------------


def _fence(lines: list[str]) -> str:
    code = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    return f"{'`' * (longest + 1)}\n{code}\n{'`' * (longest + 1)}"


def _one_line(text: str) -> str:
    """Text with line breaks (Word's and PowerPoint's vertical tab) and runs of spaces made single spaces."""
    return " ".join(text.split())


class _Item(str):
    """A list item's line: consecutive items form one list, apart from tables' row items around them."""


def _join(blocks: list[str]) -> str:
    """Blocks separated by blank lines, except that consecutive list items stay one list."""
    out: list[str] = []
    for previous, block in zip([None, *blocks], blocks):
        if isinstance(block, _Item) and isinstance(previous, _Item):
            out[-1] += "\n" + block
        elif block:
            out.append(block)
    return "\n\n".join(out) + "\n" if out else ""
