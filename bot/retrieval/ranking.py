"""The ranking steps of a search, each adjusting one list of candidate passages: fusion of the dense and keyword
ranks, rerank, maximal marginal relevance, the question's rarest word, each side of a comparison, the section."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bot.question.followup import COMPARING_WORDS
from bot.question.spelling import english_zipf, word_root
from bot.retrieval.coverage import TELLING_MAX_ZIPF
from bot.retrieval.loaded import LoadedGeneration
from bot.settings import Settings
from bot.text import NEGATION, asks_what_is_not, defines_subject, tokenize
from bot.types import Passage, QuestionForm


@dataclass
class Candidate:
    pid: str
    row: int
    fused: float  # reciprocal-rank fusion of the dense and keyword ranks
    dense: float = 0.0  # cosine of query and passage
    sentence: float = 0.0  # cosine of query and the passage's closest sentence
    keyword: float = 0.0  # share of the query's keyword weight (IDF) that the passage contains
    defines: bool = False  # for "What is X?": the passage has a sentence defining X
    score: float = 0.0  # the final ranking score


class Ranker:
    """The ranking steps, in the order `bot.retrieval.retriever.Retriever.retrieve` runs them."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def section(self, view: LoadedGeneration, rows: list[int], qvec: np.ndarray) -> dict:
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
        rest = [self.with_score(view, row, float(view.vectors[row] @ qvec)) for row in whole if row not in rows]
        return {"section_ids": [view.ids[row] for row in whole], "section_rest": rest}

    @staticmethod
    def term_weights(view: LoadedGeneration, query: str) -> dict[str, float]:
        """The query's content words with their IDF in the corpus (a word found nowhere weighs like the rarest)."""
        return {t: max(view.bm25.idf.get(t, view.max_idf), 0.0) for t in dict.fromkeys(tokenize(query))}

    def candidates_for(
        self,
        view: LoadedGeneration,
        form: QuestionForm,
        qvec: np.ndarray,
        weights: dict[str, float],
        skip: frozenset[str] = frozenset(),
    ) -> list[Candidate]:
        """The passages dense search and keyword search rank highest for `form.query`, fused by reciprocal rank."""
        n = min(self.settings.candidates, len(view.ids))
        dense = view.nearest(qvec, n)
        fused: dict[str, float] = {}
        for rank, pid in enumerate(dense):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        keyword = np.zeros(len(view.ids))
        if self.settings.hybrid:
            keyword = view.bm25.get_scores([t for t in tokenize(form.query) if t not in skip])
            for rank, row in enumerate(np.argsort(-keyword)[:n]):
                if keyword[row] <= 0:
                    break
                pid = view.ids[row]
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        ranked = sorted(fused, key=lambda pid: -fused[pid])[:n]
        total_weight = sum(weights.values()) or 1.0
        out = []
        subject = form.definition_terms
        for pid in ranked:
            row = view.position[pid]
            passage = view.passages[row]
            coverage = sum(w for t, w in weights.items() if t in view.terms[row]) / total_weight
            c = Candidate(pid, row, fused[pid], keyword=coverage)
            c.defines = bool(subject) and defines_subject(passage.text, subject)
            c.dense = float(view.vectors[row] @ qvec)
            rows = view.sentence_rows.get(row)
            c.sentence = (
                float((view.sentence_vectors[rows] @ qvec).max()) if rows is not None and len(rows) else c.dense
            )
            out.append(c)
        return out

    def rerank(self, candidates: list[Candidate], qvec: np.ndarray) -> None:
        w = self.settings
        for c in candidates:
            c.score = (
                w.rerank_sentence_weight * c.sentence
                + w.rerank_dense_weight * c.dense
                + w.rerank_keyword_weight * c.keyword
                + (w.rerank_definition_bonus if c.defines else 0.0)
            )

    @staticmethod
    def dedupe(view: LoadedGeneration, candidates: list[Candidate]) -> list[Candidate]:
        seen: set[str] = set()
        out = []
        for c in candidates:
            text = view.passages[c.row].text
            if text not in seen:
                seen.add(text)
                out.append(c)
        return out

    @staticmethod
    def with_rarest_term(
        view: LoadedGeneration,
        chosen: list[Candidate],
        candidates: list[Candidate],
        weights: dict[str, float],
        k: int,
    ) -> list[Candidate]:
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

    @staticmethod
    def negated_section(
        view: LoadedGeneration, question: str, candidates: list[Candidate], rows: list[int]
    ) -> int | None:
        """For a question asking what is not so ("What isn't covered by the warranty?"), the best candidate whose
        own heading says "not" of a word the question asks about ("What the warranties do not cover"), when the
        best passage's heading says no "not": word vectors hardly tell "covered" from "not covered", so the
        table of what is covered had answered."""
        if not rows or not asks_what_is_not(question):
            return None
        asked = {word_root(t) for t in tokenize(question)}

        def negated(row: int) -> bool:
            title = view.passages[row].heading.rsplit(" > ", 1)[-1]
            return bool(NEGATION.search(title)) and bool(asked & {word_root(t) for t in tokenize(title)})

        if negated(rows[0]):
            return None
        return next((c.row for c in sorted(candidates, key=lambda c: -c.score) if negated(c.row)), None)

    def with_each_side(
        self, view: LoadedGeneration, chosen: list[Candidate], sides: list[tuple[QuestionForm, np.ndarray]], k: int
    ) -> list[Candidate]:
        """`chosen`, holding the best passage for each of the two things the question sets side by side.

        "Give me an example of LLMs and generative AI" fits the passage that names generative AI tools best,
        and none of those names an LLM; asked of LLMs alone, the passage naming ChatGPT comes first."""
        chosen = list(chosen)
        kept = {chosen[0].row}
        for side, qvec in sides:
            # Asked of one side, "differ" names nothing to find: the side's other words ("strengths") do.
            weights = {t: w for t, w in self.term_weights(view, side.query).items() if t not in COMPARING_WORDS}
            candidates = self.candidates_for(view, side, qvec, weights, skip=COMPARING_WORDS)
            if self.settings.rerank:
                self.rerank(candidates, qvec)
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

    def mmr(self, view: LoadedGeneration, candidates: list[Candidate], k: int) -> list[Candidate]:
        """Maximal marginal relevance: each pick trades relevance against likeness to earlier picks."""
        pool = self.dedupe(view, candidates)
        chosen: list[Candidate] = []
        lam = self.settings.mmr_lambda
        while pool and len(chosen) < k:

            def gain(c: Candidate) -> float:
                likeness = max((float(view.vectors[c.row] @ view.vectors[o.row]) for o in chosen), default=0.0)
                return lam * c.score - (1 - lam) * likeness

            best = max(pool, key=gain)
            chosen.append(best)
            pool.remove(best)
        return chosen

    @staticmethod
    def with_score(view: LoadedGeneration, row: int, score: float) -> Passage:
        p = view.passages[row]
        return replace(p, score=max(0.0, min(1.0, score)))
