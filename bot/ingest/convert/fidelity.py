"""Does a converted document read like text? Shares of glued or broken words, non-text characters, and
passages without a sentence, measured on its passages, so a file that converted badly is named at ingest.

The measures look at prose only: code blocks keep long identifiers and lone letters on purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCED = re.compile(r"^\s{0,3}(`{3,}|~{3,}).*?^\s{0,3}\1[`~]*\s*$", re.M | re.S)
# A whitespace token holding a run of more than 18 letters: words run together ("Therearetwomethodsof"),
# as a converter writes them when it drops the spaces. E-mail and web addresses are exempt.
_GLUED = re.compile(r"[^\W\d_]{19,}")
_ADDRESS = re.compile(r"@|://|^www\.|/")
# Letters set apart ("w o r d"), as a converter writes letter-spaced text: a lone small letter other than
# "a" (a lone capital is usually a name: "R", "C", "S").
_LONE_LETTER = re.compile(r"^[b-z\u00df-\u00ff]$")
# Characters that are no text: controls, the replacement character, private-use glyphs, "(cid:12)" codes.
_NON_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ue000-\uf8ff]|\(cid:\d+\)")
# A sentence: four words in a row, however punctuated.
_SENTENCE = re.compile(r"[^\W\d_]{2,}(?:[\s,;:'’\-]+[^\W\d_]+){3,}")

# A file is named as looking wrong beyond these shares (each well above what a sound file shows:
# the shared corpora measure at most 0.001 glued, 0.005 broken, 0 non-text, 0.05 without a sentence).
GLUED_LIMIT = 0.01
BROKEN_LIMIT = 0.03
NON_TEXT_LIMIT = 0.01
NO_SENTENCE_LIMIT = 0.5


def prose(text: str) -> str:
    """The text without its fenced code blocks."""
    return _FENCED.sub(" ", text)


def is_glued(token: str) -> bool:
    """A token that is several words run together (longer than 18 letters without a break)."""
    return bool(_GLUED.search(token)) and not _ADDRESS.search(token)


def long_word_share(passages: list[str]) -> float:
    """Share of the prose tokens of `passages` that are words run together (see `is_glued`)."""
    tokens = [t for p in passages for t in prose(p).split()]
    return sum(is_glued(t) for t in tokens) / len(tokens) if tokens else 0.0


@dataclass(frozen=True)
class Fidelity:
    """How a converted document reads, from its passages."""

    tokens: int
    glued: int  # tokens that are several words run together
    broken: int  # lone letters: words broken into letters
    chars: int
    non_text: int  # characters that are no text
    passages: int
    no_sentence: int  # passages with prose but not one run of four words

    @property
    def glued_share(self) -> float:
        return self.glued / self.tokens if self.tokens else 0.0

    @property
    def broken_share(self) -> float:
        return self.broken / self.tokens if self.tokens else 0.0

    @property
    def non_text_share(self) -> float:
        return self.non_text / self.chars if self.chars else 0.0

    @property
    def no_sentence_share(self) -> float:
        return self.no_sentence / self.passages if self.passages else 0.0

    def figures(self) -> str:
        """One line of the shares, for the ingest report."""
        return (
            f"{self.glued_share:.1%} glued and {self.broken_share:.1%} broken words, "
            f"{self.non_text_share:.1%} non-text characters, "
            f"{self.no_sentence} of {self.passages} passages without a sentence"
        )

    def problems(self) -> list[str]:
        """Why the document looks wrongly converted; empty when it reads like text."""
        found = []
        if self.glued_share > GLUED_LIMIT:
            found.append(f"{self.glued_share:.0%} of its words are run together (spaces lost in conversion)")
        if self.broken_share > BROKEN_LIMIT:
            found.append(f"{self.broken_share:.0%} of its words are broken into letters")
        if self.non_text_share > NON_TEXT_LIMIT:
            found.append(f"{self.non_text_share:.0%} of its characters are not text (fonts without a text mapping?)")
        if self.passages >= 4 and self.no_sentence_share > NO_SENTENCE_LIMIT:
            found.append(f"{self.no_sentence} of {self.passages} passages hold no sentence")
        return found


def measure(passages: list[str], headings: list[str] | None = None) -> Fidelity:
    """The fidelity figures of one document's passages.

    `headings[i]`, when given, is the heading line passage i starts with: it counts as text, but a
    passage of a heading and code alone is not one without a sentence.
    """
    tokens = glued = broken = chars = non_text = no_sentence = with_prose = 0
    for i, passage in enumerate(passages):
        text = prose(passage)
        words = text.split()
        tokens += len(words)
        glued += sum(is_glued(t) for t in words)
        broken += sum(bool(_LONE_LETTER.match(t)) for t in words)
        visible = re.sub(r"\s", "", text)
        chars += len(visible)
        non_text += sum(len(m.group()) for m in _NON_TEXT.finditer(visible))
        heading = headings[i] if headings else ""
        body = text[len(heading) :] if heading and text.startswith(heading) else text
        if body.strip():
            with_prose += 1
            no_sentence += not _SENTENCE.search(body)
    return Fidelity(tokens, glued, broken, chars, non_text, with_prose, no_sentence)
