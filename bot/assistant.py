"""The question-answering pipeline behind the CLI, the evaluator and the chat app."""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.answer.extractive import ExtractiveAnswerer
from bot.answer.overview import CorpusOverview
from bot.retrieval.retriever import Retriever
from bot.settings import Settings
from bot.types import Answer, QuestionForm, Retrieval

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from bot.answer.generate import GroundingChecker

log = logging.getLogger("bot")

# Characters that are invisible or reorder text: zero-width, bidi controls, Unicode tag characters.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HTML_TAG = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|</?[a-zA-Z!][^<>]*>", re.I | re.S)


class InvalidQuestion(ValueError):
    """A message that cannot be treated as a question; the text says why, for the user."""


def too_long(length: int, max_chars: int) -> InvalidQuestion:
    """The refusal of a message of `length` characters."""
    return InvalidQuestion(
        f"That message is {length:,} characters long; the limit is {max_chars:,}. Please ask a shorter question."
    )


def clean_question(text: str, max_chars: int) -> str:
    """The question as the assistant will read it, or InvalidQuestion with a message for the user."""
    if text is None:
        raise InvalidQuestion("Please type a question.")
    if len(text) > max_chars:
        raise too_long(len(text), max_chars)
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", text)))
    text = _HTML_TAG.sub(" ", text)  # markup is not part of the question (and is never rendered)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InvalidQuestion("Please type a question - the message was empty.")
    # "?" or "..." alone: nothing to look up (it had been answered as a follow-up of the question before). An
    # emoji is a message ("👍"), left to small talk.
    if not any(c.isalnum() or unicodedata.category(c) == "So" for c in text):
        raise InvalidQuestion(f"Please type a question in words: “{text[:20]}” alone gives me nothing to look up.")
    return text


class Assistant:
    """Retrieval plus answering, loaded once and reused for every question.

    The extractive answerer always exists; language-model answerers are built on first use per
    provider. A provider that cannot be used leaves a `notice` and the extractive answerer in charge.
    """

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        extractive: ExtractiveAnswerer,
        checker: GroundingChecker,
        chat_model: Callable[[Settings, str], BaseChatModel] | None = None,
        overview: CorpusOverview | None = None,
    ):
        """Answer with the given components; `chat_model(settings, provider)` makes a provider's model
        (default `bot.answer.providers.make_chat_model`; a test passes an in-process fake). Use `build` to make them."""
        self.settings = settings
        self.retriever = retriever
        self.overview = overview or CorpusOverview(settings, retriever)  # what the corpus is about, for the app
        self.extractive = extractive
        self.checker = checker
        self._chat_model = chat_model
        self._llm_answerers: dict[str, object] = {}
        self._unavailable: dict[str, str] = {}
        self._lock = threading.Lock()
        self.notice = self.provider_notice(settings.llm)

    @classmethod
    def build(cls, settings: Settings, chat_model: Callable[[Settings, str], BaseChatModel] | None = None) -> Assistant:
        """The one place where the components are made: retriever (model and index), answerer, grounding check."""
        # lazy: LangChain loads only when a language model is configured
        from bot.answer.generate import GroundingChecker

        retriever = Retriever(settings)
        overview = CorpusOverview(settings, retriever)
        extractive = ExtractiveAnswerer(
            settings,
            retriever.embed,
            retriever.topics,
            stored_vectors=retriever.sentence_vectors,
            suggest=retriever.suggest,
            examples=overview.example_questions,
            askable=overview.askable_questions,
            documents=lambda: overview.current().documents,
        )
        checker = GroundingChecker(settings, retriever.embed, extractive.sentences_with_vectors)
        return cls(settings, retriever, extractive, checker, chat_model, overview)

    def provider_notice(self, provider: str) -> str:
        """Empty if `provider` can answer, else one line saying what is missing (loads it on first call)."""
        self._llm_answerer(provider)
        return self._unavailable.get(provider, "")

    def _llm_answerer(self, provider: str):
        """The language-model answerer for `provider`, built on first use; None for `extractive` or if unusable."""
        # lazy: LangChain loads only when a language model is configured
        from bot.answer.generate import LLMAnswerer
        from bot.answer.providers import LLMUnavailable, make_chat_model, make_model_gate

        if provider == "extractive":
            return None
        with self._lock:
            if provider not in self._llm_answerers and provider not in self._unavailable:
                try:
                    model = (self._chat_model or make_chat_model)(self.settings, provider)
                    self._llm_answerers[provider] = LLMAnswerer(
                        self.settings,
                        model,
                        provider,
                        self.extractive,
                        self.checker,
                        gate=make_model_gate(self.settings, provider),
                    )
                except LLMUnavailable as exc:
                    self._unavailable[provider] = f"{exc}. Answers come from the offline (extractive) answerer."
                    log.warning("%s", self._unavailable[provider])
            return self._llm_answerers.get(provider)

    def read(self, question: str, history: list[str] | None = None, provider: str | None = None) -> QuestionForm:
        """Clean `question` (InvalidQuestion if unusable) and read it once (`bot.question.form`): every later
        stage reads the form. `history` holds the earlier user turns of the conversation, oldest first; with a
        language model the follow-up is condensed by the model (checked, else by rule)."""
        question = clean_question(question, self.settings.max_question_chars)
        history = [h for h in (history or []) if h and h.strip()]
        query = None
        answerer = self._llm_answerer(provider or self.settings.llm)
        if history and answerer is not None:
            # lazy: LangChain loads only when a language model is configured
            from bot.answer.generate import condense_with_llm

            query = condense_with_llm(answerer, question, history, self.settings.llm_timeout) or None
        return self.retriever.read(question, history, query=query)

    def retrieve(
        self, question: str | QuestionForm, history: list[str] | None = None, provider: str | None = None
    ) -> Retrieval:
        """Find the passages for a question read by `read` (a question given as text is read first). `history`
        is the same as `read` was given: "Tell me more" leaves out what the answer to its last question quoted."""
        form = question if isinstance(question, QuestionForm) else self.read(question, history, provider)
        retrieval = self.retriever.retrieve(form)
        if form.more and history:
            # "Tell me more": what the earlier question's answer quoted is left out, so the answer goes on from it.
            before = self.retrieve(history[-1], history[:-1], provider)  # itself after "Tell me more", perhaps
            earlier = self.extractive.answer(before)
            said = frozenset(quote for quotes in earlier.used_sentences.values() for quote in quotes)
            quoted_from = frozenset(
                earlier.sources[n - 1].id for n in earlier.used_sentences if n <= len(earlier.sources)
            )
            retrieval = dataclasses.replace(
                retrieval, said=before.said | said, said_from=before.said_from | quoted_from
            )
        return retrieval

    def compose(
        self,
        retrieval: Retrieval,
        provider: str | None = None,
        on_token: Callable[[str], None] | None = None,
        client: str = "",
    ) -> Answer:
        """Write the cited answer for a retrieval, with the given provider (default from settings). `client`
        names who asks (a user or an address), so that no one client fills an in-process model's queue."""
        provider = provider or self.settings.llm
        answerer = self._llm_answerer(provider)
        if answerer is None:
            answer = self.extractive.answer(retrieval)
            answer.notice = self._unavailable.get(provider, "")
        else:
            answer = answerer.answer(retrieval, on_token, client)
        # Every answerer numbers its sources in retrieval order; the reader sees them in the order cited.
        return answer.numbered_as_cited()

    def ask(
        self,
        question: str,
        history: list[str] | None = None,
        provider: str | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question` in the light of `history` (earlier user turns, oldest first)."""
        started = time.perf_counter()
        answer = self.compose(self.retrieve(question, history, provider), provider, on_token)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer
