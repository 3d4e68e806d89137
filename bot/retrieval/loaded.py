"""An index generation loaded into memory for searching: passages, their vectors, sentence vectors, keyword postings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

import numpy as np

from bot.ingest.index import IndexUnavailable, OpenIndex
from bot.question.spelling import CorpusWords, english_zipf, glued_unit
from bot.retrieval.keywords import KeywordIndex
from bot.text import document_terms, normalize_text, tokenize
from bot.types import Passage


@dataclass(frozen=True)
class DocumentFacts:
    """What ingest recorded about a whole document, on its first passage (see `bot.ingest.index.records.document_facts`)."""

    questions: tuple[str, ...] = ()  # suggested questions from its front matter
    pages: int = 0  # 0 = not paged (Markdown, text, HTML)
    slides: int = 0


def _facts(meta: dict) -> DocumentFacts:
    try:
        questions = json.loads(meta.get("questions") or "[]")
    except ValueError:  # written by ingest, so only a damaged index gets here
        questions = []
    return DocumentFacts(
        questions=tuple(q for q in questions if isinstance(q, str)),
        pages=int(meta.get("pages") or 0),
        slides=int(meta.get("slides") or 0),
    )


_VERSION = re.compile(r"^(?:v|version\s*)?(\d+(?:\.\d+)*)$")
_NUMERONYM = re.compile(r"^([a-z])(\d{1,2})([a-z])$")  # "k8s", "i18n", "a11y"
_ACRONYM = re.compile(r"^[A-Z]{2,6}$")
_ACRONYM_PLURAL = re.compile(r"[A-Z]{2,6}s")  # "PCs", "VMs", "IDs"


def _canonical_version(number: str) -> str:
    """ "3.0.0" -> "3", "1.29" -> "1.29": trailing zero parts say nothing."""
    parts = number.split(".")
    while len(parts) > 1 and parts[-1] == "0":
        parts.pop()
    return ".".join(parts)


# A title word in over one passage in this many is the corpus's own name rather than a topic of some passages.
OWN_NAME_SHARE = 5
NAME_WORD = re.compile(r"[\w'’.&-]+")  # a word as written, with its inner marks ("Larkspur", "&", "LLM's")


@dataclass
class LoadedGeneration:
    """One index generation loaded for searching: passages, vectors and the keyword index."""

    index: OpenIndex
    ids: list[str]
    passages: list[Passage]
    position: dict[str, int]  # passage id -> row
    vectors: np.ndarray  # unit-length passage embeddings, one row per passage
    sentence_vectors: np.ndarray  # unit-length sentence embeddings, all passages
    sentence_rows: dict[int, np.ndarray]  # passage row -> its rows in `sentence_vectors`
    bm25: KeywordIndex
    terms: list[set[str]]
    max_idf: float
    facts: dict[str, DocumentFacts] = field(default_factory=dict)  # by file name
    reading_order: list[int] = field(default_factory=list)  # passage rows by file name, then position in the file
    words: CorpusWords | None = None  # the corpus's own words (respelling questions, absent key words)
    suggestions: list[str] | None = None
    suggestion_vectors: np.ndarray | None = None
    _known_text: str | None = None
    _vocabulary: frozenset[str] | None = None
    _words: frozenset[str] | None = None  # every word of the corpus as written, lower case (for "k8s")
    _raw_text: str | None = None  # titles, headings and text in their own case (for acronyms)
    _titles: list[str] | None = None
    _own_name: frozenset[str] | None = None  # title words most passages use (`own_name_words`)
    _product_names: frozenset[str] | None = None  # lower-cased words written with an inner capital ("macos")
    _spelt_close: dict[str, bool] = field(default_factory=dict)  # word -> spelt close to a corpus word
    # The documents' own name as a question writes it ("Kestrel Valley Water") -> the best passage cosine of that
    # name alone (`name_phrase`); a corpus is asked its name in a handful of ways, each embedded once.
    name_closeness: dict[str, float] = field(default_factory=dict)

    def nearest(self, vector: np.ndarray, k: int) -> list[str]:
        """Ids of the `k` passages closest to a unit query vector (cosine), closest first.

        Exact, over the vectors read from Chroma at load: they are in memory for reranking anyway, and at a
        folder's size this is about a millisecond faster than Chroma's approximate (HNSW) query."""
        scores = self.vectors @ vector
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        return [self.ids[i] for i in top[np.argsort(-scores[top], kind="stable")]]

    def own_name_words(self) -> frozenset[str]:
        """Words of the documents' titles that over a fifth of the passages use: the corpus's own name
        ("kestrel", "valley", "water"; "fjordline"), which no passage is told apart by."""
        if self._own_name is None:
            share = max(1, len(self.passages) // OWN_NAME_SHARE)
            words = {t for title in self.titles() for t in tokenize(title)}
            self._own_name = frozenset(t for t in words if self.bm25.doc_freq(t) > share)
        return self._own_name

    def name_phrase(self, question: str) -> str:
        """The documents' own name as `question` writes it: its words that are all own-name words, in order ("Does
        Kestrel Valley Water sell bottled water?" -> "Kestrel Valley Water"), or "". A word counts when written with
        a capital, or when English never uses it: "whos the chief executive of calderbrook" names the landlord, while
        "can i drop the bike off" (of Kittiwake Bike Hire) asks about bikes."""
        own = self.own_name_words()
        words = NAME_WORD.findall(question)
        return " ".join(
            w
            for w in words
            if (t := tokenize(w)) and all(x in own for x in t) and (w[:1].isupper() or not english_zipf(w.lower()))
        )

    def titles(self) -> list[str]:
        """The documents' titles, once each."""
        if self._titles is None:
            self._titles = list(dict.fromkeys(p.title for p in self.passages if p.title))
        return self._titles

    def mentions(self, name: str) -> bool:
        """Whether the corpus mentions `name` (a word as a user wrote it): as written, by its stem, or spelt close."""
        if self._known_text is None:
            self._known_text = "\n".join(
                normalize_text(f"{p.title}\n{p.source}\n{p.heading}\n{p.text}") for p in self.passages
            )
            self._vocabulary = frozenset().union(*self.terms) if self.terms else frozenset()
        lowered = normalize_text(name)
        parts = [p for p in re.split(r"[-/]", lowered) if p]
        if len(parts) > 1 and all(self.mentions(p) or english_zipf(p) >= 4.0 for p in parts):
            return True  # "AI-made": a word the corpus uses joined to an everyday one
        digits = any(c.isdigit() for c in lowered)
        stems = tokenize(lowered)
        if not digits and stems and all(s in self._vocabulary for s in stems):
            return True  # the usual case, a set look-up; the scan of the whole text below is for the rest
        if re.search(rf"(?<![\w.]){re.escape(lowered)}(?![\w]|\.\d)", self._known_text):
            return True
        if self._spelt_out(name, lowered):
            return True
        if _ACRONYM_PLURAL.fullmatch(name) and self.mentions(name[:-1]):
            return True  # "PCs" where the corpus writes "PC" (a plural too short for `stem`)
        unit = glued_unit(lowered)
        if unit and re.search(rf"(?<![\w.]){re.escape(unit[0])}\s+{re.escape(unit[1])}\b", self._known_text):
            return True  # "25mm" where the corpus writes "25 mm"
        if digits:
            return False  # a version or year is mentioned as written, or not at all ("4.3.0" is not "4", "3", "0")
        # A misspelt name ("Pyhton") is still the corpus's own word. The scan of the vocabulary takes milliseconds,
        # so each word's result is kept for this generation.
        if lowered not in self._spelt_close:
            close = len(lowered) >= 5 and bool(get_close_matches(lowered, self._vocabulary, n=1, cutoff=0.8))
            self._spelt_close[lowered] = close
        return self._spelt_close[lowered]

    def _spelt_out(self, name: str, lowered: str) -> bool:
        """Whether the corpus writes `name` another way: a version with or without "v" and trailing ".0"
        ("v3", "3.0", "3" are one version; "3.1" is another), a numeronym's word ("K8s" for "Kubernetes", the
        number counting the letters between), or an acronym's words ("DFSG" for "Debian Free Software
        Guidelines", each word capitalised, "of", "and", "for", "the" allowed between)."""
        known = self._known_text or ""
        version = _VERSION.match(lowered)
        if version:
            number = _canonical_version(version.group(1))
            return bool(re.search(rf"(?<![\w.])v?{re.escape(number)}(?:\.0)*(?![\w]|\.\d)", known))
        numeronym = _NUMERONYM.match(lowered)
        if numeronym:
            if self._words is None:
                self._words = frozenset(re.findall(r"[a-z]+", known))
            first, between, last = numeronym.group(1), int(numeronym.group(2)), numeronym.group(3)
            return any(len(w) == between + 2 and w[0] == first and w[-1] == last for w in self._words)
        if _ACRONYM.match(name):
            words = r"\W+(?:(?:of|and|for|the)\s+)?".join(rf"{letter}[\w'’]*" for letter in name)
            if re.search(rf"\b{words}\b", self.raw_text()):
                return True
        return self._shortens_product_name(lowered)

    def writes_initials(self, word: str) -> bool:
        """Whether the corpus writes out the words whose first letters `word` is, in any case: "wfh" for "working
        from home", "pto" for "paid time off". Users type such abbreviations in lower case, and a document
        spells them out."""
        if not 2 <= len(word) <= 5 or not word.isalpha():
            return False
        words = r"[\s-]+".join(rf"{letter}[\w'’]*" for letter in word.lower())
        return re.search(rf"\b{words}\b", self.raw_text(), re.I) is not None

    def raw_text(self) -> str:
        """Every passage's title, heading and text in their own case, once (scanned for acronyms and names)."""
        if self._raw_text is None:
            self._raw_text = "\n".join(f"{p.title}\n{p.heading}\n{p.text}" for p in self.passages)
        return self._raw_text

    def _shortens_product_name(self, lowered: str) -> bool:
        """Whether `lowered` begins a product name the corpus writes with a capital inside it: "Mac" for
        "macOS", "SQL" for "SQLite", "Postgres" for "PostgreSQL". Such a capital marks a name, never a word
        that happens to start alike ("machine")."""
        if len(lowered) < 3 or not lowered.isalpha():
            return False
        if self._product_names is None:
            found = re.findall(r"\b[A-Za-z][a-z]*[A-Z][A-Za-z]*", self.raw_text())
            self._product_names = frozenset(w.lower() for w in found)
        return any(w.startswith(lowered) and w != lowered for w in self._product_names)

    @property
    def generation(self) -> str:
        return self.index.manifest.generation

    def documents(self) -> dict[str, list[Passage]]:
        """Each document's passages in reading order, by file name (in file-name order)."""
        grouped: dict[str, list[Passage]] = {}
        for row in self.reading_order or range(len(self.passages)):
            passage = self.passages[row]
            grouped.setdefault(passage.source, []).append(passage)
        return grouped

    def named_documents(self, named: str = "", which: str = "") -> dict[str, list[Passage]]:
        """The documents a question about the documents means (`documents`' form). One document named by a word
        of its title ("the handbook", "the policy") is the only one, when that word is singular; words saying
        which ("the Globussoft article", "the travel policy") keep the documents whose title or publisher has
        them all, and none when no document has them."""
        documents = self.documents()
        if which:
            wanted = set(tokenize(which))
            documents = {
                s: ps for s, ps in documents.items() if wanted <= set(tokenize(f"{ps[0].title} {ps[0].publisher}"))
            }
        plural = named.endswith("s") and not named.endswith("ss")
        titled = [s for s, ps in documents.items() if named and set(tokenize(named)) <= set(tokenize(ps[0].title))]
        return {s: documents[s] for s in titled} if titled and not plural else documents

    def openings(self, documents: dict[str, list[Passage]], most: int) -> list[int]:
        """Rows of each document's opening passage (the first that is not a contents or copyright page), for up
        to `most` of `documents`, the largest when there are more, in file-name order."""
        kept = set(sorted(documents, key=lambda source: (-len(documents[source]), source))[:most])
        rows = []
        for source, passages in documents.items():
            if source in kept:
                opening = next((p for p in passages if not _FRONT_MATTER.search(p.heading.rsplit(" > ", 1)[-1])), None)
                rows.append(self.position[(opening or passages[0]).id])
        return rows


# "What are these documents about?" is answered from this many documents' openings (the largest, if more): an
# answer of a few short paragraphs; the readme lists them all.
ABOUT_MOST = 6

# Headings of pages that open a document without saying what it is about.
_FRONT_MATTER = re.compile(
    r"^\W*(?:(?:table of )?contents|copyright|licen[cs]e|legal notice|acknowledge?ments?|index)\W*$", re.I
)


def load_generation(index: OpenIndex) -> LoadedGeneration:
    """Read a whole generation into memory (passages, their vectors and sentences' vectors, keyword postings)."""
    data = index.passages.get(include=["metadatas", "documents", "embeddings"])
    if not data["ids"]:
        raise IndexUnavailable("The index is empty: run `bot ingest`.")
    passages = [
        Passage(
            id=pid,
            text=meta.get("text", doc),
            title=meta.get("title", ""),
            publisher=meta.get("publisher", ""),
            source=meta.get("source", ""),
            heading=meta.get("heading", ""),
            location=meta.get("location", ""),
        )
        for pid, meta, doc in zip(data["ids"], data["metadatas"], data["documents"])
    ]
    position = {pid: i for i, pid in enumerate(data["ids"])}
    sentences = index.sentences.get(include=["metadatas", "embeddings"])
    metas = sentences["metadatas"]
    order = sorted(
        (i for i, m in enumerate(metas) if m["passage_id"] in position),
        key=lambda i: (position[metas[i]["passage_id"]], metas[i]["order"]),
    )
    dim = len(data["embeddings"][0])
    sentence_vectors = (
        np.asarray([sentences["embeddings"][i] for i in order], dtype=np.float32)
        if order
        else np.zeros((0, dim), np.float32)
    )
    owner = np.asarray([position[metas[i]["passage_id"]] for i in order], dtype=np.int64)
    # Sentences are sorted by their passage's row, so each passage owns one contiguous slice.
    bounds = np.searchsorted(owner, np.arange(len(passages) + 1))
    tokenized = [document_terms(doc) for doc in data["documents"]]
    bm25 = KeywordIndex(tokenized)
    return LoadedGeneration(
        index=index,
        ids=list(data["ids"]),
        passages=passages,
        position=position,
        vectors=np.asarray(data["embeddings"], dtype=np.float32),
        sentence_vectors=sentence_vectors,
        sentence_rows={row: np.arange(bounds[row], bounds[row + 1]) for row in range(len(passages))},
        bm25=bm25,
        terms=[set(tokens) for tokens in tokenized],
        # A query word found nowhere in the corpus weighs like the rarest word that is found.
        max_idf=max(bm25.idf.values(), default=1.0),
        # A file's name is the documents' word too: "my onboarding buddy" where only "onboarding-faq.md" says it.
        words=CorpusWords(f"{p.title}\n{_name_words(p.source)}\n{p.heading}\n{p.text}" for p in passages),
        facts={meta.get("source", ""): _facts(meta) for meta in data["metadatas"] if meta.get("position") == 0},
        reading_order=sorted(
            range(len(passages)),
            key=lambda row: (passages[row].source, int(data["metadatas"][row].get("position") or 0)),
        ),
    )


def _name_words(source: str) -> str:
    """A file's name as words: "onboarding-faq.md" -> "onboarding faq"."""
    return re.sub(r"[-_.]+", " ", Path(source).stem)
