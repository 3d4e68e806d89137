"""Whether the documents may answer a question, and why: the one place a refusal is decided.

A question is declined when nothing was found, when it names something the documents never mention (see
`bot.retrieval.coverage`), or when even its best passage is further than the threshold (pinned in settings,
else the corpus's own from `bot.ingest.index.calibration`) and no passage names all it asks about. An
answer that the passages cannot give in the kind asked for (an amount, a date, a name) is declined by
`lacks_kind` when no sentence the answerer could quote `gives_asked_kind`. Small talk is no refusal: it gets a reply about the assistant, and nothing is searched for it.
The `Decision`'s reason is shown in the chat's search step and in `bot eval`'s misses.
"""

from __future__ import annotations

from bot.ingest.index.calibration import Calibration
from bot.retrieval.coverage import (
    names_in_passing,
    nothing_known_of_subject,
    nothing_telling_known,
    undefined_subject,
    unknown_words,
)
from bot.retrieval.loaded import LoadedGeneration
from bot.settings import Settings
from bot.text import gives_kind
from bot.types import Decision, Passage, QuestionForm

DEFAULT_MIN_SCORE = 0.30  # for an index built before ingest derived a threshold per corpus


def min_relevance(settings: Settings, calibration: Calibration | None) -> float:
    """The relevance a question needs to be answered: pinned in settings, else the corpus's own."""
    if settings.min_score is not None:
        return settings.min_score
    return calibration.min_score if calibration else DEFAULT_MIN_SCORE


def _threshold_name(settings: Settings, calibration: Calibration | None) -> str:
    if settings.min_score is not None:
        return "threshold set in settings"
    return "corpus threshold" if calibration else "default threshold"


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
) -> Decision:
    """The decision for what the retriever found: `rows` are the retrieved passages' rows in `view`, and
    `relevance` the best whole-passage cosine."""
    return decide(
        form,
        passages,
        relevance,
        min_relevance(settings, calibration),
        unknown=unknown_terms(settings, view, form, rows),
        mentioned=names_in_passing(view, form.query, rows),
        threshold_name=_threshold_name(settings, calibration),
    )


def decide(
    form: QuestionForm,
    passages: list[Passage],
    relevance: float,
    threshold: float = DEFAULT_MIN_SCORE,
    *,
    unknown: list[str] | tuple[str, ...] = (),
    mentioned: bool = False,
    threshold_name: str = "default threshold",
) -> Decision:
    """Answer when passages were found, nothing asked about is unknown, and the best one reaches `threshold`
    or one names all the question asks about (`mentioned`: "What is Stable Diffusion?" named in passing)."""
    unknown = tuple(unknown)
    best = f"best match {relevance:.2f}"
    bar = f"the {threshold_name} {threshold:.2f}"
    if form.small_talk:
        return Decision(False, f"small talk ({form.small_talk}): a reply about the assistant", unknown)
    if not passages:
        return Decision(False, "no passages found", unknown)
    if unknown:
        named = ", ".join(f"“{term}”" for term in unknown[:3])
        return Decision(False, f"names {named} that the documents never mention", unknown)
    if relevance >= threshold:
        return Decision(True, f"{best} reaches {bar}")
    if mentioned:
        return Decision(True, f"{best} below {bar}, but a passage names all the question asks about")
    return Decision(False, f"{best} below {bar}")


def gives_asked_kind(form: QuestionForm, sentence: str) -> bool:
    """Whether a sentence gives the kind of answer the question asks for: a number for "How much ...?", a date
    for "When ...?", a name not in the question for "Who ...?" (any sentence does when it asks for none)."""
    return not form.kind or gives_kind(sentence, form.kind, form.query)


def lacks_kind(form: QuestionForm) -> Decision:
    """The decline of a question asking for an amount, a date or a name that no sentence near the best gives."""
    what = {"amount": "an amount", "date": "a date", "person": "a name"}.get(form.kind, "that")
    return Decision(False, f"asks for {what}, and no sentence close to the best gives one", missing=form.kind)
