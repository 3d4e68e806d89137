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
    yours yourself yourselves also ones one like get tell me please whether really""".split()
)
# Verbs that end a question without being its topic ("Can LLMs make images?" is about images).
_TOPIC_NEUTRAL_VERBS = frozenset("make makes create creates use used using generate produce do work help need".split())
_FOLLOW_UP_MARKERS = re.compile(r"^(?:(?:and|then|so|but|also|ok|okay|well)\b[\s,]*)+", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(.+)$", re.IGNORECASE)
_PRONOUNS = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there)\b", re.IGNORECASE)
_WHICH_ONES = re.compile(r"\b(which|what|the)\s+ones?\b", re.IGNORECASE)
_PREPOSITIONS = ("from", "for", "in", "about", "of", "with", "on", "to", "by")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


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


class Retriever:
    """Hybrid retrieval over the index: Chroma for meaning, BM25 for exact words, fused by rank."""

    def __init__(self, settings: Settings):
        from rank_bm25 import BM25Okapi

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
        self._index = _Indexed(list(data["ids"]), passages, np.asarray(data["embeddings"], dtype=np.float32))
        self._position = {pid: i for i, pid in enumerate(self._index.ids)}
        self._bm25 = BM25Okapi([tokenize(doc) for doc in data["documents"]])

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

    def retrieve(self, question: str, history: list[str] | None = None, k: int | None = None) -> Retrieval:
        """The top-k passages for `question`, read in the light of earlier user turns."""
        k = k or self.settings.top_k
        query = condense(question, history or [])
        qvec = self.embed_query(query)
        n = min(self.settings.candidates, self.passage_count)
        dense = self.store.similarity_search_by_vector_with_relevance_scores(qvec.tolist(), k=n)
        dense_ids = [doc.id for doc, _distance in dense]
        cosine = self._index.vectors @ qvec

        fused: dict[str, float] = {}
        for rank, pid in enumerate(dense_ids):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        if self.settings.hybrid:
            keyword = self._bm25.get_scores(tokenize(query))
            order = np.argsort(-keyword)[:n]
            for rank, i in enumerate(order):
                if keyword[i] <= 0:
                    break
                pid = self._index.ids[i]
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        ranked = sorted(fused, key=lambda pid: (-fused[pid], -cosine[self._position[pid]]))[:k]
        passages = [self._with_score(pid, float(cosine[self._position[pid]])) for pid in ranked]
        return Retrieval(question=question, query=query, passages=passages, query_vector=qvec)

    def _with_score(self, pid: str, score: float) -> Passage:
        p = self._index.passages[self._position[pid]]
        return Passage(p.id, p.text, p.title, p.publisher, p.source, p.heading, score=max(0.0, min(1.0, score)))

