"""Rule-based rewriting of a follow-up question into a standalone one, without a language model."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.question.patterns import ASKED_MAX_ZIPF, named_terms
from bot.question.patterns import PATTERNS as P
from bot.question.spelling import english_zipf
from bot.text import STOPWORDS, tokenize

# Picks, among an earlier question's noun phrases, the one a new phrase stands in for ("LLMs" for
# "generative AI", "videos" for "images"): the retriever passes one that compares embeddings.
Closest = Callable[[str, list[str]], int]

# Verbs that end a question without being its topic ("Can LLMs make images?" is about images).
_TOPIC_NEUTRAL_VERBS = frozenset(
    ["make", "makes", "create", "creates", "use", "used", "using", "generate", "produce", "do", "work", "help", "need"]
)
_PREPOSITIONS = ("from", "for", "in", "about", "of", "with", "on", "to", "by")


def _words(text: str) -> list[str]:
    return P["word"].regex.findall(text)


def _points_back(text: str) -> bool:
    """Whether a word of `text` points back to what was said before ("the", "this", "those", ...)."""
    return any(P["points_back"].find(w) for w in _words(text))


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
    match = P["head_after_which"].find(question)
    if match and match.group(1).lower() not in STOPWORDS:
        return match.group(1)
    return None


def names_own_subject(question: str) -> bool:
    """Whether a question asks what, when, where or how much a thing it names is: a name ("What is a GAN?") or a
    term English seldom uses ("What is tokenization?", "When is payday?"), not one that points back ("What are
    the benefits?") or leans on the earlier question for what it is of ("What is an example?", "What is better?")."""
    asks = P["asks_what"].find(question.strip().rstrip(" ?.!"))
    if not asks:
        return False
    subject = P["a_or_an"].regex.sub("", asks.group(1))
    words = tokenize(subject)
    # A name of one capital letter ("What is S?", "What is R?") is a name, though too short for `named_terms`.
    named = {n.lower() for n in named_terms(question)} | {w.lower() for w in re.findall(r"\b[A-Z]\b", subject)}
    if words and all(w in named for w in words):
        return True  # "What is the PSR?": "the" before a name points back to nothing
    if P["points_back"].find(asks.group(1)):
        return False
    return bool(words) and all(w in named or english_zipf(w) < ASKED_MAX_ZIPF for w in words)


def _possessive(noun: str) -> str:
    return f"{noun}'" if noun.endswith("s") else f"{noun}'s"


_NOT_NOUNS = frozenset(["how", "why", "when", "where", "what", "which", "who"]) | _TOPIC_NEUTRAL_VERBS


def noun_phrases(question: str) -> list[tuple[int, int]]:
    """(start, end) of each run of content words in a question: "How is [generative AI] used in [marketing]"."""
    spans: list[tuple[int, int]] = []
    start = end = -1
    for match in P["word"].regex.finditer(question):
        low = match.group().lower()
        if low in STOPWORDS or low in _NOT_NOUNS:
            if start >= 0:
                spans.append((start, end))
            start = -1
            continue
        start = match.start() if start < 0 else start
        end = match.end()
    if start >= 0:
        spans.append((start, end))
    return spans


def pair_of(question: str) -> str | None:
    """The two things a question sets side by side ("LLMs and generative AI" in "What's the difference between
    LLMs and generative AI?"): two noun phrases joined by "and", "or" or "vs"."""
    spans = noun_phrases(question)
    for (a, b), (c, d) in zip(spans, spans[1:]):
        if P["joined"].find(question[b:c]):
            return f"{question[a:b]} and {question[c:d]}"
    return None


# The words (as `tokenize` gives them) that ask for a comparison rather than name what is compared.
COMPARING_WORDS = frozenset(
    ["compare", "compared", "comparing", "comparison", "differ", "differed", "different", "difference"]
    + ["versus", "vs", "contrast", "distinguish", "distinction"]
)


def side_questions(question: str) -> tuple[str, str] | None:
    """The question asked of each of the two things it sets side by side, or None.

    "Compare the technologies that LLMs and generative AI are built on." -> "Compare the technologies that
    LLMs are built on." and "... that generative AI are built on."; "In healthcare, what do LLMs do compared
    with generative AI?" -> "In healthcare, what do LLMs do?" and "In healthcare, what do generative AI do?"."""
    spans = noun_phrases(question)
    for (a, b), (c, d) in zip(spans, spans[1:]):
        if P["joined"].find(question[b:c]):
            return question[:a] + question[a:b] + question[d:], question[:a] + question[c:d] + question[d:]
    against = P["set_against"].find(question)
    if not against:
        return None
    # The side before may run into the comparing verb ("generative AI differ"): it ends where the clause starts.
    before = [(a, against.start()) for a, b in spans if a < against.start() <= b]
    after = [(c, d) for c, d in spans if c == against.end()]
    if not before or not after:
        return None
    (a, b), (c, d) = before[0], after[0]
    # The clause naming the second side goes; a verb of the question in it stays ("do", "differ").
    verb = P["against_verb"].find(against.group(0))
    kept = f" {verb.group(1)}" if verb else ""
    tail = question[d:]
    return question[:a] + question[a:b] + kept + tail, question[:a] + question[c:d] + kept + tail


def _agree(before: str, phrase: str) -> str:
    """`before` (the question up to a replaced subject) with its verb agreeing with `phrase` ("is" -> "are")."""
    plural = phrase.lower().endswith("s") and not phrase.lower().endswith("ss")
    swaps = {"is": "are", "does": "do", "has": "have"} if plural else {"are": "is", "do": "does", "have": "has"}
    return P["agreeing_verb"].regex.sub(lambda m: (swaps.get(m.group(1).lower(), m.group(1))) + m.group(2), before)


def _stand_in(antecedent: str, phrase: str, closest: Closest | None) -> str | None:
    """The earlier question with `phrase` in place of the noun phrase it stands for ("And LLMs?")."""
    spans = noun_phrases(antecedent)
    if not spans:
        return None
    pick = len(spans) - 1  # without a way to compare meanings, the topic the question ends on
    named = [i for i, (a, b) in enumerate(spans) if named_terms(antecedent[a:b])]
    if named_terms(phrase) and (named or P["auxiliary"].find(antecedent)):
        # A name ("And LLMs?") stands in for the earlier name ("generative AI"), else the subject: word
        # embeddings tell acronyms apart poorly.
        pick = named[0] if named else 0
    elif closest is not None and len(spans) > 1:
        pick = closest(phrase, [antecedent[a:b] for a, b in spans])  # "What about videos?" -> for "images"
    begin, end = spans[pick]
    if len(spans) == 1 and len(_words(antecedent[begin:end])) >= 3 and not named_terms(phrase):
        # "what about videos?" after "Can generative AI write music?": one run of words holds the subject, the verb
        # and the thing asked about, and putting the phrase for all of it left "Can videos?"
        return None
    before = antecedent[:begin]
    # "What about a tandem?" after "... rent an electric bike ...": "rent a tandem", not "rent an a tandem"; and
    # "rent tandems", not "rent an tandems"
    if P["article"].find(phrase):
        before = P["article_before"].regex.sub("", before)
    elif phrase.lower().endswith("s"):
        before = P["a_or_an_before"].regex.sub("", before)
    return f"{_agree(before, phrase)}{phrase}{antecedent[end:]}?"


def _own_antecedent(question: str) -> bool:
    """Whether a question's first pronoun can point to something said before it in the question itself: a
    sentence of its own before ("My water went off. How fast must you get it back?") or a thing introduced with
    "a" or "my" before a clause the pronoun opens ("If I get a meter and it costs more, can I go back?")."""
    pronoun = P["pronoun"].find(question)
    if not pronoun:
        return False
    before = question[: pronoun.start()]
    said = [part for part in _SENTENCE_END.split(before)[:-1] if len(tokenize(part)) >= 2]  # not "I'm new here."
    # "a" or "my" before a pronoun that opens a clause of its own: "a meter and it costs", not "Can my team use it?"
    return bool(said) or bool(P["introduced"].find(before) and P["clause_opens"].find(before))


def condense(question: str, history: list[str], closest: Closest | None = None) -> str:
    """`condense_reading`'s standalone question."""
    return condense_reading(question, history, closest)[0]


def condense_reading(question: str, history: list[str], closest: Closest | None = None) -> tuple[str, bool]:
    """Rewrite a follow-up into a standalone question using the earlier user turns, without an LLM.

    Handles pronouns ("create them?" after "Can LLMs make images?"; "Does it ...?" takes the earlier
    subject), "which ones", a new subject or topic that keeps the rest ("And LLMs?" after "How is
    generative AI used in marketing?" -> "How are LLMs used in marketing?"; "What about videos?"), and
    a new place ("What about in healthcare?"). A question that stands on its own is returned as is.
    The flag says the rewrite only kept the earlier question alongside a short one with no "and", "what about",
    "instead" or word pointing back ("the", "this", ...): "When do I get paid (Can I work from abroad)?" may as
    well stand on its own, "What are the benefits (What is a GAN)?" may not.
    """
    question = question.strip()
    if not history:
        return question, False
    antecedent = condense(history[-1], history[:-1], closest).rstrip(" ?.!")
    stripped = P["follow_up_marker"].regex.sub("", question).strip()
    had_marker = stripped != question
    body = stripped.rstrip(" ?.!")
    if not body:
        return antecedent + "?", False

    about = P["what_about"].find(body)
    target = about.group(1) if about else body
    kept = P["kept_alongside"].find(antecedent) if about else None
    if kept:  # "What about the secondary carer?" after "What about the partner (... parental leave ...)?"
        antecedent = kept.group(1)
    first = target.split()[0].lower()
    if first in _PREPOSITIONS and (about or had_marker) and len(tokenize(target)) <= 4:
        prep, _, obj = target.partition(" ")
        cut = antecedent.lower().rfind(f" {prep.lower()} ")
        if cut >= 0:
            return f"{antecedent[:cut]} {prep} {obj}?", False  # "What about in healthcare?": a new place
        target = obj
    words = _words(target)
    # "What about a tandem?": a phrase may open with "a" (a thing like the one before; "the secondary carer" is one
    # of what was asked about, kept alongside)
    phrase_only = all(
        w.lower() not in STOPWORDS or w.lower() in ("and", "of") or i == 0 and P["a_or_an"].find(w + " ")
        for i, w in enumerate(words)
    )
    if (about or had_marker) and phrase_only and 1 <= len(tokenize(target)) <= 4:
        stood_in = _stand_in(antecedent, target, closest)
        if stood_in:
            return stood_in, False

    if P["why_so"].find(body):
        return f"{antecedent}?", False  # "Why is that?" asks the earlier question again, for its reasons
    if P["what_if"].find(question):
        # "what if I'm not a member?" after "how long can I use the computers for free": that question on a new
        # condition; read alone too ("What if I lose my card?" may be a question of its own).
        return f"{body} ({antecedent})?", True
    if P["bare_request"].find(body):
        return f"{body} ({antecedent})?", False  # "Give me an example.": of what was just asked, never on its own
    rewritten = body
    pair = pair_of(antecedent) if P["each"].find(body) else None
    if pair:
        # "Give me an example of each." -> "... of LLMs and generative AI"
        return P["each"].regex.sub(pair, body, count=1) + "?", False
    head = _head_after_which(antecedent)
    if head and P["which_ones"].find(rewritten):
        rewritten = P["which_ones"].regex.sub(lambda m: f"{m.group(1)} {head}", rewritten, count=1)
    act = P["act_asked"].find(antecedent) if P["it_of_act"].find(body) else None
    if act:
        # "how much does it cost?" after "Can I reserve a book?" asks what reserving one costs (it was read "how much
        # does book cost?", and answered with the inter-library loan's fee)
        return f"{body} to {act.group(1)}?", False
    if not had_marker and _own_antecedent(rewritten):
        # "I think my meter is running fast. Can I get it tested?": "it" is the meter, not what was asked before
        # (it was read "Can I get per cubic metre tested?" after a question on the price per cubic metre).
        return question, False
    if P["dummy_it"].find(rewritten):
        # "How much does it cost to wash and dry a load?" after "Is there a laundry on site?": its "it" stands for
        # nothing (it had been read "How much does site cost ..."), so the earlier question is kept alongside, and
        # the reading alone is tried too when nothing points back.
        alone = not (had_marker or _points_back(body))
        return f"{body} ({antecedent})?", alone
    subject_pronoun = P["subject_pronoun"].find(rewritten)
    # "What time does the branch shut?" is read as "When does the branch shut?": "it" is the branch
    asked = P["asks_when"].regex.sub("When ", antecedent, count=1)
    spans = noun_phrases(asked)
    if subject_pronoun and spans and P["auxiliary"].find(asked):
        # "Does it need one?" after "Can generative AI work without an LLM?": "it" is the earlier subject.
        begin, end = spans[0]
        subject = asked[begin:end]
        rest = rewritten[subject_pronoun.end() :]
        if P["ends_in_one"].find(rest) and len(spans) > 1:
            begin, end = spans[-1]
            article = P["article_before"].find(asked[:begin])  # "an LLM", not "LLM"
            topic = asked[article.start() if article else begin : end]
            rest = P["ends_in_one"].regex.sub(topic, rest)
        return f"{_agree(subject_pronoun.group(1), subject)}{subject}{rest}?", False
    if not tokenize(body):
        # "What are they?": nothing but a pronoun, so the earlier question is what is asked again.
        return f"{antecedent}?", False
    tail = _topic_tail(antecedent)
    if spans and P["what_are_the"].find(asked):
        # "What are the privacy concerns with AI?" is about the concerns: "do about it" means them, not AI; "How
        # many leave days do I get after 7 years?" about the days: "can I carry them over?" means them.
        tail = re.sub(r"^(?:many|much)\s+", "", asked[spans[0][0] : spans[0][1]], flags=re.I)
    if tail and P["pronoun"].find(rewritten):
        rewritten = P["pronoun"].regex.sub(
            lambda m: _possessive(tail) if m.group(1).lower() in ("its", "their") else tail, rewritten, count=1
        )
    if rewritten != body:
        return rewritten + "?", False
    if names_own_subject(body) or (not had_marker and P["owned_thing"].find(body)):
        # However short, it says what it is about: "What is a GAN?" after a summary; "When do I get my
        # laptop?" after a question on hotel caps (it was searched with the hotel question glued on).
        return question, False
    if had_marker or about or len(tokenize(body)) <= 1 or P["instead"].find(body):
        # Context-dependent but nothing to substitute: keep the earlier topic alongside ("What about the secondary
        # carer?" after a question on parental leave). Without a marker ("and", "what about") or "instead", the
        # question may also stand alone: "When do I get paid?".
        alone = not (had_marker or about or P["instead"].find(body) or _points_back(body))
        return f"{body} ({antecedent})?", alone
    return question, False


def question_parts(question: str) -> tuple[str, str] | None:
    """Two questions asked in one message, each on its own, or None.

    "What does debmake -j do, and where do I find its output?" -> "What does debmake -j do?" and "where do I
    find its output?". What comes before the first ("I need to cite R in my paper. Who do I list ...?") stays
    with it, and the second is read as a follow-up to the first ("its output"). "When and where ...?" and
    "Who do I call and how quickly?" are one question each: a part must ask something of its own (a word
    beyond the asking ones) and the second must be more than an asking word and one other.
    """
    for found in P["second_question"].regex.finditer(question):
        before, after = question[: found.start()].rstrip(" ,;?"), question[found.end() :].strip()
        first = _SENTENCE_END.split(before)[-1]  # the first question itself, after any words of context
        if not (P["asking_word"].find(first) and tokenize(first) and tokenize(after)):
            continue
        if len(_words(after)) < 3:
            continue
        return f"{before}?", after if after.endswith("?") else f"{after.rstrip(' .!')}?"
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\s+[-–—]\s+")  # sentences, and "First day - when ...?"
