"""Rule-based rewriting of a follow-up question into a standalone one, without a language model."""

from __future__ import annotations

import re

from bot.text import STOPWORDS, tokenize

# Verbs that end a question without being its topic ("Can LLMs make images?" is about images).
_TOPIC_NEUTRAL_VERBS = frozenset(
    ["make", "makes", "create", "creates", "use", "used", "using", "generate", "produce", "do", "work", "help", "need"]
)
_FOLLOW_UP_MARKERS = re.compile(r"^(?:(?:and|then|so|but|also|ok|okay|well)\b[\s,]*)+", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(.+)$", re.IGNORECASE)
_PRONOUNS = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there)\b", re.IGNORECASE)
_WHICH_ONES = re.compile(r"\b(which|what|the)\s+ones?\b", re.IGNORECASE)
_PREPOSITIONS = ("from", "for", "in", "about", "of", "with", "on", "to", "by")


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’·-]+", text)


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
    match = re.search(r"\b(?:which|what)\s+([A-Za-z-]+)", question, re.IGNORECASE)
    if match and match.group(1).lower() not in STOPWORDS:
        return match.group(1)
    return None


def _possessive(noun: str) -> str:
    return f"{noun}'" if noun.endswith("s") else f"{noun}'s"


def condense(question: str, history: list[str]) -> str:
    """Rewrite a follow-up into a standalone question using the earlier user turns, without an LLM.

    Handles pronouns ("create them?" after "Can LLMs make images?"), "which ones", and ellipsis
    ("And from LLMs?", "What about videos?"). A question that stands on its own is returned as is.
    """
    question = question.strip()
    if not history:
        return question
    antecedent = condense(history[-1], history[:-1]).rstrip(" ?.!")
    stripped = _FOLLOW_UP_MARKERS.sub("", question).strip()
    had_marker = stripped != question
    body = stripped.rstrip(" ?.!")
    if not body:
        return antecedent + "?"

    about = _ABOUT.match(body)
    first = body.split()[0].lower()
    if about or (had_marker and first in _PREPOSITIONS and len(tokenize(body)) <= 4):
        target = about.group(1) if about else body
        if not about:
            prep, _, obj = body.partition(" ")
            cut = antecedent.lower().rfind(f" {prep.lower()} ")
            if cut >= 0:
                return f"{antecedent[:cut]} {prep} {obj}?"
            target = obj
        tail = _topic_tail(antecedent)
        if tail and antecedent.endswith(tail):
            return f"{antecedent[: -len(tail)]}{target}?"
        return f"{antecedent} {target}?"

    rewritten = body
    head = _head_after_which(antecedent)
    if head and _WHICH_ONES.search(rewritten):
        rewritten = _WHICH_ONES.sub(lambda m: f"{m.group(1)} {head}", rewritten, count=1)
    tail = _topic_tail(antecedent)
    if tail and _PRONOUNS.search(rewritten):
        rewritten = _PRONOUNS.sub(
            lambda m: _possessive(tail) if m.group(1).lower() in ("its", "their") else tail, rewritten, count=1
        )
    if rewritten != body:
        return rewritten + "?"
    if had_marker or len(tokenize(body)) <= 1:
        # Context-dependent but nothing to substitute: keep the earlier topic alongside.
        return f"{body} ({antecedent})?"
    return question
