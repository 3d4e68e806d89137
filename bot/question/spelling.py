"""The corpus's own words: a question's variant spellings of them, and the key words it never uses.

Users write "Stable-Diffusion", "Mid Journey", "deep fakes", "ecommerce" or "generatve" where the
documents say "Stable Diffusion", "MidJourney", "deepfakes", "e-commerce" and "generative". A
question is respelled in the corpus's words before it is searched, by general rules (no word lists):
the same letters without hyphens or spaces, two words that make one corpus word, a misspelling (a word
no English text uses) close to a corpus word, and an abbreviation the corpus never writes read as the
capitalised words it writes out ("DWI" for "Drinking Water Inspectorate").

A word the corpus never uses that English hardly uses either ("dplyr", "venv", "hallucinate") is a key
concept of the question the documents do not cover: the answer says they do not mention it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from difflib import get_close_matches
from functools import lru_cache

from bot.text import STOPWORDS, normalize_text, stem

_WORD = re.compile(r"[a-z0-9]+(?:[-'.·][a-z0-9]+)*")
# Letters of any alphabet: "recepción" is one word, not "recepci" and "n".
_QUESTION_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.I)

# Words English text rarely uses (Zipf frequency below this: "generatve" 0, "langauge" 1.7, "recieve"
# 2.75) are misspellings when a corpus word is spelt close to them; common words ("produce" 4.8, next
# to the corpus's "product") are never "corrected".
MISSPELLING_MAX_ZIPF = 3.0
# difflib ratio for a misspelling to be taken as a corpus word (one or two letters apart in 8).
MISSPELLING_MIN_RATIO = 0.8
# The words a chat message shortens to a letter or two ("when r u closed over xmas"), read out in full where the
# corpus never writes the short form as a word (the R FAQ's "r" is the language's name).
_SHORTHAND = {"r": "are", "u": "you", "ur": "your"}
# A run of capitalised words, "of", "and", "for" or "the" between them ("Drinking Water Inspectorate", "Bank of
# England"): what an abbreviation the corpus never writes may stand for.
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:[ \t]+(?:(?:of|and|for|the)[ \t]+)?[A-Z][a-z]+)+\b")
_CONNECTIVES = frozenset({"of", "and", "for", "the"})
# An abbreviation as a question writes it: capitals ("DWI"), or letters in lower case that English never writes as
# a word ("dwi"); two to six letters.
_ABBREVIATION = re.compile(r"[A-Z]{2,6}|[a-z]{2,6}")


@lru_cache(maxsize=8192)
def english_zipf(word: str) -> float:
    """How common `word` is in English, on the Zipf scale (0 = never seen, 7 = "the"); from wordfreq."""
    # lazy: wordfreq's word lists load on first use (0.1 s)
    from wordfreq import zipf_frequency  # its word lists load on first use (0.1 s)

    return zipf_frequency(word, "en")


def squash(word: str) -> str:
    """A word without hyphens, apostrophes, dots and spaces: "e-commerce" and "ecommerce" compare equal."""
    return re.sub(r"[-'’.· ]", "", word)


_SUFFIXES = ("ations", "ation", "ings", "ing", "ions", "ion", "able", "ers", "er", "ed", "es", "ly", "s", "e")


def word_root(word: str) -> str:
    """A word without its inflection or common suffix, for telling word forms of one family apart from others:
    "writing" and "write" give "writ", "operations" and "operate" give "operat"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            root = word[: -len(suffix)]
            # "running" -> "run", "stopped" -> "stop"
            return root[:-1] if len(root) >= 4 and root[-1] == root[-2] and root[-1] not in "aeiouls" else root
    return word


_DIGIT_POINT = re.compile(r"\d[.,·]\d")
_GLUED_UNIT = re.compile(r"(\d+(?:[.,]\d+)?)([a-z]{1,3})")


def glued_unit(word: str) -> tuple[str, str] | None:
    """A number and its unit written as one word ("25mm", "10gb": lower case), else None."""
    match = _GLUED_UNIT.fullmatch(word)
    return (match.group(1), match.group(2)) if match else None


# Units a number glued to them measures with: "11pm", "30kg", "500ml", "3.5h", "10gb".
_UNITS = frozenset(
    {
        "am",
        "pm",
        "kg",
        "g",
        "mg",
        "ml",
        "l",
        "cl",
        "km",
        "m",
        "cm",
        "mm",
        "h",
        "hr",
        "hrs",
        "min",
        "mins",
        "s",
        "ms",
        "gb",
        "mb",
        "kb",
        "tb",
        "mph",
        "kph",
        "lb",
        "lbs",
        "oz",
        "ft",
        "in",
        "k",
    }
)


# Units written as words after a number: "8.5 metres", "6.2 m", "25 pupils".
_UNIT_WORDS = (
    r"(?:metres?|meters?|feet|foot|inch(?:es)?|miles?|kilometres?|kilometers?|kilos?|kilograms?|grams?|tonnes?|"
    r"litres?|liters?|percent|per\s+cent|%|seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|"
    r"people|persons?|adults?|children|kids|pupils|passengers|guests|members|seats?|euros?|pounds?|dollars?)"
)

# A unit after a number, glued or as a word (the longest first: "mins" before "min" before "m").
_UNIT_AFTER = rf"(?:{'|'.join(sorted(_UNITS, key=lambda u: (-len(u), u)))}|{_UNIT_WORDS})(?!\w)"


def is_measure(word: str, question: str = "") -> bool:
    """A time of day or a quantity: written as one word ("11pm", "30kg"), or a number the question follows with
    its unit ("My motorhome is 8.5 m long", "6.2 metres"): a detail of a question, not a name. A number after a
    name or before anything else ("Python 3.13", "release 4.4") names a version."""
    if re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", word.lower()):
        return True  # an ordinal: "my daughter's 10th birthday", "the 3rd of May"
    unit = glued_unit(word.lower())
    if unit:
        return unit[1] in _UNITS
    if not question or not re.fullmatch(r"\d+(?:[.,]\d+)?", word):
        return False
    return bool(re.search(rf"(?<![\w.]){re.escape(word)}\s*{_UNIT_AFTER}", question, re.I))


# Days and months: a question naming one the documents do not is still answered by the ranges they write ("Monday to
# Friday", "April to October"), so it is no unknown name when they name others of its kind.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december",
)  # fmt: skip


def calendar_kind(word: str) -> tuple[str, ...] | None:
    """The days of the week or the months, when `word` is one of them (a plural too: "Wednesdays"), else None."""
    word = word.lower().removesuffix("s")
    return WEEKDAYS if word in WEEKDAYS else MONTHS if word in MONTHS else None


def _extends(longer: str, word: str) -> bool:
    """Whether `longer` is `word` with an ending: `word` without a plural "s" or a silent "e" ("renews" -> "renew",
    "authenticate" -> "authenticat"), then two letters or more ("renewals", "authenticator")."""
    root = word.removesuffix("s").removesuffix("e")
    return longer.startswith(root) and len(longer) - len(root) >= 2


class CorpusWords:
    """The words a corpus uses, for respelling questions and finding the words it never uses."""

    def __init__(self, texts: Iterable[str]):
        words: set[str] = set()
        alone: set[str] = set()  # words the corpus writes on their own, not only inside "gpt-4" or "e-commerce"
        joined: dict[str, str] = {}  # squashed form -> the corpus's spelling ("stablediffusion" -> "stable diffusion")
        pairs: set[str] = set()  # two words the corpus writes one after the other ("stable diffusion")
        self._spelled: dict[str, dict[str, int]] = {}  # initials -> the phrases they begin, with their counts
        for text in texts:
            for run in _CAPITALISED_RUN.findall(text):
                self._add_phrases(run.split())
            tokens = _WORD.findall(normalize_text(text))
            words.update(tokens)
            alone.update(tokens)
            words.update(part for token in tokens for part in re.split(r"[-'.·]", token) if part)  # "gpt-4" uses "gpt"
            for first, second in zip(tokens, tokens[1:]):
                if len(first) + len(second) >= 5 and first not in STOPWORDS and second not in STOPWORDS:
                    joined.setdefault(first + second, f"{first} {second}")
                    pairs.add(f"{first} {second}")
        self.words = frozenset(words)
        self._alone = frozenset(alone)
        self._pairs = frozenset(pairs)
        self.stems = frozenset(stem(w) for w in words)
        self.roots = frozenset(word_root(w) for w in words)
        # One word first: where the corpus writes both "chatgpt" and "chat gpt", one word is the spelling.
        self._squashed = {squash(word): word for word in sorted(words, reverse=True)}
        for squashed, spelt in joined.items():
            self._squashed.setdefault(squashed, spelt)
        self._spellable = sorted(w for w in words if len(w) >= 4 and w.isalpha())
        self._sorted = sorted(w for w in words if w.isalnum())

    def _add_phrases(self, run: list[str]) -> None:
        """Every part of a run of capitalised words that begins and ends with one, under its initials."""
        for start, first in enumerate(run):
            if first in _CONNECTIVES:
                continue
            for end in range(start + 2, min(len(run), start + 8) + 1):
                words = run[start:end]
                if words[-1] in _CONNECTIVES:
                    continue
                initials = "".join(w[0] for w in words if w not in _CONNECTIVES)
                if 2 <= len(initials) <= 6:
                    phrase = " ".join(words)
                    counts = self._spelled.setdefault(initials, {})
                    counts[phrase] = counts.get(phrase, 0) + 1

    def spelled_out(self, written: str) -> str | None:
        """What an abbreviation the corpus never writes stands for, where the corpus writes it out in capitalised
        words: "CRI" and "dwi" for "Compliance Risk Index" and "Drinking Water Inspectorate". The phrase most of
        its writings with those initials are; None when none, or none is most."""
        if not _ABBREVIATION.fullmatch(written) or written.islower() and english_zipf(written) >= MISSPELLING_MAX_ZIPF:
            return None
        counts = self._spelled.get(written.upper())
        if not counts:
            return None
        phrase, most = max(counts.items(), key=lambda item: item[1])
        return phrase if most * 2 > sum(counts.values()) else None

    def uses(self, word: str) -> bool:
        """Whether the corpus uses `word` (lower case), as written or by its stem."""
        return word in self.words or stem(word) in self.stems

    def uses_family(self, word: str) -> bool:
        """Whether the corpus uses `word` or another form of it ("write" for "writing", "operate" for "operations")."""
        return self.uses(word) or word_root(word) in self.roots

    def _variant(self, word: str) -> str | None:
        """The corpus's spelling of `word` (or of two words) when it writes it with other hyphens or spaces."""
        for form in (word, word[:-1] if word.endswith("s") else ""):
            spelt = self._squashed.get(squash(form)) if form else None
            # A point between digits is part of the number: "800" is not "8.00", nor "430" "4.3.0".
            if spelt and _DIGIT_POINT.search(spelt) and not _DIGIT_POINT.search(form):
                continue
            if spelt and spelt != form:
                return spelt + word[len(form) :]
        return None

    def _shortened(self, word: str) -> str | None:
        """The corpus word that `word`, rare in English, is the start of ("dedup" for "deduplication", "parvo" for
        "parvovirus", "F10" for "F10SC"): the shortest, when every corpus word it starts is of that one's family."""
        if len(word) < 3 or not word.isalnum() or word.isdigit() or english_zipf(word) >= MISSPELLING_MAX_ZIPF:
            return None
        start = bisect.bisect_left(self._sorted, word)
        longer = []
        for other in self._sorted[start:]:
            if not other.startswith(word):
                break
            if len(other) - len(word) >= 2:
                longer.append(other)
        if not longer:
            return None
        shortest = min(longer, key=len)
        return shortest if all(other.startswith(word_root(shortest)) for other in longer) else None

    def _misspelt(self, word: str) -> str | None:
        if len(word) < 4 or not word.isalpha() or english_zipf(word) >= MISSPELLING_MAX_ZIPF:
            return None
        close = get_close_matches(word, self._spellable, n=1, cutoff=MISSPELLING_MIN_RATIO)
        if not close:
            return None
        # Another form of the word, not a misspelling: "authenticate" beside the corpus's "authenticator", "renews"
        # beside "renewals" (English makes its forms with endings of two letters or more; "larg" for "large" is a
        # letter short, a misspelling). A misspelling keeps its first letter: "pbuilder", "fread" and "devtools"
        # are other names than the corpus's "builder", "read" and "codetools", and "patching" is not "matching".
        if close[0][0] != word[0] or _extends(close[0], word) or _extends(word, close[0]):
            return None
        return close[0]

    def respell(self, question: str) -> str:
        """`question` with its variant spellings of corpus words replaced by the corpus's own."""
        words = list(_QUESTION_WORD.finditer(question))
        out: list[str] = []
        last = 0
        skip_next = False
        for i, match in enumerate(words):
            if skip_next:
                skip_next = False
                continue
            word = normalize_text(match.group())
            if "'" in word:
                continue  # "AI's", "don't": kept as written
            end = match.end()
            replacement = None
            following = words[i + 1] if i + 1 < len(words) else None
            between = question[match.end() : following.start()] if following is not None else ""
            # "Node.js's": the name is "node.js", and its "'s" stays as written after it.
            follower_written = _POSSESSIVE.sub("", following.group()) if following is not None else ""
            follower = normalize_text(follower_written)
            # Stopwords join only as an abbreviation ("A.I."): "do I" is never the corpus's "doi".
            plain = word not in STOPWORDS and follower not in STOPWORDS
            # A dot joins letters ("A.I."), never digits: "4.3.0" is a version, not "43.0".
            dotted = between in (".", "·") and not (word[-1:].isdigit() or follower[:1].isdigit())
            if following is not None and (between in (" ", "-") and plain or dotted):
                # "mid journey" -> "midjourney", "deep fakes" -> "deepfakes", "chat gpt" -> "chatgpt"
                replacement = self._variant(f"{word} {follower}")
                # Two words the corpus writes on their own mean what they say: "Is R part of ...?" is not "rpart". A
                # word of one or two letters is a name or a short form (R, C, Go), not half of a compound: two longer
                # ones the corpus only writes joined are its compound ("hand building" for "Handbuilding Foundations").
                apart = (
                    between == " "
                    and word in self._alone
                    and follower in self._alone
                    and (min(len(word), len(follower)) <= 2 or f"{word} {follower}" in self._pairs)
                )
                if replacement and " " not in replacement and not apart:
                    end, skip_next = following.start() + len(follower_written), True
                else:
                    replacement = None
            if replacement is None and word not in STOPWORDS and not self.uses(word):
                replacement = (
                    _SHORTHAND.get(match.group())
                    or self._variant(word)
                    or self._misspelt(word)
                    or self._shortened(word)
                )
                # An English word the corpus writes apart only where its text is broken ("match es"): kept.
                if replacement and " " in replacement and word.isalpha() and english_zipf(word) >= MISSPELLING_MAX_ZIPF:
                    replacement = None
                replacement = replacement or self.spelled_out(match.group())
            if replacement is None:
                continue
            out.append(question[last : match.start()] + replacement)
            last = end
        return "".join(out) + question[last:]

    def absent_terms(self, question: str, max_zipf: float) -> list[str]:
        """Content words of `question` (as written) the corpus never uses and English rarely does."""
        found: list[str] = []
        for match in _QUESTION_WORD.finditer(question):
            written = _POSSESSIVE.sub("", match.group())  # "Node.js's" asks about the corpus's "js", not "js's"
            word = normalize_text(written)
            # A word of another alphabet or with accents is judged by no English frequency: never a key concept here.
            if not word.isascii() or len(word) < 2 or word in STOPWORDS or word.isdigit():
                continue
            # "runnable" is the corpus's "run" made an adjective: its root as a word of the corpus (a root shared
            # only with another corpus word, "pip" with "pipe", is no such word).
            if self.uses(word) or self.uses(word_root(word)) or self._variant(word) or self._shortened(word):
                continue
            unit = glued_unit(word)
            if unit and all(self.uses(part) for part in unit) or is_measure(word):
                continue  # "25mm" where the corpus writes "25 mm"; a time or quantity ("11pm") is no key word
            parts = [p for p in re.split(r"[-'’]", word) if p.isalpha() and p not in STOPWORDS]
            if len(parts) > 1:  # "AI-made": judged by its parts, each a word of the corpus or of English
                known = all(self.uses(p) or english_zipf(p) >= max_zipf for p in parts)
            else:
                known = english_zipf(word) >= max_zipf
            if not known and written not in found:
                found.append(written)
        return found
