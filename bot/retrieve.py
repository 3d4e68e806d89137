"""Finding the passages that answer a question: follow-up rewriting, dense + keyword search, fusion."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from bot.index import IndexUnavailable, load_embeddings, open_store
from bot.settings import Settings
from bot.types import Passage, Retrieval

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most my
    myself no nor not now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves also ones one like get tell me please whether really don't doesn't didn't
    can't cannot isn't aren't wasn't weren't won't wouldn't shouldn't couldn't""".split()
)
# Verbs that end a question without being its topic ("Can LLMs make images?" is about images).
_TOPIC_NEUTRAL_VERBS = frozenset("make makes create creates use used using generate produce do work help need".split())
_FOLLOW_UP_MARKERS = re.compile(r"^(?:(?:and|then|so|but|also|ok|okay|well)\b[\s,]*)+", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(.+)$", re.IGNORECASE)
_PRONOUNS = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there)\b", re.IGNORECASE)
_WHICH_ONES = re.compile(r"\b(which|what|the)\s+ones?\b", re.IGNORECASE)
_PREPOSITIONS = ("from", "for", "in", "about", "of", "with", "on", "to", "by")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_DEFINITION = re.compile(r"^\s*(?:what|who)\s+(?:is|are)\s+(?:an?\s+|the\s+)?(.+?)\s*\??$", re.I)
_DEFINING = re.compile(r"(?:^|(?<=[.!?]\s))(?:an?\s+|the\s+)?([^.!?]{2,80}?)\s+(?:is|are|refers? to|means)\s+(?:an?|the)\b", re.I)


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


@dataclass
class _Indexed:
    ids: list[str]
    passages: list[Passage]
    vectors: np.ndarray  # unit-length passage embeddings, one row per passage
    sentence_vectors: np.ndarray  # unit-length sentence embeddings, all passages
    sentence_owner: np.ndarray  # row in `passages` of each sentence


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


class Retriever:
    """Hybrid retrieval over the index.

    Chroma ranks passages by meaning and BM25 by exact words; the two rankings are fused by
    reciprocal rank, then the fused candidates are reranked by how well their closest sentence, the
    whole passage and the keywords match the question.
    """

    def __init__(self, settings: Settings):
        from rank_bm25 import BM25Okapi

        from bot.index import open_sentence_store

        self.settings = settings
        self.embeddings = load_embeddings(settings)
        self.store = open_store(settings, self.embeddings, create=False)
        data = self.store.get(include=["metadatas", "documents", "embeddings"])
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
        self._position = {pid: i for i, pid in enumerate(data["ids"])}
        sentences = open_sentence_store(settings, self.store).get(include=["metadatas", "embeddings"])
        order = sorted(
            (i for i, m in enumerate(sentences["metadatas"]) if m["passage_id"] in self._position),
            key=lambda i: (self._position[sentences["metadatas"][i]["passage_id"]], sentences["metadatas"][i]["order"]),
        )
        dim = len(data["embeddings"][0])
        sentence_vectors = (
            np.asarray([sentences["embeddings"][i] for i in order], dtype=np.float32) if order else np.zeros((0, dim), np.float32)
        )
        owner = np.asarray([self._position[sentences["metadatas"][i]["passage_id"]] for i in order], dtype=np.int64)
        self._index = _Indexed(list(data["ids"]), passages, np.asarray(data["embeddings"], dtype=np.float32), sentence_vectors, owner)
        # Sentences are sorted by their passage's row, so each passage owns one contiguous slice.
        bounds = np.searchsorted(owner, np.arange(len(passages) + 1))
        self._sentence_rows: dict[int, np.ndarray] = {
            row: np.arange(bounds[row], bounds[row + 1]) for row in range(len(passages))
        }
        tokenized = [tokenize(doc) for doc in data["documents"]]
        self._bm25 = BM25Okapi(tokenized)
        self._suggestions: list[str] | None = None
        self._suggestion_vectors: np.ndarray | None = None
        self._terms = [set(tokens) for tokens in tokenized]
        # A query word found nowhere in the corpus weighs like the rarest word that is found.
        self._max_idf = max(self._bm25.idf.values(), default=1.0)

    def topics(self) -> str:
        """The indexed articles, for telling a user what the assistant knows."""
        articles = dict.fromkeys(
            f"“{p.title}” ({p.publisher})" if p.publisher else f"“{p.title}”" for p in self._index.passages
        )
        names = list(articles)
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def passage_count(self) -> int:
        return len(self._index.ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings of `texts` with the index's model."""
        return np.asarray(self.embeddings.embed_documents(texts), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(text), dtype=np.float32)

    def suggest(self, query_vector: np.ndarray, n: int = 3) -> list[str]:
        """Questions the articles answer (their question headings) closest to a query."""
        if self._suggestions is None:
            headings = dict.fromkeys(
                re.sub(r"^\d+[.)]\s*", "", part.strip())
                for p in self._index.passages
                for part in p.heading.split(" > ")
                if part.strip().endswith("?")
            )
            self._suggestions = list(headings)
            self._suggestion_vectors = self.embed(self._suggestions) if self._suggestions else None
        if not self._suggestions or self._suggestion_vectors is None:
            return []
        picked: list[int] = []
        for i in np.argsort(-(self._suggestion_vectors @ query_vector)):
            if all(float(self._suggestion_vectors[i] @ self._suggestion_vectors[j]) < 0.8 for j in picked):
                picked.append(int(i))  # skip near-repeats ("What is an LLM?" twice, worded apart)
            if len(picked) == n:
                break
        return [self._suggestions[i] for i in picked]

    def sentence_vectors(self, passage_id: str) -> np.ndarray | None:
        """Stored embeddings of a passage's sentences, in `passage_sentences` order (None if absent)."""
        row = self._position.get(passage_id)
        if row is None:
            return None
        rows = self._sentence_rows.get(row)
        return self._index.sentence_vectors[rows] if rows is not None and len(rows) else None

    def retrieve(
        self, question: str, history: list[str] | None = None, k: int | None = None, query: str | None = None
    ) -> Retrieval:
        """The top-k passages for `question`, read in the light of earlier user turns.

        `query` replaces the rule-based standalone rewrite when the caller already has one.
        """
        k = k or self.settings.top_k
        query = query or condense(question, history or [])
        qvec = self.embed_query(query)
        candidates = self._candidates(query, qvec)
        if self.settings.rerank:
            self._rerank(candidates, qvec)
        else:
            for c in candidates:
                c.score = c.fused
        candidates.sort(key=lambda c: -c.score)
        chosen = self._mmr(candidates, k) if self.settings.mmr else self._dedupe(candidates)[:k]
        if chosen and self.settings.rerank:
            floor = chosen[0].score - self.settings.relative_cutoff
            chosen = [c for c in chosen if c.score >= floor]
        passages = [self._with_score(c.row, c.dense) for c in chosen]
        # Whole-passage cosine separates on- from off-topic questions best (see README, "Refusal threshold").
        relevance = max((c.dense for c in candidates), default=0.0)
        return Retrieval(question=question, query=query, passages=passages, query_vector=qvec, relevance=relevance)

    def _candidates(self, query: str, qvec: np.ndarray) -> list[_Candidate]:
        n = min(self.settings.candidates, self.passage_count)
        dense = self.store.similarity_search_by_vector_with_relevance_scores(qvec.tolist(), k=n)
        fused: dict[str, float] = {}
        for rank, (doc, _distance) in enumerate(dense):
            fused[doc.id] = fused.get(doc.id, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        keyword = np.zeros(self.passage_count)
        if self.settings.hybrid:
            keyword = self._bm25.get_scores(tokenize(query))
            for rank, row in enumerate(np.argsort(-keyword)[:n]):
                if keyword[row] <= 0:
                    break
                pid = self._index.ids[row]
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        ranked = sorted(fused, key=lambda pid: -fused[pid])[:n]
        terms = set(tokenize(query))
        weights = {t: max(self._bm25.idf.get(t, self._max_idf), 0.0) for t in terms}
        total_weight = sum(weights.values()) or 1.0
        out = []
        definition = _DEFINITION.match(query)
        subject = set(tokenize(definition.group(1))) if definition else set()
        for pid in ranked:
            row = self._position[pid]
            passage = self._index.passages[row]
            coverage = sum(w for t, w in weights.items() if t in self._terms[row]) / total_weight
            c = _Candidate(pid, row, fused[pid], keyword=coverage)
            c.defines = bool(subject) and defines_subject(passage.text, subject)
            c.dense = float(self._index.vectors[row] @ qvec)
            rows = self._sentence_rows.get(row)
            c.sentence = float((self._index.sentence_vectors[rows] @ qvec).max()) if rows is not None and len(rows) else c.dense
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

    def _dedupe(self, candidates: list[_Candidate]) -> list[_Candidate]:
        seen: set[str] = set()
        out = []
        for c in candidates:
            text = self._index.passages[c.row].text
            if text not in seen:
                seen.add(text)
                out.append(c)
        return out

    def _mmr(self, candidates: list[_Candidate], k: int) -> list[_Candidate]:
        """Maximal marginal relevance: each pick trades relevance against likeness to earlier picks."""
        pool = self._dedupe(candidates)
        chosen: list[_Candidate] = []
        lam = self.settings.mmr_lambda
        while pool and len(chosen) < k:
            def gain(c: _Candidate) -> float:
                likeness = max((float(self._index.vectors[c.row] @ self._index.vectors[o.row]) for o in chosen), default=0.0)
                return lam * c.score - (1 - lam) * likeness
            best = max(pool, key=gain)
            chosen.append(best)
            pool.remove(best)
        return chosen

    def _with_score(self, row: int, score: float) -> Passage:
        p = self._index.passages[row]
        return Passage(p.id, p.text, p.title, p.publisher, p.source, p.heading, score=max(0.0, min(1.0, score)))
