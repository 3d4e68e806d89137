"""Composing a short, cited answer from retrieved passages.

The extractive answerer needs no model beyond the embedder: it quotes the sentences that fit the
question best, leads with a direct "No, ..." or "Yes, ..." when the question is yes/no, and puts the
number of the passage each sentence came from after it. What the question asks for is read from its
form (`Retrieval.form`); whether to answer at all, from `Retrieval.decision` (`bot.retrieval.refusal`).
Answers drawn from a whole section (lists, summaries, comparisons) are in `bot.answer.sections`; quoting
the chosen sentences (neighbours, filler, verdicts, citations) in `bot.answer.quoting`.

Passages are stored verbatim, but what is quoted or shown of them is made inert first
(`bot.safe_markdown.inert_markdown`): a corpus file's images never render and its links show as text
with their host, so no document can make the browser load or link anything.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

import numpy as np

from bot.answer.about import about_documents_answer
from bot.answer.overview import Document
from bot.answer.quoting import (
    fill,
    leading,
    quoted,
    shown,
    similar,
    table_of_each_side,
    with_its_passage_list,
    with_neighbours,
    with_row_for_number,
    with_span,
    with_whole_lists,
    with_whole_table,
    without_verdict,
)
from bot.answer.replies import names_not_mentioned, not_covered_reply, part_not_covered
from bot.answer.sections import (
    Candidate,
    Scorer,
    each_side,
    named_section,
    of_the_side_asked,
    order_of,
    says_something,
    section_answer,
    sections_of_each_side,
    speaks_of_each,
    spelled_out,
    terms,
    with_next_command,
)
from bot.answer.sentence_model import SentenceModel, negated
from bot.answer.smalltalk import small_talk_answer
from bot.answer.tables import with_split_table
from bot.ingest.sentences import Sentence, passage_sentences
from bot.question.form import read_question
from bot.question.patterns import BELONGING
from bot.question.spelling import english_zipf
from bot.retrieval.coverage import TELLING_MAX_ZIPF
from bot.retrieval.refusal import decide, gives_asked_kind, lacks_kind
from bot.retrieval.retriever import NEAR_REPEAT, pick_apart
from bot.settings import Settings
from bot.text import NUMBERING, defines_subject, document_terms, tokenize
from bot.types import CITATION, Answer, Decision, Passage, QuestionForm, Retrieval, renumbered

_DIRECT = re.compile(r"^(?:no|yes|not)\b", re.I)
# Words that do not change what a yes/no question asks ("the same thing", "really").
_VAGUE = frozenset(["thing", "really", "actually", "exactly", "basically", "just", "also", "still", "ever"])
# Word-embedding similarity at which a question word and a heading word ask the same thing
# (make/create 0.59, pictures/images 0.81; produce/create 0.40, part/same 0.30, music/videos 0.49).
VERDICT_WORD_SIMILARITY = 0.55
# How much less a sentence naming a yes/no question's subject may score than the best one and still lead.
SUBJECT_MARGIN = 0.05
# A subject the corpus names rarely ("copyright", "DALL·E"; IDF >= SPECIFIC_SUBJECT_IDF) is what the question
# is about: a sentence naming it may lead from further behind (SPECIFIC_SUBJECT_MARGIN) than one naming a
# topic word the whole corpus is about ("LLM"). Otherwise "Can I copyright an image I made with Midjourney?"
# is answered with the sentence about Midjourney. See README for the calibration.
SPECIFIC_SUBJECT_IDF = 1.0
SPECIFIC_SUBJECT_MARGIN = 0.2
# "Are GANs part of generative AI?" asks whether one thing belongs to another (`QuestionForm.membership`); a
# sentence that says what includes what answers it, when it scores within MEMBERSHIP_MARGIN of the best (see README).
_INCLUSION = re.compile(rf"\b(?:{BELONGING}|includ(?:e|es|ed|ing)|among)\b", re.I)
MEMBERSHIP_MARGIN = 0.1
# A sentence this close to the best may give the amount, date or name asked for (docs/refusals-and-calibration.md).
KIND_MARGIN = 0.15
# Names in a passage's sentence, for a question asking for names ("Which tools ...?").
_PROPER_NOUN = re.compile(
    r"(?<=[\s(,])(?:[A-Z][\w·’'-]*[A-Z]|[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[\w-]*|[A-Z][a-z]+(?=[’']s))"
)


class ExtractiveAnswerer:
    """Offline answerer: quotes the best-fitting sentences of the retrieved passages, with citations."""

    def __init__(
        self,
        settings: Settings,
        embed: Callable[[list[str]], np.ndarray],
        topics: str | Callable[[], str],
        stored_vectors: Callable[[Passage], np.ndarray | None] = lambda _passage: None,
        suggest: Callable[[np.ndarray, int], list[str]] = lambda _vector, _n: [],
        examples: Callable[[], list[str]] = lambda: [],
        documents: Callable[[], Sequence[Document]] = lambda: [],
        askable: Callable[[], list[str]] = lambda: [],
    ):
        self.settings = settings
        self._embed = embed
        self._stored_vectors = stored_vectors  # sentence embeddings computed at ingest, by passage
        self._suggest = suggest  # nearest answerable questions, offered when declining
        self._topics = topics  # the indexed articles, named when declining (a callable follows re-ingests)
        self._examples = examples  # the corpus's starter questions, offered when nothing closer is known
        self._askable = askable  # every question a starter could be: the nearest are offered when declining
        self._documents = documents  # the documents described (titles, main sections), for "What are they about?"
        self._cache: dict[str, np.ndarray] = {}
        self._sentences = SentenceModel.load(settings.sentence_model)  # how each sentence is scored (`bot fit`)

    def _vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vec in zip(missing, self._embed(missing)):
                self._cache[text] = vec
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def answer(self, retrieval: Retrieval) -> Answer:
        """Compose the answer for `retrieval`, or decline as its decision says (`bot.retrieval.refusal`)."""
        # A Retrieval made without the retriever (the naive baseline's) is read and decided here.
        form = retrieval.form or read_question(retrieval.question, query=retrieval.query)
        decision = retrieval.decision or decide(form, retrieval.passages, retrieval.relevance)
        if form.small_talk:  # a greeting, thanks or "who are you?": a short reply about the assistant, not a refusal
            answer = small_talk_answer(
                retrieval, form.small_talk, self.settings.assistant_name, self._topics, self._examples
            )
            answer.reason = decision.reason
            return answer
        if not decision.answer:
            first = retrieval.parts[0] if retrieval.parts else None
            if first and first.decision and first.decision.answer:
                # "When is payday, and how much is the Christmas bonus?": the first is answered on its own, the
                # second said to be unanswered when the documents do not answer it either.
                answered = self.answer(first)
                if answered.answered:
                    return with_parts(answered, [self.answer(part) for part in retrieval.parts[1:]], retrieval)
            if decision.answers_rest:
                partial = self._what_they_say(retrieval, decision)
                if partial is not None:
                    return partial
            return self._decline(retrieval, self._what_is_missing(form, retrieval, decision))
        if form.about_documents:
            sentences_of = lambda passage: [s for s, _ in self.sentences_with_vectors(passage)]  # noqa: E731
            about = about_documents_answer(retrieval, sentences_of, self._documents())
            if about is not None:
                about.reason = decision.reason
                return about
        sources = retrieval.passages
        summary, wants_list, compare, wants_names = form.wants_summary, form.wants_list, form.compare, form.wants_names
        # "Give me an example of LLMs and generative AI": one for each of the two, like a comparison.
        both = compare or bool(wants_names and form.pair)
        if summary or wants_list or compare or form.how_to:
            # "Which industries ...?": the section's parts answer; "How do I book a party?": all of its steps
            sources = sources + retrieval.section_rest
        # A table the chunker cut between passages of the best one's section is read whole in the best one, and may
        # be quoted whole (its size was the passage size's, not the answer's, to cut).
        table_budget = 0
        if sources:
            whole, held = with_split_table(sources[0], [*sources[1:], *retrieval.section_rest], retrieval.section_ids)
            if held:
                sources = [whole, *(p for p in sources[1:] if p.id not in held)]
                table_budget = len(whole.text)
        candidates = self._score(form, retrieval.query_vector, sources, retrieval.term_weights)
        if not (both or form.yes_no):  # "Is an LLM the best tool for X?" may be answered "choose generative AI for X"
            candidates = of_the_side_asked(candidates, form.query)
        if retrieval.said:
            # "Tell me more": more of the passages the answer before quoted, not what it quoted (elsewhere the
            # answer would drift to another topic: "Give me an example." after the list of what is not reimbursed
            # got the car mileage that is).
            candidates = [
                c
                for c in candidates
                if not set(c.sentence.quotes) <= retrieval.said and sources[c.source_n - 1].id in retrieval.said_from
            ]
            if not candidates:
                return self._nothing_more(retrieval, decision)
        if compare and len(retrieval.sides) == 2 and not retrieval.parts:
            # "What's the difference between the clay party and the paint-a-pot party?": a table with a column (or
            # a row) for each answers with just those two, whatever its rows' words
            side_table, quotes = table_of_each_side(candidates, [side.query for side, _ in retrieval.sides])
            if side_table:
                text, _ = quoted(side_table, {})
                answer = Answer(retrieval.question, text, True, list(sources), retrieval.query, quotes)
                answer.reason = decision.reason
                return answer
        # A "Yes."/"No." answers its own heading's question: it may only answer one that asks the same.
        fits = {n: form.yes_no and self.asks_same(form.query, p) for n, p in enumerate(sources, start=1)}
        headings = {n: (p.source, p.heading) for n, p in enumerate(sources, start=1)}
        reading = {pid: i for i, pid in enumerate(retrieval.section_ids)}
        place = {n: reading.get(p.id, len(reading)) for n, p in enumerate(sources, start=1)}
        chosen = (
            sections_of_each_side(candidates, sources, retrieval.sides, self.settings.passage_max_chars // 2)
            if compare and not (summary or wants_list)
            else []
        )
        if not (chosen or retrieval.said or form.yes_no or compare):
            chosen = spelled_out(form, candidates, self.settings.answer_max_sentences) or named_section(
                form, candidates, headings, place
            )
        chosen = chosen or (
            section_answer(candidates, summary, headings, place, compare and not wants_list)
            if summary or (wants_list and not wants_names) or compare
            else []
        )
        if compare and not speaks_of_each(chosen, retrieval.sides):
            chosen = []  # "Compare the benefits of LLMs and generative AI" answered with one side's list
        from_section = bool(chosen)
        chosen = chosen or self._select(
            candidates,
            form,
            {n for n, ok in fits.items() if ok},
            headings,
            both,
            subject_weight=retrieval.term_weights.get(form.subject, 0.0),
            lead=each_side(retrieval.sides, candidates, retrieval.term_weights, self._scorer(sources)) if both else [],
        )
        # A yes/no question's best sentence holds its verdict: it leads the answer, before any it leans on.
        verdict = chosen[0] if form.yes_no and chosen and not from_section else None
        if wants_list and not (from_section or wants_names or both):
            chosen = with_its_passage_list(chosen, candidates, self.settings.passage_max_chars)
        if wants_list and not (from_section or both):
            chosen = with_whole_lists(chosen, candidates, self.settings.passage_max_chars)
        chosen = with_row_for_number(chosen, candidates, form.query)
        chosen = with_whole_table(chosen, candidates, form.query, self.settings.passage_max_chars, table_budget)
        chosen = with_neighbours(chosen, candidates)
        # The answer under a heading that asks this very question ("When do I pay?" over "Payment is due at the time
        # of treatment.") is the answer, whatever kind of answer the question's wording asks for.
        chosen_from = chosen[0].source_n if chosen else 1

        def heading_asks() -> bool:  # asked only where it decides: it may embed the question's words
            return bool(sources) and self.asks_same(form.query, sources[chosen_from - 1])

        if form.kind and not any(gives_asked_kind(form, c.sentence.text) for c in chosen) and not heading_asks():
            # "Which company makes BERT?": a sentence that names one beside BERT ("Google's BERT") answers it.
            rarest = max(retrieval.term_weights, key=retrieval.term_weights.get, default="")
            top = max((c.score for c in candidates), default=0.0)
            giving = [
                c
                for c in candidates
                if c.score >= top - KIND_MARGIN
                and rarest in tokenize(c.sentence.text)
                and gives_asked_kind(form, c.sentence.text)
            ]
            if not giving:
                # "How much does it cost to train an LLM?" answered with no amount is not an answer.
                return self._decline(retrieval, lacks_kind(form))
            chosen = [max(giving, key=lambda c: c.score)]
        if not (summary or (wants_list and not wants_names) or both or form.spell_out):
            # The answering sentence with what it needs around it, from the best passage ("Answers from whole spans").
            chosen = with_neighbours(
                with_span(
                    chosen,
                    candidates,
                    self.settings.passage_max_chars,
                    form.yes_no or form.wants_names,
                    table_budget,
                ),
                candidates,
            )
        if form.how_to and decision.answer and not from_section:
            asked = set(tokenize(form.query)) - retrieval.topic_terms
            chosen = with_next_command(chosen, candidates, headings, place, asked)
        # (An item of a list stays under the lead-in quoted before it: "a carer coming with a disabled visitor" read
        # first, then "Entry is FREE if you are:".)
        if verdict is not None and verdict in chosen and not _under_lead_in(verdict, chosen):
            head = leading(verdict, chosen)
            chosen = [*head, *(c for c in chosen if c not in head)]
        if not chosen and heading_asks():
            # The question as the heading above the best passage asks it ("Do I have to like “Monty Python’s
            # Flying Circus”?", offered as a question the documents answer): what is under it answers, however
            # little it reads like a sentence ("No, but it helps. :)", "See the Unicode HOWTO.").
            chosen = sorted((c for c in candidates if c.source_n == chosen_from), key=order_of)
        if not chosen:
            # Every sentence found is a title, a byline or a bare lead-in: nothing to quote, so no answer (it was
            # sent empty, marked answered).
            return self._decline(
                retrieval, dataclasses.replace(decision, answer=False, reason=f"{decision.reason}; nothing to quote")
            )
        text, used = quoted(chosen, fits)
        answer = Answer(retrieval.question, text, True, list(sources), retrieval.query, used)
        answer.reason = decision.reason
        if retrieval.parts:  # two questions in one message: what each one's own answer adds
            answer = with_parts(answer, [self.answer(part) for part in retrieval.parts], retrieval)
        return answer

    def _nothing_more(self, retrieval: Retrieval, decision: Decision) -> Answer:
        """The reply to "Tell me more" when the answer before quoted all that the passages found say."""
        text = "The documents I have say nothing more about that than the answer above."
        reason = f"{decision.reason}; asks for more, and the earlier answer quoted all the passages found"
        return Answer(
            retrieval.question, text, False, [], retrieval.query, reason=reason, ranked=list(retrieval.passages)
        )

    def _what_is_missing(self, form: QuestionForm, retrieval: Retrieval, decision: Decision) -> Decision:
        """A decline for a question asking for an amount, a date or a name that no sentence near the best gives
        says so ("don't give a name for that"), which tells more than "don't cover that"."""
        if not form.kind or decision.unknown or decision.missing or retrieval.query_vector is None:
            return decision
        candidates = self._score(form, retrieval.query_vector, retrieval.passages, retrieval.term_weights)
        top = max((c.score for c in candidates), default=0.0)
        if not candidates or any(
            gives_asked_kind(form, c.sentence.text) for c in candidates if c.score >= top - KIND_MARGIN
        ):
            return decision
        lacks = lacks_kind(form)
        return dataclasses.replace(decision, reason=f"{decision.reason}; {lacks.reason}", missing=lacks.missing)

    def _what_they_say(self, retrieval: Retrieval, decision: Decision) -> Answer | None:
        """The decline of a question over names the documents never mention, with what they say on the rest of
        it, quoted and cited: "don't mention “Thailand”" and where remote work may be done; or of a question
        near the line, with what comes closest. Still a decline."""
        rest = self.answer(dataclasses.replace(retrieval, decision=dataclasses.replace(decision, answer=True)))
        if not rest.answered:
            return None
        vector = retrieval.query_vector
        return dataclasses.replace(
            rest,
            # What may answer it instead, offered as a full decline offers it: "Do you see tortoises?", near the line
            # with the exotic-species sentence, is answered by "Which animals do you see?".
            suggestions=self._suggestions(vector, asked=retrieval.question) if vector is not None else [],
            # A table, list or code block starts a line of its own, or the page shows its Markdown as text.
            text=f"{names_not_mentioned(retrieval.question, list(decision.unknown))}"
            + ("\n\n" if _OPENS_BLOCK.match(rest.text) else " ")
            + rest.text,
            answered=False,
            reason=f"{decision.reason}; quoted what they say on the rest of the question"
            if decision.unknown
            else f"{decision.reason}; quoted what comes closest",
        )

    def _decline(self, retrieval: Retrieval, decision: Decision) -> Answer:
        """The reply for a question the documents do not answer, with questions they do answer."""
        question = retrieval.question
        vector = retrieval.query_vector
        suggestions = self._suggestions(vector, asked=question) if vector is not None else []
        topics = self._topics() if callable(self._topics) else self._topics
        examples = self._examples()
        reply = not_covered_reply(question, topics, suggestions, list(decision.unknown), examples, decision.missing)
        offered = (suggestions or examples)[:3]
        # No sources are shown, but retrieval's ranking is kept: `bot eval` scores retrieval whatever the decision.
        return Answer(
            question,
            reply,
            False,
            [],
            retrieval.query,
            suggestions=list(offered),
            reason=decision.reason,
            ranked=list(retrieval.passages),
        )

    def _suggestions(self, query_vector: np.ndarray, n: int = 3, asked: str = "") -> list[str]:
        """The `n` questions closest to a query among the documents' question headings and the starter-like
        questions about their sections ("What do the documents say about leak allowance?"), near-repeats skipped.

        Question headings alone had been offered first however far they were: "My bill was huge because of a
        leak. Can I get some money back?", declined, was offered a new-connections FAQ's three questions, not the
        leak allowance section that came closest; and a folder with one question heading had offered it on every
        decline. Never the question `asked` itself (a suggestion clicked and declined offered itself again)."""
        asked_as = asked.strip().casefold()
        options = [
            q
            for q in dict.fromkeys([*self._suggest(query_vector, n + 1), *self._askable()])
            if q.casefold() != asked_as
        ]
        if not options:
            return []
        vectors = self._vectors(options)
        # What each asks besides the documents' own names (their titles' words, which a question about a section
        # names too): "Which industries benefit most from LLMs?" (front matter) and "Which Industries Benefit Most
        # from LLMs vs. Generative AI?" (a heading) ask the same, though they read apart (cosine below 0.8).
        names = {t for d in self._documents() for t in tokenize(d.title)}
        asks = [set(tokenize(q)) - names for q in options]

        def repeats(i: int, j: int) -> bool:
            same = bool(asks[i] and asks[j]) and (asks[i] <= asks[j] or asks[j] <= asks[i])
            return same or float(vectors[i] @ vectors[j]) >= NEAR_REPEAT

        picked = pick_apart(np.argsort(-(vectors @ query_vector), kind="stable"), n, repeats)
        return [options[i] for i in picked]

    def sentences_with_vectors(self, passage: Passage) -> list[tuple[Sentence, np.ndarray]]:
        """A passage's quotable sentences with their embeddings (stored at ingest, else computed)."""
        sentences = passage_sentences(passage.text)
        vectors = self._stored_vectors(passage)
        if vectors is None or len(vectors) != len(sentences):
            vectors = self._vectors([s.context for s in sentences])  # index predates stored sentences
        return list(zip(sentences, vectors))

    def _score(
        self, form: QuestionForm, qvec: np.ndarray, sources: list[Passage], weights: dict[str, float] | None = None
    ) -> list[Candidate]:
        """Every quotable sentence of `sources`, scored for the question (`form.query`) by the sentence model."""
        features = self.sentence_features(form, qvec, sources, weights)
        return [Candidate(sentence, n, self._sentences.score(values), vec) for n, sentence, vec, values in features]

    def sentence_features(
        self, form: QuestionForm, qvec: np.ndarray, sources: list[Passage], weights: dict[str, float] | None = None
    ) -> list[tuple[int, Sentence, np.ndarray, np.ndarray]]:
        """Every quotable sentence of `sources` with the features the sentence model scores
        (`bot.answer.sentence_model.FEATURES`): (source number, sentence, its embedding, features)."""
        sentences = [
            (n, s, v)
            for n, p in enumerate(sources, start=1)
            for s, v in self.sentences_with_vectors(p)
            if s.code or tokenize(shown(s.text))  # an image alone says nothing (it is never shown)
        ]
        if not sentences:
            return []
        semantic = np.stack([v for _, _, v in sentences]) @ qvec
        query_terms = set(tokenize(form.query))
        # Rare words carry the question ("e-commerce" in "How does AI help e-commerce?"), so overlap is IDF-weighted.
        weights = {t: (weights or {}).get(t, 1.0) for t in query_terms}
        total = sum(weights.values()) or 1.0
        defined = form.definition_terms
        # A yes/no question about X ("Are LLMs built on diffusion models?") is answered by a sentence about X.
        subject = form.subject
        asks_negated = negated(form.query)
        headings = {n: p.heading.split(" > ")[-1] for n, p in enumerate(sources, start=1)}
        heading_share = {
            n: sum(weights[t] for t in query_terms & set(document_terms(h))) / total for n, h in headings.items()
        }
        out = []
        for (n, sentence, vec), sem in zip(sentences, semantic):
            words = set(document_terms(sentence.context))
            values = np.array(
                [
                    float(sem),
                    sum(weights[t] for t in query_terms & words) / total,
                    sources[n - 1].score,
                    float(sentence.order),
                    float(bool(defined and defines_subject(sentence.text, defined))),  # "X is ..." answers "What is X?"
                    float(bool(form.wants_code and sentence.code)),  # "how do I install ...?": the line to type
                    float(min(3, len(_PROPER_NOUN.findall(sentence.text)))) if form.wants_names else 0.0,
                    float(bool(subject and subject in tokenize(without_verdict(sentence.text))[:2])),
                    heading_share[n],
                    float(asks_negated and (negated(sentence.text) or negated(headings[n]))),
                ]
            )
            out.append((n, sentence, vec, values))
        return out

    def _scorer(self, sources: list[Passage]) -> Scorer:
        """Scores `sources`' sentences for one side of a comparison (see `bot.answer.sections.each_side`)."""
        return lambda form, vector, weights: self._score(form, vector, sources, weights)

    def asks_same(self, question: str, passage: Passage) -> bool:
        """Whether `question` asks what the passage's question heading asks: each of its words is a word of
        the heading or means nearly the same (word embeddings, `VERDICT_WORD_SIMILARITY`)."""
        heading = NUMBERING.sub("", passage.heading.split(" > ")[-1].strip())  # "2. Can ...?", "7.33 Why ...?"
        if not heading.endswith("?"):
            return False
        heading_terms = sorted(set(tokenize(heading)))
        words = set(tokenize(question))
        # Everyday words ("need", "work", "one") say how it is asked, not what: they may differ when the question
        # holds every word the heading asks with ("Do you even need an LLM to do generative AI, or can it work
        # without one?" asks "Can generative AI work without an LLM?").
        covers_heading = set(heading_terms) <= words
        asked = {t for t in words if english_zipf(t) < TELLING_MAX_ZIPF} if covers_heading else words
        missing = sorted(asked - _VAGUE - set(heading_terms))
        if not missing:
            return True
        if not heading_terms:
            return False
        closest = (self._vectors(missing) @ self._vectors(heading_terms).T).max(axis=1)
        return bool((closest >= VERDICT_WORD_SIMILARITY).all())

    def _select(
        self,
        candidates: list[Candidate],
        form: QuestionForm,
        verdicts_fit: set[int],
        headings: dict[int, tuple[str, str]],
        compare: bool = False,
        subject_weight: float = 0.0,
        lead: list[Candidate] | None = None,
    ) -> list[Candidate]:
        """The best sentence and up to `answer_max_sentences` that answer the same question (never filler).

        For a comparison, a sentence that speaks of what the best one leaves out comes next ("Generative AI
        includes ... diffusion models" beside "LLMs are ... transformer"), so that both sides are answered."""
        quotable = [c for c in candidates if says_something(c)]
        if not quotable:
            return []
        query_terms, subject, most = set(tokenize(form.query)), form.subject, self.settings.answer_max_sentences
        ranked = sorted(quotable, key=lambda c: -c.score)
        if lead:  # one sentence for each side of a comparison, then what answers the whole question as well
            return fill(list(lead), ranked, ranked[0], query_terms, headings, most)
        best = ranked[0]
        # A bare lead-in that fits best ("NHS dental treatment is FREE if you are:") answers, with its list, when an
        # item of it holds what the question asks and the lead-in does not ("pregnant, or have had a baby ..."):
        # not a sentence elsewhere that fits the lead-in's words alone ("... is free for everyone under 18.").
        top = max(candidates, key=lambda c: c.score)
        items = []
        if top.score > best.score and top.sentence.list_id and not says_something(top):
            lacking = query_terms - terms(top)
            items = [
                c
                for c in ranked
                if (c.source_n, c.sentence.list_id) == (top.source_n, top.sentence.list_id)
                and c.sentence.order > top.sentence.order
                # a lead-in that names all that is asked ("Summer Reading Challenge for ages 4 to 11:") is
                # answered by all its items, what it is
                and (lacking & terms(c) or not lacking)
            ]
        best = top if items else best  # quoted with its list
        about = [c for c in ranked if subject in terms(c)] if subject and not items else []
        margin = SPECIFIC_SUBJECT_MARGIN if subject_weight >= SPECIFIC_SUBJECT_IDF else SUBJECT_MARGIN

        def headed_by_subject(c: Candidate) -> bool:
            # A section headed by the subject's name is about it: "In the Barn Block: 2 washing machines ..." under
            # "Laundry" answers "Is there a laundry on site?" (a table row naming the laundry had led), the hours
            # under "Hollins Green Library" "Is Hollins Green open on Tuesdays?" (an activity there had led).
            # A heading that is a name ("Hollins Green Library"), not a question that names the subject ("Is Python
            # a good first language?" is about the language's merits, not all that is said of Python).
            name = headings[c.source_n][1].rsplit(" > ", 1)[-1]
            leaf = set(tokenize(name))
            return subject in leaf and (leaf <= query_terms or len(leaf) == len(re.findall(r"[\w'-]+", name)))

        # Only what is said of the subject follows a sentence that leads for naming it: the sentence it
        # displaced answers something else ("Is my data safe if I paste it into ChatGPT?" is not about ChatGPT).
        on_subject = False
        if (
            about
            and subject not in terms(best)
            and not headed_by_subject(best)
            and about[0].score >= best.score - margin
        ):
            # "Is DALL·E a large language model?" is answered by what is said of DALL·E, not of language models.
            best, on_subject = about[0], not form.asker_acts
        stating = [c for c in about if _INCLUSION.search(c.sentence.text)] if form.membership else []
        if stating and stating[0].score >= best.score - MEMBERSHIP_MARGIN:
            best = stating[0]
        # A verdict that answers this very question and fits nearly as well leads the answer.
        direct = [
            c
            for c in ranked[:6]
            if c.source_n in verdicts_fit and _DIRECT.match(c.sentence.text) and c.score >= best.score - 0.12
        ]
        if direct:
            best = direct[0]
        chosen = [best]
        budget = 480 - len(best.sentence.text)
        if compare:
            # Each word counts the same: the two things compared are often the corpus's commonest words.
            left_out = query_terms - terms(best)

            def gain(c: Candidate) -> float:
                return len(left_out & terms(c))

            near = [c for c in ranked[1:12] if c.score >= best.score - 0.2 and len(c.sentence.text) <= budget]
            other = max(near, key=lambda c: (gain(c), c.score), default=None)
            if other and gain(other) >= 0.2 * len(query_terms) and not similar(other.sentence.text, best.sentence.text):
                chosen.append(other)
                budget -= len(other.sentence.text)
        return fill(chosen, ranked, best, query_terms, headings, most, subject if on_subject else "")


def _under_lead_in(item: Candidate, chosen: list[Candidate]) -> bool:
    """Whether `item` is a list item quoted after a bare lead-in ("... if you are:") of its own list."""
    return bool(item.sentence.list_id) and any(
        (c.source_n, c.sentence.list_id) == (item.source_n, item.sentence.list_id)
        and c.sentence.order < item.sentence.order
        and not says_something(c)
        for c in chosen
    )


_OPENS_BLOCK = re.compile(r"\||[-*] |```|~~~|\d+\. ")  # a Markdown table, list or code block


_HOW_MUCH = frozenset(["much", "many"])  # the words of "how much is it?" that ask, not name


def with_parts(whole: Answer, parts: list[Answer], retrieval: Retrieval) -> Answer:
    """The answer to a message asking two questions: the answer to the whole, then what each question's own
    answer adds (when none of its quotes is given already), or a line naming a question the documents do not
    answer and the answer does not touch on (none of its own words in it)."""
    sources, texts = list(whole.sources), [whole.text]
    used = {n: list(quotes) for n, quotes in whole.used_sentences.items()}
    for i, part in enumerate(parts):
        said = {q for quotes in used.values() for q in quotes}
        if part.answered:
            if any(q in said for quotes in part.used_sentences.values() for q in quotes):
                continue  # the answer to the whole answers this one too
            ids = [p.id for p in sources]
            new = {}
            for n, passage in enumerate(part.sources, start=1):
                if passage.id not in ids:
                    sources.append(passage)
                    ids.append(passage.id)
                new[n] = ids.index(passage.id) + 1
            texts.append(renumbered(part.text, new))
            for n, quotes in part.used_sentences.items():
                used.setdefault(new[n], []).extend(quotes)
            continue
        others = {t for j, other in enumerate(parts) if j != i for t in tokenize(other.question)}
        own = set(tokenize(part.question)) - others
        # "... and how much is it?" names nothing of its own: it asks about the other part's thing, and an answer
        # quoting its fee gives the amount asked for. ("... and how much is the Christmas bonus?" names its own.)
        form = retrieval.parts[i].form if i < len(retrieval.parts) else None
        refers_back = bool(form and form.kind) and not own - _HOW_MUCH
        given = refers_back and gives_asked_kind(form, CITATION.sub("", " ".join(texts)))  # "[1]" gives no amount
        if own and not own & set(tokenize(" ".join(texts))) and not given:
            texts.append(part_not_covered(part.question))
    searched = [*retrieval.passages, *(p for part in retrieval.parts for p in part.passages)]
    return dataclasses.replace(
        whole,
        text="\n\n".join(texts),
        sources=sources,
        used_sentences=used,
        ranked=list({p.id: p for p in searched}.values()),
    )
