"""Composing a short, cited answer from retrieved passages.

The extractive answerer needs no model beyond the embedder: it quotes the sentences that fit the
question best, leads with a direct "No, ..." or "Yes, ..." when the question is yes/no, and puts the
number of the passage each sentence came from after it.

It is about 500 lines on purpose: choosing sentences (verdicts, subjects, each side of a comparison,
neighbours, filler) is one decision read top to bottom, and splitting it would scatter the rules that
interact. Answers drawn from a whole section (lists, summaries, comparisons) are in `bot.answer.sections`.

Passages are stored verbatim, but what is quoted or shown of them is made inert first
(`bot.safe_markdown.inert_markdown`): a corpus file's images never render and its links show as text
with their host, so no document can make the browser load or link anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from bot.answer.replies import not_covered_reply
from bot.answer.sections import Candidate, says_something, section_answer
from bot.answer.smalltalk import small_talk_answer
from bot.ingest.sentences import Sentence, passage_sentences
from bot.question.followup import COMPARING_WORDS, pair_of
from bot.safe_markdown import inert_markdown
from bot.settings import Settings
from bot.text import (
    asked_kind,
    defines_subject,
    definition_subject,
    gives_kind,
    is_yes_no,
    small_talk,
    tokenize,
    yes_no_subject,
)
from bot.types import Answer, Passage, Retrieval

_DIRECT = re.compile(r"^(?:no|yes|not)\b", re.I)
# A verdict that opens a sentence ("No, LLMs are ...", "Yes. Many ..."): it answers its own heading's question.
# ("It depends on ..." is no verdict to strip: what is left, "on the use case.", would say nothing.)
_VERDICT = re.compile(r"^\W*(?:yes|no)\b[\W_]*", re.I)
# Words that do not change what a yes/no question asks ("the same thing", "really").
_VAGUE = frozenset(["thing", "really", "actually", "exactly", "basically", "just", "also", "still", "ever"])
# Word-embedding similarity at which a question word and a heading word ask the same thing
# (make/create 0.59, pictures/images 0.81; produce/create 0.40, part/same 0.30, music/videos 0.49).
VERDICT_WORD_SIMILARITY = 0.55
# What a yes/no question's subject opening a sentence adds to its score. From eval/: 0.02 to 0.06 all lift dev
# strict 0.809 -> 0.823 and leave the other files as they were; 0.08 lifts dev further but costs the R FAQ one answer.
SUBJECT_LEAD_BONUS = 0.04
# How much less a sentence naming a yes/no question's subject may score than the best one and still lead.
SUBJECT_MARGIN = 0.05
# A subject the corpus names rarely ("copyright", "DALL·E"; IDF >= SPECIFIC_SUBJECT_IDF) is what the question
# is about: a sentence naming it may lead from further behind (SPECIFIC_SUBJECT_MARGIN) than one naming a
# topic word the whole corpus is about ("LLM"). Otherwise "Can I copyright an image I made with Midjourney?"
# is answered with the sentence about Midjourney. See README for the calibration.
SPECIFIC_SUBJECT_IDF = 1.0
SPECIFIC_SUBJECT_MARGIN = 0.2
# "Are GANs part of generative AI?" asks whether one thing belongs to another; a sentence that says what
# includes what answers it, when it scores within MEMBERSHIP_MARGIN of the best (see README).
_BELONGING = r"(?:part|type|kind|form|subset|member|branch|category|subfield|sort)s? of|falls? under|belongs? to"
_MEMBERSHIP = re.compile(rf"\b(?:{_BELONGING}|examples? of)\b", re.I)
_INCLUSION = re.compile(rf"\b(?:{_BELONGING}|includ(?:e|es|ed|ing)|among)\b", re.I)
MEMBERSHIP_MARGIN = 0.1
# For one side of a comparison, a sentence naming that side alone is preferred to one naming both when it
# scores within this of it (0.02, 0.05 and 0.1 give the same figures; see README, "Both sides").
SIDE_ALONE_MARGIN = 0.05
# "Can I write ...?", "Should we use ...?": the first content word is what the asker does, not a thing asked about.
_ASKER_ACTS = re.compile(r"^\W*\w+(?:n['’]t)?\s+(?:i|you|we|one)\b", re.I)
_ASKS_FOR_NAMES = re.compile(
    r"\b(?:examples?|by name|name (?:some|a few|any|every|all)|(?:which|what|every|all)(?: \w+)? (?:tools|models|products|"
    r"companies|systems)|such as)\b",
    re.I,
)
# A question that asks for something to type: the sentence that comes with code answers it best.
_ASKS_FOR_CODE = re.compile(
    r"\b(?:command|commands|code|syntax|snippet|script|what do i (?:type|run)|how (?:do|can|should) i "
    r"(?:install|run|compile|build|remove|uninstall|update|convert|start|call|invoke|import|load))\b",
    re.I,
)
# "List the ...", "Which industries are named ...", "What are the main benefits ...": the section's list answers.
_ASKS_FOR_LIST = re.compile(
    r"^\s*(?:list|name|enumerate|give me (?:a |the )?list)\b|\b(?:listed|named|mentioned|covered|included)\b"
    r"|^\s*(?:what|which)\s+(?:are|were)\s+(?:the\s+)?(?:main\s+|key\s+|different\s+)?[a-z]+s\b"
    r"(?!\s+(?:made|built|done|known|seen|written|\w+ed)\b)",
    re.I,
)
# "How does the scope of A compare with B's?": a list that sets them side by side answers best.
_ASKS_TO_COMPARE = re.compile(
    r"\b(?:compare[sd]?|comparison|differ|differs|difference|differences|versus|vs\.?)\b", re.I
)
# "Summarize ...", "Give me an overview of ...": the best section, concisely.
_ASKS_FOR_SUMMARY = re.compile(r"\b(?:summari[sz]e|summary|overview|outline|in a nutshell|tl;?dr)\b", re.I)
_PROPER_NOUN = re.compile(
    r"(?<=[\s(,])(?:[A-Z][\w·’'-]*[A-Z]|[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[\w-]*|[A-Z][a-z]+(?=[’']s))"
)


# Openers that lean on the sentence before ("This is the easiest...", "The former stores..."): quoted
# alone they leave the reader asking "what is?".
_LEANS_BACK = re.compile(
    r"^(?:this|that|these|those|it|they|such|the former|the latter|both|either|neither|however|but|also|"
    r"instead|otherwise|then|so|thus|therefore|hence|in that case|in this case)\b",
    re.I,
)
# "... makes this technology valuable": a demonstrative before a noun anywhere points back too.
_POINTS_BACK = re.compile(
    r"\b(?:this|these|those)\s+(?!is\b|are\b|was\b|were\b|can\b|will\b|may\b|means\b)[a-z]{3,}", re.I
)
# A sentence that announces what follows ("...two testing frameworks.", "...as follows:", "you can!").
_LEANS_FORWARD = re.compile(r"(?::|\bfollowing\.|\bas follows\.|!)$|\b(?:two|three|four|several) [\w-]+(?: [\w-]+)?\.$")


def _with_neighbours(chosen: list[Candidate], candidates: list[Candidate]) -> list[Candidate]:
    """The chosen sentences plus the neighbours they lean on, each run in passage order.

    A sentence that starts by pointing back ("This ...", "The former ...") brings the sentence before
    it; one that announces what follows ("... two testing frameworks.", "... as follows:") brings the
    one after it. Only neighbours in the same passage count, and each is added once.
    """
    by_place = {(c.source_n, c.sentence.order): c for c in candidates}
    picked = {(c.source_n, c.sentence.order) for c in chosen}
    emitted: set[tuple[int, int]] = set()
    out: list[Candidate] = []
    for c in chosen:
        if (c.source_n, c.sentence.order) in emitted:
            continue  # it came earlier, before a sentence that leans on it
        run = [c]
        for _ in range(2):  # "But ..." leans on "They ...", which leans on "LLMs ...": two steps back at most
            first = run[0]
            before = by_place.get((first.source_n, first.sentence.order - 1))
            text = first.sentence.text
            leans_back = _LEANS_BACK.match(text) or text[:1].islower() or _POINTS_BACK.search(text)  # "to get ..."
            # A sentence chosen for later still comes first when this one leans on it: "They excel ..." never
            # precedes its "LLMs are ...".
            if not (before and leans_back and (before.source_n, before.sentence.order) not in emitted):
                break
            run.insert(0, before)
        after = by_place.get((c.source_n, c.sentence.order + 1))
        if (
            after
            and not c.sentence.code
            and _LEANS_FORWARD.search(c.sentence.text)
            and (after.source_n, after.sentence.order) not in picked
            # a lead-in whose list items were chosen already introduces them
            and not any(o.source_n == c.source_n and o.sentence.order > c.sentence.order for o in chosen)
        ):
            run.append(after)
        for member in run:
            picked.add((member.source_n, member.sentence.order))
            emitted.add((member.source_n, member.sentence.order))
        out += run
    return out


def _shown(text: str) -> str:
    """A quoted sentence as the answer shows it: inert (a dropped image or tag leaves no double space)."""
    shown = inert_markdown(text)
    return text if shown == text else " ".join(shown.split())


def _terms(c: Candidate) -> set[str]:
    """The words of a candidate sentence with its label (the heading or lead-in it is read under)."""
    return set(tokenize(f"{c.sentence.label} {c.sentence.text}"))


def _similar(a: str, b: str) -> bool:
    """Near-duplicate sentences (the two articles often say the same thing)."""
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def _without_verdict(text: str) -> str:
    """A sentence without its leading "Yes."/"No," (it answered another question): "No, LLMs are" -> "LLMs are"."""
    rest = _VERDICT.sub("", text, count=1).strip()
    return rest[:1].upper() + rest[1:]


class ExtractiveAnswerer:
    """Offline answerer: quotes the best-fitting sentences of the retrieved passages, with citations."""

    def __init__(
        self,
        settings: Settings,
        embed: Callable[[list[str]], np.ndarray],
        topics: str | Callable[[], str],
        stored_vectors: Callable[[Passage], np.ndarray | None] = lambda _passage: None,
        suggest: Callable[[np.ndarray], list[str]] = lambda _vector: [],
        examples: Callable[[], list[str]] = lambda: [],
    ):
        self.settings = settings
        self._embed = embed
        self._stored_vectors = stored_vectors  # sentence embeddings computed at ingest, by passage
        self._suggest = suggest  # nearest answerable questions, offered when declining
        self._topics = topics  # the indexed articles, named when declining (a callable follows re-ingests)
        self._examples = examples  # the corpus's starter questions, offered when nothing closer is known
        self._cache: dict[str, np.ndarray] = {}

    def _vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vec in zip(missing, self._embed(missing)):
                self._cache[text] = vec
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def answer(self, retrieval: Retrieval) -> Answer:
        """Compose the answer for `retrieval`; refuses when its best passage is below the corpus's threshold."""
        question = retrieval.question
        talk = small_talk(question)
        if talk:  # a greeting, thanks or "who are you?": a short reply about the assistant, not a refusal
            return small_talk_answer(retrieval, talk, self.settings.assistant_name, self._topics, self._examples)
        if not retrieval.covered:
            return self._decline(retrieval)

        sources = retrieval.passages
        summary = bool(_ASKS_FOR_SUMMARY.search(retrieval.query))
        wants_list = bool(_ASKS_FOR_LIST.search(retrieval.query))
        compare = bool(_ASKS_TO_COMPARE.search(retrieval.query))
        wants_names = bool(_ASKS_FOR_NAMES.search(retrieval.query))
        # "Give me an example of LLMs and generative AI": one for each of the two, like a comparison.
        both = compare or bool(wants_names and pair_of(retrieval.query))
        if summary or wants_list or compare:
            sources = sources + retrieval.section_rest  # "Which industries ...?": the section's parts answer
        yes_no = is_yes_no(retrieval.query)
        subject = yes_no_subject(retrieval.query)
        candidates = self._score(retrieval.query, retrieval.query_vector, sources, retrieval.term_weights)
        # A "Yes."/"No." answers its own heading's question: it may only answer one that asks the same.
        fits = {n: yes_no and self.asks_same(retrieval.query, p) for n, p in enumerate(sources, start=1)}
        headings = {n: (p.source, p.heading) for n, p in enumerate(sources, start=1)}
        reading = {pid: i for i, pid in enumerate(retrieval.section_ids)}
        place = {n: reading.get(p.id, len(reading)) for n, p in enumerate(sources, start=1)}
        chosen = (
            section_answer(candidates, summary, headings, place, compare and not wants_list)
            if summary or (wants_list and not wants_names) or compare
            else []
        ) or self._select(
            candidates,
            set(tokenize(retrieval.query)),
            {n for n, ok in fits.items() if ok},
            headings,
            both,
            subject,
            membership=yes_no and bool(_MEMBERSHIP.search(retrieval.query)),
            subject_weight=retrieval.term_weights.get(subject, 0.0),
            subject_is_thing=not _ASKER_ACTS.match(retrieval.query),
            lead=self._each_side(retrieval.sides, sources, retrieval.term_weights, candidates) if both else [],
        )
        chosen = _with_neighbours(chosen, candidates)
        kind = asked_kind(retrieval.query)
        if kind and not any(gives_kind(c.sentence.text, kind, retrieval.query) for c in chosen):
            # "Which company makes BERT?": a sentence that names one beside BERT ("Google's BERT") answers it.
            rarest = max(retrieval.term_weights, key=retrieval.term_weights.get, default="")
            top = max((c.score for c in candidates), default=0.0)
            giving = [
                c
                for c in candidates
                if c.score >= top - 0.15
                and rarest in tokenize(c.sentence.text)
                and gives_kind(c.sentence.text, kind, retrieval.query)
            ]
            if not giving:
                # "How much does it cost to train an LLM?" answered with no amount is not an answer.
                return self._decline(retrieval, missing=kind)
            chosen = [max(giving, key=lambda c: c.score)]
        blocks: list[str] = []  # runs of quoted sentences, and code blocks between them
        labels_said: set[str] = set()
        used: dict[int, list[str]] = {}
        verdict_given = False
        for c in chosen:
            sentence_text = c.sentence.text
            if _VERDICT.match(sentence_text):
                if fits[c.source_n] and not verdict_given:
                    verdict_given = True  # one verdict per answer: never "Yes. ..." and then "No. ..."
                else:
                    sentence_text = _without_verdict(sentence_text)
                    if not sentence_text and not c.sentence.code:
                        continue
            label = c.sentence.label
            text = f"{label} {sentence_text}" if label and label not in labels_said else sentence_text
            labels_said.add(label)
            cited = f"{_shown(text)} [{c.source_n}]" if text and c.source_n else text  # 0: cites inline
            code = c.sentence.code.strip("\n")
            if cited:
                if blocks and not blocks[-1].startswith(("```", "~~~")):
                    blocks[-1] += f" {cited}"
                else:
                    blocks.append(cited)
            if code:  # the citation ends its lead-in; the code follows as a block of its own, verbatim
                blocks.append(code if cited else f"{code}\n\n[{c.source_n}]")
            for n in [c.source_n] if c.source_n else [int(n) for n in re.findall(r"\[(\d+)\]", text)]:
                used.setdefault(n, []).extend(c.sentence.quotes)
        return Answer(question, "\n\n".join(blocks), True, list(sources), retrieval.query, used)

    def _decline(self, retrieval: Retrieval, missing: str = "") -> Answer:
        """The reply for a question the documents do not answer, with questions they do answer."""
        question = retrieval.question
        suggestions = self._suggest(retrieval.query_vector) if retrieval.query_vector is not None else []
        topics = self._topics() if callable(self._topics) else self._topics
        examples = self._examples()
        reply = not_covered_reply(question, topics, suggestions, retrieval.unknown_names, examples, missing)
        offered = (suggestions or examples)[:3]
        return Answer(question, reply, False, [], retrieval.query, suggestions=list(offered))

    def sentences_with_vectors(self, passage: Passage) -> list[tuple[Sentence, np.ndarray]]:
        """A passage's quotable sentences with their embeddings (stored at ingest, else computed)."""
        sentences = passage_sentences(passage.text)
        vectors = self._stored_vectors(passage)
        if vectors is None or len(vectors) != len(sentences):
            vectors = self._vectors([s.context for s in sentences])  # index predates stored sentences
        return list(zip(sentences, vectors))

    def _score(
        self, query: str, qvec: np.ndarray, sources: list[Passage], weights: dict[str, float] | None = None
    ) -> list[Candidate]:
        sentences = [
            (n, s, v)
            for n, p in enumerate(sources, start=1)
            for s, v in self.sentences_with_vectors(p)
            if s.code or tokenize(_shown(s.text))  # an image alone says nothing (it is never shown)
        ]
        if not sentences:
            return []
        vectors = np.stack([v for _, _, v in sentences])
        semantic = vectors @ qvec
        query_terms = set(tokenize(query))
        # Rare words carry the question ("e-commerce" in "How does AI help e-commerce?"), so overlap is IDF-weighted.
        weights = {t: (weights or {}).get(t, 1.0) for t in query_terms}
        total = sum(weights.values()) or 1.0
        defined = definition_subject(query)
        wants_names = bool(_ASKS_FOR_NAMES.search(query))
        wants_code = bool(_ASKS_FOR_CODE.search(query))
        # A yes/no question about X ("Are LLMs built on diffusion models?") is answered by a sentence about X.
        subject = yes_no_subject(query)
        out = []
        for (n, sentence, vec), sem in zip(sentences, semantic):
            terms = set(tokenize(sentence.context))
            overlap = sum(weights[t] for t in query_terms & terms) / total
            passage_fit = sources[n - 1].score
            # Weights from eval/ (sem/overlap 0.6/0.25 -> 0.4/0.45: dev strict 0.709 -> 0.738, Python FAQ
            # 0.833 -> 0.854, R FAQ 0.929 -> 0.905, public file unchanged); see README, Evaluation.
            score = 0.4 * float(sem) + 0.45 * overlap + 0.15 * passage_fit - 0.01 * sentence.order
            if defined and defines_subject(sentence.text, defined):
                score += 0.1  # "X is ..." / "X refers to ..." answers "What is X?"
            if wants_code and sentence.code:
                score += 0.1  # "how do I install ...?": the line to type is the answer
            if wants_names:
                score += 0.05 * min(3, len(_PROPER_NOUN.findall(sentence.text)))
            if subject and subject in tokenize(_without_verdict(sentence.text))[:2]:
                score += SUBJECT_LEAD_BONUS
            out.append(Candidate(sentence, n, score, vec))
        return out

    def _each_side(
        self,
        sides: list[tuple[str, np.ndarray]],
        sources: list[Passage],
        weights: dict[str, float],
        candidates: list[Candidate],
    ) -> list[Candidate]:
        """For a question that sets two things side by side, the sentence that best answers it of each one.

        Each side is asked on its own (`Retrieval.sides`, embedded once by the retriever: "Compare the
        technologies that LLMs are built on."), and its sentence must speak of that side (in its words or
        its label): the best sentence for the whole question often speaks of one side only ("LLMs are built
        specifically for text-based tasks")."""
        if len(sides) != 2:
            return []
        (first, _), (second, _) = sides
        own = [set(tokenize(first)) - set(tokenize(second)), set(tokenize(second)) - set(tokenize(first))]
        quotable = [c for c in candidates if says_something(c)]
        top = max(quotable, key=lambda c: c.score, default=None)
        if top is None:
            return []
        # What the question asks of both, besides naming them and asking to compare ("scoping", "strengths").
        asked = set(tokenize(f"{first} {second}")) - own[0] - own[1] - COMPARING_WORDS
        if all(words & _terms(top) for words in own) and (asked & _terms(top) or not asked):
            return []  # the best sentence already answers it of both ("in S the enclosing ..., but in R ...")
        picked: list[Candidate] = []
        # Asked of one side, "differ" matches nothing that answers: its weight goes to the other words.
        side_weights = {**weights, **dict.fromkeys(COMPARING_WORDS, 0.0)}
        for (side, vector), words in zip(sides, own):
            if not words:
                return []
            speaking = [
                c for c in self._score(side, vector, sources, side_weights) if says_something(c) and words & _terms(c)
            ]
            best = max(speaking, key=lambda c: c.score, default=None)
            if best is None:
                return []
            other = own[1] if words is own[0] else own[0]
            alone = [c for c in speaking if not other & _terms(c) and c.score >= best.score - SIDE_ALONE_MARGIN]
            if alone and other & _terms(best):
                # A sentence of this side alone says what it is; one naming both sets them against each other.
                best = max(alone, key=lambda c: c.score)
            # The same sentence as scored against the whole question, which the rest of the answer is built on.
            place = (best.source_n, best.sentence.order)
            same = next((c for c in candidates if (c.source_n, c.sentence.order) == place), None)
            if same and same not in picked:
                picked.append(same)
        return picked

    def asks_same(self, question: str, passage: Passage) -> bool:
        """Whether `question` asks what the passage's question heading asks: each of its words is a word of
        the heading or means nearly the same (word embeddings, `VERDICT_WORD_SIMILARITY`)."""
        heading = passage.heading.split(" > ")[-1].strip()
        if not heading.endswith("?"):
            return False
        heading_terms = sorted(set(tokenize(heading)))
        missing = sorted(set(tokenize(question)) - _VAGUE - set(heading_terms))
        if not missing:
            return True
        if not heading_terms:
            return False
        closest = (self._vectors(missing) @ self._vectors(heading_terms).T).max(axis=1)
        return bool((closest >= VERDICT_WORD_SIMILARITY).all())

    def _select(
        self,
        candidates: list[Candidate],
        query_terms: set[str],
        verdicts_fit: set[int],
        headings: dict[int, tuple[str, str]],
        compare: bool = False,
        subject: str = "",
        membership: bool = False,
        subject_weight: float = 0.0,
        subject_is_thing: bool = True,
        lead: list[Candidate] | None = None,
    ) -> list[Candidate]:
        """The best sentence and up to `answer_max_sentences` that answer the same question (never filler).

        For a comparison, a sentence that speaks of what the best one leaves out comes next ("Generative AI
        includes ... diffusion models" beside "LLMs are ... transformer"), so that both sides are answered."""
        quotable = [c for c in candidates if says_something(c)]
        if not quotable:
            return []
        ranked = sorted(quotable, key=lambda c: -c.score)
        if lead:  # one sentence for each side of a comparison, then what answers the whole question as well
            return self._fill(list(lead), ranked, ranked[0], query_terms, headings)
        best = ranked[0]
        about = [c for c in ranked if subject in _terms(c)] if subject else []
        margin = SPECIFIC_SUBJECT_MARGIN if subject_weight >= SPECIFIC_SUBJECT_IDF else SUBJECT_MARGIN
        # Only what is said of the subject follows a sentence that leads for naming it: the sentence it
        # displaced answers something else ("Is my data safe if I paste it into ChatGPT?" is not about ChatGPT).
        on_subject = False
        if about and subject not in _terms(best) and about[0].score >= best.score - margin:
            # "Is DALL·E a large language model?" is answered by what is said of DALL·E, not of language models.
            best, on_subject = about[0], subject_is_thing
        stating = [c for c in about if _INCLUSION.search(c.sentence.text)] if membership else []
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
            left_out = query_terms - _terms(best)

            def gain(c: Candidate) -> float:
                return len(left_out & _terms(c))

            near = [c for c in ranked[1:12] if c.score >= best.score - 0.2 and len(c.sentence.text) <= budget]
            other = max(near, key=lambda c: (gain(c), c.score), default=None)
            if (
                other
                and gain(other) >= 0.2 * len(query_terms)
                and not _similar(other.sentence.text, best.sentence.text)
            ):
                chosen.append(other)
                budget -= len(other.sentence.text)
        return self._fill(chosen, ranked, best, query_terms, headings, subject if on_subject else "")

    def _fill(
        self,
        chosen: list[Candidate],
        ranked: list[Candidate],
        best: Candidate,
        query_terms: set[str],
        headings: dict[int, tuple[str, str]],
        subject: str = "",
    ) -> list[Candidate]:
        """`chosen` and up to `answer_max_sentences` in all that answer the same question as `best` (never filler);
        with `subject`, only sentences naming it."""
        budget = 480 - sum(len(c.sentence.text) for c in chosen)
        for cand in ranked:
            if len(chosen) >= self.settings.answer_max_sentences:
                break
            if cand in chosen or len(cand.sentence.text) > budget or subject and subject not in _terms(cand):
                continue
            # The best passage's section (one section may be cut in several passages) stays on its topic;
            # another's sentence must fit nearly as well and share a word with the question: a sentence about
            # something else is filler, however close.
            if headings[cand.source_n] == headings[best.source_n]:
                if cand.score < best.score - 0.1:
                    continue
            elif cand.score < best.score - 0.06 or not query_terms & _terms(cand):
                continue
            if any(_similar(cand.sentence.text, c.sentence.text) for c in chosen):
                continue  # says the same thing again
            chosen.append(cand)
            budget -= len(cand.sentence.text)
        return chosen
