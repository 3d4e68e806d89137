"""What the corpus is about, told to users: the assistant's description, starter questions and readme.

Everything comes from the index of whatever corpus the app runs on: its titles, main sections and
question headings, and the questions a Markdown file lists in its front matter. Settings may pin the
name, the description and the starters for a demo.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.question.patterns import DOCUMENT_NOUNS, names_document_as_this
from bot.safe_markdown import inert_markdown
from bot.settings import Settings
from bot.text import in_quotes, is_question, plain_heading, tokenize
from bot.types import Passage

if TYPE_CHECKING:  # only for annotations: this module stays light to import
    from bot.retrieval.loaded import DocumentFacts, LoadedGeneration
    from bot.retrieval.retriever import Retriever

MAX_STARTERS = 4
MAX_SECTIONS_SHOWN = 8  # per document, in the readme
MAX_DOCUMENTS_SHOWN = 30  # in the readme; the rest are counted
# Sections every document may have that say nothing about what it answers.
_BOILERPLATE = re.compile(
    r"^(?:(?:table of )?contents|index|references|bibliography|acknowledge?ments?|copyright|licen[cs]e|"
    # "Purpose of this policy", "Scope": what the document is for, not what it says (a tester's library policy made
    # "What do the documents say about purpose of this policy?")
    rf"about (?:this|the) {DOCUMENT_NOUNS}|(?:purpose|scope|aims?|purpose and scope)(?: of (?:this|the) {DOCUMENT_NOUNS})?|"
    r"preface|foreword|appendix(?: \w+)?|notes?|footnotes|"
    r"glossary|see also|further reading|sources?|introduction|overview|summary|conclusions?|abstract|welcome(?: to .*)?|"
    r"indices(?: and tables)?|navigation|search(?: page)?|module index)\W*$",  # (Sphinx's own pages)
    re.I,
)


@dataclass(frozen=True)
class Document:
    """One indexed document as users are told about it."""

    source: str  # file name in the corpus
    title: str
    publisher: str = ""
    sections: tuple[str, ...] = ()  # its main sections, in reading order
    question_headings: tuple[tuple[str, str], ...] = ()  # (question, main section it is in)
    questions: tuple[str, ...] = ()  # suggested in its front matter
    pages: int = 0
    slides: int = 0


@dataclass(frozen=True)
class Overview:
    """The corpus described: what the welcome screen, the readme and the refusal text say."""

    name: str
    description: str
    headline: str  # the documents in a few words, under the name on the welcome screen
    documents: tuple[Document, ...]
    starters: tuple[str, ...]
    readme: str
    askable: tuple[str, ...] = ()  # every question a starter could be (`askable_questions`)


def _parts(passage: Passage) -> list[str]:
    return [plain_heading(part) for part in passage.heading.split(" > ") if part.strip()]


def _main_depth(paths: list[list[str]], title: str) -> int:
    """The heading level that splits a document into its main sections: the shallowest with two or more,
    not counting a top heading that only repeats the title, nor boilerplate (a Sphinx manual's chapters are
    all under "Contents", beside "Abstract" and "Indices and tables")."""
    deepest = max((len(p) for p in paths), default=0)
    for depth in range(deepest):
        names = {
            p[depth]
            for p in paths
            if len(p) > depth and p[depth].casefold() != title.casefold() and not _BOILERPLATE.match(p[depth])
        }
        if len(names) >= 2:
            return depth
    return 0


def describe_document(source: str, passages: list[Passage], facts: DocumentFacts | None) -> Document:
    """A document's title, main sections and question headings, from its passages in reading order."""
    title = passages[0].title if passages else source
    paths = [_parts(p) for p in passages]
    depth = _main_depth(paths, title)
    sections: dict[str, None] = {}
    asked: dict[str, str] = {}
    for path in paths:
        main = path[depth] if len(path) > depth else (path[-1] if path else "")
        if main and main.casefold() != title.casefold():
            sections.setdefault(main)
        for part in path:
            if is_question(part) and 8 <= len(part) <= 150:
                asked.setdefault(part, main)
    pages = max((int(p.location[3:]) for p in passages if re.fullmatch(r"p\. \d+", p.location)), default=0)
    slides = max((int(p.location[6:]) for p in passages if re.fullmatch(r"slide \d+", p.location)), default=0)
    return Document(
        source=source,
        title=title,
        publisher=passages[0].publisher if passages else "",
        sections=tuple(sections),
        question_headings=tuple(asked.items()),
        questions=facts.questions if facts else (),
        # Ingest counts every page; the passages alone know only the last page a passage starts on.
        pages=(facts.pages if facts and facts.pages else pages),
        slides=(facts.slides if facts and facts.slides else slides),
    )


def _spread(question_headings: tuple[tuple[str, str], ...]) -> list[str]:
    """Question headings, one per main section in turn, so starters do not all come from one chapter."""
    by_section: dict[str, list[str]] = {}
    for question, section in question_headings:
        by_section.setdefault(section, []).append(question)
    return _round_robin(list(by_section.values()))


def _round_robin(lists: list[list[str]]) -> list[str]:
    out: list[str] = []
    for i in range(max((len(items) for items in lists), default=0)):
        out += [items[i] for items in lists if i < len(items)]
    return out


def _askable(section: str) -> bool:
    """A section worth a starter: not boilerplate ("Contents"), not a question itself, not a long line."""
    # "revision 5)", a PDF heading cut at a bracket, made "What do the documents say about revision 5)?" (tester)
    whole = section.count("(") == section.count(")")
    return not _BOILERPLATE.match(section) and not section.endswith("?") and 3 <= len(section) <= 60 and whole


_DOCUMENT_NOUN = re.compile(rf"\b{DOCUMENT_NOUNS}\b", re.I)


# A heading that is a how-to or a question without its mark: "How to book a bike online", "WHO CAN RENT".
_HOW_TO = re.compile(r"^how to (\w.*)$", re.I)
_UNMARKED_QUESTION = re.compile(
    r"^(?:(?:who|what|when|where|which|why|how) (?:can|is|are|do|does|should|must|may|will)|(?:can|do|does|is|are) "
    r"(?:i|you|we|my|our))\b",
    re.I,
)


def _about(document: Document, section: str, several: bool) -> str:
    """A question about a section, naming its document when there are several and the title is short; a how-to
    or a question heading asked as itself. (A tester saw "What do the documents say about How to book a bike
    online?" and "What does Rental Terms say about WHO CAN RENT?".)"""
    if section.isupper():
        section = section.capitalize()  # a heading in capitals, said in a sentence
        if " " in section and not _UNMARKED_QUESTION.match(section):
            section = section.lower()
    if how := _HOW_TO.match(section):
        return f"How do I {how.group(1)}?"
    if _UNMARKED_QUESTION.match(section):
        return f"{section}?"
    first, *rest = section.split(" ")
    # "about opening hours", but "about RStudio", "about Pests and Mites"
    if first[:1].isupper() and first[1:].islower() and not any(word[:1].isupper() for word in rest):
        section = section[0].lower() + section[1:]
    if not several:
        return f"What does the document say about {section}?"
    if len(document.title) <= 40:
        return f"What does {document.title} say about {section}?"
    return f"What do the documents say about {section}?"


def _same(a: str, b: str) -> bool:
    """Near-identical questions ("What Is Generative AI?" in two articles)."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    if not ta or not tb:
        return a.casefold() == b.casefold()
    return len(ta & tb) / len(ta | tb) >= 0.8


def _candidates(document: Document, several: bool) -> list[list[str]]:
    """A document's own questions, best kind first: those its front matter lists, its question headings
    (spread over its sections), then questions about its main sections."""
    headings = _spread(document.question_headings)
    return [
        list(document.questions),
        [q for q in headings if not (several and names_document_as_this(q))],
        [_about(document, s, several) for s in document.sections if _askable(s) and not _restates_title(s, document)],
    ]


def _restates_title(section: str, document: Document) -> bool:
    """A section named as its document is ("Developer Onboarding Guide" in "Developer Onboarding"): a starter
    about it reads "What does Developer Onboarding say about Developer Onboarding Guide?" (tester)."""
    rest = set(tokenize(_DOCUMENT_NOUN.sub(" ", section))) - set(tokenize(document.title))
    return bool(tokenize(section)) and not rest


def pick_starters(documents: list[Document], pinned: list[str] | None = None, n: int = MAX_STARTERS) -> list[str]:
    """Up to `n` starter questions: `pinned` when given, else one from each document in turn.

    Each turn takes the document's best question not yet picked (its own order: front matter, question
    headings, section questions; near-repeats of picked questions are skipped). Documents take turns
    ranked by their best kind of question, then in the given (file name) order: when there are fewer
    starters than documents, a question an author wrote beats one made from a section name.
    """
    if pinned:
        return list(pinned)
    several = len(documents) > 1
    tiers = [_candidates(d, several) for d in documents]
    rank = [next((i for i, tier in enumerate(t) if tier), len(t)) for t in tiers]
    queues = [sum(tiers[i], []) for i in sorted(range(len(documents)), key=lambda i: rank[i])]  # stable
    picked: list[str] = []
    while len(picked) < n and any(queues):
        for queue in queues:
            while queue:  # this document's turn: its best question that is not a near-repeat
                question = queue.pop(0)
                if not any(_same(question, other) for other in picked):
                    picked.append(question)
                    break
            if len(picked) == n:
                break
    return picked


def askable_questions(documents: list[Document]) -> list[str]:
    """The questions the documents could offer as starters besides their question headings (which retrieval
    offers itself, `Retriever.suggest`), once each: their front matter's and those about their main sections. A
    decline offers those nearest to what was asked."""
    several = len(documents) > 1
    tiers = [_candidates(d, several) for d in documents]
    return list(dict.fromkeys(q for front, _headings, sections in tiers for q in (*front, *sections)))


def _titles(documents: list[Document], most: int = 3) -> str:
    """“A”, “B” and “C”."""
    names = [in_quotes(d.title) for d in documents[:most]]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def default_description(documents: list[Document]) -> str:
    """One line saying what the assistant answers, made from the documents' titles."""
    if not documents:
        return "Answers questions from its documents, citing the passage behind every sentence."
    if len(documents) <= 3:
        return f"Answers questions from {_titles(documents)}, citing the passage behind every sentence."
    return (
        f"Answers questions from {len(documents)} documents, among them {_titles(documents)}, "
        "citing the passage behind every sentence."
    )


def _headline(documents: list[Document]) -> str:
    if len(documents) == 1:
        return documents[0].title
    return f"{len(documents)} documents: " + " · ".join(d.title for d in documents)


def plain_markdown(text: str) -> str:
    """Corpus text as plain Markdown text: nothing in it may become a link, an image, HTML or formatting."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", " ".join(inert_markdown(text).split()))


def _extent(document: Document) -> str:
    if document.pages:
        return f"{document.pages} page{'s' if document.pages != 1 else ''}"
    if document.slides:
        return f"{document.slides} slide{'s' if document.slides != 1 else ''}"
    return ""


def readme_markdown(name: str, description: str, documents: list[Document], starters: list[str]) -> str:
    """The readme the app shows: its documents, their main sections, questions to try and how answers are sourced."""
    count = "one document" if len(documents) == 1 else f"{len(documents)} documents"
    lines = [
        f"# {plain_markdown(name)}",
        "",
        plain_markdown(description),
        "",
        "## What it knows",
        "",
        f"It answers from {count}:",
        "",
    ]
    for document in documents[:MAX_DOCUMENTS_SHOWN]:
        facts = ", ".join(x for x in (plain_markdown(document.source), _extent(document)) if x)
        publisher = f" ({plain_markdown(document.publisher)})" if document.publisher else ""
        lines.append(f"- **{plain_markdown(document.title)}**{publisher}, {facts}")
        sections = [s for s in document.sections if len(s) <= 80]
        if sections:
            shown = " · ".join(plain_markdown(s) for s in sections[:MAX_SECTIONS_SHOWN])
            more = f" · and {len(sections) - MAX_SECTIONS_SHOWN} more" if len(sections) > MAX_SECTIONS_SHOWN else ""
            lines.append(f"  - Sections: {shown}{more}")
    if len(documents) > MAX_DOCUMENTS_SHOWN:
        lines.append(f"- and {len(documents) - MAX_DOCUMENTS_SHOWN} more documents")
    these = "this document" if len(documents) == 1 else "these documents"
    if starters:
        lines += ["", "## Questions to try", ""] + [f"- *{plain_markdown(q)}*" for q in starters]
    lines += [
        "",
        "## How answers are sourced",
        "",
        f"Every answer is built from passages of {these}. Each sentence ends with a number like `[1]` "
        "naming the passage it came from; the passages are listed under the answer and open when you click "
        "them, with the quoted sentences in bold (and the page, for a PDF). The *Searched the documents* step "
        "shows what was searched for and which passages were found.",
        "",
        f"**What it will not do.** If {these} {'doesn’t' if len(documents) == 1 else 'don’t'} cover a question, "
        "it says so instead of guessing.",
        "",
        "Follow-up questions work too: after an answer, ask *“What about …?”* or refer back to it with *it* or *them*.",
        "",
    ]
    return "\n".join(lines)


def build_overview(settings: Settings, view: LoadedGeneration) -> Overview:
    """The overview of one loaded index generation."""
    documents = [
        describe_document(source, passages, view.facts.get(source))
        for source, passages in sorted(view.documents().items())
    ]
    description = settings.assistant_description or default_description(documents)
    starters = pick_starters(documents, settings.starters)
    return Overview(
        name=settings.assistant_name,
        description=description,
        headline=_headline(documents),
        documents=tuple(documents),
        starters=tuple(starters),
        readme=readme_markdown(settings.assistant_name, description, documents, starters),
        askable=tuple(askable_questions(documents)),
    )


class CorpusOverview:
    """The live corpus's overview, made again when an ingest switches the index to a new generation."""

    def __init__(self, settings: Settings, retriever: Retriever):
        self.settings = settings
        self.retriever = retriever
        self._made: tuple[str, Overview] | None = None
        self._lock = threading.Lock()

    def current(self) -> Overview:
        """The overview of the generation answering now (blocking: may load a new generation)."""
        view = self.retriever.live_view()
        with self._lock:
            if self._made is None or self._made[0] != view.generation:
                self._made = (view.generation, build_overview(self.settings, view))
            return self._made[1]

    def example_questions(self) -> list[str]:
        """Questions the documents answer, for telling a user what to ask instead."""
        return list(self.current().starters)

    def askable_questions(self) -> list[str]:
        """Every question a starter could be, for offering the nearest when declining."""
        return list(self.current().askable)
