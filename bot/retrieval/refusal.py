"""Whether the documents may answer a question, and why: the one place a refusal is decided.

A question is declined when nothing was found, or when the answerability model (`bot.retrieval.answerability`)
gives less than two-to-one odds that the documents answer it (`ANSWER_AT`). The model weighs five signals measured against the
corpus: how much closer the best passage and the best sentence come than everyday off-topic questions do
(the corpus's calibration, `bot.ingest.index.calibration`), how much of the question's rarer wording the best
passage uses, whether the question names something the documents never mention (`bot.retrieval.coverage`), and
how much closer the documents' own name alone comes to them than the question does.
A threshold pinned in settings (`BOT_MIN_SCORE`) is a floor on top. An answer that the passages cannot give in the kind asked for (an amount, a date, a name) is declined by
`lacks_kind` when no sentence the answerer could quote `gives_asked_kind`. Small talk is no refusal: it gets a reply about the assistant, and nothing is searched for it.
A question declined over names the documents never mention is marked `answers_rest` when the rest of it would
be answered at even odds (`REST_AT`): its decline quotes what they say on that rest. So is a question declined
at even odds or better: more likely answered than not, but short of the 2:1 an answer needs.
The `Decision`'s reason is shown in the chat's search step and in `bot eval`'s misses.
"""

from __future__ import annotations

import dataclasses
import math

from bot.ingest.index.calibration import Calibration
from bot.retrieval.answerability import ANSWER_AT, AnswerabilityModel, covered_share
from bot.retrieval.coverage import (
    nothing_known_of_subject,
    nothing_telling_known,
    undefined_subject,
    unknown_words,
)
from bot.retrieval.loaded import LoadedGeneration
from bot.settings import Settings
from bot.text import NUMBERING, defines_subject, document_terms, gives_kind, spells_out, tokenize, writes_whole
from bot.types import Decision, Passage, QuestionForm, Signals

# A declined question is shown what the documents say that comes closest when they would more likely answer it
# than not: without the names they never mention, or as it is. Even odds, as that shows a quote under a plain
# "they don't mention X" or "I'm not sure they answer that" and answers nothing.
REST_AT = 0.5
DEFAULT_MIN_SCORE = 0.30  # for a retrieval made without the retriever (the naive baseline's)
# Off-topic questions' high end for an index built before calibration: the default threshold less the 0.07
# margin calibration used to add above that high end.
UNCALIBRATED_OFF_TOPIC_HIGH = 0.23


def unknown_terms(settings: Settings, view: LoadedGeneration, form: QuestionForm, rows: list[int]) -> list[str]:
    """Names and key words of the question, and the X of "What is X?", that the corpus never uses (`rows` are
    the retrieved passages); none if switched off (`decline_unknown_names`)."""
    if not settings.decline_unknown_names:
        return []
    unknown = unknown_words(view, form, settings.key_term_max_zipf) + undefined_subject(view, form, rows)
    return unknown or nothing_telling_known(view, form.query) or nothing_known_of_subject(view, form)


def decide_retrieval(
    settings: Settings,
    view: LoadedGeneration,
    form: QuestionForm,
    rows: list[int],
    passages: list[Passage],
    relevance: float,
    calibration: Calibration | None,
    best_sentence: float,
    weights: dict[str, float],
    model: AnswerabilityModel,
    name_phrase: str = "",
    name_closeness: float = 0.0,
) -> Decision:
    """The decision for what the retriever found: `rows` are the retrieved passages' rows in `view`,
    `relevance` the best whole-passage cosine, `best_sentence` the best sentence cosine among `passages`,
    `weights` the question's words with their rarity in the corpus, `name_phrase` the documents' own name as the
    question writes it ("" when it names none) and `name_closeness` that name's best passage cosine (0 without it)."""
    unknown = unknown_terms(settings, view, form, rows)
    off_topic = calibration.off_topic_high if calibration else UNCALIBRATED_OFF_TOPIC_HIGH
    best = passages[0] if passages else None
    # The corpus's own name ("Kestrel Valley Water", "Fjordline") is in most passages and tells none apart: a
    # question naming it is covered by what it asks besides the name. Only the name as written goes: "Can you cut
    # off my water?" asks about water, and "Can I drop the bike off at night?" (of Kittiwake Bike Hire) about bikes.
    own = set(tokenize(name_phrase))
    asked = {t: w for t, w in weights.items() if t not in own} or weights
    signals = Signals(
        relevance_margin=round(relevance - off_topic, 4),
        sentence_margin=round(best_sentence - off_topic, 4),
        covered=round(covered_share(asked, set(document_terms(f"{best.heading} {best.text}"))) if best else 0.0, 4),
        unknown=1.0 if unknown else 0.0,
        name_excess=round(max(0.0, name_closeness - relevance), 4),
    )
    decision = decide(
        form,
        passages,
        relevance,
        settings.min_score,
        unknown=unknown,
        signals=signals,
        probability=model.probability(signals),
    )
    # Only for "What does X stand for?": the checks scan the passages' text.
    written_out = bool(form.spell_out and best and spells_out(best.text, form.spell_out))
    defined = bool(form.spell_out) and any(defines_subject(p.text, set(tokenize(form.spell_out))) for p in passages)
    if form.spell_out and not (written_out or defined):
        # "What does CCPA stand for?" where the documents only use it: whatever they say beside it does not answer.
        return dataclasses.replace(
            decision, answer=False, reason=f"asks what “{form.spell_out}” stands for; the documents never write it out"
        )
    if not decision.answer and form.spell_out and written_out:
        # "What does RVN stand for?" and the best passage writes "Registered Veterinary Nurse (RVN)"
        return dataclasses.replace(
            decision, answer=True, reason=f"the documents spell out “{form.spell_out}” ({signals.describe()})"
        )
    if not decision.answer and not unknown and (section := section_named(form, passages)):
        # "What does the price list say about Consultations?" (the app's own starters): the section exists and was
        # found, so quoting it answers; a starter had been declined at 0.66.
        return dataclasses.replace(
            decision,
            answer=True,
            reason=f"asks what the documents say about their section “{section}” ({signals.describe()})",
        )
    if unknown and not decision.answer and decision.probability is not None:
        # "Can I work remotely from Thailand?": the documents never name Thailand, but say where one may work. Not
        # when the name is what a yes/no question asks about ("Can Gemini make images?"): the rest is about others.
        rest = model.probability(dataclasses.replace(signals, unknown=0.0))
        asked_about = bool(form.subject) and any(form.subject in tokenize(term) for term in unknown)
        return dataclasses.replace(decision, answers_rest=rest >= REST_AT and not asked_about)
    near = decision.probability is not None and decision.probability >= REST_AT
    if not decision.answer and near and signals.covered > 0:
        # Near the line ("What counts as off-peak?" at 0.65 on the climbing gym's folder): more likely answered
        # than not, short of the 2:1 an answer needs. The decline shows what comes closest, when the best passage
        # uses any of the question's words besides the documents' own name (else it is only close in tone).
        return dataclasses.replace(decision, answers_rest=True)
    return decision


def section_named(form: QuestionForm, passages: list[Passage]) -> str:
    """The heading of a retrieved section that a question asking what the documents say names whole ("What does
    the handbook say about Annual leave?"), or ""."""
    if not form.wants_summary:
        return ""
    for passage in passages:
        heading = NUMBERING.sub("", passage.heading.split(" > ")[-1]).strip()
        if tokenize(heading) and writes_whole(form.query, heading):
            return heading
    return ""


def decide(
    form: QuestionForm,
    passages: list[Passage],
    relevance: float,
    pinned: float | None = None,
    *,
    unknown: list[str] | tuple[str, ...] = (),
    signals: Signals | None = None,
    probability: float | None = None,
) -> Decision:
    """Answer when passages were found and the answerability model (`probability`, from `signals`) says the
    documents more likely answer than not; a threshold pinned in settings must be reached too. Without the
    model (the naive baseline's retrieval) the best match must reach `DEFAULT_MIN_SCORE`."""
    unknown = tuple(unknown)
    if form.small_talk:
        return Decision(False, f"small talk ({form.small_talk}): a reply about the assistant", unknown)
    if not passages:
        return Decision(False, "no passages found", unknown)
    if pinned is not None and relevance < pinned:
        return Decision(False, f"best match {relevance:.2f} below the threshold set in settings {pinned:.2f}", unknown)
    if probability is None:
        ok = relevance >= DEFAULT_MIN_SCORE
        verb = "reaches" if ok else "below"
        return Decision(ok, f"best match {relevance:.2f} {verb} the default threshold {DEFAULT_MIN_SCORE:.2f}", unknown)
    said = signals.describe() if signals else ""
    # Shown cut, not rounded, to two places, so that a decline never reads "0.67, below 0.67".
    odds = f"probability {math.floor(probability * 100) / 100:.2f} that the documents answer"
    if probability >= ANSWER_AT:
        return Decision(True, f"{odds} ({said})", (), "", signals, probability)
    named = ", ".join(f"“{term}”" for term in unknown[:3])
    never = f"names {named} that the documents never mention; " if unknown else ""
    return Decision(False, f"{never}{odds}, below {ANSWER_AT:.2f} ({said})", unknown, "", signals, probability)


def gives_asked_kind(form: QuestionForm, sentence: str) -> bool:
    """Whether a sentence gives the kind of answer the question asks for: a number for "How much ...?", a date
    for "When ...?", a name not in the question for "Who ...?" (any sentence does when it asks for none)."""
    return not form.kind or gives_kind(sentence, form.kind, form.query)


# What each kind of answer (`bot.question.patterns.asked_kind`) is called in a decline: "don't give a date".
ASKED_KIND_WORDS = {
    "phone": "a phone number",
    "percent": "a percentage",
    "price": "an amount of money",
    "count": "a number",
    "amount": "an amount or a number",
    "date": "a date",
    "person": "a name",
}


def lacks_kind(form: QuestionForm) -> Decision:
    """The decline of a question asking for an amount, a date or a name that no sentence near the best gives."""
    what = ASKED_KIND_WORDS.get(form.kind, "that")
    return Decision(False, f"asks for {what}, and no sentence close to the best gives one", missing=form.kind)
