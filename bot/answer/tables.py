"""Table rows shown as tables again: in an answer, in a source's panel, and read back as rows for scoring.

The converters (`bot.ingest.convert`) write each row of a table as a list item "Column: cell; Column: cell",
so every row carries its column names in the index (a passage cut from the middle of a table still says
what its numbers are). The reader sees GitHub-flavoured Markdown tables: the column names as the header
row, then the rows. `as_rows` turns such a table back into its "Column: cell; Column: cell" lines, so a
sentence splitter (bot eval's, the grounding check's) reads a row as the sentence the index holds.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

from bot.ingest.chunking import TABLE_ROW
from bot.safe_markdown import inert_markdown
from bot.types import Passage

# A Markdown table's lines, as `Table.markdown` writes them (`as_rows` reads them back). A row as the
# converters write it is `TABLE_ROW` (two columns at least, so a lone "Note: ..." item stays prose).
_TABLE_LINE = re.compile(r"^\|.*\|[ \t]*$")
_SEPARATOR = re.compile(r"^\|(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_CITES = re.compile(r"^(?:\[\d+\][ \t]*)+$")
_COLUMN_END = re.compile(r"(?<=\S): ")

Cells = list[tuple[str, str]]  # (column name, cell) in the row's order; an empty cell is left out


# A row of a table whose top-left header cell is empty: its first cell has no column name ("Monday - Friday;
# Northgate: 07:00 - 22:30; Riverside: 07:00 - 22:00"). Two named cells at least, so a list item such as
# "Bring a towel; note: lockers cost £1" stays prose.
_UNNAMED_FIRST = re.compile(r"^[^:;]{1,60}(?:; [^:;]{1,60}: [^;]*){2,}$")


def row_cells(text: str) -> Cells | None:
    """The (column, cell) pairs of a table row written as "Column: cell; Column: cell", else None. The first
    cell's column is "" when the table's top-left header cell was empty."""
    text = text.strip()
    if TABLE_ROW.match(text):
        cells: Cells = []
        for part in text.split("; "):
            if ": " in part:
                cells.append(_pair(part))
            else:  # a cell's own "; ": the rest of the cell before
                cells[-1] = (cells[-1][0], f"{cells[-1][1]}; {part}")
        return cells
    if _UNNAMED_FIRST.match(text):
        first, rest = text.split("; ", 1)
        return [("", first.strip()), *(_pair(pair) for pair in rest.split("; "))]
    return None


def _pair(text: str) -> tuple[str, str]:
    """A "Column: cell" pair, parted at the first colon written against its word: a column named "Ratio
    (instructor : children)" keeps its spaced colon (its cell is "1 : 8")."""
    end = _COLUMN_END.search(text) or re.search(": ", text)
    return text[: end.start()].strip(), text[end.end() :].strip()


def _within(short: list[str], long: list[str]) -> bool:
    """Whether `short`'s columns appear in `long` in the same order (a row whose empty cells were left out)."""
    rest = iter(long)
    return all(column in rest for column in short)


@dataclass
class Table:
    """Rows that share their column names, and the citations the table ends with."""

    columns: list[str]
    rows: list[tuple[tuple[int, int], Cells, bool]] = field(default_factory=list)  # (place, cells, bold)
    cites: list[int] = field(default_factory=list)

    def takes(self, cells: Cells) -> bool:
        """Whether a row with these cells belongs under this header (the same columns, or some left out)."""
        names = [column for column, _ in cells]
        return _within(names, self.columns) or _within(self.columns, names)

    def add(self, cells: Cells, place: tuple[int, int] = (0, 0), bold: bool = False) -> None:
        names = [column for column, _ in cells]
        if not _within(names, self.columns):
            self.columns = names  # this row has every column the header had, and more
        self.rows.append((place, cells, bold))

    def markdown(self, in_order: bool = True) -> str:
        """The table as GitHub-flavoured Markdown (rows in document order), then its citations on a line."""
        rows = sorted(self.rows, key=lambda r: r[0]) if in_order else self.rows
        # an empty cell is "| |": a double space would be folded by the stream sanitizer
        header = "|" + "".join(f" {s} |" if s else " |" for s in map(_cell, self.columns))
        lines = [header, "|" + " --- |" * len(self.columns)]
        for _place, cells, bold in rows:
            by_column = dict(cells)
            shown = [_cell(by_column.get(column, "")) for column in self.columns]
            lines.append("|" + "".join(f" **{s}** |" if bold and s else f" {s} |" if s else " |" for s in shown))
        table = "\n".join(lines)
        return f"{table}\n\n" + " ".join(f"[{n}]" for n in self.cites) if self.cites else table


def _cell(text: str) -> str:
    """A cell's text, inert and on one line, with its `|` escaped (it would end the cell)."""
    inert = " ".join(inert_markdown(text).split())
    return inert.replace("|", "\\|")


def passage_tables(body: str, quotes: list[str] | None = None) -> list[tuple[bool, str]]:
    """A passage body cut into (is_table, text) runs: each run of table-row list items becomes a Markdown
    table, the rows quoted (a quote that is, or holds, the row) in bold; the other text is returned as it is."""
    quoted = [q for q in quotes or [] if q]
    out: list[tuple[bool, str]] = []
    text: list[str] = []
    table: Table | None = None

    def close() -> None:
        nonlocal table
        if table:
            out.append((True, table.markdown(in_order=False)))
            table = None

    for line in body.split("\n"):
        cells = row_cells(line[2:]) if line.startswith("- ") else None
        if cells is None:
            close()
            text.append(line)
            continue
        if text:
            out.append((False, "\n".join(text)))
            text = []
        if table and not table.takes(cells):
            close()
        if table is None:
            table = Table([column for column, _ in cells])
        row = line[2:].strip()
        table.add(cells, bold=any(row in q for q in quoted))
    close()
    if text:
        out.append((False, "\n".join(text)))
    return out


def as_rows(text: str, cited: bool = False) -> str:
    """`text` with each Markdown table written back as its rows, "Column: cell; Column: cell", one a line.

    With `cited`, the citations on the line after a table follow each of its rows, as a sentence ("... [1].").
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not (_TABLE_LINE.match(lines[i]) and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1])):
            out.append(lines[i])
            i += 1
            continue
        header = _cells_of(lines[i])
        rows: list[str] = []
        i += 2
        while i < len(lines) and _TABLE_LINE.match(lines[i]):
            values = _cells_of(lines[i])
            rows.append("; ".join(f"{h}: {v}" if h else v for h, v in zip(header, values) if v))
            i += 1
        cites = ""
        if cited:
            j = i + 1 if i < len(lines) and not lines[i].strip() else i
            if j < len(lines) and _CITES.match(lines[j].strip()):
                cites, i = lines[j].strip(), j + 1
        out += [f"{row} {cites}." if cites else row for row in rows if row]
    return "\n".join(out)


def _cells_of(line: str) -> list[str]:
    """A Markdown table line's cells, unescaped and without bold."""
    cells = _CELL_SPLIT.split(line.strip())[1:-1]
    return [re.sub(r"^\*\*(.*)\*\*$", r"\1", c.strip()).replace("\\|", "|") for c in cells]


_NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
        + ("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
        + ("twenty",)
    )
}
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")(?![\w.]\d)", re.I)
_BELOW_WORDS = r"less than|fewer than|under|below|up to|at most"  # a range's upper bound
_ABOVE_WORDS = r"more than|over|above|at least|from"  # and its lower one
_BELOW = re.compile(rf"^(?:{_BELOW_WORDS}|<=?)\s*(\d+(?:\.\d+)?)\b", re.I)
_ABOVE = re.compile(rf"^(?:{_ABOVE_WORDS}|>=?)\s*(\d+(?:\.\d+)?)\b|^(\d+(?:\.\d+)?)\s*\+", re.I)
# "3 to 5 years", "5.01 m to 7.00 m" (a short unit after the first number)
_BETWEEN = re.compile(r"^(?:between\s+)?(\d+(?:\.\d+)?)\s*(?:[a-z]{1,2}\s+)?(?:to|-|–|and)\s*(\d+(?:\.\d+)?)\b", re.I)
# What a row's label may say before its range: "Vehicle 5.01 m to 7.00 m long", "Car or van up to 5.00 m long".
_NAMED_FIRST = re.compile(
    r"^(?:(?!(?:less|fewer|under|below|up|at|more|over|above|from|between)\b)[^\W\d]+\s+){1,3}(?=\S*\d|up to|under|over)",
    re.I,
)
_EXACT = re.compile(r"\d+(?:\.\d+)?")


def asked_number(question: str) -> float | None:
    """The one number a question names ("after four years", "for 12 people"), or None (none, or several)."""
    found = [m.group(1).lower() for m in _NUMBER.finditer(question)]
    digits = [f for f in found if f[0].isdigit()]
    found = digits or found  # "which one is level 3?": the digits name it, "one" is a pronoun
    if len(found) != 1:
        return None
    word = found[0]
    return float(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else float(word)


# Units of time, in minutes: "2 hours late" looks up a table counted in "Minutes late" as 120.
_TIME_UNITS = {"minute": 1, "min": 1, "hour": 60, "hr": 60, "day": 24 * 60, "week": 7 * 24 * 60}
_TIME_UNIT = re.compile(rf"\b({'|'.join(_TIME_UNITS)})s?\b", re.I)
_NUMBER_OF_TIME = re.compile(rf"{_NUMBER.pattern}\s*-?\s*{_TIME_UNIT.pattern}", re.I)  # "2 hours", "3-day"


def in_unit_of(question: str, number: float, columns: list[str]) -> float:
    """`number` (the question's) in the unit of time a table's column names, when the question counts it in
    another: "What if I am 2 hours late?" against "Minutes late" is 120 (it fell in "up to 15 | no charge")."""
    after = _NUMBER_OF_TIME.search(question)
    named = next((m for column in columns if (m := _TIME_UNIT.search(column))), None)
    if not (after and named):
        return number
    return number * _TIME_UNITS[after.group(2).lower()] / _TIME_UNITS[named.group(1).lower()]


def counts_in_unit(question: str, column: str, cell: str) -> bool:
    """Whether a cell may hold the question's number by its unit: a number of weeks, days or hours ("the 6 week
    course") is held only where the column or the cell counts time, not by "Max. students: 6"."""
    return not _NUMBER_OF_TIME.search(question) or bool(_TIME_UNIT.search(f"{column} {cell}"))


def names_number(text: str) -> bool:
    """Whether `text` names a number, in digits or in words ("3 to 5 years", "Up to three users")."""
    return bool(_NUMBER.search(text))


def in_range(cell: str, number: float) -> bool:
    """Whether a table cell naming a range ("Less than 3 years", "3 to 5 years", "More than 5 years", "10+"), or
    that is a number alone, holds `number`. A cell that names no range holds nothing."""
    cell = cell.strip()
    if len(cell) > 60:
        return False
    cell = _NAMED_FIRST.sub("", cell, count=1) if cell[:1].isalpha() else cell
    if _EXACT.fullmatch(cell):  # "3": the row of level 3
        return float(cell) == number
    if m := _BETWEEN.match(cell):
        return float(m.group(1)) <= number <= float(m.group(2))
    if _BELOW.match(cell) or _ABOVE.match(cell):
        # every bound it names: "Below 99.95% but at least 99.9%" is a range, not just "below 99.95"
        bounds = [b.strip() for b in _SECOND_BOUND.split(cell)]
        return all(_holds(bound, number) for bound in bounds if _BELOW.match(bound) or _ABOVE.match(bound))
    return False


# Where a cell names its second bound: "Below 99.95% but at least 99.9%", "At least 10 and under 20".
_SECOND_BOUND = re.compile(rf"\s*,?\s+(?:but|and)\s+(?=(?:{_BELOW_WORDS}|{_ABOVE_WORDS})\b)", re.I)


def _holds(bound: str, number: float) -> bool:
    """Whether `number` is within one bound ("less than 3", "up to 10", "over 25", "at least 99.9", "10+")."""
    if m := _BELOW.match(bound):
        limit = float(m.group(1))
        inclusive = bound.lower().startswith(("up to", "at most", "<="))
        return number <= limit if inclusive else number < limit
    m = _ABOVE.match(bound)
    limit = float(m.group(1) or m.group(2))
    strict = bound.lower().startswith(("more than", "over", "above")) or (bound[:1] == ">" and bound[1:2] != "=")
    return number > limit if strict else number >= limit


def _table_block(text: str) -> tuple[str, list[str], tuple[str, ...]]:
    """(lead-in line, row lines, column names) of the first table a passage holds as rows ("- Column: cell; ..."
    lines after the line that introduces them), or ("", [], ()) when it holds none."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        cells = row_cells(line[2:]) if line.startswith("- ") else None
        if cells is None:
            continue
        rows = list(itertools.takewhile(lambda ln: ln.startswith("- ") and row_cells(ln[2:]) is not None, lines[i:]))
        return (lines[i - 1] if i else ""), rows, tuple(column for column, _ in cells)
    return "", [], ()


def with_split_table(best: Passage, others: list[Passage], reading: list[str]) -> tuple[Passage, set[str]]:
    """`best` with all the rows of the table it holds part of, when the chunker cut that table between passages
    of its section (`others`; `reading`: the section's passage ids in reading order), each part after the same
    lead-in: "which things need the vpn when im wfh" quoted two of the nine rows after "Use the table below to
    check whether you need to connect to the VPN." Also the ids of the other parts, which it now holds."""
    lead, rows, columns = _table_block(best.text)
    if not rows or not lead:
        return best, set()
    # Each other passage of the section, read once: its rows when its table has the same lead-in and columns.
    parts: dict[str, list[str]] = {}
    for p in others:
        if p.id != best.id and (p.source, p.heading) == (best.source, best.heading):
            other_lead, other_rows, other_columns = _table_block(p.text)
            if other_rows and (other_lead, other_columns) == (lead, columns):
                parts[p.id] = other_rows
    if not parts:
        return best, set()
    place = {pid: i for i, pid in enumerate(reading)}
    ordered = sorted([best.id, *parts], key=lambda pid: place.get(pid, len(place)))
    every = [row for pid in ordered for row in (rows if pid == best.id else parts[pid])]
    return replace(best, text=best.text.replace("\n".join(rows), "\n".join(every), 1)), set(parts)
