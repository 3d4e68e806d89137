"""Finding the passages that answer a question: dense + keyword search over the live index generation.

The question is read once (`bot.question.form.read_question`, with the corpus's spelling and follow-up
rewriting); the ranking steps are in `bot.retrieval.ranking`, and whether to answer is decided by
`bot.retrieval.refusal`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from bot.ingest.index import (
    IndexUnavailable,
    current_generation,
    index_backend,
    load_query_embeddings,
    open_index,
)
from bot.ingest.index.calibration import Calibration
from bot.question.form import read_question
from bot.question.patterns import names_document_as_this, title_as_document
from bot.question.spelling import english_zipf
from bot.retrieval import refusal
from bot.retrieval.answerability import AnswerabilityModel
from bot.retrieval.coverage import is_topic_word
from bot.retrieval.loaded import ABOUT_MOST, LoadedGeneration, load_generation
from bot.retrieval.query_batch import QueryBatcher
from bot.retrieval.ranking import Ranker
from bot.settings import Settings
from bot.text import in_quotes, is_question, plain_heading, spells_out
from bot.types import Decision, Passage, QuestionForm, Retrieval

log = logging.getLogger("bot")

# How often a question checks whether an ingest has switched the index to a new generation.
POINTER_CHECK_SECONDS = 1.0


def spelled_out_row(view: LoadedGeneration, abbreviation: str, ranked: list[int]) -> int | None:
    """The passage that spells out `abbreviation` ("... Nurse (RVN)", "... infections (HAIs)"): the best ranked of
    `ranked` that does, else the corpus's first; None when none does."""
    writes = (row for row in [*ranked, *range(len(view.passages))] if spells_out(view.passages[row].text, abbreviation))
    return next(writes, None)


TOPICS_NAMED = 3  # documents named when telling what the documents are about; the rest are counted


# Two offered questions closer than this (cosine) say the same: "What is an LLM?" twice, worded apart.
NEAR_REPEAT = 0.8


def pick_apart(order: Iterable[int], n: int, repeats: Callable[[int, int], bool]) -> list[int]:
    """The first `n` of `order` that repeat none picked before them (`repeats(i, j)`): the questions offered."""
    picked: list[int] = []
    for i in order:
        if not any(repeats(int(i), j) for j in picked):
            picked.append(int(i))
        if len(picked) == n:
            break
    return picked


class Retriever:
    """Hybrid retrieval over the index.

    The passages' vectors (stored in Chroma, held in memory) rank them by meaning and BM25 by exact words;
    the two rankings are fused by reciprocal rank, then the fused candidates are reranked by how well their
    closest sentence, the whole passage and the keywords match the question.
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
        self._rank = Ranker(settings)
        self.answerability = AnswerabilityModel.load(settings.answerability_model)

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
        documents = list({p.source: p for p in self._view.passages}.values())  # one passage of each, in order
        shared = Counter(p.title for p in documents)
        # Documents of one title (an organisation's name heading each of its files) are told apart by their files:
        # "They are about “Pennycroft Farm Holiday Park”" had stood for three of them, and counted as one.
        names = [f"{in_quotes(p.title)} ({p.source if shared[p.title] > 1 else p.publisher})" for p in documents]
        names = [name.removesuffix(" ()") for name in names]
        if len(names) > TOPICS_NAMED + 1:
            # Seven titles in every decline are a wall of text (a tester): the first few, and how many more.
            return ", ".join(names[:TOPICS_NAMED]) + f" and {len(names) - TOPICS_NAMED} other documents"
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def refresh(self) -> LoadedGeneration:
        """The live view after an ingest this process waited for: the pointer is read now, not up to a second
        later, so a question asked the moment a removal is reported is not answered from the removed document."""
        self._checked_at = float("-inf")
        return self._current()

    def live_view(self) -> LoadedGeneration:
        """The generation answering now, moving to a newer one if an ingest switched (read it, never change it)."""
        return self._current()

    def calibration(self, view: LoadedGeneration | None = None) -> Calibration | None:
        """How close off-topic questions come to the live index (None for an index built before calibration)."""
        return Calibration.from_dict((view or self._view).index.manifest.calibration)

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

    def name_closeness(self, view: LoadedGeneration, phrase: str) -> float:
        """The best passage cosine of the documents' own name as a question writes it (`phrase`, from
        `LoadedGeneration.name_phrase`), alone (0 when it names none); embedded once per way of writing it."""
        if not phrase:
            return 0.0
        if phrase not in view.name_closeness:
            view.name_closeness[phrase] = float((view.vectors @ self.embed_query(phrase)).max())
        return view.name_closeness[phrase]

    def closest(self, phrase: str, options: list[str]) -> int:
        """Which of `options` means most nearly what `phrase` means (for follow-ups: "LLMs" stands in for "generative AI")."""
        vectors = self.embeddings.queries([phrase, *options])
        return int(np.argmax(vectors[1:] @ vectors[0]))

    def suggest(self, query_vector: np.ndarray, n: int = 3) -> list[str]:
        """Questions the articles answer (their question headings) closest to a query."""
        view = self._view
        if view.suggestions is None:
            several = len({p.source for p in view.passages}) > 1
            headings = dict.fromkeys(
                question
                for p in view.passages
                for part in p.heading.split(" > ")
                if is_question(part)
                and (question := plain_heading(part))  # "7.2 Why ...?", "Q: Why ...?" -> "Why ...?"
                and not (several and names_document_as_this(question))  # "What is this spec?" beside other documents
            )
            view.suggestion_vectors = self.embed(list(headings)) if headings else None
            view.suggestions = list(headings)
        if not view.suggestions or view.suggestion_vectors is None:
            return []
        vectors = view.suggestion_vectors
        order = np.argsort(-(vectors @ query_vector))
        picked = pick_apart(order, n, lambda i, j: float(vectors[i] @ vectors[j]) >= NEAR_REPEAT)
        return [view.suggestions[i] for i in picked]

    def sentence_vectors(self, passage: Passage) -> np.ndarray | None:
        """Stored embeddings of a passage's sentences, in `passage_sentences` order (None if absent)."""
        for view in (self._view, *self._retired):
            row = view.position.get(passage.id)
            if row is not None and view.passages[row].text == passage.text:
                rows = view.sentence_rows.get(row)
                return view.sentence_vectors[rows] if rows is not None and len(rows) else None
        return None

    def _about_documents(self, view: LoadedGeneration, form: QuestionForm, qvec: np.ndarray) -> Retrieval:
        """ "What are these documents about?": the opening passage of each document answers, whatever a search
        for the words "documents" and "about" would find."""
        documents = view.named_documents(form.about_documents, form.about_which)
        passages = [
            self._rank.with_score(view, row, float(view.vectors[row] @ qvec))
            for row in view.openings(documents, ABOUT_MOST)
        ]
        many = len(documents)
        shown = f"{len(passages)} largest of {many}" if many > len(passages) else f"{len(passages)}"
        return Retrieval(
            question=form.asked,
            query=form.query,
            passages=passages,
            query_vector=qvec,
            relevance=max((p.score for p in passages), default=0.0),
            term_weights=self._rank.term_weights(view, form.query),
            form=form,
            decision=Decision(bool(passages), f"asks what the documents are about: the opening of each ({shown})"),
        )

    def read(self, question: str, history: list[str] | None = None, query: str | None = None) -> QuestionForm:
        """`question` read once in the light of `history` (earlier user turns, oldest first), in the corpus's
        spelling ("Stable-Diffusion", "ecommerce", "generatve": as the documents spell them). `query` replaces
        the rule-based standalone rewrite when the caller already has one."""
        view = self._current()
        words, titles = view.words, view.titles()

        def respell(text: str) -> str:  # also "What does <a title> say about X?" as "What does the handbook ...?"
            text = title_as_document(text, titles)
            return words.respell(text) if words else text

        return read_question(question, history, query=query, respell=respell, closest=self.closest)

    def retrieve(
        self,
        question: str | QuestionForm,
        history: list[str] | None = None,
        k: int | None = None,
        query: str | None = None,
    ) -> Retrieval:
        """The top-k passages for a question (read with `history` and `query` as `read` does, unless a form is
        given), and whether to answer from them."""
        form = question if isinstance(question, QuestionForm) else self.read(question, history, query)
        k = k or self.settings.top_k
        if form.alone is not None:
            # "When do I get paid?" after a question on remote work: read with the earlier question and alone,
            # the reading the documents more likely answer wins (alone on a tie: it is what was asked).
            glued = self.retrieve(dataclasses.replace(form, alone=None), k=k)
            alone = self.retrieve(form.alone, k=k)
            g, a = glued.decision, alone.decision
            if a and a.answer and (not (g and g.answer) or (a.probability or 0) >= (g.probability or 0)):
                return alone
            return glued
        view = self._current()
        rank = self._rank
        qvec = self.embed_query(form.query)
        # "Who wrote these articles?" is answered from the documents' publishers, when they name any; else searched.
        if (
            form.about_documents
            and not form.parts
            and not (form.who_wrote and not any(p.publisher for p in view.passages))
        ):
            about = self._about_documents(view, form, qvec)
            if about.passages:
                return about
            # "the remote work policy" names no document: it is searched and answered as any question
            form = dataclasses.replace(form, about_documents="", about_which="", who_wrote=False)
        weights = rank.term_weights(view, form.query)
        candidates = rank.candidates_for(view, form, qvec, weights)
        if self.settings.rerank:
            rank.rerank(candidates, qvec)
        else:
            for c in candidates:
                c.score = c.fused
        candidates.sort(key=lambda c: -c.score)
        chosen = rank.mmr(view, candidates, k) if self.settings.mmr else rank.dedupe(view, candidates)[:k]
        if chosen and self.settings.rerank:
            floor = chosen[0].score - self.settings.relative_cutoff
            chosen = [c for c in chosen if c.score >= floor]
        chosen = rank.with_rarest_term(view, chosen, candidates, weights, k)
        sides = [(side, self.embed_query(side.query)) for side in form.sides] if chosen else []
        if sides:
            chosen = rank.with_each_side(view, chosen, sides, k)
        rows = [c.row for c in chosen]
        spelled = spelled_out_row(view, form.spell_out, rows) if form.spell_out else None
        negated = rank.negated_section(view, form.question, candidates, rows)
        if negated is not None:
            rows = [negated, *(row for row in rows if row != negated)][: max(k, len(rows))]
        if spelled is not None:
            # "What does RVN stand for?": the passage that writes "Registered Veterinary Nurse (RVN)" answers first,
            # however far its other words are from the question's; search ranks passages that only use "RVN" higher.
            rows = [spelled, *(row for row in rows if row != spelled)]
        dense = {c.row: c.dense for c in chosen}
        passages = [rank.with_score(view, row, dense.get(row, float(view.vectors[row] @ qvec))) for row in rows]
        # Whole-passage cosine separates on- from off-topic questions best (see README, "Refusal threshold").
        relevance = max((c.dense for c in candidates), default=0.0)
        best_sentence = max(
            (float((vectors @ qvec).max()) for p in passages if (vectors := self.sentence_vectors(p)) is not None),
            default=relevance,  # an index without stored sentence vectors: the passage stands for its sentences
        )
        name_phrase = view.name_phrase(form.query)  # the documents' own name as the question writes it
        decision = refusal.decide_retrieval(
            self.settings,
            view,
            form,
            rows,
            passages,
            relevance,
            self.calibration(view),
            best_sentence,
            weights,
            self.answerability,
            name_phrase,
            self.name_closeness(view, name_phrase),
        )
        parts = [self.retrieve(part, k=k) for part in form.parts]
        return Retrieval(
            question=form.asked,
            query=form.query,
            passages=passages,
            query_vector=qvec,
            relevance=relevance,
            term_weights=weights,
            topic_terms=frozenset(t for t in weights if is_topic_word(view, t)),
            sides=sides,
            form=form,
            decision=decision,
            parts=parts,
            **rank.section(view, rows, qvec),
        )
