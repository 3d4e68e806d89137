"""Answers drawn from a whole section, for list, summary and comparison questions: a list with its lead-in,
a section's lists side by side, or a section's parts ("Real-World Applications" > "Marketing", ...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from bot.ingest.sentences import Sentence
from bot.question.followup import COMPARING_WORDS
from bot.safe_markdown import inert_markdown
from bot.text import NEGATION, NUMBERING, STOPWORDS, asks_what_is_not, in_quotes, spells_out, tokenize, writes_whole
from bot.types import Passage, QuestionForm

# A list item that names its subject first: "Customer Service: AI chatbots handle ...".
_ITEM_NAME = re.compile(r"^(?:\*\*|__)?([A-Z][^:.!?*_]{1,40})(?:\*\*|__)?:\s")  # "**CITGM**: ..." bold too


@dataclass
class Candidate:
    """A sentence of a retrieved passage, scored for the question."""

    sentence: Sentence
    source_n: int  # 1-based number of the passage among the sources
    score: float
    vector: np.ndarray


# Scores the retrieved sentences for one side of a comparison (its form, its embedding, the term weights).
Scorer = Callable[[QuestionForm, np.ndarray, dict[str, float]], list[Candidate]]
# For one side of a comparison, a sentence naming that side alone is preferred to one naming both when it
# scores within this of it (0.02, 0.05 and 0.1 give the same figures; see README, "Both sides").
SIDE_ALONE_MARGIN = 0.05
TITLE_MAX_WORDS = 8  # a title or byline line is short; a longer line without a stop is a cut sentence


def terms(c: Candidate) -> set[str]:
    """The words of a candidate sentence with its label (the heading or lead-in it is read under)."""
    return set(tokenize(f"{c.sentence.label} {c.sentence.text}"))


def says_something(c: Candidate) -> bool:
    """Whether a sentence can be quoted on its own: a bare lead-in ("...:") comes in only with what it
    introduces, a question in the text ("Thinking about integrating AI into your business?") answers nothing,
    and neither does a title or a byline ("X Desktop Group Thomas Leonard tal197 at users.sf.net")."""
    text = c.sentence.text.rstrip(" *_")
    return bool(c.sentence.code) or not (text.endswith((":", "?")) or not c.sentence.list_id and _title_line(text))


_NAME_JOINS = frozenset({"of", "and", "for", "the"})  # the small words a name keeps ("Department of Health")


def _title_line(text: str) -> bool:
    """A line (not a list item or table row) that ends without a stop and whose words are mostly capitalised,
    or has none (an address alone), or that ends with a full stop and has only capitalised words ("Larkspur &
    Hollins Veterinary Group." under a policy's title): a title, a name, a byline."""
    stopped = text.endswith(".")
    if text.endswith(("!", ";", '"', "”")) or stopped and text.endswith(".."):
        return False
    # Words, not addresses or codes ("users.sf.net", "tal197"), and not the small words titles keep lower case.
    body = text[:-1] if stopped else text
    tokens = (t.strip("()[]{}\"'“”‘’,") for t in body.split())
    words = [t for t in tokens if t.isalpha() and t.lower() not in STOPWORDS]
    capitalised = sum(w[0].isupper() for w in words)
    if stopped:  # a sentence has a verb in lower case: a line of names alone, with no figure, is a byline
        plain = not any(c.isdigit() or c in ":@/" for c in text)  # "Payment Support Team: 0300 555 0199, Monday ..."
        small = [w for w in body.split() if w.isalpha() and w.lower() in STOPWORDS]
        names_only = all(w in _NAME_JOINS for w in small)  # "Donations to the PSF are tax-exempt in the US." has "are"
        return plain and names_only and 2 <= len(words) <= TITLE_MAX_WORDS and capitalised == len(words)
    # (short: a sentence cut at a page break, "... presented its Award to John M. Chambers, the principal
    # designer of S, for", is no title however many names it holds)
    return not words or 2 <= len(words) <= TITLE_MAX_WORDS and capitalised > len(words) / 2


def order_of(c: Candidate) -> tuple[int, int]:
    """Where a sentence stands: its passage's number, then its place in the passage."""
    return c.source_n, c.sentence.order


def section_answer(
    candidates: list[Candidate],
    summary: bool,
    headings: dict[int, tuple[str, str]],
    place: dict[int, int],
    compare: bool = False,
) -> list[Candidate]:
    """The sentences that answer a list, summary or comparison (`compare`) question from a whole section.

    The top passage's subsections (`place`: their reading order) answer when the best sentence is in it or
    them (see `_parts`). Otherwise: the best-fitting list with the sentence that introduces it (a summary
    also gets its passage's opening sentence), or a summary's or comparison's lists of one section side by
    side, or for a summary without a list the best passage's best sentences in reading order. Empty when
    no list fits nearly as well as the best sentence (the caller then quotes the best sentences)."""
    if not candidates:
        return []
    best = max(candidates, key=lambda c: c.score)
    children = sorted(subsections(1, headings), key=place.__getitem__)  # in reading order
    if children and best.source_n in (1, *children):
        return _parts(candidates, children, summary or compare, headings)
    lists: dict[tuple[int, int], list[Candidate]] = {}
    for c in candidates:
        if c.sentence.list_id:
            lists.setdefault((c.source_n, c.sentence.list_id), []).append(c)
    by_place = {(c.source_n, c.sentence.order): c for c in candidates}

    def fit(key: tuple[int, int]) -> float:
        # A list fits through its items or through the sentence that introduces it ("LLMs are highly
        # effective in areas that ..." before the areas): the items rarely repeat the question's words.
        # A labelled list ("Choose Generative AI if you need:") is judged by its items, which carry the label.
        members = lists[key]
        intro = by_place.get((key[0], min(m.sentence.order for m in members) - 1))
        by_intro = intro and not intro.sentence.list_id and not any(m.sentence.label for m in members)
        return max([m.score for m in members] + ([intro.score] if by_intro else []))

    fitting = {key: members for key, members in lists.items() if fit(key) >= best.score - 0.1}
    in_passage = {c.sentence.order: c for c in candidates if c.source_n == best.source_n}
    if not fitting:
        if not summary:
            return []
        top = sorted(in_passage.values(), key=lambda c: -c.score)[:3]
        top = [c for c in top if says_something(c)]
        if children := subsections(best.source_n, headings):
            # The section's subsections were retrieved too ("Key Differences" > "Scope", "Technologies
            # Used"): its best sentence, then each subsection's best sentence, in reading order.
            extra = [c for c in (best_of(candidates, n) for n in children) if c]
            return top[:1] + sorted(top[1:] + extra, key=order_of)
        return sorted(top, key=order_of)
    key = max(fitting, key=fit)
    if summary or compare:
        # "Summarize which industries benefit from each technology": the section's lists side by side.
        group = _sibling_lists(key, lists, headings, place)
        if len(group) > 1:
            return _side_by_side(group, lists, summary, headings, by_place)
    members = sorted(fitting[key], key=order_of)
    same_passage = {c.sentence.order: c for c in candidates if c.source_n == key[0]}
    intro = same_passage.get(members[0].sentence.order - 1)
    picked = [intro] if intro and not intro.sentence.list_id and not intro.sentence.code else []
    opening = same_passage.get(0)
    if summary and opening and opening not in picked and not opening.sentence.list_id:
        picked.insert(0, opening)
    budget = 600 - sum(len(c.sentence.text) for c in picked)
    for member in members:
        if len(member.sentence.text) > budget:
            break
        picked.append(member)
        budget -= len(member.sentence.text)
    return picked if len(picked) > (1 if intro else 0) else []


def _sibling_lists(
    key: tuple[int, int],
    lists: dict[tuple[int, int], list[Candidate]],
    headings: dict[int, tuple[str, str]],
    place: dict[int, int],
) -> list[tuple[int, int]]:
    """The lists of `key`'s section (same heading, or subsections of the same parent), in reading order."""
    source, heading = headings[key[0]]
    parent = heading.rsplit(" > ", 1)[0] if " > " in heading else None

    def related(n: int) -> bool:
        other_source, other = headings[n]
        return other_source == source and (other == heading or (" > " in other and other.rsplit(" > ", 1)[0] == parent))

    return sorted((k for k in lists if related(k[0])), key=lambda k: (place[k[0]], k))[:3]


def _side_by_side(
    group: list[tuple[int, int]],
    lists: dict[tuple[int, int], list[Candidate]],
    summary: bool,
    headings: dict[int, tuple[str, str]],
    by_place: dict[tuple[int, int], Candidate],
) -> list[Candidate]:
    """Several lists of one section, each under its lead-in or heading: for a summary the list itself (its
    item names alone when every item is "Name: ..."), for a comparison its best-fitting item."""
    first = sorted(lists[group[0]], key=order_of)[0]
    intro = by_place.get((first.source_n, first.sentence.order - 1))
    picked = [intro] if intro and not intro.sentence.list_id and not intro.sentence.code else []
    budget = 600 - sum(len(c.sentence.text) for c in picked)
    for key in group:
        members = sorted(lists[key], key=order_of)
        if not summary:
            members = [max(members, key=lambda c: c.score)]
        elif len(members) > 1 and all(_ITEM_NAME.match(m.sentence.text) for m in members):
            names = [_ITEM_NAME.match(m.sentence.text).group(1) for m in members]
            text = ", ".join(names) + "."
            members = [replace(members[0], sentence=replace(members[0].sentence, text=text, quotes=tuple(names)))]
        leaf = headings[key[0]][1].rsplit(" > ", 1)[-1].strip()
        for n, member in enumerate(members):
            if len(member.sentence.text) > budget:
                break
            if n == 0 and not member.sentence.label and leaf and len({headings[k[0]] for k in group}) > 1:
                member = replace(member, sentence=replace(member.sentence, label=f"{leaf}:"))
            picked.append(member)
            budget -= len(member.sentence.text)
    return picked


def _parts(
    candidates: list[Candidate], children: list[int], summary: bool, headings: dict[int, tuple[str, str]]
) -> list[Candidate]:
    """A section with subsections, for a list or summary question: its opening sentence, then for a list what
    its parts are ("The section “Real-World Applications” covers Marketing [2], ..."), for a summary each
    part's best sentence under its heading."""
    opening = best_of(candidates, 1)
    picked = [opening] if opening else []
    if summary:
        budget = 800 - sum(len(c.sentence.text) for c in picked)

        def opening_of(n: int, count: int) -> list[Candidate]:
            own = sorted((c for c in candidates if c.source_n == n), key=order_of)
            return [c for c in own if says_something(c)][:count]

        # Each part's opening sentences (a section states its point first): two each when they fit, else one.
        # A second only after a short first one ("LLMs: Focus primarily on ..." and then "Generative AI: ..."):
        # after a whole list it is the section's closing remark.
        parts = [
            opening_of(n, 1 if len(" ".join(c.sentence.text for c in opening_of(n, 1))) > 130 else 2) for n in children
        ]
        if sum(len(c.sentence.text) for part in parts for c in part) > budget:
            parts = [opening_of(n, 1) for n in children]
        for n, part in zip(children, parts):
            leaf = headings[n][1].rsplit(" > ", 1)[-1].strip()
            for i, c in enumerate(part):
                if len(c.sentence.text) > budget:
                    break
                if i == 0 and not c.sentence.label and not c.sentence.text.lower().startswith(leaf.lower()):
                    c = replace(c, sentence=replace(c.sentence, label=f"{leaf}:"))
                picked.append(c)
                budget -= len(c.sentence.text)
        return picked
    names = [f"{inert_markdown(headings[n][1].rsplit(' > ', 1)[-1].strip())} [{n}]" for n in children]
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    section = inert_markdown(headings[1][1].rsplit(" > ", 1)[-1].strip())
    text = f"The section {in_quotes(section)} covers {listed}."
    contents = Sentence(text=text, context=text, order=10_000)
    return picked + [Candidate(contents, 0, 0.0, np.zeros(1, np.float32))]


def with_next_command(
    chosen: list[Candidate],
    candidates: list[Candidate],
    headings: dict[int, tuple[str, str]],
    place: dict[int, int],
    asked: set[str],
) -> list[Candidate]:
    """A how-to answer that quotes no command, with the first command the next passage of its section gives, when
    its lead-in shares a word with the question (`asked`: its words, less those the corpus is about): "how do i
    remote into my desk pc from home" quoted what to prepare, and the section's next passage, "Connect to the VPN
    first, then run Remote Desktop with your own workstation name, for example:" and its `mstsc` line, was left
    out. debmake's "The output from the debmake command is very verbose ... as follows." shares only "debmake"
    with a question about it, and its output is no command to quote."""
    first = chosen[0].source_n if chosen else 0
    if first not in place or any(c.sentence.code for c in chosen):
        return chosen
    following = {n for n, at in place.items() if at == place[first] + 1 and headings.get(n) == headings.get(first)}
    opening = sorted((c for c in candidates if c.source_n in following), key=order_of)
    command = next((c for c in opening if c.sentence.code and terms(c) & asked), None)
    return [*chosen, command] if command else chosen


def subsections(source_n: int, headings: dict[int, tuple[str, str]]) -> list[int]:
    """The retrieved passages whose heading is below `source_n`'s in the same document."""
    source, heading = headings[source_n]
    return sorted(n for n, (src, h) in headings.items() if heading and src == source and h.startswith(heading + " > "))


def best_of(candidates: list[Candidate], source_n: int) -> Candidate | None:
    own = [c for c in candidates if c.source_n == source_n and says_something(c)]
    return max(own, key=lambda c: c.score) if own else None


def of_the_side_asked(candidates: list[Candidate], query: str) -> list[Candidate]:
    """Without the items listed under a sibling label for another thing than the question names: "Which industries
    benefit most from LLMs?" is not answered by "Industries That Benefit from Generative AI: Marketing ...",
    though its items fit as well as the LLM list's. Sibling labels share words and differ in what they are of."""
    labels = {c.sentence.label: set(tokenize(c.sentence.label)) for c in candidates if c.sentence.label}
    asked = set(tokenize(query))
    dropped: set[str] = set()
    for label, words in labels.items():
        for other, other_words in labels.items():
            shared = words & other_words
            own, others_own = words - shared, other_words - shared
            # Siblings: most words shared; this one's own words asked for, the other's not at all.
            siblings = other != label and shared and len(shared) >= max(len(own), len(others_own))
            if siblings and own and own <= asked and not others_own & asked:
                dropped.add(other)
    return [c for c in candidates if c.sentence.label not in dropped] if dropped else candidates


def own_words(first: str, second: str) -> list[set[str]]:
    """The words each of a comparison's two side questions has and the other's has not: what names that side
    ("clay party" against "paint-a-pot party" in the same question asked of each)."""
    a, b = set(tokenize(first)), set(tokenize(second))
    return [a - b, b - a]


def speaks_of_each(chosen: list[Candidate], sides: list[tuple[QuestionForm, np.ndarray]]) -> bool:
    """Whether sentences name each of a comparison's two sides (in their words or labels); True when the question
    has no two sides to check."""
    if len(sides) != 2:
        return True
    said = set().union(*(terms(c) for c in chosen)) if chosen else set()
    return all(own and own <= said for own in own_words(sides[0][0].query, sides[1][0].query))


def each_side(
    sides: list[tuple[QuestionForm, np.ndarray]],
    candidates: list[Candidate],
    weights: dict[str, float],
    score: Scorer,
) -> list[Candidate]:
    """For a question that sets two things side by side, the sentence that best answers it of each one.

    Each side is asked on its own (`Retrieval.sides`, embedded once by the retriever: "Compare the
    technologies that LLMs are built on."), and its sentence must speak of that side (in its words or
    its label): the best sentence for the whole question often speaks of one side only ("LLMs are built
    specifically for text-based tasks")."""
    if len(sides) != 2:
        return []
    first, second = sides[0][0].query, sides[1][0].query
    own = own_words(first, second)
    quotable = [c for c in candidates if says_something(c)]
    top = max(quotable, key=lambda c: c.score, default=None)
    if top is None:
        return []
    # What the question asks of both, besides naming them and asking to compare ("scoping", "strengths").
    asked = set(tokenize(f"{first} {second}")) - own[0] - own[1] - COMPARING_WORDS
    if all(words & terms(top) for words in own) and (asked & terms(top) or not asked):
        return []  # the best sentence already answers it of both ("in S the enclosing ..., but in R ...")
    picked: list[Candidate] = []
    # Asked of one side, "differ" matches nothing that answers: its weight goes to the other words.
    side_weights = {**weights, **dict.fromkeys(COMPARING_WORDS, 0.0)}
    for (side, vector), words in zip(sides, own):  # each side's form, read with the question
        if not words:
            return []
        speaking = [c for c in score(side, vector, side_weights) if says_something(c) and words & terms(c)]
        best = max(speaking, key=lambda c: c.score, default=None)
        if best is None:
            return []
        other = own[1] if words is own[0] else own[0]
        alone = [c for c in speaking if not other & terms(c) and c.score >= best.score - SIDE_ALONE_MARGIN]
        if alone and other & terms(best):
            # A sentence of this side alone says what it is; one naming both sets them against each other.
            best = max(alone, key=lambda c: c.score)
        # The same sentence as scored against the whole question, which the rest of the answer is built on.
        place = (best.source_n, best.sentence.order)
        same = next((c for c in candidates if (c.source_n, c.sentence.order) == place), None)
        if same and same not in picked:
            picked.append(same)
    return picked


def sections_of_each_side(
    candidates: list[Candidate],
    sources: list[Passage],
    sides: list[tuple[QuestionForm, np.ndarray]],
    budget: int,
) -> list[Candidate]:
    """For a comparison whose each side is a section's own title ("Compare the benefits of LLMs and generative AI":
    "Benefits of LLMs", "Benefits of Generative AI"), each of those sections, under its title, up to `budget`
    characters each; or [] unless both sides have one.

    A section's title holds every word asked of its side and none of the other side's own words (the FAQ "Which
    Industries Benefit Most from LLMs vs. Generative AI?" is about both); the best retrieved such passage is quoted."""
    if len(sides) != 2:
        return []
    asked = [set(tokenize(side.query)) - COMPARING_WORDS for side, _ in sides]
    own = [asked[0] - asked[1], asked[1] - asked[0]]
    picked: list[Candidate] = []
    for words, other in ((asked[0], own[1]), (asked[1], own[0])):
        titled = [
            n
            for n, passage in enumerate(sources, start=1)
            if words <= (title := set(tokenize(passage.heading.rsplit(" > ", 1)[-1]))) and not other & title
        ]
        if not words or not titled or titled[0] in {c.source_n for c in picked}:
            return []
        n = titled[0]  # sources come best first
        label = f"{sources[n - 1].heading.rsplit(' > ', 1)[-1]}:"
        size = 0
        for i, c in enumerate(sorted((c for c in candidates if c.source_n == n), key=lambda c: c.sentence.order)):
            size += len(c.sentence.text)
            if i and size > budget:
                break
            picked.append(replace(c, sentence=replace(c.sentence, label=label)) if i == 0 else c)
    return picked


# A heading naming a procedure: "How to apply", "3. How to apply", "How do I report a leak?", "Booking a party,
# step by step", "Steps to freeze your membership".
_HOW_TO_HEADING = re.compile(
    r"^how\s+(?:to|do\s+(?:i|you|we)|can\s+(?:i|you|we))\s+\w|\bstep[- ]by[- ]step\b|^steps?\s+(?:to|for)\b", re.I
)
# The words that say a heading is a procedure, not what it is a procedure for.
_PROCEDURE_WORDS = frozenset(["step"])


def named_section(
    form: QuestionForm, candidates: list[Candidate], headings: dict[int, tuple[str, str]], place: dict[int, int]
) -> list[Candidate]:
    """The sentences of the section a question names by its heading, every word of which it uses, with the rest of
    that section found (`place`: reading order), in reading order; empty when it names none.

    A section that says "not" of what a question asking what is not so asks about ("What the warranties do not
    cover"). A procedure for "How do I X?" ("3. How to apply" for "How do I apply for WaterAssist?"): its steps rarely
    repeat the question's words, and another passage's sentence that does had answered ("we will apply whichever
    gives the lower bill"). A section asked about for what it says ("What does the charter say about Our service
    standards?", the app's own starters), or for how to do it ("How should I set up quilt so that ...?" of the section
    "quilt"): its lead-in, table, code and closing lines, not the lead-in alone."""
    negated = asks_what_is_not(form.question)
    if not (form.how_to or form.wants_summary or negated):
        return []
    asked = set(tokenize(form.query))
    for n in sorted({c.source_n for c in candidates}):
        heading = NUMBERING.sub("", headings[n][1].split(" > ")[-1]).strip()
        terms = set(tokenize(heading))
        # asked about by name: the heading written whole in the question ("say about Our service standards", "How
        # should I set up quilt ...?")
        named = (form.wants_summary or form.how_to) and writes_whole(form.query, heading)
        procedure = bool(form.how_to and _HOW_TO_HEADING.search(heading))
        # "What isn't covered by the warranty?" asks for "What the warranties do not cover", not the table of what is
        denies = negated and bool(NEGATION.search(heading))
        if procedure:
            # "Booking a party, step by step" names the procedure "How do I book a party?" asks for
            terms -= _PROCEDURE_WORDS
        if procedure or denies:
            unasked = {t for t in terms if not any(_form_of(t, a) or _form_of(a, t) for a in asked)}
        else:
            unasked = terms - asked
        if terms and not unasked and (named or procedure or denies):
            source, path = headings[n]
            if any(s == source and h.startswith(f"{path} > ") for s, h in headings.values()):
                return []  # a section with parts: `section_answer` quotes each part ("Benefits of Both Technologies")
            section = [c for c in candidates if headings[c.source_n] == headings[n]]
            return sorted(section, key=lambda c: (place[c.source_n], c.sentence.order))
    return []


def _form_of(word: str, root: str) -> bool:
    """Whether `word` is `root` or its "-ing" / "-ed" form ("booking", "book"; "freezing", "freeze";
    "cancelled", "cancel")."""
    stem = root.removesuffix("e")
    return word == root or any(word in (stem + end, root + root[-1:] + end) for end in ("ing", "ed"))


def spelled_out(form: QuestionForm, candidates: list[Candidate], most: int) -> list[Candidate]:
    """For "What does RVN stand for?", the best `most` sentences that write it out ("Registered Veterinary Nurses
    (RVNs): ..."), not sentences that only use it; empty when none does."""
    writing = [c for c in candidates if form.spell_out and spells_out(c.sentence.text, form.spell_out)]
    return sorted(writing, key=lambda c: -c.score)[:most]
