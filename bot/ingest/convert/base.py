"""What every document converter returns, and the one error it raises for a file it cannot read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.safe_markdown import HTML_ELEMENTS

# A converter marks where each page (PDF) or slide (PowerPoint) starts with a line of its own, so that
# chunking can tell each passage its page. An HTML comment: invisible if the Markdown is ever rendered.
LOCATION_MARKER = re.compile(r"^<!-- (?P<kind>page|slide) (?P<number>\d+) -->$")


def location_marker(kind: str, number: int) -> str:
    """The marker line for the start of page or slide `number` (1-based)."""
    return f"<!-- {kind} {number} -->"


_FENCE = re.compile(r"^\s*(```|~~~)")
_TAG_START = re.compile(r"(?<!\\)<(?=/?([A-Za-z][A-Za-z0-9-]*))")


def _escaped_if_html(match: re.Match) -> str:
    return "\\<" if match.group(1).lower() in HTML_ELEMENTS else "<"


def tags_as_text(markdown: str) -> str:
    """Markdown whose text (not markup) holds "<a>", "<div>" and the like, with the "<" of each such HTML tag
    escaped: a specification's "<a><b/><c/></a>" is its text, and the answers' inert Markdown drops HTML tags
    ("<MIME>", no HTML, stays as written: it is shown as it is). Code blocks and page markers stay as they are."""
    out: list[str] = []
    fence = ""
    for line in markdown.split("\n"):
        opened = _FENCE.match(line)
        if fence:
            fence = "" if opened and opened.group(1) == fence else fence
        elif opened:
            fence = opened.group(1)
        elif not LOCATION_MARKER.match(line):
            line = _TAG_START.sub(_escaped_if_html, line)
        out.append(line)
    return "\n".join(out)


@dataclass(frozen=True)
class Converted:
    """A document as Markdown with its structure kept.

    `markdown` uses ATX headings (`#` .. `######`) for the document's own headings, `- ` list items,
    fenced code blocks for code and commands (verbatim), and table rows as list items; it holds no
    bold or italic markers. Page or slide starts are marked by `location_marker` lines, each with a
    blank line before and after.
    """

    markdown: str
    title: str = ""  # the document's own title, when it names one (PDF metadata, <title>, core properties)


class ConversionError(ValueError):
    """A file that cannot be converted; the message is one short reason without the file name."""


def table_items(rows: list[list[str]]) -> list[str]:
    """Table rows as `- Header: cell; Header: cell` items; the first row names the columns. (Word, PowerPoint and
    Markdown tables alike.)"""
    rows = [[" ".join(cell.split()) for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if len(rows) < 2 or max(len(r) for r in rows) < 2:
        return ["- " + "; ".join(c for c in row if c) for row in rows]
    header, body = rows[0], rows[1:]
    lines = []
    for row in body:
        pairs = [f"{h}: {c}" if h else c for h, c in zip(header + [""] * len(row), row) if c]
        if pairs:
            lines.append("- " + "; ".join(pairs))
    return lines
