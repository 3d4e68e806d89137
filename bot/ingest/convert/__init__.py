"""Turning a corpus file of any supported type into Markdown with its structure kept.

Each format has its own module (`pdf`, `html`, `office`), imported only when a file of its type is
read, so that a corpus of Markdown never loads a PDF library. The file's content decides which
converter runs; a name that says otherwise is refused with a reason, so a `.pdf` that is really an
HTML error page is reported, not indexed as gibberish.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.ingest.convert.base import LOCATION_MARKER, ConversionError, Converted, location_marker

__all__ = [
    "LOCATION_MARKER",
    "SUFFIXES",
    "ConversionError",
    "Converted",
    "content_mismatch",
    "convert",
    "location_marker",
    "sniff",
]

# Suffix -> the kind of content a file with that name must hold.
SUFFIXES = {
    ".md": "text",
    ".markdown": "text",
    ".txt": "text",
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".html": "html",
    ".htm": "html",
}
_KIND_NAMES = {
    "text": "text",
    "pdf": "a PDF",
    "docx": "a Word document",
    "pptx": "a PowerPoint deck",
    "html": "a web page",
    "zip": "a zip archive",
    "ole": "an old Office file (.doc/.ppt/.xls); save it as .docx or .pptx",
    "binary": "binary data",
}


def sniff(data: bytes) -> str:
    """What a file holds, from its first bytes: pdf, docx, pptx, zip, ole, html, text or binary."""
    head = data[:2048]
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        # Office files are zips whose member names say what they are; the names sit in the central
        # directory at the end and, for the first entries, near the start.
        sample = data[:65536] + data[-65536:]
        if b"word/" in sample:
            return "docx"
        if b"ppt/" in sample:
            return "pptx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (
        text.startswith(b"<") and b"<html" in head.lower()
    ):
        return "html"
    if b"\x00" in head:
        # UTF-16 text has NUL bytes too, but the corpus asks for UTF-8; say it is not text.
        return "binary"
    return "text"


def content_mismatch(suffix: str, data: bytes) -> str | None:
    """A reason to refuse a file whose content is not what its name says, or None when they agree.

    HTML saved as `.txt` or `.md` is still text and is read as written; every other mismatch is refused.
    """
    expected = SUFFIXES[suffix]
    found = sniff(data)
    if found == expected or (expected == "text" and found == "html") or (expected == "html" and found == "text"):
        return None
    fix = next((s for s, k in SUFFIXES.items() if k == found and found != "text"), "")
    hint = f"; rename it to {fix}" if fix else ""
    return f"named {suffix} but holds {_KIND_NAMES.get(found, found)}{hint}"


def convert(
    suffix: str, data: bytes, progress: Callable[[int, int], None] | None = None, max_pages: int | None = None
) -> Converted:
    """Markdown of a PDF, Word, PowerPoint or HTML file (by `suffix`); raises ConversionError.
    `progress(page, pages)` hears each page of a PDF as it is read; a PDF of more than `max_pages` is refused."""
    match SUFFIXES.get(suffix):
        case "pdf":
            # lazy: a format's converter library loads only when a file of that format is read
            from bot.ingest.convert.pdf import pdf_to_markdown

            return pdf_to_markdown(data, progress, max_pages)
        case "docx":
            # lazy: a format's converter library loads only when a file of that format is read
            from bot.ingest.convert.office import docx_to_markdown

            return docx_to_markdown(data)
        case "pptx":
            # lazy: a format's converter library loads only when a file of that format is read
            from bot.ingest.convert.office import pptx_to_markdown

            return pptx_to_markdown(data)
        case "html":
            # lazy: a format's converter library loads only when a file of that format is read
            from bot.ingest.convert.html import html_to_markdown

            return html_to_markdown(data)
        case _:
            raise ConversionError(f"no converter for {suffix} files")
