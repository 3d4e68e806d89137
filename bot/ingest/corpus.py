"""Reading the corpus folder: Markdown with front matter, plain text, PDF, Word, PowerPoint and HTML.

Every file becomes an `Article` whose body is Markdown; a file that cannot be read is skipped with
one line naming it and the reason, and never stops the others. Which files are documents, and the
checks each passes before it is read: `bot.ingest.files`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.ingest.convert import SUFFIXES, ConversionError, Converted, content_mismatch, convert
from bot.ingest.convert.base import table_items
from bot.ingest.files import MAX_FILE_BYTES, CorpusError, check_file, corpus_files, reading_file

log = logging.getLogger(__name__)
# A YAML block between `---` lines at the very top; the closing line may end the file.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_KEYS = ("title", "publisher", "source", "questions")  # the keys an article uses; others are ignored


@dataclass(frozen=True)
class Article:
    """One corpus file: its metadata and Markdown body."""

    source: str  # file name inside the corpus folder
    title: str
    publisher: str
    origin: str  # where the text came from (front matter `source`)
    body: str  # Markdown text without front matter
    sha256: str  # of the file's bytes
    questions: tuple[str, ...] = ()  # questions it answers, suggested to users (front matter `questions`)


def _parse_front_matter(text: str, name: str) -> tuple[dict[str, str | list[str]], str]:
    """(metadata, body) of a text; CorpusError when its front matter is malformed.

    `questions` is a list of texts (one text counts as a list of one); the other keys are texts.

    The front matter is YAML, read safely with PyYAML's BaseLoader: like `yaml.safe_load`, but every
    value stays text as written (safe_load would make `title: No` False and `title: 1.10` 1.1).
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.load(match.group("yaml") or "", Loader=yaml.BaseLoader)  # builds only str, list and dict
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""  # + 2: the opening `---` is line 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = "; quote a value that holds ': '" if "mapping values" in problem else ""
        raise CorpusError(f"{name}: front matter is not valid YAML{where} ({problem}{hint})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CorpusError(f"{name}: front matter must be `key: value` lines, found {type(data).__name__}")
    meta: dict[str, str | list[str]] = {}
    for key, value in data.items():
        key = str(key).strip().lower()
        if key not in _FRONT_MATTER_KEYS:
            continue
        if key == "questions":
            meta[key] = _question_list(value, name)
            continue
        if not isinstance(value, str):
            raise CorpusError(f"{name}: front matter `{key}` must be text, found {type(value).__name__}")
        meta[key] = str(value).strip()
    return meta, re.sub(r"\A\s*\n", "", text[match.end() :])  # the blank lines after it too


def _question_list(value: object, name: str) -> list[str]:
    """The front matter's `questions`: non-empty texts, in order, repeats dropped."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise CorpusError(f"{name}: front matter `questions` must be a list of questions, one `- ` line each")
    return list(dict.fromkeys(" ".join(item.split()) for item in items if item.strip()))


_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "‘": "’", "«": "»", "„": "“", "‚": "‘", "「": "」"}


def _unquoted(title: str) -> str:
    """A title without the quotes around the whole of it: every reply quotes a title itself, and “"Staff Rules"”
    reads doubled. Quotes inside a title stay ("The “Fast” Guide")."""
    title = title.strip()
    close = _QUOTE_PAIRS.get(title[:1])
    if close and len(title) > 2 and title.endswith(close) and close not in title[1:-1]:
        return title[1:-1].strip()
    return title


# Words a title in capitals keeps in lower case when it is said in title case ("Questions and Course Guide").
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"]
)


def _readable(title: str) -> str:
    """A title written in capitals, in title case: every reply and the Readme quote it ("They are about “Ridgeback
    Climbing Centre - Frequently Asked Questions and Course Guide”", not a shout). Short words that are not small
    words stay as written ("RCC", "FAQ", "IT")."""
    words = title.split(" ")
    if not title.isupper() or sum(len(w) >= 4 for w in words) < 2:
        return title
    out = []
    for i, word in enumerate(words):
        bare = word.strip("()[]\"'“”‘’,:;.-–—").lower()
        if bare in _SMALL_WORDS and i:
            out.append(word.lower())
        elif len(bare) <= 3 and bare not in _SMALL_WORDS:
            out.append(word)  # an acronym, as written
        else:
            out.append(word.capitalize() if word[:1].isalpha() else word[:1] + word[1:].capitalize())
    return " ".join(out)


def _title_from_name(path: Path) -> str:
    return re.sub(r"[_-]+", " ", path.stem).strip().title() or path.name


def _first_h1(markdown: str) -> str:
    """The text of the first `# Heading` of a Markdown text (not one inside a code block), or ""."""
    # lazy: start-up time
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and token.level == 0 and i + 1 < len(tokens):
            text = "".join(
                child.content for child in tokens[i + 1].children or [] if child.type in ("text", "code_inline")
            )
            return " ".join(text.split())
    return ""


def _opening_heading(markdown: str) -> str:
    """A plain-text file's title: a heading among its first six lines (a title block has five at most), after
    title lines only, that is not a numbered section ("KESTREL VALLEY WATER" over "Standard Operating Procedure
    (SOP) LR-04: Handling Reported Leaks"), or "". A heading after a sentence heads a section."""
    for line in [ln for ln in markdown.splitlines() if ln.strip()][:6]:
        if not line.startswith("#"):
            if line.rstrip().endswith(_SENTENCE_STOP):
                return ""
            continue
        heading = line.lstrip("#").strip()
        return "" if _NUMBERED.match(heading) else heading
    return ""


def _looks_like_heading(line: str, next_line: str | None) -> bool:
    """A short line without closing punctuation that introduces longer text (plain-text articles)."""
    stripped = line.strip()
    if not stripped or len(stripped) > 90 or stripped.startswith(("-", "*", "•")):
        return False
    if stripped[-1] in ".,;:!\"'”)" or not next_line:
        return False
    if stripped.count(",") >= 2 and any(c.isdigit() for c in stripped):
        return False  # parts of an address, not a heading: "Saxby Road, East Saxby, near Cromer, Norfolk NR27 0QS"
    return len(stripped.split()) <= 12 and stripped[0].isupper() and len(next_line.strip()) > len(stripped)


def text_to_markdown(text: str) -> str:
    """Give a plain-text article Markdown structure.

    Blocks are separated by blank lines. A line underlined (or over- and underlined) with a row of one
    punctuation character is a heading (reStructuredText, setext), its level by the order the underline styles
    first appear. A hard-wrapped block (most of its lines stop mid-sentence) is one paragraph, its lines joined;
    in any other block each line is a paragraph of its own, and a short line standing alone before longer text
    is a heading. Lines starting with a bullet are list items; a block after a paragraph ending in "::"
    (reStructuredText's literal block), or indented four spaces after one ending in ":", is kept as code.
    Indentation is otherwise dropped, so nothing else reads as code.
    """
    out: list[str] = []
    styles: list[str] = []  # underline characters, in the order their headings first appear
    literal_next = False
    groups: set[str] = set()  # the names of groups of bullets made headings (`_grouped_items`)
    blocks = _blocks(text)
    # A file that underlines its headings says which lines are headings: no line alone is taken for one.
    underlines = any(_opens_with_underlined(b) for b in blocks)
    for n, block in enumerate(blocks):
        if literal_next and block[0][:1].isspace() or _indented_after_colon(block, out):
            out += ["", "```", *textwrap.dedent("\n".join(block)).splitlines(), "```", ""]
            continue
        literal_next = False
        block = _joined_items(block)
        group = _grouped_items(block) if out else None
        if group:
            # The group's name heads its items, one level below the part it is in, or beside the group before it:
            # "1. Driving", "2. Quiet time" under "PART 3 - SITE RULES" (their rules had run into one list).
            name, items = group
            out += [
                "",
                f"{'#' * _level_below(out, groups.__contains__)} {name}",
                "",
                *(f"- {item}" for item in items),
                "",
            ]
            groups.add(name)
            continue
        lines = [ln.strip() for ln in block]
        overlined = len(lines) >= 3 and bool(_UNDERLINE.match(lines[0])) and lines[2] == lines[0]
        if overlined:
            lines = lines[1:]  # an overline: the underline below says the same
        titled = False  # the block opens with an underlined heading
        while len(lines) >= 2 and _UNDERLINE.match(lines[1]) and not _UNDERLINE.match(lines[0]) and len(lines[0]) <= 90:
            style = lines[1][0] + ("o" if overlined else "")  # over- and underlined is a style of its own
            overlined = False  # a heading after it in the same block is underlined only
            styles += [] if style in styles else [style]
            out += ["", f"{'#' * min(6, 1 + styles.index(style) + 1)} {lines[0]}", ""]
            lines, titled = lines[2:], True
        # What is under the headings, as written: a table right under its section's underlined heading took the
        # heading for its column names ("New starter set-up; 9. NOTICE NEEDED FOR REQUESTS: 5 working days").
        block = block[len(block) - len(lines) :]
        lines = [ln for ln in lines if not _UNDERLINE.match(ln)]
        if not lines:
            continue
        asked = _question_and_answer(lines)
        if asked:
            # An FAQ entry, "Q: ..." then "A: ..." with its lines wrapped under it: the question heads its answer,
            # a level below the part it is in ("PART 1 - GENERAL QUESTIONS").
            question, answer = asked
            # its numbered steps ("A. 1. Give us notice ...", "   2. Empty the unit ...") are items, as a list is
            paragraph, items = _wrapped_items([f"- {line}" if _NUMBERED_STEP.match(line) else line for line in answer])
            out += ["", f"{'#' * _question_level(out)} {question}", "", paragraph, *(f"- {i}" for i in items), ""]
            continue
        following_block = blocks[n + 1][0] if n + 1 < len(blocks) else None
        alone = len(lines) == 1 and out and not underlines and not block[0][:1].isspace()
        if alone and _heading_alone(lines[0], following_block):
            # "2. PRIORITY CATEGORIES" with a blank line before the text it heads: "1.1" is a level below "1."
            numbered = _NUMBERED.match(lines[0])
            depth = numbered.group(1).rstrip(".").count(".") if numbered else 0
            out += ["", f"{'#' * min(6, 2 + depth)} {lines[0]}", ""]
            continue
        aligned = None if n == 0 and _title_block(lines) else _aligned_items(block)
        if aligned:
            out += ["", *aligned, ""]
            continue
        if _hard_wrapped(lines) and not (n == 0 and _title_block(lines)):
            paragraph, items = _wrapped_items(lines)
            out += ["", paragraph, ""] if paragraph else []
            out += [f"- {item}" for item in items]
            out.append("")
            literal_next = (items[-1] if items else paragraph).endswith("::")
            continue
        # A file's title block names it ("# ..."): by its second line when that names the document ("KESTREL PEAK
        # CLIMBING CENTRES" over "Centres, Opening Hours and Contacts"), else by its first ("KESTREL RIDGE SOLAR -
        # FREQUENTLY ASKED QUESTIONS" over a contact line and a date, which had left the file named "Faq" after its
        # file). A second line that reads as a heading is one already ("Standard Operating Procedure LR-04: ...").
        title_at = None
        if not out and n == 0 and _title_block(lines):
            after = lines[2] if len(lines) > 2 else None
            if not _looks_like_heading(lines[1], after):
                title_at = 1 if _names_document(lines[1]) else 0
            # Only the organisation and how to reach it, then an underlined heading naming the document ("ARRIVAL
            # GUIDE & SITE RULES - 2025"): that heading names the file, not the organisation its other files share.
            if title_at == 0 and len(blocks) > 1 and _opens_with_underlined(blocks[1]):
                title_at = None
        for i, line in enumerate(lines):
            following = lines[i + 1] if i + 1 < len(lines) else None
            if i == title_at:
                out += ["", f"# {line}", ""]
            elif (
                (out or i > 0)
                # the lines under a file's underlined title are its details ("Last updated:   5 January 2026" over
                # "Applies to: all plans"), not headings: the file underlines the headings it has
                and (n == 0 and not titled or not underlines)
                and _looks_like_heading(line, following)
            ):
                out += ["", f"## {line}", ""]
            elif line.startswith(_BULLETS):
                out.append("- " + line[2:])
            elif (
                i and line[:1].islower() and not lines[i - 1].endswith(_SENTENCE_STOP) and out[-2:-1] == [lines[i - 1]]
            ):
                # the rest of the line before's sentence ("... GBP 4.00," then "so GBP 8.00 in total ...")
                out[-2] = f"{out[-2]} {line}"
            else:
                out += ["", line, ""] if out and out[-1] else [line, ""]  # a list ends first
        literal_next = lines[-1].endswith("::")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(_literal_lead_ins(out))).strip("\n") + "\n"


# A row of one punctuation character: a reStructuredText or setext heading's underline (or overline).
_UNDERLINE = re.compile(r"^([=\-~^*#+`'\"._:])\1{2,}$")
_BULLETS = ("- ", "* ", "• ")
_SENTENCE_STOP = tuple('.!?:;"”)')


def _opens_with_underlined(block: list[str]) -> bool:
    """Whether a block starts with an underlined (or over- and underlined) heading, as read below. A row under
    the last of several lines ("Last updated: 12 January 2026" closing a title block) rules them off: it is
    not a heading's underline, and says nothing of how the file marks its headings."""
    lines = [ln.strip() for ln in block]
    if len(lines) >= 3 and _UNDERLINE.match(lines[0]) and lines[2] == lines[0]:
        lines = lines[1:]
    return len(lines) >= 2 and bool(_UNDERLINE.match(lines[1])) and not _UNDERLINE.match(lines[0])


# What code has and a table of words and amounts has not: "$ debmake", "x = 1", "# a comment", "--out=q1.xlsx".
_CODE_SIGNS = re.compile(r"[=$/\\{}<>|;`#\[\]*&~^]")


def _indented_after_colon(block: list[str], out: list[str]) -> bool:
    """A block indented by four spaces or a tab, every line of it, after a paragraph ending in ":" ("Then clone
    the repository and bootstrap it:" and its commands): a plain-text file's way to show code. Bullets so
    indented are a list, and columns of words and amounts parted by spaces a table ("Late returns are charged as
    follows:" over "Minutes late    Charge" and "16 to 60    £5")."""
    said = next((line for line in reversed(out) if line.strip()), "")  # the last line written (not all of them)
    if not said.rstrip().endswith(":") or said.startswith(("#", "- ")):
        return False
    if not all(line.startswith(("    ", "\t")) and not line.lstrip().startswith(_BULLETS) for line in block):
        return False
    return not (_aligned_items(block) and not any(_CODE_SIGNS.search(line) for line in block))


def _blocks(text: str) -> list[list[str]]:
    """The runs of non-blank lines of `text` (as written, indentation kept)."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _joined_items(block: list[str]) -> list[str]:
    """A block with each bullet's wrapped lines, indented under it, joined to it: "- Quiet time is 10.30pm to 7.30am.
    Please keep voices down and don't" then "  play music ..." is one item (it had been two paragraphs)."""
    out: list[str] = []
    marker = -1  # the indentation of the bullet whose lines are being read
    for line in block:
        indent, text = len(line) - len(line.lstrip()), line.strip()
        if text.startswith(_BULLETS):
            marker = indent
        elif marker >= 0 and indent > marker:
            out[-1] = f"{out[-1]} {text}"
            continue
        else:
            marker = -1
        out.append(line)
    return out


def _grouped_items(block: list[str]) -> tuple[str, list[str]] | None:
    """(name, items) of a block naming a group of bullets indented under it ("1. Driving", then "   - 5 mph speed
    limit ...", "   - One car per pitch ..."; "6. Smoking" over one); None for any other block."""
    indent = [len(line) - len(line.lstrip()) for line in block]
    name = block[0].strip()
    if (
        len(block) < 2
        or any(i <= indent[0] for i in indent[1:])
        or len(name) > 60
        or name.endswith((*_SENTENCE_STOP, ","))
    ):
        return None
    items = [line.strip() for line in block[1:]]
    if not all(item.startswith(_BULLETS) for item in items):
        return None
    return name, [item[2:].strip() for item in items]


def _hard_wrapped(lines: list[str]) -> bool:
    """Whether a block's lines are one paragraph wrapped at a width: most stop mid-sentence."""
    # A line that ends on a bracket or a colon still runs on when the next starts in lower case ("Ropes (lead
    # and top-rope)", then "are taken down ...").
    inner = [(ln, nxt) for ln, nxt in zip(lines, lines[1:]) if not ln.startswith(_BULLETS)]
    runs_on = sum(not ln.endswith(_SENTENCE_STOP) or nxt[:1].islower() for ln, nxt in inner)
    return len(lines) >= 2 and runs_on * 2 > len(inner)


def _names_document(line: str) -> bool:
    """Whether a title block's line is a name ("New Client Welcome Pack - Frequently Asked Questions"), not a date,
    a version or a contact line: a title's length, no digits, no sentence's end."""
    return len(line.split()) <= 12 and not any(c.isdigit() for c in line) and not line.endswith(_SENTENCE_STOP)


def _title_block(block: list[str]) -> bool:
    """A file's first lines naming it, one thing a line ("KESTREL VALLEY WATER", the document's name, its
    version and date): a few lines, the first one a title's length without a sentence's end."""
    first = block[0].strip()
    return 2 <= len(block) <= 5 and len(first.split()) <= 12 and not first.endswith(_SENTENCE_STOP)


# A numbered heading's number: "2." in "2. PRIORITY CATEGORIES", "3.1" in "3.1 Scope".
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*\.?)\s+\S")


def _heading_alone(line: str, following: str | None) -> bool:
    """A heading written as a block of its own, before the text it heads ("1. PURPOSE", then its paragraph). A
    short numbered line followed by the next number ("2. Bread", then "3. Butter and jam") is a list item."""
    numbered, after = _NUMBERED.match(line), _NUMBERED.match(following.strip()) if following else None
    last = lambda m: int(m.group(1).rstrip(".").split(".")[-1])  # noqa: E731  "2.1." -> 1
    if numbered and after and last(after) == last(numbered) + 1:
        return False
    text = line[numbered.start(1) + len(numbered.group(1)) :] if numbered else line
    # "OPENING HOURS (standard)": a heading may end on a bracket of its own (an aside in brackets may not).
    text = re.sub(r"(?<=\S)\s*\([^()]*\)$", "", text.strip())
    return _looks_like_heading(text, following)


# A plain-text table's rule: dashes or equals signs, in one run or one per column ("-------   ------").
_RULE = re.compile(r"^[-=]{3,}(?:\s+[-=]{3,})*$")
# Where a line's columns part: two or more spaces, not after a sentence's end ("one.  Two" is prose), or a price
# list's leader of dots ("Taster Session .......... GBP 38", "Clay Club . GBP 96" where the name fills the line).
_COLUMN_GAP = re.compile(r"(?<![.!?])\s{2,}|\s+\.(?:\s?\.)*\s+")
# A record's field: "Address: Unit 4, ..." (a short name, then a colon and its value).
_FIELD = re.compile(r"^[A-Z][^:]{0,40}:\s+\S")


def _aligned_items(block: list[str]) -> list[str] | None:
    """A block laid out in columns, as list items; None for any other block.

    - A table aligned with spaces: rows of cells parted by two or more spaces; a first line indented further
      than the rows names the columns ("   Northgate   Riverside" over "Monday  07:00  10:00"), as does one
      with no figure over rows that all have one, as `table_items` writes tables. One text indented further
      after a row continues that row's last cell.
    - A record: a line, then fields indented under it ("Riverside", then "  Address: ...", "  Parking: ...").
    Joined as a wrapped paragraph, either read as one run-on line ("Northgate Riverside Monday - Friday
    07:00 ...").
    """
    if len(block) < 2:
        return None
    indent = [len(line) - len(line.lstrip()) for line in block]
    base = min(indent)
    if indent[0] == base and all(i > base for i in indent[1:]) and all(_FIELD.match(ln.strip()) for ln in block[1:]):
        # the record's name introduces its fields ("Riverside:"), so an answer quoting a field says whose it is
        name = " ".join(block[0].split())
        return [
            name if name.endswith((".", "!", "?", ":")) else f"{name}:",
            *(f"- {' '.join(ln.split())}" for ln in block[1:]),
        ]
    # A rule of dashes under the first line ("----------   --------") says it names the columns (a rule above it
    # too, as reStructuredText's tables have); rules go.
    while len(block) > 2 and _RULE.match(block[0].strip()):
        block, indent = block[1:], indent[1:]
    ruled = len(block) > 2 and bool(_RULE.match(block[1].strip()))
    kept = [i for i, line in enumerate(block) if not _RULE.match(line.strip())]
    block, indent = [block[i] for i in kept], [indent[i] for i in kept]
    cells = [_COLUMN_GAP.split(line.strip()) for line in block]
    if sum(len(c) >= 2 for c in cells) < max(2, (len(block) + 1) // 2):
        return None
    # Column names: a first line ruled off or indented further than the rows, or one without a figure over rows of
    # as many cells that each have one ("Minutes late    Charge" over "16 to 60    £5")
    named = len(cells[0]) >= 2 and all(len(c) == len(cells[0]) for c in cells[1:])
    figures = not re.search(r"\d", block[0]) and all(re.search(r"\d", line) for line in block[1:])
    header = cells[0] if ruled or indent[0] > base or named and figures else None
    # Where the named columns start: a line whose text starts under a later column continues the row above, each
    # part in the column it stands under ("P: drive, email for everyone); security" under "Examples" went to the
    # row's last cell, "Target to fix", and "changes ... you" made a row of its own).
    starts = [at for at, _ in _cells_at(block[0])] if header else []
    rows: list[list[str]] = []
    lead: list[str] = []
    for line, line_cells, depth in list(zip(block, cells, indent))[1 if header else 0 :]:
        parts = _cells_at(line)
        under = [_column_under(starts, at) for at, _ in parts]
        if rows and len(rows[-1]) == len(starts) >= 2 and parts and under[0] >= 1:
            for column, (_, text) in zip(under, parts):
                rows[-1][column] = f"{rows[-1][column]} {text}".strip()
        elif depth > base and rows and len(line_cells) == 1:
            rows[-1][-1] = f"{rows[-1][-1]} {' '.join(line_cells)}"
        elif len(line_cells) == 1 and not rows:
            lead.append(line_cells[0])  # a title over the rows ("Centre managers")
        else:
            rows.append(line_cells)
    if len(rows) < 2:
        return None
    if header and all(len(r) == len(header) + 1 for r in rows):
        return [*lead, *table_items([["", *header], *rows])]
    if header and all(2 <= len(r) <= len(header) for r in rows):
        # a row with fewer cells leaves its last columns empty ("81 or more   ask the charter desk")
        return [*lead, *table_items([header, *(r + [""] * (len(header) - len(r)) for r in rows)])]
    lines = [" ".join(header)] if header else []
    return [*lead, *lines, *(_row_item(r) for r in rows)]


def _cells_at(line: str) -> list[tuple[int, str]]:
    """A line's cells (parted as `_COLUMN_GAP` parts them) with the column each starts at."""
    found, at = [], 0
    for gap in [*_COLUMN_GAP.finditer(line), None]:
        end = gap.start() if gap else len(line)
        if line[at:end].strip():
            found.append((at, line[at:end].strip()))
        at = gap.end() if gap else at
    return found


def _column_under(starts: list[int], at: int) -> int:
    """The number of the column (by where each starts) that text starting at `at` stands under (0 before any); a
    cell written one character left of its column still stands under it."""
    return max((i for i, start in enumerate(starts) if start <= at + 1), default=0)


_SEPARATOR_CELL = re.compile(r"^[^\w\s]+$")  # "->", "=>", "|", "→": a column that only points from one cell to the next


def _row_item(row: list[str]) -> str:
    """A headerless row as a list item: "first: the rest; parted", or the row as written when a column only points
    from one cell to the next ("ledgerly invoice:list   ->  ledgerly invoices list" was read "ledgerly
    invoice:list: ->; ledgerly invoices list")."""
    if len(row) == 1:
        return f"- {row[0]}"
    if any(_SEPARATOR_CELL.match(cell) for cell in row[1:]):
        return f"- {' '.join(row)}"
    return f"- {row[0]}: {'; '.join(row[1:])}"


_NUMBERED_STEP = re.compile(r"^\d{1,2}[.)]\s+\S")
_ASKED = re.compile(r"^(?:Q|Question)\s*\d{0,3}\s*[:.]\s+(\S.*)$")  # "Q:", "Q.", "Q12:"
_ANSWERED = re.compile(r"^(?:A|Answer)\s*\d{0,3}\s*[:.]\s+(\S.*)$")
_HEADING_LINE = re.compile(r"^(#{1,6}) (.*)$")


def _question_and_answer(lines: list[str]) -> tuple[str, list[str]] | None:
    """An FAQ entry's question (its lines joined, without "Q:") and its answer's lines (without "A:"), when a
    block opens with "Q: ..." and a later line opens with "A: ...", else None."""
    opening = _ASKED.match(lines[0])
    answer_at = next((i for i, line in enumerate(lines) if i and _ANSWERED.match(line)), None)
    if not opening or answer_at is None:
        return None
    question = " ".join([opening.group(1), *lines[1:answer_at]])
    return question, [_ANSWERED.match(lines[answer_at]).group(1), *lines[answer_at + 1 :]]


def _question_level(out: list[str]) -> int:
    """The heading level of an FAQ entry: a question's after another, else one below the last heading."""
    return _level_below(out, lambda heading: heading.endswith("?"))


def _level_below(out: list[str], beside: Callable[[str], bool]) -> int:
    """The level of a heading one below the last one in `out`, or the same when `beside` holds for that one."""
    last = next((m for line in reversed(out) if (m := _HEADING_LINE.match(line))), None)
    if last is None:
        return 2
    level = len(last.group(1))
    return level if beside(last.group(2)) else min(6, level + 1)


def _wrapped_items(lines: list[str]) -> tuple[str, list[str]]:
    """A wrapped block as its paragraph (lines before any bullet, joined) and its list items (each bullet with
    the lines that continue it)."""
    paragraph: list[str] = []
    items: list[str] = []
    for line in lines:
        if line.startswith(_BULLETS):
            items.append(line[2:].strip())
        elif items:
            items[-1] = f"{items[-1]} {line}"
        else:
            paragraph.append(line)
    return " ".join(paragraph), items


def _literal_lead_ins(lines: list[str]) -> list[str]:
    """reStructuredText's "text::" before a literal block reads "text:" ("::" alone after a space goes)."""
    out = list(lines)
    for i, line in enumerate(out):
        if line.endswith("::") and next((ln for ln in out[i + 1 :] if ln), "") == "```":
            out[i] = line[:-2].rstrip() if line[:-2].endswith(" ") else line[:-1]
    return out


# A Markdown table's rows ("| a | b |") and the line under its header ("|---|:--:|").
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_FENCE_LINE = re.compile(r"^\s*(`{3,}|~{3,})")


def _pipe_cells(line: str) -> list[str]:
    return [
        cell.replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip().removeprefix("|").removesuffix("|"))
    ]


def pipe_tables_as_items(markdown: str) -> str:
    """A Markdown file's tables as one item per row under the column names ("- Standard: Keeping appointments;
    Payment if missed: £40 credit"), as the PDF, Word and HTML converters write theirs. Read as a paragraph, a
    tester's table of service standards was one sentence of pipes, quoted on one line as raw Markdown."""
    lines, out, fence = markdown.split("\n"), [], ""
    i = 0
    while i < len(lines):
        line = lines[i]
        opened = _FENCE_LINE.match(line)
        if opened and (not fence or opened.group(1).startswith(fence)):
            fence = "" if fence else opened.group(1)[:3]
        elif not fence and _PIPE_ROW.match(line) and i + 1 < len(lines) and _PIPE_RULE.match(lines[i + 1]):
            end = i + 2
            while end < len(lines) and _PIPE_ROW.match(lines[end]):
                end += 1
            out += ["", *table_items([_pipe_cells(row) for row in [line, *lines[i + 2 : end]]]), ""]
            i = end
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def read_article(
    path: Path,
    root: Path | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    converter: Callable[[str, bytes], Converted] = convert,
) -> Article:
    """Read one corpus file as Markdown; raises CorpusError (naming the file and the reason) when it cannot.

    Refused: what `check_file` refuses, an empty file, content that is not what the name says, text
    that is not UTF-8, and a document its converter cannot read.
    """
    name = check_file(path, root, max_bytes)
    suffix = path.suffix.lower()
    with reading_file(name):
        raw = path.read_bytes()
    if not raw.strip():
        raise CorpusError(f"{name}: empty, nothing to index")
    mismatch = content_mismatch(suffix, raw)
    if mismatch:
        raise CorpusError(f"{name}: {mismatch}")
    if SUFFIXES[suffix] == "text":
        meta, body = _read_text(raw, suffix, name)
        # The document names itself: its front matter, else its first top-level heading.
        title = str(meta.get("title", "")) or (_first_h1(body) if suffix != ".txt" else _opening_heading(body))
    else:
        meta = {}
        try:
            converted = converter(suffix, raw)  # ingest passes `IsolatedConverter.convert`: time and memory bounded
        except ConversionError as exc:
            raise CorpusError(f"{name}: {exc}") from None
        except Exception as exc:  # a converter library's own bug must not stop the other files
            log.warning("converting %s failed", name, exc_info=True)
            raise CorpusError(f"{name}: could not be converted ({type(exc).__name__}: {exc})") from exc
        body, title = converted.markdown, converted.title
    if not body.strip():
        raise CorpusError(f"{name}: empty, nothing to index")
    return Article(
        source=name,
        title=_readable(_unquoted(title)) or _title_from_name(path),
        publisher=str(meta.get("publisher", "")),
        origin=str(meta.get("source", "")),
        body=body,
        sha256=hashlib.sha256(raw).hexdigest(),
        questions=tuple(meta.get("questions", ())),
    )


def _read_text(raw: bytes, suffix: str, name: str) -> tuple[dict[str, str | list[str]], str]:
    """Front matter and Markdown body of a `.md` or `.txt` file."""
    if b"\x00" in raw:
        raise CorpusError(f"{name}: looks binary (contains NUL bytes); only UTF-8 text is indexed")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    meta, body = _parse_front_matter(text.replace("\r\n", "\n"), name)
    return meta, text_to_markdown(body) if suffix == ".txt" else pipe_tables_as_items(body)


def load_corpus(
    corpus_dir: Path, max_bytes: int = MAX_FILE_BYTES, paths: list[Path] | None = None
) -> tuple[list[Article], list[str]]:
    """All readable articles (of `paths`, default every corpus file), and one message per file that could not be read."""
    articles: list[Article] = []
    errors: list[str] = []
    for path in corpus_files(corpus_dir) if paths is None else paths:
        try:
            articles.append(read_article(path, corpus_dir, max_bytes))
        except CorpusError as exc:
            errors.append(str(exc))
    return articles, errors
