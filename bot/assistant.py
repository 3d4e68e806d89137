"""The question-answering pipeline behind the CLI, the evaluator and the chat app."""

from __future__ import annotations

import re
import time
import unicodedata

from bot.answer import ExtractiveAnswerer
from bot.retrieve import Retriever
from bot.settings import Settings
from bot.types import Answer, Retrieval

# Characters that are invisible or reorder text: zero-width, bidi controls, Unicode tag characters.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class InvalidQuestion(ValueError):
    """A message that cannot be treated as a question; the text says why, for the user."""


def clean_question(text: str, max_chars: int) -> str:
    """The question as the assistant will read it, or InvalidQuestion with a message for the user."""
    if text is None:
        raise InvalidQuestion("Please type a question.")
    if len(text) > max_chars:
        raise InvalidQuestion(
            f"That message is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Please ask a shorter question."
        )
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", text)))
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InvalidQuestion("Please type a question - the message was empty.")
    return text


class Assistant:
    """Retrieval plus answering, loaded once and reused for every question."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.retriever = Retriever(settings)
        self.answerer = ExtractiveAnswerer(
            settings,
            self.retriever.embed,
            self.retriever.topics(),
            stored_vectors=self.retriever.sentence_vectors,
            suggest=self.retriever.suggest,
        )

    def retrieve(self, question: str, history: list[str] | None = None) -> Retrieval:
        """Clean `question` (InvalidQuestion if unusable) and find its passages.

        `history` holds the earlier user turns of the conversation, oldest first.
        """
        question = clean_question(question, self.settings.max_question_chars)
        return self.retriever.retrieve(question, [h for h in (history or []) if h and h.strip()])

    def compose(self, retrieval: Retrieval) -> Answer:
        """Write the cited answer for a retrieval."""
        return self.answerer.answer(retrieval)

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        """Answer `question` in the light of `history` (earlier user turns, oldest first)."""
        started = time.perf_counter()
        answer = self.compose(self.retrieve(question, history))
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer
