"""Shared text helpers: stopwords, normalising, tokenising, and what a passage's sentence says ("X is a ...",
a number, a date, a name). How a question is read is `bot.question.form`."""

from __future__ import annotations

import functools
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
_DEFINING = re.compile(
    r"(?:^|(?<=[.!?]\s))(?:an?\s+|the\s+)?([^.!?]{2,80}?)\s+(?:is|are|refers? to|means)\s+(?:an?|the)\b", re.I
)


_STRAIGHT_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def in_quotes(text: str) -> str:
    """“text”, its own double quotation marks made single: a title that quotes (“Why is Python Installed on my
    Computer?” FAQ) reads “‘Why is Python Installed on my Computer?’ FAQ”, not with three marks in a row."""
    inner = re.sub(r'"([^"]*)"', r"‘\1’", text.replace("“", "‘").replace("”", "’"))
    return f"“{inner}”"


def normalize_text(text: str) -> str:
    """NFKC, lower case, straight quotes: the form keyword search and evaluation compare."""
    return unicodedata.normalize("NFKC", text).lower().translate(_STRAIGHT_QUOTES)


# The past forms of common verbs whose stem the plural folding cannot find: "I've lost a book" asks what "if you
# lose a book" answers. Only forms that are no other word ("found", "left", "felt" are).
_PAST_FORMS = {
    "lost": "lose",
    "paid": "pay",
    "bought": "buy",
    "broke": "break",
    "broken": "break",
    "stole": "steal",
    "stolen": "steal",
    "forgot": "forget",
    "forgotten": "forget",
    "chose": "choose",
    "chosen": "choose",
    "wrote": "write",
    "written": "write",
    "took": "take",
    "taken": "take",
    "sent": "send",
    "spent": "spend",
    "kept": "keep",
    "sold": "sell",
    "gave": "give",
    "given": "give",
    "ate": "eat",
    "eaten": "eat",
    "drove": "drive",
    "driven": "drive",
    "began": "begin",
    "begun": "begin",
}


def stem(word: str) -> str:
    """A word with its plural and possessive folded ("images" -> "image", "libraries" -> "library", "Python's" ->
    "python"), and a common verb's past form its present ("lost" -> "lose")."""
    if word in _PAST_FORMS:
        return _PAST_FORMS[word]
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# A question or heading saying "not" of something: "isn't covered", "do not cover", "won't pay", "exclusions".
NEGATION = re.compile(r"\b(?:not|never|except|exclu\w*)\b|n['’]t\b", re.I)


def asks_what_is_not(question: str) -> bool:
    """Whether a question asks which things are not so ("What isn't covered by the warranty?", "Which expenses are
    not reimbursed?"), not why something is not ("Why doesn't list.sort() return the sorted list?")."""
    return bool(re.match(r"\s*(?:what|which)\b", question, re.I)) and bool(NEGATION.search(question))


NUMBERING = re.compile(r"^\d+(?:\.\d+)*[.)]?\s+")  # a heading's number: "7.2 Why ...?" -> "Why ...?"
_FAQ_MARK = re.compile(r"^(?:Q|Question)\s*\d{0,3}\s*[:.]\s+", re.I)  # "Q: Can I bring my dog?", "Q12: ..."


def spells_out(text: str, abbreviation: str) -> bool:
    """Whether `text` writes `abbreviation` out beside it in brackets: "Registered Veterinary Nurses (RVNs)", or
    "GANs (Generative Adversarial Networks)"."""
    short = re.escape(abbreviation)
    return bool(re.search(rf"\w[\w\s-]*\(\s*{short}s?\s*\)|\b{short}s?\s*\(\s*[A-Z][\w-]*\s+[A-Za-z]", text))


def writes_whole(text: str, phrase: str) -> bool:
    """Whether `text` holds `phrase` from a word's start, whatever the case and spacing ("say about Our service
    standards" holds the heading "Our service standards")."""
    return f" {' '.join(phrase.lower().split())}" in f" {' '.join(text.lower().split())}"


# The words an English question opens with: an interrogative, or the verb of a yes/no question.
_QUESTION_OPENERS = frozenset(
    [
        "what",
        "why",
        "how",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "which",
        "can",
        "could",
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "will",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "am",
    ]
)


def is_question(heading: str) -> bool:
    """Whether a heading asks a question a reader could ask ("7.2 Why is R slow?", "Do I need to book?"), not a
    slide's "Questions?" or "Any questions?"."""
    words = plain_heading(heading).split()
    first = words[0].strip("()[]\"'“”‘’¿¡*_").casefold() if words else ""  # "(How) Does Debian ...?"
    return heading.rstrip().endswith("?") and len(words) >= 2 and first in _QUESTION_OPENERS


def plain_heading(text: str) -> str:
    """A heading as a reader would say it: without its number or an FAQ's "Q:" ("7.2 Why ...?" -> "Why ...?")."""
    return _FAQ_MARK.sub("", NUMBERING.sub("", " ".join(text.split())))


# A pronoun or "there"/"what" with its verb run on: "i'm", "you've", "there's", "what's" say no more than the
# pronoun. "im in a 1st floor flat" had "i'm" weigh as the question's rarest word, one the documents never use.
_CLITICS = frozenset(["s", "m", "re", "ve", "d", "ll"])
# The same with "'s" typed without its apostrophe ("whats the GIL"): only where no other word is spelt so, unlike
# "well", "shell", "ill" or "wills".
_S_RUN_ON = frozenset(["what", "that", "there", "here", "where", "who", "how", "when", "why", "he", "she"])


def _stopword(word: str) -> bool:
    """Whether a word (lower case) says nothing of what is asked: a stopword, or one with its verb run on."""
    if word in STOPWORDS:
        return True
    head, _, tail = word.partition("'")
    if tail:
        return head in STOPWORDS and tail in _CLITICS
    return word.endswith("s") and word[:-1] in _S_RUN_ON


def tokenize(text: str) -> list[str]:
    """Content-word tokens for keyword search: lower case, no stopwords, plural folded."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[str, ...]:
    # Cached: every question tokenizes the sentences and headings of the passages it retrieves, and the
    # same passages come back question after question. Bounded: keys include whole passages (~700 characters).
    return tuple(stem(w) for w in _WORD.findall(normalize_text(text)) if not _stopword(w))


def document_terms(text: str) -> list[str]:
    """`tokenize` for the documents' text: a hyphenated word counts its parts too, so a question's "430" finds
    "AX-430" and its "GPT" finds "GPT-4" (a question's own "GPT-4" still asks for GPT-4 only)."""
    return list(_document_tokens(text))


@functools.lru_cache(maxsize=16384)
def _document_tokens(text: str) -> tuple[str, ...]:
    # Cached as `_tokens` is: each answer reads the retrieved passages' sentences again.
    return tuple(t for w in _WORD.findall(normalize_text(text)) if not _stopword(w) for t in _with_parts(w))


def _with_parts(word: str) -> tuple[str, ...]:
    """A word, and when hyphenated its parts too: "AX-430" is the "430" a question asks about, and "GPT-4" a GPT."""
    if "-" not in word:
        return (stem(word),)
    parts = [p for p in word.split("-") if p not in STOPWORDS and (len(p) > 1 or p.isdigit())]
    return tuple(dict.fromkeys([stem(word), *map(stem, parts)]))


def defines_subject(text: str, subject_terms: set[str]) -> bool:
    """Whether `text` has a sentence of the form "<subject> is a/an/the ..." (or "refers to ...")."""
    return any(subject_terms <= set(tokenize(m.group(1))) for m in _DEFINING.finditer(text.replace("\n", " ")))


# "one" counts unless it is the pronoun or a vague "more than one": "one of the mirrors", "no one", "than one machine".
_ONE = r"(?<!\bthan )(?<!\bno )(?<!\bany )(?<!\beach )(?<!\bthe )(?<!\bthis )(?<!\bthat )(?<!\bwhich )one(?! of\b| another\b)"
_NUMBER_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?"
)
_AMOUNT = re.compile(
    # a number, with its unit when glued to it ("256K", "10ms", "4GB"; not "3D")
    r"\b\d+(?:[.,]\d+)*(?:\s*%|(?:[kmgt]i?b?|[mµn]s|s|h|hrs?|mins?|[kcm]m|kg|px|x)\b|\b)|[$€£]|\b(?:"
    + _ONE
    + "|"
    + _NUMBER_WORDS
    + r"|trillions?|dozens?|percent|once|twice|every|daily|weekly|monthly|"
    r"yearly|annually|seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b",
    re.I,
)
# A count ("How many ...?"): a number or a number word, "a dozen", or no limit ("unlimited", "as many as you like").
_COUNT = re.compile(
    r"\b\d+|\b(?:"
    + _ONE
    + "|"
    + _NUMBER_WORDS
    + r"|dozens?|couple|single|both|none|unlimited|no\s+(?:limit|maximum)|any\s+number|as\s+many)\b",
    re.I,
)
_DATE = re.compile(  # a year, a date, a month or weekday, or a time of day ("opens at nine on weekdays")
    # "3.8" is a version, not the 3rd of August: a point takes two digits after it ("9.30") or a year ("3.8.2024")
    r"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b\d{1,2}(?:[/:]\d{1,2}(?:[/.]\d{2,4})?|\.\d{2}|\.\d{1,2}\.\d{2,4})\b"
    r"|\b\d{1,2}\s*(?:am|pm)\b"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?|daily|noon|midnight|"
    r"o'clock|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|century|decade|ago)\b"
    # a time counted from an event: "after 3 months", "within 15 minutes", "from the fourth day"
    r"|\b\d+\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\b"
    r"|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|\d+(?:st|nd|rd|th))\s+"
    r"(?:(?:working|business|calendar)\s+)?(?:day|week|month|year)\b"
    # a day of the month: "paid on the 25th", "the 1st of each month"
    r"|\bthe\s+\d{1,2}(?:st|nd|rd|th)\b|\b\d{1,2}(?:st|nd|rd|th)\s+of\b",
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


_PERCENT = re.compile(
    r"\d\s*%|\bper\s?cent\b|\b(?:one|a|\d+)\s+(?:in|out\s+of)\s+(?:every\s+)?(?:\d+|two|three|four|five|ten|a\s+hundred)\b"
    r"|\b(?:half|a\s+third|two[\s-]thirds|a\s+quarter|three[\s-]quarters)\b",
    re.I,
)


_MONEY = re.compile(
    r"[$€£¥₹]\s?\d|\d\s?[$€£¥₹]|\b\d[\d.,]*\s*(?:k|m|bn|million|billion)?\s*(?:pounds?|pence|p\b|dollars?|cents?|euros?|"
    r"usd|eur|gbp|nok|sek|dkk|chf|kr\b|yen|rupees?)"
    r"|\b(?:usd|eur|gbp|nok|sek|dkk|chf)\s?\d|\bfree\s+of\s+charge\b|\bno\s+(?:extra\s+)?(?:charge|cost|fee)\b"
    r"|\bat\s+no\s+(?:extra\s+)?cost\b|\b(?:is|are|it's|they're|be|remains?|stays?)\s+(?:always\s+|completely\s+)?free\b"
    r"|\bfor\s+free\b|\bcosts?\s+nothing\b|\b(?:dollars?|euros?|pounds?)\b",
    re.I,
)


_PHONE = re.compile(r"(?<![\w.])\+?\(?\d(?:[\d\s().-]{5,}\d)(?!\w)")
_PHONE_DIGITS = 7


def _phone_number(text: str) -> bool:
    return any(sum(ch.isdigit() for ch in m.group()) >= _PHONE_DIGITS for m in _PHONE.finditer(text))


_FREE_BEFORE = re.compile(r"\bfree\s+((?:[\w'-]+\s+){0,2}[\w'-]+)", re.I)


def _free_as_asked(text: str, question: str) -> bool:
    """Whether `text` calls what the question asks the price of free: "Free puppy socialisation evenings" for
    "How much do puppy classes cost?", not "free off-peak entry" for the price of an assessment."""
    asked = set(tokenize(question))
    return any(set(tokenize(m.group(1))) & asked for m in _FREE_BEFORE.finditer(text))


def gives_kind(text: str, kind: str, question: str = "") -> bool:
    """Whether `text` holds the kind of answer `bot.question.form.asked_kind` named: a number to dial, a share, a
    price, a number, a date, or a name not in the question."""
    if kind == "phone":  # "+47 22 00 00 00", "(555) 123-4567": seven digits at least, as one number
        return _phone_number(text)
    if kind == "percent":  # "12%", "one in five", "half": a share, not just any number
        return bool(_PERCENT.search(text))
    if kind == "price":  # "£14.50", "20 euros", "free of charge": a sum of money, or nothing to pay
        return bool(_MONEY.search(text)) or _free_as_asked(text, question)
    if kind == "count":
        return bool(_COUNT.search(text))
    if kind == "amount":
        return bool(_AMOUNT.search(text))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "person":  # a full name ("John Chambers", "Bell Labs"), not an acronym ("GANs") or the question's words
        asked = set(tokenize(question))
        names = [m.group() for m in _FULL_NAME.finditer(text) if not _opens_sentence(text, m.start(), m.group())]
        return any(not set(tokenize(name)) <= asked for name in names)
    return True
