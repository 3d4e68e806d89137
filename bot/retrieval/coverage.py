"""What a question asks that the corpus does or does not cover: unknown names and key words, "What is X?"
for an X it never names. Functions over a loaded index generation; what they find is one signal of the
answerability model (`bot.retrieval.refusal`)."""

from __future__ import annotations

from bot.question.patterns import ASKED_MAX_ZIPF
from bot.question.spelling import calendar_kind, english_zipf, is_measure, word_root
from bot.retrieval.loaded import LoadedGeneration
from bot.text import tokenize
from bot.types import QuestionForm

# The tool of "How do I <do something> with <tool>?" (`QuestionForm.tool`) is a key word when this rare.
TOOL_MAX_ZIPF = 4.0

# Question words English uses this often (Zipf scale) say little on their own: "made", "use", "good".
TELLING_MAX_ZIPF = 5.5

# A word in more than this share of the passages is one of the corpus's topic words.
TOPIC_SHARE = 0.2


def is_topic_word(view: LoadedGeneration, term: str) -> bool:
    """Whether the corpus is about `term`: it is in more than `TOPIC_SHARE` of the passages ("water" in a water
    company's documents, "generative" in the articles)."""
    return view.bm25.doc_freq(term) > TOPIC_SHARE * len(view.terms)


def telling_words(text: str) -> list[str]:
    """The words of `text` (`tokenize`d, in order, once each) English uses less than everyday ones."""
    return list(dict.fromkeys(t for t in tokenize(text) if english_zipf(t) < TELLING_MAX_ZIPF))


def unknown_words(view: LoadedGeneration, form: QuestionForm, key_term_max_zipf: float) -> list[str]:
    """Names (`QuestionForm.names`) and key words (see `missing_terms`) of the question the corpus never uses."""
    # A time or a quantity ("11pm", "30kg") is what the question asks about, not a thing the documents must name:
    # "My dog has eaten chocolate and it's 11pm, what do I do?" was declined for never mentioning "11pm".
    names = [
        name
        for name in form.names
        if not is_measure(name, form.question)
        and not view.mentions(name)
        and not any(view.mentions(other) for other in calendar_kind(name) or ())
    ]
    said = {n.lower() for n in names}
    return names + [word for word in missing_terms(view, form, key_term_max_zipf) if word.lower() not in said]


def missing_terms(view: LoadedGeneration, form: QuestionForm, key_term_max_zipf: float) -> list[str]:
    """Words of the question the corpus never uses and English hardly does ("dplyr", "venv"): its key concepts.

    The tool of a how-to question ("How do I install a package with pip?") is one too when the corpus
    never uses it and it is no everyday word (Zipf < 4: "pip" 3.4), whatever it means elsewhere.
    """
    if not view.words or not key_term_max_zipf:
        return []
    # A lower-case abbreviation ("wfh") is the corpus's own words when it writes them out ("working from home").
    missing = [w for w in view.words.absent_terms(form.question, key_term_max_zipf) if not view.writes_initials(w)]
    tool = form.tool
    if tool and tool not in missing and view.words.absent_terms(tool, TOOL_MAX_ZIPF):
        missing.append(tool)
    return missing


def nothing_telling_known(view: LoadedGeneration, question: str) -> list[str]:
    """The question's telling words when the corpus uses none of them: "How is quantum computing different from
    classical computing?" shares only the everyday "different" with the articles, so nothing it asks about is in
    them, however close its wording comes to theirs."""
    if view.words is None:
        return []
    # A word the corpus is about ("water" in a water company's documents, in a fifth of its passages or more) says
    # the question is about it too, however everyday: "My water went off unexpectedly. How fast must you get it
    # back?" shares only "unexpectedly" and "fast" among its rarer words with them, neither used.
    if any(is_topic_word(view, t) for t in tokenize(question)):
        return []
    telling = telling_words(question)
    # Two at least: one word alone ("What should I use instead?") is too little to say the question is elsewhere.
    # A word whose root the corpus writes is its own ("signing" beside "sign"; "computing" beside "computer" is not).
    known = lambda t: view.words.uses(t) or view.words.uses(word_root(t))  # noqa: E731
    if len(telling) < 2 or any(not t.isalpha() or len(t) < 3 or known(t) for t in telling):
        return []
    return telling


def nothing_known_of_subject(view: LoadedGeneration, form: QuestionForm) -> list[str]:
    """For a yes/no question, what it asks of its subject when the corpus uses none of those words: "Can LLMs
    run offline on a laptop?" names LLMs, which the articles discuss, but "run", "offline" and "laptop" nowhere,
    so they cannot say yes or no."""
    subject = form.subject
    if not subject or view.words is None:
        return []
    # The corpus's own topic words ("generative", "ai" in the articles) belong to the subject, not the ask.
    asked = [t for t in telling_words(form.query) if t != subject and not is_topic_word(view, t)]
    # All of them real words the corpus never uses ("e-commerce" is looked up whole), two of them key concepts.
    if any(not t.isalpha() or len(t) < 3 or view.words.uses_family(t) for t in asked):
        return []
    key = [t for t in asked if english_zipf(t) < ASKED_MAX_ZIPF]
    return key if len(key) >= 2 else []


def undefined_subject(view: LoadedGeneration, form: QuestionForm, rows: list[int]) -> list[str]:
    """For "What is X?": X, when one of its telling words is nowhere in the corpus ("reinforcement learning
    from human feedback"): the documents never say what X is, whatever else they say about learning."""
    phrase = form.defined
    if not phrase or view.words is None:
        return []
    telling = set(telling_words(phrase))
    # Only a real word the corpus lacks (not "main", not a clipped "gen") says X is something else.
    lacking = [t for t in telling if t.isalpha() and len(t) >= 4 and english_zipf(t) < 4.5 and not view.words.uses(t)]
    if not lacking or any(telling <= view.terms[r] for r in rows):
        return []
    return [form.defined_name]
