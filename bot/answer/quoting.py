"""Quoting chosen sentences as an answer: the neighbours they lean on, the filler kept out, one verdict, citations.

`bot.answer.extractive` chooses and scores the sentences; this module fills up to the answer's length with
sentences that answer the same question, adds the neighbours a sentence needs to be read alone, and writes
the quoted text with each sentence's citation (code as blocks of its own, verbatim).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter

from bot.answer.sections import Candidate, order_of, own_words, terms
from bot.answer.tables import (
    Cells,
    Table,
    asked_number,
    counts_in_unit,
    in_range,
    in_unit_of,
    names_number,
    row_cells,
)
from bot.ingest.chunking import leads_in
from bot.ingest.sentences import Sentence
from bot.safe_markdown import inert_markdown
from bot.text import document_terms, tokenize

# A verdict that opens a sentence ("No, LLMs are ...", "Yes. Many ..."): it answers its own heading's question.
# ("It depends on ..." is no verdict to strip: what is left, "on the use case.", would say nothing.) The verdict
# ends at punctuation: "No customer data is stored outside the UK" opens with no verdict, and said without its
# "No" it says the opposite.
VERDICT = re.compile(r"^\W*(?:yes|no)\s*(?:[,.!;:—–]|\s-\s|$)[\W_]*", re.I)

# Openers that lean on the sentence before ("This is the easiest...", "The former stores..."): quoted
# alone they leave the reader asking "what is?".
_LEANS_BACK = re.compile(
    r"^(?:this|that|these|those|it|they|such|the former|the latter|both|either|neither|however|but|also|"
    r"instead|otherwise|then|so|thus|therefore|hence|in that case|in this case)\b",
    re.I,
)
# "... makes this technology valuable": a demonstrative before a noun anywhere points back too.
_POINTS_BACK = re.compile(
    r"\b(?:this|these|those)\s+(?!is\b|are\b|was\b|were\b|can\b|will\b|may\b|means\b)[a-z]{3,}", re.I
)
# A sentence that announces what follows ("...two testing frameworks.", "...as follows:", "you can!").
_LEANS_FORWARD = re.compile(r"(?::|\bfollowing\.|\bas follows\.|!)$|\b(?:two|three|four|several) [\w-]+(?: [\w-]+)?\.$")


def _leans_back(text: str) -> bool:
    """Whether a sentence leans on the one before it: "They ...", "to get ...", "... makes this technology ..."."""
    return bool(_LEANS_BACK.match(text) or text[:1].islower() or _POINTS_BACK.search(text))


def leading(first: Candidate, quoted: list[Candidate]) -> list[Candidate]:
    """What an answer led by `first` opens with: `first`, after the sentence before it when it is a lead-in that
    leans on that one and that one is quoted ("... generative AI can produce multiple forms of content. It can
    generate: ...", not "It can generate: ..." first). A sentence saying something of its own leads as it is: "It
    does not cover sewer flooding, ..." is the verdict."""
    said = first.sentence
    # a list said as one sentence after its lead-in ("It can generate: Written content, Images ..."), not an item
    # under its label (the label is what that leans on, and is quoted with it)
    lead_in = (
        bool(said.list_id and said.quotes) and said.quotes[0].endswith(":") and said.text.startswith(said.quotes[0])
    )
    if not (lead_in and _leans_back(said.text)):
        return [first]
    before = next((c for c in quoted if c.source_n == first.source_n and c.sentence.order == said.order - 1), None)
    return [first] if before is None else [before, first]


def with_neighbours(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """The chosen sentences plus the neighbours they lean on, each run in passage order.

    A sentence that starts by pointing back ("This ...", "The former ...") brings the sentence before
    it; one that announces what follows ("... two testing frameworks.", "... as follows:") brings the
    one after it. Only neighbours in the same passage count, and each is added once.
    """
    by_place = {(c.source_n, c.sentence.order): c for c in candidates}
    picked = {(c.source_n, c.sentence.order) for c in chosen}
    emitted: set[tuple[int, int]] = set()
    out: list[Candidate] = []
    for c in chosen:
        if (c.source_n, c.sentence.order) in emitted:
            continue  # it came earlier, before a sentence that leans on it
        run = [c]
        for _ in range(2):  # "But ..." leans on "They ...", which leans on "LLMs ...": two steps back at most
            first = run[0]
            before = by_place.get((first.source_n, first.sentence.order - 1))
            leans_back = _leans_back(first.sentence.text)
            # A sentence chosen for later still comes first when this one leans on it: "They excel ..." never
            # precedes its "LLMs are ...".
            if not (before and leans_back and (before.source_n, before.sentence.order) not in emitted):
                break
            run.insert(0, before)
        after = by_place.get((c.source_n, c.sentence.order + 1))
        if (
            after
            and not c.sentence.code
            and _LEANS_FORWARD.search(c.sentence.text)
            and (after.source_n, after.sentence.order) not in picked
            # a lead-in whose list items were chosen already introduces them
            and not any(o.source_n == c.source_n and o.sentence.order > c.sentence.order for o in chosen)
        ):
            run.append(after)
        for member in run:
            picked.add((member.source_n, member.sentence.order))
            emitted.add((member.source_n, member.sentence.order))
        out += run
    return out


def shown(text: str) -> str:
    """A quoted sentence as the answer shows it: inert (a dropped image or tag leaves no double space)."""
    inert = inert_markdown(text)
    return text if inert == text else " ".join(inert.split())


def similar(a: str, b: str) -> bool:
    """Near-duplicate sentences (the two articles often say the same thing)."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def without_verdict(text: str) -> str:
    """A sentence without its leading "Yes."/"No," (it answered another question): "No, LLMs are" -> "LLMs are"."""
    rest = VERDICT.sub("", text, count=1).strip()
    return rest[:1].upper() + rest[1:]


def fill(
    chosen: list[Candidate],
    ranked: list[Candidate],
    best: Candidate,
    query_terms: set[str],
    headings: dict[int, tuple[str, str]],
    max_sentences: int,
    subject: str = "",
) -> list[Candidate]:
    """`chosen` and up to `max_sentences` in all that answer the same question as `best` (never filler);
    with `subject`, only sentences naming it."""
    budget = 480 - sum(len(c.sentence.text) for c in chosen)
    for cand in ranked:
        if len(chosen) >= max_sentences:
            break
        if cand in chosen or len(cand.sentence.text) > budget or subject and subject not in terms(cand):
            continue
        # The best passage's section (one section may be cut in several passages) stays on its topic;
        # another's sentence must fit nearly as well and share a word with the question: a sentence about
        # something else is filler, however close.
        if headings[cand.source_n] == headings[best.source_n]:
            if cand.score < best.score - 0.1:
                continue
        elif cand.score < best.score - 0.06 or not query_terms & terms(cand):
            continue
        if any(similar(cand.sentence.text, c.sentence.text) for c in chosen):
            continue  # says the same thing again
        chosen.append(cand)
        budget -= len(cand.sentence.text)
    return chosen


def with_span(
    chosen: list[Candidate], candidates: list[Candidate], budget: int, first_leads: bool = False, table_budget: int = 0
) -> list[Candidate]:
    """`chosen` with the run of sentences around its first one, when that one is in the best passage (source 1).

    The run grows one neighbour at a time in that passage, the better scored of the two first, while the
    quoted text (code included) stays within `budget` characters: what the answering sentence needs around it
    (the conditions before it, the list, command or table after it) is said beside it, not left out. The
    passage's sentences come in document order (unless `first_leads`: a yes/no question's first sentence holds
    its verdict, and one asking for examples or names wants the sentence naming them before a definition),
    then the sentences chosen from other passages."""
    # A table is looked up, not read through: the rows that answer stand alone ("and in Hamburg?").
    if not chosen or chosen[0].source_n != 1 or table_rows(chosen[0].sentence):
        return chosen
    first = chosen[0]
    own = sorted((c for c in candidates if c.source_n == first.source_n), key=lambda c: c.sentence.order)
    lo = hi = own.index(first)  # `chosen` is drawn from `candidates`
    size = sum(_quoted_size(c) for c in chosen)
    # A list (or an item under its label, "Riverside:") is read with its own list, not with a sibling list (under
    # another label, "Eastfield:") unless chosen: "Does the Riverside centre have rope climbing?" quoted both
    # centres' records.
    label, listed = first.sentence.label, first.sentence.list_id
    siblings = {c.sentence.label for c in own if label and c.sentence.label and c.sentence.label != label}

    def sibling(c: Candidate) -> bool:
        other_list = bool(listed and c.sentence.list_id and c.sentence.list_id != listed)
        return other_list or c.sentence.label in siblings or c.sentence.text in siblings

    def takes(c: Candidate) -> bool:
        return c in chosen or (not sibling(c) and size + _quoted_size(c) <= budget)

    while True:
        steps = [(own[i].score, i) for i in (lo - 1, hi + 1) if 0 <= i < len(own) and takes(own[i])]
        if not steps:
            break
        _, i = max(steps)
        size += 0 if own[i] in chosen else _quoted_size(own[i])
        lo, hi = min(lo, i), max(hi, i)
    # A list the run quotes most of is quoted whole: the budget had cut a procedure's last step ("7. Your deposit
    # is refunded ..."). One it quotes a few items of stays a few (a long list of differences between R and S).
    taken = Counter(own[i].sentence.list_id for i in range(lo, hi + 1) if own[i].sentence.list_id)
    items = Counter(c.sentence.list_id for c in own if c.sentence.list_id)
    for i, c in enumerate(own):
        if taken[c.sentence.list_id] >= 2 and 2 * taken[c.sentence.list_id] > items[c.sentence.list_id]:
            lo, hi = min(lo, i), max(hi, i)
    # So is a table it quotes two rows of, when the table alone fits the budget: "piano lessons price?" got two of
    # the four price rows after three sentences about the lessons.
    columns = {i: cols for i, c in enumerate(own) if (cols := _columns(c))}
    rows_taken = Counter(columns[i] for i in range(lo, hi + 1) if i in columns)
    for table, count in rows_taken.items():
        at = [i for i, cols in columns.items() if cols == table]
        if count >= 2 and sum(_quoted_size(own[i]) for i in at) <= max(budget, table_budget):
            lo, hi = min(lo, *at), max(hi, *at)
    passage = [c for i, c in enumerate(own) if lo <= i <= hi or c in chosen]
    if first_leads:
        # What leans on the leading sentence comes with it: "Young people aged 16 or 17 may hire a city bike ...
        # They may not hire an e-bike" had "They" quoted after the sentence about the hirer (a tester).
        after = passage[passage.index(first) + 1 :]
        leaning = list(itertools.takewhile(lambda c: _leans_back(c.sentence.text), after))
        head = leading(first, passage)
        passage = [*head, *leaning] + [c for c in passage if c not in head and c not in leaning]
    return passage + [c for c in chosen if c not in passage]


def _columns(c: Candidate) -> tuple[str, ...]:
    """The column names of the table rows a candidate quotes, or () when it quotes none."""
    rows = table_rows(c.sentence)
    return tuple(column for column, _ in rows[1][0]) if rows else ()


def _quoted_size(c: Candidate) -> int:
    return len(c.sentence.text) + len(c.sentence.code)


def table_rows(sentence: Sentence) -> tuple[str, list[Cells]] | None:
    """(lead-in, rows) when `sentence` quotes rows of a table (see `bot.answer.tables`), else None.

    A long row is a list item of its own (its lead-in, if short, as its label); a short table is one
    sentence of all its rows, after its lead-in when that ends with ":"."""
    if not sentence.list_id or sentence.code:
        return None
    items = [q for q in sentence.quotes if q]
    lead = sentence.label
    if lead and items and items[0] == lead:
        items = items[1:]
    elif len(items) > 1 and items[0].endswith(":") and row_cells(items[0]) is None:
        lead, items = items[0], items[1:]
    rows = [row_cells(item) for item in items]
    if not rows or any(row is None for row in rows):
        return None
    return lead, [row for row in rows if row is not None]


def quoted(chosen: list[Candidate], fits: dict[int, bool]) -> tuple[str, dict[int, list[str]]]:
    """The answer's text from the chosen sentences, each cited, and the exact text quoted from each source.

    A "Yes."/"No." is kept only where it answers this very question (`fits`, by source) and only once.
    Consecutive rows of one table are quoted as a Markdown table under its column names, cited after it."""
    blocks: list[str | Table] = []  # runs of quoted sentences, code blocks and tables between them
    labels_said: set[str] = set()
    used: dict[int, list[str]] = {}
    verdict_given = False
    sources_seen: list[int] = []
    in_lists = _in_lists(chosen)
    for i, c in enumerate(chosen):
        sources_seen += [] if c.source_n in sources_seen else [c.source_n]
        rows = table_rows(c.sentence) if c.source_n else None
        if rows:
            lead, cells = rows
            if lead and lead not in labels_said:
                blocks.append(shown(lead))
                labels_said.add(lead)
            table = blocks[-1] if blocks and isinstance(blocks[-1], Table) else None
            if not (table and all(table.takes(row) for row in cells)):
                table = Table([column for column, _ in cells[0]])
                blocks.append(table)
            for i, row in enumerate(cells):
                table.add(row, (sources_seen.index(c.source_n), c.sentence.order, i))
            table.cites += [] if c.source_n in table.cites else [c.source_n]
            used.setdefault(c.source_n, []).extend(c.sentence.quotes)
            continue
        listed = list_item(c.sentence) if i in in_lists else None
        if listed:  # an item of a list of long items, quoted as a Markdown list under its label
            label, item = listed
            bullets = blocks[-1] if blocks and isinstance(blocks[-1], Bullets) else None
            if bullets is None or bullets.key != (c.source_n, c.sentence.list_id):
                last = blocks[-1] if blocks else None
                if isinstance(last, str) and not last.startswith(("```", "~~~")):
                    # one run of a passage is cited at its end; the label goes on the run before it
                    last = last.removesuffix(f" [{c.source_n}]")
                    blocks[-1] = f"{last} {shown(label)}" if label else last
                elif label:
                    blocks.append(shown(label))
                labels_said.add(label)  # said again over each list it heads: never items under another's label
                bullets = Bullets((c.source_n, c.sentence.list_id))
                blocks.append(bullets)
            bullets.items.append(shown(item))
            used.setdefault(c.source_n, []).extend(c.sentence.quotes)
            continue
        sentence_text = c.sentence.text
        if VERDICT.match(sentence_text):
            if fits[c.source_n] and not verdict_given:
                verdict_given = True  # one verdict per answer: never "Yes. ..." and then "No. ..."
            else:
                sentence_text = without_verdict(sentence_text)
                if not sentence_text and not c.sentence.code:
                    continue
        label = c.sentence.label
        text = f"{label} {sentence_text}" if label and label not in labels_said else sentence_text
        labels_said.add(label)
        cited = f"{shown(text)} [{c.source_n}]" if text and c.source_n else text  # 0: cites inline
        code = c.sentence.code.strip("\n")
        if cited:
            last = blocks[-1] if blocks else None
            if isinstance(last, str) and not last.startswith(("```", "~~~")):
                mark = f" [{c.source_n}]"
                # A run of sentences from one passage is cited once, after its last sentence.
                blocks[-1] = (
                    f"{last.removesuffix(mark)} {cited}" if c.source_n and last.endswith(mark) else f"{last} {cited}"
                )
            else:
                blocks.append(cited)
        if code:  # the citation ends its lead-in; the code follows as a block of its own, verbatim
            blocks.append(code if cited else f"{code}\n\n[{c.source_n}]")
        for n in [c.source_n] if c.source_n else [int(n) for n in re.findall(r"\[(\d+)\]", text)]:
            used.setdefault(n, []).extend(c.sentence.quotes)
    return "\n\n".join(b if isinstance(b, str) else b.markdown() for b in blocks), used


def _in_lists(chosen: list[Candidate]) -> set[int]:
    """The places in `chosen` of list items quoted as a list: runs of two items or more of one passage's list (one
    item reads as a sentence: "Coding Assistance: LLMs help programmers ...")."""
    places: set[int] = set()
    run: list[int] = []
    for i, c in enumerate([*chosen, None]):
        key = (c.source_n, c.sentence.list_id) if c is not None and list_item(c.sentence) else None
        if run and key != (chosen[run[0]].source_n, chosen[run[0]].sentence.list_id):
            places |= set(run) if len(run) >= 2 else set()
            run = []
        if key is not None:
            run.append(i)
    return places


class Bullets:
    """Items of one list of one passage, quoted as a Markdown list and cited after its last item."""

    def __init__(self, key: tuple[int, int]) -> None:
        self.key = key  # (source number, list of that passage)
        self.items: list[str] = []

    def markdown(self) -> str:
        lines = [f"- {item}" for item in self.items]
        lines[-1] += f" [{self.key[0]}]" if self.key[0] else ""
        return "\n".join(lines)


def list_item(sentence: Sentence) -> tuple[str, str] | None:
    """(label, item) when `sentence` is an item of a list of long items, else None; the label is the list's lead-in
    ("Industries That Benefit from LLMs:"), or "" when it has none. A list of short items is one sentence
    ("Articles, Emails, Summaries."): it reads as one, and is quoted as one."""
    if not sentence.list_id or sentence.code:
        return None
    items = [q for q in sentence.quotes if q and q != sentence.label]
    return (sentence.label, sentence.text) if items == [sentence.text] else None


def with_row_for_number(chosen: list[Candidate], candidates: list[Candidate], question: str) -> list[Candidate]:
    """`chosen`, led by the one row of a chosen table whose range holds the number the question names: "How many
    days of holiday do I get after working here four years?" is answered by "3 to 5 years: 25 days", not by the
    row that fitted its words best ("Less than 3 years", a tester's), nor by the whole table. Its other rows go.

    A row the question names by its first cell is that row, whatever its number counts, and with no number asked:
    "We're on Business and need three more people" asks for the Business row, not the one for up to three users;
    "How much is the Professional edition per year?" for the Professional row, not the Enterprise row that says
    "Everything in Professional, plus ..." (a tester's)."""
    number = asked_number(question)
    first = next((c for c in chosen if table_rows(c.sentence)), None)
    if first is None:
        return chosen
    # The table's rows, also those a long table's other passages hold: the rows with its column names.
    columns = [column for column, _ in table_rows(first.sentence)[1][0]]
    table, tables = _rows_with_columns(columns, candidates)
    holding = []
    if number is not None:
        number = in_unit_of(question, number, columns)
        holding = [
            (c, i)
            for c in table
            for i, row in enumerate(tables[id(c)][1])
            if any(in_range(cell, number) and counts_in_unit(question, column, cell) for column, cell in row)
        ]
    asked = set(tokenize(question))
    named = [(c, i) for c in table for i, row in enumerate(tables[id(c)][1]) if names_row(row, asked)]
    if not named:  # "a root canal on a molar": the row whose first cell's own words ("molar") are all asked,
        # not "Surface water drainage" for "the yearly charge for water"
        named = [row for row, words in _own_words(table, tables) if words and words <= asked]
    if len(named) == 1:
        holding = named
    if len(holding) != 1:
        return chosen
    c, i = holding[0]
    if len(tables[id(c)][1]) == 1:  # a long table's row is a sentence of its own: that one, as it is
        return [c] + [other for other in chosen if other not in table]
    lead = tables[id(c)][0]
    row_quote = [q for q in c.sentence.quotes if q and q != lead][i]
    one_row = dataclasses.replace(c.sentence, text=row_quote, quotes=(lead, row_quote) if lead else (row_quote,))
    return [dataclasses.replace(c, sentence=one_row)] + [other for other in chosen if other not in table]


def _rows_with_columns(
    columns: list[str], candidates: list[Candidate]
) -> tuple[list[Candidate], dict[int, tuple[str, list[Cells]]]]:
    """The candidates that are rows of a table with these column names, and every table row's (lead, cells) by
    candidate id."""
    tables = {id(c): rows for c in candidates if (rows := table_rows(c.sentence))}
    return [c for c in candidates if id(c) in tables and [col for col, _ in tables[id(c)][1][0]] == columns], tables


def with_whole_table(
    chosen: list[Candidate], candidates: list[Candidate], question: str, budget: int, table_budget: int = 0
) -> list[Candidate]:
    """`chosen` with every row of the table its first sentence is a row of, in document order, when the question
    asks for no row in particular (no number, no word of one row's first cell) and the table fits in `budget`
    characters: "Is there a discount for groups?" got the three best-fitting rows of five, and left out the 20%
    for 20 to 40 bikes."""
    first = chosen[0] if chosen else None
    rows = table_rows(first.sentence) if first else None
    if first is None or rows is None or asked_number(question) is not None:
        return chosen
    asked = set(tokenize(question))
    columns = [column for column, _ in rows[1][0]]
    table, tables = _rows_with_columns(columns, [c for c in candidates if c.source_n == first.source_n])
    table.sort(key=order_of)
    if any(asked & words for _, words in _own_words(table, tables)):
        return chosen  # a row the question picks by a word of its first cell no other row has ("lead climb")
    if all(c in chosen for c in table) or sum(_quoted_size(c) for c in table) > max(budget, table_budget):
        return chosen
    # The table's lead-in, when the answer quotes it, comes before it as it reads there ("Use the table below to
    # check whether you need to connect to the VPN."), not after its last row.
    opens = order_of(table[0])
    lead = [c for c in chosen if c.source_n == first.source_n and order_of(c) < opens and leads_in(c.sentence.text)]
    return lead + table + [c for c in chosen if c not in table and c not in lead]


def _own_words(table: list[Candidate], tables: dict) -> list[tuple[tuple[Candidate, int], set[str]]]:
    """((candidate, row number), words) of each row of a table: the words of its first cell no other row's has."""
    at = [(c, i) for c in table for i, _ in enumerate(tables[id(c)][1])]
    labels = [set(tokenize(row[0][1])) if row else set() for c in table for row in tables[id(c)][1]]
    return [(at[i], label - set().union(*labels[:i], *labels[i + 1 :])) for i, label in enumerate(labels)]


def names_row(row: Cells, asked: set[str]) -> bool:
    """Whether a question (`asked`: its words) names a table row by its first cell: a name ("Business"), not a
    number or a range ("More than 5 years"), which only the number asked picks."""
    label = row[0][1] if row else ""
    words = set(tokenize(label))
    return bool(words) and not names_number(label) and words <= asked


def with_whole_lists(chosen: list[Candidate], candidates: list[Candidate], budget: int) -> list[Candidate]:
    """`chosen` (a list question's sentences) with every item of each list it quotes two items of or more, in the
    list's order, when that fits in `budget` characters: "Which operating systems can I install the server on?"
    got two of the four systems, the two whose wording fitted best (a tester's)."""
    lists = Counter((c.source_n, c.sentence.list_id) for c in chosen if c.sentence.list_id)
    whole = {
        key: sorted((c for c in candidates if (c.source_n, c.sentence.list_id) == key), key=order_of)
        for key, n in lists.items()
        if n >= 2
    }
    if all(c in chosen for members in whole.values() for c in members):
        return chosen
    out: list[Candidate] = []
    for c in chosen:
        members = whole.get((c.source_n, c.sentence.list_id), [c])
        out += [m for m in members if m not in out]
    return out if sum(_quoted_size(c) for c in out) <= budget else chosen


def with_its_passage_list(chosen: list[Candidate], candidates: list[Candidate], budget: int) -> list[Candidate]:
    """`chosen` (a list question's best sentences, no list having fitted as well) with the list its best passage
    holds, and the sentence introducing it, when that fits in `budget` characters: "Which ways can someone send us
    a subject access request?" got "... must be answered within 30 days." without the ways listed after it."""
    if not chosen:
        return chosen
    source = chosen[0].source_n
    own = sorted((c for c in candidates if c.source_n == source), key=order_of)
    lists: dict[int, list[Candidate]] = {}
    for c in own:
        if c.sentence.list_id:
            lists.setdefault(c.sentence.list_id, []).append(c)
    if not lists or any(c.sentence.list_id for c in chosen):
        return chosen
    members = max(lists.values(), key=lambda m: max(c.score for c in m))
    by_order = {c.sentence.order: c for c in own}
    intro = by_order.get(members[0].sentence.order - 1)
    added = ([intro] if intro and not intro.sentence.list_id and intro not in chosen else []) + members
    size = sum(_quoted_size(c) for c in [*chosen, *added])
    return chosen + added if size <= budget else chosen


def table_of_each_side(candidates: list[Candidate], sides: list[str]) -> tuple[list[Candidate], dict[int, list[str]]]:
    """For a comparison of two things one retrieved table sets side by side, that table with just the two, and the
    rows it quotes as the source writes them; ([], {}) when no table names both.

    Two of its columns ("What's the difference between the clay party and the paint-a-pot party?" of a table with a
    column per party) are quoted with the column naming its rows; else two of its rows, by their first cells
    ("the beginners wheel course and the intermediate one"). A side is named by the words its question has and
    the other side's has not, found in one column's or row's name more than in any other's."""
    if len(sides) != 2:
        return [], {}
    own = own_words(*sides)
    if not all(own):
        return [], {}
    tables = {id(c): rows for c in candidates if (rows := table_rows(c.sentence))}
    for best in sorted((c for c in candidates if id(c) in tables), key=lambda c: -c.score):
        lead, rows = tables[id(best)]
        columns = [column for column, _ in rows[0]]
        table, _ = _rows_with_columns(columns, [c for c in candidates if c.source_n == best.source_n])
        table.sort(key=order_of)
        cells = [row for c in table for row in tables[id(c)][1]]
        quotes = list(dict.fromkeys(q for c in table for q in c.sentence.quotes if q and q != lead))
        by_column = [_named_once(columns[1:], words) for words in own]
        if None not in by_column and by_column[0] != by_column[1]:
            sides_kept = {columns[1 + i] for i in by_column}
            # each row with the cell naming it and the two sides' cells (a row lacking one says nothing of both)
            used = [row for row in cells if sides_kept <= {col for col, _ in row[1:]}]
            shown = [[row[0], *((col, cell) for col, cell in row[1:] if col in sides_kept)] for row in used]
        else:
            by_row = [_named_once([row[0][1] for row in cells], words) for words in own]
            if None in by_row or by_row[0] == by_row[1]:
                continue
            used = shown = [cells[i] for i in sorted(by_row)]
        if not shown:
            continue
        texts = [_row_text(row) for row in shown]
        sentence = dataclasses.replace(
            best.sentence, text="\n".join(texts), quotes=((lead,) if lead else ()) + tuple(texts), label=lead
        )
        # the source panel marks the rows as the document writes them, every column included
        written = [q for q in quotes if row_cells(q) in used]
        return [dataclasses.replace(best, sentence=sentence)], {best.source_n: ([lead] if lead else []) + written}
    return [], {}


def _named_once(names: list[str], words: set[str]) -> int | None:
    """The one of `names` sharing most of `words` (read with a hyphenated word's parts), or None (none, or a tie)."""
    shared = [len(words & set(document_terms(name))) for name in names]
    most = max(shared, default=0)
    return shared.index(most) if most and shared.count(most) == 1 else None


def _row_text(row: Cells) -> str:
    """A row as the converters write it: "Column: cell; Column: cell" (the first cell alone when its column has
    no name)."""
    first = row[0][1] if not row[0][0] else f"{row[0][0]}: {row[0][1]}"
    return "; ".join([first, *(f"{column}: {cell}" for column, cell in row[1:])])
