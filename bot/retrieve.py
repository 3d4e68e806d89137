"""Finding the passages that answer a question: follow-up rewriting, dense + keyword search, fusion."""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bot.index import (
    IndexUnavailable,
    OpenIndex,
    current_generation,
    index_backend,
    load_embeddings,
    open_index,
    unavailable,
)
from bot.settings import Settings
from bot.types import Passage, Retrieval

log = logging.getLogger("bot")

# How often a question checks whether an ingest has switched the index to a new generation.
POINTER_CHECK_SECONDS = 1.0

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "ones",
        "one",
        "like",
        "get",
        "tell",
        "me",
        "please",
        "whether",
        "really",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "cannot",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "won't",
        "wouldn't",
        "shouldn't",
        "couldn't",
    ]
)
# Verbs that end a question without being its topic ("Can LLMs make images?" is about images).
_TOPIC_NEUTRAL_VERBS = frozenset(
    ["make", "makes", "create", "creates", "use", "used", "using", "generate", "produce", "do", "work", "help", "need"]
)
_FOLLOW_UP_MARKERS = re.compile(r"^(?:(?:and|then|so|but|also|ok|okay|well)\b[\s,]*)+", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(.+)$", re.IGNORECASE)
_PRONOUNS = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there)\b", re.IGNORECASE)
_WHICH_ONES = re.compile(r"\b(which|what|the)\s+ones?\b", re.IGNORECASE)
_PREPOSITIONS = ("from", "for", "in", "about", "of", "with", "on", "to", "by")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_DEFINITION = re.compile(r"^\s*(?:what|who)\s+(?:is|are)\s+(?:an?\s+|the\s+)?(.+?)\s*\??$", re.I)
_DEFINING = re.compile(
    r"(?:^|(?<=[.!?]\s))(?:an?\s+|the\s+)?([^.!?]{2,80}?)\s+(?:is|are|refers? to|means)\s+(?:an?|the)\b", re.I
)


def normalize_text(text: str) -> str:
    """NFKC, lower case, straight quotes: the form keyword search and evaluation compare."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'}))


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Content-word tokens for keyword search: lower case, no stopwords, plural folded."""
    return [_stem(w) for w in _WORD.findall(normalize_text(text)) if w not in STOPWORDS]


def defines_subject(text: str, subject_terms: set[str]) -> bool:
    """Whether `text` has a sentence of the form "<subject> is a/an/the ..." (or "refers to ...")."""
    return any(subject_terms <= set(tokenize(m.group(1))) for m in _DEFINING.finditer(text.replace("\n", " ")))


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’·-]+", text)


def _topic_tail(question: str) -> str:
    """The noun phrase a question ends on: the run of content words after its last verb or stopword."""
    words = _words(question)
    tail: list[str] = []
    for word in reversed(words):
        low = word.lower()
        if low in STOPWORDS or low in _TOPIC_NEUTRAL_VERBS:
            break
        tail.insert(0, word)
    return " ".join(tail[-3:])


def _head_after_which(question: str) -> str | None:
    match = re.search(r"\b(?:which|what)\s+([A-Za-z-]+)", question, re.IGNORECASE)
    if match and match.group(1).lower() not in STOPWORDS:
        return match.group(1)
    return None


def _possessive(noun: str) -> str:
    return f"{noun}'" if noun.endswith("s") else f"{noun}'s"


def condense(question: str, history: list[str]) -> str:
    """Rewrite a follow-up into a standalone question using the earlier user turns, without an LLM.

    Handles pronouns ("create them?" after "Can LLMs make images?"), "which ones", and ellipsis
    ("And from LLMs?", "What about videos?"). A question that stands on its own is returned as is.
    """
    question = question.strip()
    if not history:
        return question
    antecedent = condense(history[-1], history[:-1]).rstrip(" ?.!")
    stripped = _FOLLOW_UP_MARKERS.sub("", question).strip()
    had_marker = stripped != question
    body = stripped.rstrip(" ?.!")
    if not body:
        return antecedent + "?"

    about = _ABOUT.match(body)
    first = body.split()[0].lower()
    if about or (had_marker and first in _PREPOSITIONS and len(tokenize(body)) <= 4):
        target = about.group(1) if about else body
        if not about:
            prep, _, obj = body.partition(" ")
            cut = antecedent.lower().rfind(f" {prep.lower()} ")
            if cut >= 0:
                return f"{antecedent[:cut]} {prep} {obj}?"
            target = obj
        tail = _topic_tail(antecedent)
        if tail and antecedent.endswith(tail):
            return f"{antecedent[: -len(tail)]}{target}?"
        return f"{antecedent} {target}?"

    rewritten = body
    head = _head_after_which(antecedent)
    if head and _WHICH_ONES.search(rewritten):
        rewritten = _WHICH_ONES.sub(lambda m: f"{m.group(1)} {head}", rewritten, count=1)
    tail = _topic_tail(antecedent)
    if tail and _PRONOUNS.search(rewritten):
        rewritten = _PRONOUNS.sub(
            lambda m: _possessive(tail) if m.group(1).lower() in ("its", "their") else tail, rewritten, count=1
        )
    if rewritten != body:
        return rewritten + "?"
    if had_marker or len(tokenize(body)) <= 1:
        # Context-dependent but nothing to substitute: keep the earlier topic alongside.
        return f"{body} ({antecedent})?"
    return question


class KeywordIndex:
    """BM25 (rank_bm25's Okapi variant) scored from precomputed postings.

    rank_bm25 walks every document for every query term in Python; here each term's weights are
    computed once at load, so a query costs in proportion to the documents holding its terms.
    """

    def __init__(self, tokenized: list[list[str]]):
        from rank_bm25 import BM25Okapi

        bm25 = BM25Okapi(tokenized)
        self.idf: dict[str, float] = bm25.idf
        self.size = bm25.corpus_size
        doc_len = np.asarray(bm25.doc_len, dtype=np.float64)
        norm = bm25.k1 * (1 - bm25.b + bm25.b * doc_len / bm25.avgdl)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for row, freqs in enumerate(bm25.doc_freqs):
            for term, freq in freqs.items():
                rows, weights = postings.setdefault(term, ([], []))
                rows.append(row)
                weights.append(self.idf.get(term, 0.0) * freq * (bm25.k1 + 1) / (freq + norm[row]))
        self._postings = {t: (np.asarray(r), np.asarray(w)) for t, (r, w) in postings.items()}

    def get_scores(self, query: list[str]) -> np.ndarray:
        """One BM25 score per document, as `BM25Okapi.get_scores` gives it."""
        scores = np.zeros(self.size)
        for term in query:
            hit = self._postings.get(term)
            if hit is not None:
                scores[hit[0]] += hit[1]
        return scores


@dataclass
class _View:
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
    suggestions: list[str] | None = None
    suggestion_vectors: np.ndarray | None = None

    @property
    def generation(self) -> str:
        return self.index.manifest.generation


def _load_view(index: OpenIndex) -> _View:
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
    tokenized = [tokenize(doc) for doc in data["documents"]]
    bm25 = KeywordIndex(tokenized)
    return _View(
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
    )


@dataclass
class _Candidate:
    pid: str
    row: int
    fused: float  # reciprocal-rank fusion of the dense and keyword ranks
    dense: float = 0.0  # cosine of query and passage
    sentence: float = 0.0  # cosine of query and the passage's closest sentence
    keyword: float = 0.0  # share of the query's keyword weight (IDF) that the passage contains
    defines: bool = False  # for "What is X?": the passage has a sentence defining X
    score: float = 0.0  # the final ranking score


class _QueryBatcher:
    """Embeds concurrent queries together: one forward pass for a batch costs far less than one each.

    The first caller encodes whatever is waiting, again and again until nothing is; the others wait
    for their vector. A lone query is encoded at once, so an idle server adds no delay.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray]):
        self._encode = encode
        self._lock = threading.Lock()
        self._pending: list[_PendingQuery] = []
        self._busy = False

    def embed(self, text: str) -> np.ndarray:
        mine = _PendingQuery(text)
        with self._lock:
            self._pending.append(mine)
            lead, self._busy = not self._busy, True
        if lead:
            self._drain()
        mine.done.wait()
        if mine.error is not None:
            raise mine.error
        return mine.vector

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._busy = False
                    return
            try:
                vectors = self._encode([q.text for q in batch])
            except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
                for q in batch:
                    q.error = exc
            else:
                for q, vector in zip(batch, vectors):
                    q.vector = vector
            for q in batch:
                q.done.set()


@dataclass
class _PendingQuery:
    text: str
    vector: np.ndarray | None = None
    error: Exception | None = None
    done: threading.Event = field(default_factory=threading.Event)


class Retriever:
    """Hybrid retrieval over the index.

    Chroma ranks passages by meaning and BM25 by exact words; the two rankings are fused by
    reciprocal rank, then the fused candidates are reranked by how well their closest sentence, the
    whole passage and the keywords match the question.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.embeddings = load_embeddings(settings)
        self.backend = index_backend(settings)
        self._view = _load_view(open_index(settings, self.embeddings, self.backend))
        self._retired: list[_View] = []
        self._checked_at = time.monotonic()
        self._swap_lock = threading.Lock()
        self._queries = _QueryBatcher(self.embed)

    @property
    def generation(self) -> str:
        """The index generation answering now."""
        return self._view.generation

    def check_index(self) -> str:
        """The live generation's name; IndexUnavailable if it cannot be reached now (also for health checks)."""
        generation = current_generation(self.settings, self.backend)  # IndexUnavailable if the server is down
        if generation is None:
            raise IndexUnavailable(f"The index in {self.backend.description} is gone: run `bot ingest`.")
        return generation

    def _current(self) -> _View:
        """The view of the live generation, moving to a newer one when an ingest has switched the pointer."""
        now = time.monotonic()
        if now - self._checked_at < POINTER_CHECK_SECONDS:
            return self._view
        self._checked_at = now
        generation = self.check_index()
        if generation != self._view.generation:
            with self._swap_lock:
                if generation != self._view.generation:
                    view = _load_view(open_index(self.settings, self.embeddings, self.backend))
                    log.info("index generation %s replaces %s", view.generation, self._view.generation)
                    # Questions in flight may still read the previous view; close only the one before it.
                    for old in self._retired:
                        old.index.close()
                    self._retired = [self._view]
                    self._view = view
        return self._view

    def topics(self) -> str:
        """The indexed articles, for telling a user what the assistant knows."""
        articles = dict.fromkeys(
            f"“{p.title}” ({p.publisher})" if p.publisher else f"“{p.title}”" for p in self._view.passages
        )
        names = list(articles)
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def passage_count(self) -> int:
        return len(self._view.ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings of `texts` with the index's model."""
        return np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Unit-length embedding of one query (batched with queries that arrive at the same time)."""
        return self._queries.embed(text)

    def suggest(self, query_vector: np.ndarray, n: int = 3) -> list[str]:
        """Questions the articles answer (their question headings) closest to a query."""
        view = self._view
        if view.suggestions is None:
            headings = dict.fromkeys(
                re.sub(r"^\d+[.)]\s*", "", part.strip())
                for p in view.passages
                for part in p.heading.split(" > ")
                if part.strip().endswith("?")
            )
            view.suggestion_vectors = self.embed(list(headings)) if headings else None
            view.suggestions = list(headings)
        if not view.suggestions or view.suggestion_vectors is None:
            return []
        vectors = view.suggestion_vectors
        picked: list[int] = []
        for i in np.argsort(-(vectors @ query_vector)):
            if all(float(vectors[i] @ vectors[j]) < 0.8 for j in picked):
                picked.append(int(i))  # skip near-repeats ("What is an LLM?" twice, worded apart)
            if len(picked) == n:
                break
        return [view.suggestions[i] for i in picked]

    def sentence_vectors(self, passage: Passage) -> np.ndarray | None:
        """Stored embeddings of a passage's sentences, in `passage_sentences` order (None if absent)."""
        for view in (self._view, *self._retired):
            row = view.position.get(passage.id)
            if row is not None and view.passages[row].text == passage.text:
                rows = view.sentence_rows.get(row)
                return view.sentence_vectors[rows] if rows is not None and len(rows) else None
        return None

    def retrieve(
        self, question: str, history: list[str] | None = None, k: int | None = None, query: str | None = None
    ) -> Retrieval:
        """The top-k passages for `question`, read in the light of earlier user turns.

        `query` replaces the rule-based standalone rewrite when the caller already has one.
        """
        k = k or self.settings.top_k
        view = self._current()
        query = query or condense(question, history or [])
        qvec = self.embed_query(query)
        candidates = self._candidates(view, query, qvec)
        if self.settings.rerank:
            self._rerank(candidates, qvec)
        else:
            for c in candidates:
                c.score = c.fused
        candidates.sort(key=lambda c: -c.score)
        chosen = self._mmr(view, candidates, k) if self.settings.mmr else self._dedupe(view, candidates)[:k]
        if chosen and self.settings.rerank:
            floor = chosen[0].score - self.settings.relative_cutoff
            chosen = [c for c in chosen if c.score >= floor]
        passages = [self._with_score(view, c.row, c.dense) for c in chosen]
        # Whole-passage cosine separates on- from off-topic questions best (see README, "Refusal threshold").
        relevance = max((c.dense for c in candidates), default=0.0)
        return Retrieval(question=question, query=query, passages=passages, query_vector=qvec, relevance=relevance)

    def _candidates(self, view: _View, query: str, qvec: np.ndarray) -> list[_Candidate]:
        n = min(self.settings.candidates, len(view.ids))
        try:
            dense = view.index.passages.similarity_search_by_vector_with_relevance_scores(qvec.tolist(), k=n)
        except Exception as exc:
            raise unavailable(self.backend, exc) from None
        fused: dict[str, float] = {}
        for rank, (doc, _distance) in enumerate(dense):
            fused[doc.id] = fused.get(doc.id, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        keyword = np.zeros(len(view.ids))
        if self.settings.hybrid:
            keyword = view.bm25.get_scores(tokenize(query))
            for rank, row in enumerate(np.argsort(-keyword)[:n]):
                if keyword[row] <= 0:
                    break
                pid = view.ids[row]
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        ranked = sorted(fused, key=lambda pid: -fused[pid])[:n]
        terms = set(tokenize(query))
        weights = {t: max(view.bm25.idf.get(t, view.max_idf), 0.0) for t in terms}
        total_weight = sum(weights.values()) or 1.0
        out = []
        definition = _DEFINITION.match(query)
        subject = set(tokenize(definition.group(1))) if definition else set()
        for pid in ranked:
            row = view.position[pid]
            passage = view.passages[row]
            coverage = sum(w for t, w in weights.items() if t in view.terms[row]) / total_weight
            c = _Candidate(pid, row, fused[pid], keyword=coverage)
            c.defines = bool(subject) and defines_subject(passage.text, subject)
            c.dense = float(view.vectors[row] @ qvec)
            rows = view.sentence_rows.get(row)
            c.sentence = (
                float((view.sentence_vectors[rows] @ qvec).max()) if rows is not None and len(rows) else c.dense
            )
            out.append(c)
        return out

    def _rerank(self, candidates: list[_Candidate], qvec: np.ndarray) -> None:
        w = self.settings
        for c in candidates:
            c.score = (
                w.rerank_sentence_weight * c.sentence
                + w.rerank_dense_weight * c.dense
                + w.rerank_keyword_weight * c.keyword
                + (w.rerank_definition_bonus if c.defines else 0.0)
            )

    @staticmethod
    def _dedupe(view: _View, candidates: list[_Candidate]) -> list[_Candidate]:
        seen: set[str] = set()
        out = []
        for c in candidates:
            text = view.passages[c.row].text
            if text not in seen:
                seen.add(text)
                out.append(c)
        return out

    def _mmr(self, view: _View, candidates: list[_Candidate], k: int) -> list[_Candidate]:
        """Maximal marginal relevance: each pick trades relevance against likeness to earlier picks."""
        pool = self._dedupe(view, candidates)
        chosen: list[_Candidate] = []
        lam = self.settings.mmr_lambda
        while pool and len(chosen) < k:

            def gain(c: _Candidate) -> float:
                likeness = max((float(view.vectors[c.row] @ view.vectors[o.row]) for o in chosen), default=0.0)
                return lam * c.score - (1 - lam) * likeness

            best = max(pool, key=gain)
            chosen.append(best)
            pool.remove(best)
        return chosen

    @staticmethod
    def _with_score(view: _View, row: int, score: float) -> Passage:
        p = view.passages[row]
        return Passage(p.id, p.text, p.title, p.publisher, p.source, p.heading, score=max(0.0, min(1.0, score)))
