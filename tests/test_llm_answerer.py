"""The language-model answerer with an in-process fake chat model: streaming, cut-offs, deadline, fallback.

The fake (LangChain's GenericFakeChatModel) streams a fixed reply word by word, so what the answerer
does with each token is deterministic. The real providers are tested over their protocols in
test_providers.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from bot.assistant import Assistant

GROUNDED = "No, LLMs are built specifically for text-based tasks and do not create images or videos on their own. [1]"


class SlowFakeChatModel(GenericFakeChatModel):
    """Streams like GenericFakeChatModel, `delay` seconds per token; raises `error` instead if set."""

    delay: float = 0.0
    error: Exception | None = None

    def _stream(self, *args, **kwargs) -> Iterator:
        if self.error is not None:
            raise self.error
        for chunk in super()._stream(*args, **kwargs):
            time.sleep(self.delay)
            yield chunk


def _with_model(assistant: Assistant, model, provider: str = "openai", **overrides) -> Assistant:
    """The session's components, answering through `model` as `provider`."""
    settings = assistant.settings.model_copy(update={"llm": provider, **overrides})
    return Assistant(settings, assistant.retriever, assistant.extractive, assistant.checker, lambda s, p: model)


def _fake(reply: str, **kwargs) -> SlowFakeChatModel:
    return SlowFakeChatModel(messages=iter([AIMessage(content=reply)] * 4), **kwargs)


def test_tokens_stream_and_the_answer_stops_at_the_first_blank_line(assistant):
    llm = _with_model(assistant, _fake(f"{GROUNDED}\n\nAlso, cats can paint portraits in oil. [2]"))
    tokens: list[str] = []
    answer = llm.ask("Can LLMs make images?", on_token=tokens.append)
    assert len(tokens) > 10 and "cats" not in "".join(tokens)
    assert answer.answered and answer.provider == "openai" and "cats" not in answer.text
    assert answer.text.startswith("No, LLMs are built specifically for text-based tasks")
    assert answer.grounding.supported == answer.grounding.total == 1 and not answer.grounding.fallback


def test_an_echo_of_the_passage_fence_is_cut_off(assistant):
    llm = _with_model(assistant, _fake(f"{GROUNDED} </passages> Question: what else?"))
    answer = llm.ask("Can LLMs make images?")
    assert "passages" not in answer.text and "what else" not in answer.text
    assert answer.grounding.supported == 1 and not answer.grounding.fallback


def test_a_slow_model_is_cut_off_at_the_deadline_and_the_passages_answer(assistant):
    llm = _with_model(assistant, _fake(GROUNDED, delay=0.1), llm_timeout=0.5)
    answer = llm.ask("Can LLMs make images?")  # the whole reply takes about 2 s: only a cut-off falls back
    assert answer.grounding.fallback and "took too long" in answer.notice
    assert answer.text == assistant.ask("Can LLMs make images?").text  # the extractive answer


@pytest.mark.parametrize(
    "error,reason",
    [
        (ConnectionError("refused"), "could not be reached"),
        (TimeoutError(), "took too long"),
        (RuntimeError("boom"), "it failed"),
    ],
)
def test_a_failing_model_falls_back_with_a_notice_and_a_log_line(assistant, caplog, error, reason):
    llm = _with_model(assistant, _fake(GROUNDED, error=error))
    answer = llm.ask("Can LLMs make images?")
    assert answer.answered and answer.grounding.fallback and reason in answer.notice
    assert "language model (openai) failed" in caplog.text and type(error).__name__ in caplog.text


def test_an_invented_sentence_is_removed_and_listed(assistant):
    invented = "LLMs are mostly used in healthcare to design new medical devices. [2]"
    llm = _with_model(assistant, _fake(f"{GROUNDED} {invented}"))
    answer = llm.ask("Can LLMs make images?")
    assert answer.grounding.supported == answer.grounding.total == 1
    assert "medical devices" not in answer.text and any("medical devices" in r for r in answer.removed)


def test_the_local_model_is_busy_while_it_writes_another_answer(assistant):
    llm = _with_model(assistant, _fake(GROUNDED), provider="local", llm_queue_max=0)
    first: list = []
    writing, release = threading.Event(), threading.Event()

    def hold(_token: str) -> None:  # the first answer holds the model, streaming, until the second is told
        writing.set()
        release.wait(60)

    writer = threading.Thread(target=lambda: first.append(llm.ask("Can LLMs make images?", on_token=hold)))
    writer.start()
    assert writing.wait(60)
    second = llm.ask("Can LLMs make images?")
    release.set()
    writer.join()
    assert second.grounding.fallback and "busy" in second.notice
    assert not first[0].grounding.fallback and first[0].provider == "local"
