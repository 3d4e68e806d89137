"""Finding the passages that answer a question: follow-up rewriting, dense + keyword search, fusion.

Longer than most modules on purpose: the `Retriever`'s steps (dense and keyword search, fusion, rerank,
the relative cutoff, the question's rarest word, each side of a comparison, the section) each adjust one
ranked list, and they read in the order they run. BM25, follow-up rewriting and query batching have
their own modules.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from bot.ingest.index import (
    IndexUnavailable,
    current_generation,
    index_backend,
    load_query_embeddings,
    open_index,
    unavailable,
)
from bot.ingest.index.calibration import Calibration
from bot.question.followup import COMPARING_WORDS, condense, side_questions
from bot.question.spelling import english_zipf
from bot.retrieval.coverage import (
    TELLING_MAX_ZIPF,
    names_in_passing,
    nothing_known_of_subject,
    nothing_telling_known,
    undefined_subject,
    unknown_words,
)
from bot.retrieval.loaded import LoadedGeneration, load_generation
from bot.retrieval.query_batch import QueryBatcher
from bot.settings import Settings
from bot.text import defines_subject, definition_subject, small_talk, tokenize
from bot.types import Passage, Retrieval

log = logging.getLogger("bot")

DEFAULT_MIN_SCORE = 0.30  # for an index built before ingest derived a threshold per corpus

_YES_OR_NO = re.compile(
    r"^\s*(?:yes or no|true or false)\s*[:,-]\s*|[\s,.;:-]*\(?\b(?:yes or no|yes/no|true or false)\b\)?[?.!]*\s*$", re.I
)

# How often a question checks whether an ingest has switched the index to a new generation.
POINTER_CHECK_SECONDS = 1.0


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
        self.settings = settings
        # The ONNX export when one is current (no torch in the process), else sentence-transformers.
        self.embeddings = load_query_embeddings(settings)
        self.backend = index_backend(settings)
        self._view = load_generation(open_index(settings, self.backend))
        self._retired: list[LoadedGeneration] = []
        self._checked_at = time.monotonic()
        self._swap_lock = threading.Lock()
        self._queries = QueryBatcher(self.embeddings.queries)

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

    def _current(self) -> LoadedGeneration:
        """The view of the live generation, moving to a newer one when an ingest has switched the pointer."""
        now = time.monotonic()
        if now - self._checked_at < POINTER_CHECK_SECONDS:
            return self._view
        self._checked_at = now
        generation = self.check_index()
        if generation != self._view.generation:
            with self._swap_lock:
                if generation != self._view.generation:
                    view = load_generation(open_index(self.settings, self.backend))
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

    def live_view(self) -> LoadedGeneration:
        """The generation answering now, moving to a newer one if an ingest switched (read it, never change it)."""
        return self._current()

    def calibration(self, view: LoadedGeneration | None = None) -> Calibration | None:
        """How the live index's refusal threshold was derived (None for an index built before calibration)."""
        return Calibration.from_dict((view or self._view).index.manifest.calibration)

    def min_relevance(self, view: LoadedGeneration | None = None) -> float:
        """The relevance a question needs to be answered: pinned in settings, else the corpus's own."""
        if self.settings.min_score is not None:
            return self.settings.min_score
        calibration = self.calibration(view)
        return calibration.min_score if calibration else DEFAULT_MIN_SCORE

    def unknown_names(self, view: LoadedGeneration, question: str, query: str, rows: list[int]) -> list[str]:
        """Names and key words of the question, and the X of "What is X?", that the corpus never uses (see
        `bot.retrieval.coverage`; `rows` are the retrieved passages); none if switched off."""
        if not self.settings.decline_unknown_names:
            return []
        unknown = unknown_words(view, question, self.settings.key_term_max_zipf) + undefined_subject(view, query, rows)
        return unknown or nothing_telling_known(view, query) or nothing_known_of_subject(view, query)

    @staticmethod
    def warm_up() -> None:
        """Load the English word frequencies (0.25 s, 47 MB) now rather than on the first question that needs them."""
        english_zipf("the")

    @property
    def passage_count(self) -> int:
        return len(self._view.ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length embeddings of `texts` with the index's model."""
        return self.embeddings.documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        """Unit-length embedding of one query (batched with queries that arrive at the same time)."""
        return self._queries.embed(text)

    def closest(self, phrase: str, options: list[str]) -> int:
        """Which of `options` means most nearly what `phrase` means (for follow-ups: "LLMs" stands in for "generative AI")."""
        vectors = self.embeddings.queries([phrase, *options])
        return int(np.argmax(vectors[1:] @ vectors[0]))

    def suggest(self, query_vector: np.ndarray, n: int = 3) -> list[str]:
        """Questions the articles answer (their question headings) closest to a query."""
        view = self._view
        if view.suggestions is None:
            headings = dict.fromkeys(
                re.sub(r"^\d+(?:\.\d+)*[.)]?\s+", "", part.strip())  # "7.2 Why ...?" -> "Why ...?"
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
        # "thanks!" after a question is not a follow-up to it: small talk is searched as it is.
        asked = question
        # "Can LLMs make images? Yes or no." asks just "Can LLMs make images?": the aside is no part of it.
        question = _YES_OR_NO.sub("", question).strip() or question
        if view.words:  # "Stable-Diffusion", "ecommerce", "generatve": searched as the documents spell them
            question, history = view.words.respell(question), [view.words.respell(h) for h in history or []]
        query = query or (question if small_talk(question) else condense(question, history or [], self.closest))
        qvec = self.embed_query(query)
        weights = self.term_weights(view, query)
        candidates = self._candidates(view, query, qvec, weights)
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
        chosen = self._with_rarest_term(view, chosen, candidates, weights, k)
        sides = [(side, self.embed_query(side)) for side in side_questions(query) or ()] if chosen else []
        if sides:
            chosen = self._with_each_side(view, chosen, sides, k)
        passages = [self._with_score(view, c.row, c.dense) for c in chosen]
        # Whole-passage cosine separates on- from off-topic questions best (see README, "Refusal threshold").
        relevance = max((c.dense for c in candidates), default=0.0)
        rows = [c.row for c in chosen]
        mentioned = names_in_passing(view, query, rows)
        return Retrieval(
            question=asked,
            query=query,
            passages=passages,
            query_vector=qvec,
            relevance=relevance,
            min_relevance=self.min_relevance(view),
            unknown_names=self.unknown_names(view, question, query, rows),
            term_weights=weights,
            subject_mentioned=mentioned,
            sides=sides,
            **self._section(view, rows, qvec),
        )

    def _section(self, view: LoadedGeneration, rows: list[int], qvec: np.ndarray) -> dict:
        """The best passage's whole section (its parts and subsections) as `section_ids` in reading order, and as
        `section_rest` the passages of it not retrieved (a list or summary question about "Real-World
        Applications" is answered by what is under it)."""
        if not rows or not view.passages[rows[0]].heading:
            return {}
        top = view.passages[rows[0]]
        below = top.heading + " > "
        whole = [
            row
            for row, p in enumerate(view.passages)
            if p.source == top.source and (p.heading == top.heading or p.heading.startswith(below))
        ][: self.settings.section_max_passages + 1]
        rest = [self._with_score(view, row, float(view.vectors[row] @ qvec)) for row in whole if row not in rows]
        return {"section_ids": [view.ids[row] for row in whole], "section_rest": rest}

    @staticmethod
    def term_weights(view: LoadedGeneration, query: str) -> dict[str, float]:
        """The query's content words with their IDF in the corpus (a word found nowhere weighs like the rarest)."""
        return {t: max(view.bm25.idf.get(t, view.max_idf), 0.0) for t in dict.fromkeys(tokenize(query))}

    def _candidates(
        self,
        view: LoadedGeneration,
        query: str,
        qvec: np.ndarray,
        weights: dict[str, float],
        skip: frozenset[str] = frozenset(),
    ) -> list[_Candidate]:
        n = min(self.settings.candidates, len(view.ids))
        try:
            dense = view.index.nearest_passages(qvec, n)
        except Exception as exc:
            raise unavailable(self.backend, exc) from None
        fused: dict[str, float] = {}
        for rank, pid in enumerate(dense):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        keyword = np.zeros(len(view.ids))
        if self.settings.hybrid:
            keyword = view.bm25.get_scores([t for t in tokenize(query) if t not in skip])
            for rank, row in enumerate(np.argsort(-keyword)[:n]):
                if keyword[row] <= 0:
                    break
                pid = view.ids[row]
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        ranked = sorted(fused, key=lambda pid: -fused[pid])[:n]
        total_weight = sum(weights.values()) or 1.0
        out = []
        subject = definition_subject(query)
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
    def _dedupe(view: LoadedGeneration, candidates: list[_Candidate]) -> list[_Candidate]:
        seen: set[str] = set()
        out = []
        for c in candidates:
            text = view.passages[c.row].text
            if text not in seen:
                seen.add(text)
                out.append(c)
        return out

    @staticmethod
    def _with_rarest_term(
        view: LoadedGeneration,
        chosen: list[_Candidate],
        candidates: list[_Candidate],
        weights: dict[str, float],
        k: int,
    ) -> list[_Candidate]:
        """`chosen`, with the best candidate holding the query's rarest corpus word when no chosen passage does.

        "Is DALL·E a large language model?": the passages about language models fit best, yet only one that
        names DALL·E can answer; the rarest word the corpus uses is what the question is about."""
        # Everyday words ("make" in "Can LLMs make images?") are rare in some corpora and still say little.
        used = {
            t: w
            for t, w in weights.items()
            if len(t) >= 3 and t in view.bm25.idf and english_zipf(t) < TELLING_MAX_ZIPF
        }
        if not chosen or not used:
            return chosen
        top = max(used.values())
        rarest = {t for t, w in used.items() if w == top}  # words found in as few passages, equally telling
        if any(rarest & view.terms[c.row] for c in chosen):
            return chosen
        holding = [c for c in candidates if rarest & view.terms[c.row] and c not in chosen]
        if not holding:
            return chosen
        best = max(holding, key=lambda c: c.score)
        return [*chosen[: k - 1], best] if len(chosen) >= k else [*chosen, best]

    def _with_each_side(
        self, view: LoadedGeneration, chosen: list[_Candidate], sides: list[tuple[str, np.ndarray]], k: int
    ) -> list[_Candidate]:
        """`chosen`, holding the best passage for each of the two things the question sets side by side.

        "Give me an example of LLMs and generative AI" fits the passage that names generative AI tools best,
        and none of those names an LLM; asked of LLMs alone, the passage naming ChatGPT comes first."""
        chosen = list(chosen)
        kept = {chosen[0].row}
        for side, qvec in sides:
            # Asked of one side, "differ" names nothing to find: the side's other words ("strengths") do.
            weights = {t: w for t, w in self.term_weights(view, side).items() if t not in COMPARING_WORDS}
            candidates = self._candidates(view, side, qvec, weights, skip=COMPARING_WORDS)
            if self.settings.rerank:
                self._rerank(candidates, qvec)
            else:
                for c in candidates:
                    c.score = c.fused
            if not candidates:
                continue
            top = max(candidates, key=lambda c: c.score)
            rows = [c.row for c in chosen]
            if top.row not in rows:
                free = [i for i, c in enumerate(chosen) if c.row not in kept]
                if len(chosen) < k:
                    chosen.append(top)
                elif free:
                    chosen[free[-1]] = top
                else:
                    continue
            kept.add(top.row)
        return chosen

    def _mmr(self, view: LoadedGeneration, candidates: list[_Candidate], k: int) -> list[_Candidate]:
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
    def _with_score(view: LoadedGeneration, row: int, score: float) -> Passage:
        p = view.passages[row]
        return replace(p, score=max(0.0, min(1.0, score)))
