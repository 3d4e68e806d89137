"""Small typed results that cross stage boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

# Fenced code ("x[1]" in R or Python output) holds no citations.
_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
CITATION = re.compile(r"\[(\d+)\]")  # "[2]": a citation of the second source


@dataclass(frozen=True)
class Passage:
    """One indexed piece of an article, as retrieved."""

    id: str
    text: str
    title: str
    publisher: str
    source: str  # corpus file name
    heading: str = ""  # heading path, e.g. "FAQs > Can LLMs Create Images ...?"
    score: float = 0.0  # dense cosine similarity to the query (0..1, higher is closer)
    location: str = ""  # page or slide the passage starts on ("p. 41", "slide 3"); "" for text files

    @property
    def where(self) -> str:
        """Title (publisher), the passage's own heading and its page: "R FAQ › 7.2 Why does … (p. 41)"."""
        leaf = self.heading.rsplit(" > ", 1)[-1].strip()
        if len(leaf) > 70:
            leaf = leaf[:69].rstrip() + "…"
        title = f"{self.title} ({self.publisher})" if self.publisher else self.title
        parts = [title] + ([leaf] if leaf and leaf != self.title else [])
        return " › ".join(parts) + (f" ({self.location})" if self.location else "")


@dataclass(frozen=True)
class QuestionForm:
    """What a question asks, read once (`read_question`): later stages read these fields, never the text again.

    `query` is the standalone question every field but `small_talk`, `names` and `tool` is read from."""

    asked: str  # as the user wrote it
    question: str  # without a "yes or no" aside, in the corpus's spelling
    query: str  # standalone: rewritten with the earlier turns when it follows up on them
    small_talk: str = ""  # "greeting", "thanks", "about" (of `asked`), or ""
    yes_no: bool = False
    subject: str = ""  # a yes/no question's first content word ("dall" in "Is DALL·E a ...?")
    defined: str = ""  # X of "What is X?" as written
    defined_name: str = ""  # X without its article, as a reply names it
    definition_terms: frozenset[str] = frozenset()  # X's tokens
    kind: str = ""  # the kind of answer asked for (`bot.question.patterns.asked_kind`: "price", "count", ...) or ""
    names: tuple[str, ...] = ()  # words of `question` written as names
    tool: str = ""  # the tool of "How do I ... with <tool>?" (of `question`)
    wants_list: bool = False
    wants_names: bool = False
    wants_code: bool = False
    how_to: bool = False  # "How do I apply for X?": asks for a procedure (a section headed "How to ...")
    spell_out: str = ""  # "RVN" of "What does RVN stand for?": an abbreviation the documents may spell out
    wants_summary: bool = False
    compare: bool = False
    # "What are these documents about?", "Summarize the handbook": the documents themselves are the subject; the
    # word naming them ("documents", "handbook"), or "" for any other question.
    about_documents: str = ""
    about_which: str = ""  # the words naming which document ("Globussoft" in "Summarize the Globussoft article")
    # "Tell me more", "Give me an example." after an answer: more of it, not the same sentences again.
    more: bool = False
    who_wrote: bool = False  # "Who wrote these articles?": asks for the documents' publishers (`about_documents` set)
    membership: bool = False  # "Are GANs part of generative AI?"
    asker_acts: bool = False  # "Can I ...?": the subject is what the asker does
    pair: str | None = None  # "LLMs and generative AI": two things set side by side
    sides: tuple[QuestionForm, ...] = ()  # that question asked of each of the two, read the same way
    # Two questions in one message ("What does X do, and where is its output?"): each read on its own, the second
    # as a follow-up to the first (`bot.question.followup.question_parts`); empty for one question.
    parts: tuple[QuestionForm, ...] = ()
    # A short question taken as a follow-up only by keeping the earlier question alongside ("When do I get
    # paid?" after a question on remote work), read again on its own: retrieval keeps the reading that answers.
    alone: QuestionForm | None = None

    @property
    def follow_up(self) -> bool:
        """Whether the question was read with the earlier turns (its query is a rewrite)."""
        return self.query != self.question


@dataclass(frozen=True)
class Signals:
    """What retrieval found for one question, each measured against the corpus: the inputs of the
    answerability model (`bot.retrieval.answerability`)."""

    relevance_margin: float  # best whole-passage cosine minus how close off-topic questions come (calibration)
    sentence_margin: float  # best sentence cosine in the retrieved passages minus the same
    covered: float  # share of the question's words, weighted by rarity in the corpus, in the best passage
    unknown: float  # 1 if the question names something the corpus never mentions, else 0
    # How much closer the documents' own name alone ("Kestrel Valley Water") comes to them than the whole question
    # does, or 0: "Does Kestrel Valley Water sell bottled water?" is close to the documents only by their name.
    name_excess: float = 0.0

    NAMES: ClassVar[tuple[str, ...]] = ("relevance_margin", "sentence_margin", "covered", "unknown", "name_excess")

    def values(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in self.NAMES)

    def describe(self) -> str:
        """The signals in words, for the search step and `bot eval`'s misses."""
        return (
            f"best match {self.relevance_margin:+.2f} and best sentence {self.sentence_margin:+.2f} against "
            f"off-topic questions, {self.covered:.0%} of the question's words in the best passage"
            + ("; names something the documents never mention" if self.unknown else "")
            + (f"; their own name alone comes {self.name_excess:.2f} closer" if self.name_excess else "")
        )


@dataclass(frozen=True)
class Decision:
    """Whether to answer from the passages, and one line saying why."""

    answer: bool
    reason: str  # "answerable with probability 0.81 (...)", "names “Thailand” that ..."
    unknown: tuple[str, ...] = ()  # names and key words of the question the documents never use (for the reply)
    missing: str = ""  # the kind of answer asked for that the passages do not give ("percent", "amount", ...)
    signals: Signals | None = None  # what the answerability model weighed (None: decided without it)
    probability: float | None = None  # the model's probability that the documents answer the question
    # Declined, though at even odds or better the documents answer what it asks (besides names they never
    # mention, `unknown`): the reply says what they do say (`bot.retrieval.refusal.REST_AT`).
    answers_rest: bool = False


@dataclass
class Retrieval:
    """What retrieval found for one (possibly follow-up) question."""

    question: str
    query: str  # the standalone query actually searched
    passages: list[Passage]
    query_vector: Any = None  # the query's embedding (numpy array), reused to rank sentences
    relevance: float = 0.0  # how well the best passage matches (cosine), for refusals
    term_weights: dict[str, float] = field(default_factory=dict)  # the query's content words and their IDF
    topic_terms: frozenset[str] = frozenset()  # those the corpus is about (in over a fifth of its passages)
    # The best passage's section beyond `passages` (its other parts, its subsections), for list and summary questions.
    section_rest: list[Passage] = field(default_factory=list)
    section_ids: list[str] = field(default_factory=list)  # that whole section's passages, in reading order
    # A question setting two things side by side, asked of each: (that side's form, its embedding), or empty.
    sides: list[tuple[QuestionForm, Any]] = field(default_factory=list)
    # For a request for more ("Tell me more"): the text the earlier answer quoted, not to be quoted again.
    said: frozenset[str] = frozenset()
    said_from: frozenset[str] = frozenset()  # the ids of the passages it quoted: more comes from them
    form: QuestionForm | None = None  # the question as read once (`bot.question.form.read_question`)
    decision: Decision | None = None  # whether to answer, and why (`bot.retrieval.refusal`)
    parts: list[Retrieval] = field(default_factory=list)  # each of the form's `parts`, retrieved on its own


@dataclass(frozen=True)
class Grounding:
    """How many sentences of an LLM answer the passages support; `fallback` if extractive was used."""

    supported: int
    total: int
    fallback: bool


@dataclass
class Answer:
    """An answer with the passages it was drawn from; `[n]` in `text` names `sources[n-1]`."""

    question: str
    text: str
    answered: bool
    sources: list[Passage] = field(default_factory=list)
    query: str = ""
    used_sentences: dict[int, list[str]] = field(default_factory=dict)  # n -> exact text quoted from it
    latency_ms: float = 0.0
    provider: str = "extractive"  # which answerer was asked
    grounding: Grounding | None = None  # of the delivered answer, when a language model wrote (or tried to)
    removed: list[str] = field(default_factory=list)  # generated sentences the passages did not support
    notice: str = ""  # a short note for the user, e.g. why the extractive answer was used
    suggestions: list[str] = field(default_factory=list)  # questions the documents do answer (offered on a decline)
    # The same passages as `sources` in retrieval's rank order, best first (what hit@1 scores); empty: `sources`.
    ranked: list[Passage] = field(default_factory=list)
    reason: str = ""  # why it was answered or declined (`bot.retrieval.refusal.Decision`), for `bot eval`

    @property
    def cited(self) -> list[int]:
        """Source numbers cited in the text, in order of first citation."""
        seen: list[int] = []
        for m in CITATION.finditer(_FENCE.sub("", self.text)):  # "[1]" in quoted code ("x[1]") is code
            n = int(m.group(1))
            if n not in seen:
                seen.append(n)
        return seen

    @property
    def cited_sources(self) -> list[tuple[int, Passage]]:
        """(number, passage) of each source the text cites, in order of first citation; a bracketed number that
        names no source is just text. A decline cites none, unless it quotes what the documents say on the rest."""
        return [(n, self.sources[n - 1]) for n in self.cited if 1 <= n <= len(self.sources)]

    def numbered_as_cited(self) -> Answer:
        """The answer with its sources numbered in the order the text first cites them: it opens with [1], a
        new source is the next number ("[4] [5]" and "[2] [1] [3]" read as broken); uncited ones follow."""
        cited = [n for n, _passage in self.cited_sources]
        order = cited + [n for n in range(1, len(self.sources) + 1) if n not in cited]
        new = {old: i for i, old in enumerate(order, start=1)}
        if all(old == n for old, n in new.items()):
            return replace(self, ranked=self.ranked or list(self.sources))
        return replace(
            self,
            text=renumbered(self.text, new),
            sources=[self.sources[old - 1] for old in order],
            used_sentences={new.get(n, n): quotes for n, quotes in self.used_sentences.items()},
            ranked=self.ranked or list(self.sources),
        )

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "answered": self.answered,
            "sources": [
                {
                    "n": n,
                    "title": p.title,
                    "publisher": p.publisher,
                    "source": p.source,
                    "heading": p.heading,
                    "location": p.location,
                    "text": p.text,
                    "score": round(p.score, 4),
                }
                for n, p in enumerate(self.sources, start=1)
            ],
            "latency_ms": round(self.latency_ms, 1),
        } | (
            {
                "grounding": {
                    "supported": self.grounding.supported,
                    "total": self.grounding.total,
                    "fallback": self.grounding.fallback,
                },
                "provider": self.provider,
                "notice": self.notice,
                "removed": self.removed,
            }
            if self.grounding
            else {}
        )


def renumbered(text: str, new: dict[int, int]) -> str:
    """`text` with each citation [n] made [new[n]] (n kept when not in `new`); code blocks are left as they are."""

    def renumber(prose: str) -> str:
        return CITATION.sub(lambda m: f"[{new.get(int(m.group(1)), m.group(1))}]", prose)

    parts, last = [], 0
    for fence in _FENCE.finditer(text):
        parts += [renumber(text[last : fence.start()]), fence.group(0)]
        last = fence.end()
    return "".join(parts) + renumber(text[last:])
