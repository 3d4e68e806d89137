"""PDF to Markdown for indexing: headings, page markers, code fences and paragraphs from the text layer.

Built on PDFium (pypdfium2; Apache-2.0 or BSD-3, PDFium itself BSD-3): it places the spaces and line
breaks between words from the glyphs' positions. pypdf, used before, joined words whose PDF draws no
space between them, as XeTeX (xdvipdfmx) writes them: 26% of the Debian Reference's "words" were several
run together ("Therearetwomethodsof..."); PDFium keeps them apart and reads its 261 pages in about 3 s.
Headings come from the outline (bookmarks) when it has one, otherwise from font size. Page furniture
(running headers and footers, page numbers, table-of-contents lines) is dropped, since it would
otherwise be quoted as if it were content.

The parts: `pdf_text` reads each page's lines and the outline, `pdf_structure` finds the headings,
the page furniture and the title, and `pdf_layout` writes a page's paragraphs, lists, code and tables.
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Callable

import pypdfium2 as pdfium

from bot.ingest.convert.base import ConversionError, Converted, tags_as_text
from bot.ingest.convert.pdf_layout import line_pitch, render_page
from bot.ingest.convert.pdf_structure import body_size, drop_furniture, mark_by_size, mark_outline, pdf_title
from bot.ingest.convert.pdf_text import page_lines, page_rules, pdf_outline

_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one document at a time in this process


def pdf_to_markdown(
    data: bytes, progress: Callable[[int, int], None] | None = None, max_pages: int | None = None
) -> Converted:
    """Convert a PDF's text layer to Markdown with headings, `<!-- page n -->` markers and code fences.
    `progress(page, pages)` hears each page as it is read; a PDF of more than `max_pages` is refused unread.

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
            total = len(document)
            if max_pages is not None and total > max_pages:
                raise ConversionError(
                    f"{total:,} pages, more than the {max_pages:,} a PDF may have (BOT_CONVERT_MAX_PAGES); not indexed"
                )
            pages, rules = [], []
            for n in range(total):
                page = document[n]
                pages.append(page_lines(page))
                rules.append(page_rules(page))
                if progress is not None:
                    progress(n + 1, total)
            outline = pdf_outline(document)
            meta_title = str(document.get_metadata_dict().get("Title") or "").strip()
        except ConversionError:
            raise
        except Exception as e:  # a damaged page: the user needs only the gist
            raise ConversionError(f"not a readable PDF: {str(e)[:120] or type(e).__name__}") from None
        finally:
            document.close()
    if not pages:
        raise ConversionError("the PDF has no pages")
    if not any(line.text.strip() for lines in pages for line in lines):
        raise ConversionError("no text layer (a scanned PDF?); OCR is not supported")

    body = body_size(pages)
    pages = drop_furniture(pages, body)
    if not (outline and mark_outline(pages, outline) >= len(outline) / 2):
        mark_by_size(pages, body)
    pitch = line_pitch(pages, body)
    markdown = "\n".join(
        render_page(n, lines, body, pitch, drawn) for n, (lines, drawn) in enumerate(zip(pages, rules), 1)
    )
    markdown = _ACROSS_PAGES.sub(_sentence_joined, markdown.strip())
    return Converted(markdown=tags_as_text(markdown) + "\n", title=pdf_title(meta_title, pages, body))


# A paragraph or list item that runs on over a page break: its last line on one page ends without a stop, and the
# next page opens in lower case ("Information found in a" | "directory is added to ...", "- 4. ... before the day
# of" | "the party. Children ..."). Not a heading, table, code or marker.
_ACROSS_PAGES = re.compile(
    r"^(?P<before>(?![#|>`~\s]|<!--|-{3})[^\n]*[\w,])\n\n+(?P<marker><!-- page \d+ -->)\n\n(?P<after>[a-z][^\n]*)$",
    re.M,
)


def _sentence_joined(match: re.Match) -> str:
    """The paragraph whole on the page it starts on, the next page's marker after it: a passage that began
    "directory is added to ..." or "is:" quoted half a sentence."""
    return f"{match['before']} {match['after']}\n\n{match['marker']}"


def _refusal(data: bytes) -> ConversionError:
    """Why PDFium could not open a file, as pypdf tells it (PDFium's own error code is global state,
    left over from the last failure, so it cannot be trusted to name this one)."""
    # lazy: pypdf loads only to explain a refusal
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
