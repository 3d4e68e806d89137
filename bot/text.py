"""Shared text helpers: stopwords, normalising, tokenising and spotting definitions ("X is a ...").

Longer than most modules on purpose: it is the one home of the word-level rules every stage shares
(stopwords, tokens, definitions, yes/no subjects, names, small talk, the kind of answer asked for), so
that no stage keeps its own copy.
"""

from __future__ import annotations

import re
import unicodedata

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "ones",
        "one",
        "like",
        "get",
        "tell",
        "me",
        "please",
        "whether",
        "really",
        "don't",
        "doesn't",
        "didn't",
        "can't",
        "cannot",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "won't",
        "wouldn't",
        "shouldn't",
        "couldn't",
    ]
)
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_DEFINITION = re.compile(r"^\s*(?:what|who)\s+(?:is|are)\s+(?:an?\s+|the\s+)?(.+?)\s*\??$", re.I)
_DEFINING = re.compile(
    r"(?:^|(?<=[.!?]\s))(?:an?\s+|the\s+)?([^.!?]{2,80}?)\s+(?:is|are|refers? to|means)\s+(?:an?|the)\b", re.I
)


def normalize_text(text: str) -> str:
    """NFKC, lower case, straight quotes: the form keyword search and evaluation compare."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'}))


def stem(word: str) -> str:
    """A word with its plural folded ("images" -> "image", "libraries" -> "library")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Content-word tokens for keyword search: lower case, no stopwords, plural folded."""
    return [stem(w) for w in _WORD.findall(normalize_text(text)) if w not in STOPWORDS]


def definition_subject(question: str) -> set[str]:
    """For a "What is X?" question, the tokens of X; an empty set for any other question."""
    return set(tokenize(defined_phrase(question)))


def defined_phrase(question: str) -> str:
    """For a "What is X?" question, X as written ("reinforcement learning"); "" for any other question."""
    definition = _DEFINITION.match(question)
    return definition.group(1) if definition else ""


def defines_subject(text: str, subject_terms: set[str]) -> bool:
    """Whether `text` has a sentence of the form "<subject> is a/an/the ..." (or "refers to ...")."""
    return any(subject_terms <= set(tokenize(m.group(1))) for m in _DEFINING.finditer(text.replace("\n", " ")))


_YES_NO = re.compile(
    r"^(?:can|could|is|are|was|were|do|does|did|will|would|should|shall|has|have|had|may|might|must)\b", re.I
)


def is_yes_no(question: str) -> bool:
    """Whether `question` asks yes or no ("Can LLMs ...?", "Is DALL·E ...?")."""
    return bool(_YES_NO.match(question.strip()))


def yes_no_subject(question: str) -> str:
    """The first content word of a yes/no question ("Is DALL·E a ...?" -> "dall"), else ""."""
    words = tokenize(question) if is_yes_no(question) else []
    return words[0] if words else ""


# A word as written, keeping the characters names and versions use ("GPT-4", "3.13", "C++", "AT&T").
_NAME_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#&.\-]*[A-Za-z0-9+#]|[A-Za-z0-9]")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n])[\s\"“”'‘’(«¿¡*_\-–—]*$")


def named_terms(question: str) -> list[str]:
    """Words of a question written as names: "Shiny", "SQL", "RStudio", "GPT-5", "3.13", "2018".

    A capitalised word counts unless it starts a sentence (or the question is in Title Case); a word
    in capitals, in mixed case, or with digits counts anywhere. Single letters and short plain numbers
    ("R", "2") do not.
    """
    words = [(m.group(), m.start()) for m in _NAME_WORD.finditer(question)]
    letters = [w for w, _ in words if w[0].isalpha()]
    title_case = len(letters) >= 4 and sum(w[0].isupper() for w in letters) >= 0.7 * len(letters)
    found: list[str] = []
    for word, start in words:
        word = re.sub(r"['’]s$", "", word).rstrip(".-")
        if len(word) < 2 or word.lower() in STOPWORDS:
            continue
        digits = any(c.isdigit() for c in word)
        if digits:
            named = "." in word or len(word) >= 4 or any(c.isalpha() for c in word) and len(word) >= 3
        elif word.isupper():
            named = True
        elif word[1:] != word[1:].lower():
            named = True  # mixed case: "RStudio", "DataFrame", "iPhone"
        elif word[0].isupper():
            named = not title_case and not _SENTENCE_START.search(question[:start])
        else:
            named = False
        if named and word not in found:
            found.append(word)
    return found


_GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening|day))(?: there| all| everyone| again)?"
    r"|bye|goodbye)\b[\s!.,?]*$",
    re.I,
)
_THANKS = re.compile(
    r"^(?:(?:ok(?:ay)?|great|perfect|cool|nice|good)[\s,!.]+)?(?:thanks?|thank you|thx|cheers|ty)"
    r"(?: (?:a lot|so much|very much|again))?(?:[\s,!.]+(?:that|this) (?:helps|helped|was (?:helpful|great|useful)))?"
    r"\b[\s!.,?]*$",
    re.I,
)
# About the assistant itself, never about a topic: "What can you do?", "Who are you?", "help".
_ABOUT = re.compile(
    r"^(?:(?:hi|hello|hey)[\s,!.]+)?(?:"
    r"help(?: me| please)?|what can (?:you|i) (?:do|ask)(?: (?:you|here|for me))?|what do you do"
    r"|who (?:are|r) (?:you|u)|what are you|who made you|who built you|what is this(?: (?:bot|app|tool|assistant))?"
    r"|what(?:'s| is) your name|what do you know(?: about)?|what (?:can|do) you (?:know|answer)(?: about)?"
    r"|what (?:are you|is this) (?:for|about)|how (?:do i|can i|should i|to) use (?:this|you|it)(?: (?:bot|app|tool))?"
    r"|how does (?:this|it) work|what should i ask(?: you)?|what can you help (?:me )?with"
    r"|are you (?:a |an )?(?:bot|robot|human|person|real|ai|chatbot)"
    r")(?: (?:please|exactly|again))?[\s!.,?]*$",
    re.I,
)


def small_talk(message: str) -> str:
    """ "greeting", "thanks" or "about" (the assistant itself) for a message that is only that ("Hi there!",
    "ok thanks!", "What can you do?"), else ""."""
    text = " ".join(message.split())
    if _THANKS.match(text):
        return "thanks"
    if _ABOUT.match(text):
        return "about"
    return "greeting" if _GREETING.match(text) else ""


# The kind of answer a question asks for, when it is one a sentence either has or lacks: "How much does
# it cost ...?" needs an amount, "When was ... released?" a date, "Who invented ...?" a name.
_ASKS_AMOUNT = re.compile(
    r"\bhow\s+(?:much|many|big|large|long|old|fast|often|far|heavy|expensive)\b|\b(?:phone|telephone|fax)\s+number"
    r"|\bwhat\s+(?:does|do|did|will)\b.{0,40}\bcost\??\s*$",
    re.I,
)
_ASKS_DATE = re.compile(r"^\s*(?:when\s+(?:was|were|is|did|will|does|do)\b|(?:in\s+)?what\s+(?:year|date)\b)", re.I)
_ASKS_PERSON = re.compile(
    r"^\s*(?:who|(?:which|what)\s+(?:company|companies|organi[sz]ations?|firms?|labs?|team|startups?|vendors?|"
    r"people|persons?|researchers?|scientists?|engineers?))\s+(?:invented|created|founded|wrote|designed|developed|made|built|owns|maintains|leads|runs|"
    # ("Who are LLMs a good fit for?" asks for a kind of user, not a name: a preposition ends it.)
    r"started|coined|discovered|makes|creates|builds|develops|produces|released|"
    r"(?:is|was|are|were)\b(?!.*\b(?:for|to|with|from|at)\W*$))",
    re.I,
)
# "Which LLM is the most accurate?": the answer names one.
_ASKS_WHICH_BEST = re.compile(
    r"^\s*which\s+[\w-]+\s+(?:is|was|are|were)\s+the\s+(?:most|least|best|worst|\w+est)\b", re.I
)
_AMOUNT = re.compile(
    r"\b\d+(?:[.,]\d+)*(?:\s*%|\b)|[$€£]|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|trillions?|dozens?|percent|once|twice|every|daily|weekly|monthly|"
    r"yearly|annually|seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b",
    re.I,
)
_DATE = re.compile(  # a year, a date, a month or weekday, or a time of day ("opens at nine on weekdays")
    r"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b\d{1,2}[/.:]\d{1,2}(?:[/.]\d{2,4})?\b|\b\d{1,2}\s*(?:am|pm)\b"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?|daily|noon|midnight|"
    r"o'clock|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|century|decade|ago)\b",
    re.I,
)
# A full name ("John Chambers", "Bell Labs") or an owner's name ("Meta's LLaMA").
_FULL_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+\b|\b[A-Z][a-z]+(?=[’']s\b)")


# Words that open a sentence capitalised without being part of a name ("Unlike Generative AI, ...").
_OPENERS = frozenset(["unlike", "although", "while", "if", "as", "when", "because", "since", "despite", "like", "many"])


def _opens_sentence(text: str, start: int, name: str) -> bool:
    """Whether a capitalised pair at `start` is only a sentence's first word before a name ("Unlike Generative")."""
    first = name.split()[0].lower()
    at_start = not text[:start].strip() or text[:start].rstrip()[-1:] in ".!?:"
    return at_start and (first in STOPWORDS or first in _OPENERS)


def asked_kind(question: str) -> str:
    """ "amount", "date" or "person" for a question that asks for one (see above); "" for any other."""
    if _ASKS_AMOUNT.search(question):
        return "amount"
    if _ASKS_DATE.search(question):
        return "date"
    return "person" if _ASKS_PERSON.search(question) or _ASKS_WHICH_BEST.search(question) else ""


def gives_kind(text: str, kind: str, question: str = "") -> bool:
    """Whether `text` holds the kind of answer `asked_kind` named: a number, a date, or a name not in the question."""
    if kind == "amount":
        return bool(_AMOUNT.search(text))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "person":  # a full name ("John Chambers", "Bell Labs"), not an acronym ("GANs") or the question's words
        asked = set(tokenize(question))
        names = [m.group() for m in _FULL_NAME.finditer(text) if not _opens_sentence(text, m.start(), m.group())]
        return any(not set(tokenize(name)) <= asked for name in names)
    return True
