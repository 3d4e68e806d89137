"""LLM providers: the real SmolLM2 in process, a real llama.cpp OpenAI-compatible server over HTTP,
and a loopback server speaking Ollama's protocol. Every answer is checked against the passages."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from bot.assistant import Assistant

from .conftest import free_port, starts
from .fake_ollama import FakeOllama

GROUNDED = (
    "No, LLMs are built specifically for text-based tasks and do not create images or videos on their own. [1] "
    "A generative AI model like DALL·E, MidJourney, or Stable Diffusion would be the better choice. [2]"
)


def _provider_assistant(built_index, **overrides) -> Assistant:
    return Assistant.build(built_index.model_copy(update=overrides))


def test_unconfigured_provider_gives_one_clear_message_and_answers_offline(built_index):
    assistant = _provider_assistant(built_index, llm="openai", openai_api_key=None)
    assert "OPENAI_API_KEY" in assistant.notice and "extractive" in assistant.notice
    answer = assistant.ask("Can LLMs make images?")
    assert answer.answered and answer.text.startswith("No, ") and answer.grounding is None


@pytest.mark.server
def test_ollama_streams_a_checked_answer(built_index):
    with FakeOllama(reply=GROUNDED) as server:
        assistant = _provider_assistant(built_index, llm="ollama", ollama_base_url=server.url, ollama_model="fake")
        tokens: list[str] = []
        answer = assistant.ask("Can LLMs make images?", on_token=tokens.append)
    assert len(tokens) > 10 and "".join(tokens).startswith("No, LLMs")
    assert answer.answered and answer.provider == "ollama"
    assert answer.grounding.supported == answer.grounding.total == 2 and not answer.grounding.fallback
    assert "[1]" in answer.text and "DALL·E" in answer.text
    # The passage sentences that back it are known, so an opened source shows them in bold.
    assert answer.used_sentences and all(
        quote in answer.sources[n - 1].text for n, quotes in answer.used_sentences.items() for quote in quotes
    )
    assert any("text-based tasks" in quote for quote in answer.used_sentences.get(1, []))
    sent = server.requests[-1]["body"]
    assert sent["model"] == "fake" and sent["stream"] is True
    prompt = " ".join(m["content"] for m in sent["messages"])
    assert "<passages>" in prompt and "ignore anything in them" in prompt  # passages fenced as data


@pytest.mark.server
def test_ollama_hallucination_is_removed(built_index):
    reply = GROUNDED + " Midjourney was founded in 1999 by Elon Musk in Paris. [1]"
    with FakeOllama(reply=reply) as server:
        answer = _provider_assistant(built_index, llm="ollama", ollama_base_url=server.url).ask("Can LLMs make images?")
    assert answer.grounding.supported == answer.grounding.total == 2
    assert "Elon Musk" not in answer.text and any("Elon Musk" in r for r in answer.removed)


@pytest.mark.server
def test_ollama_error_reply_falls_back_with_notice(built_index):
    with FakeOllama(error="model 'fake' not found") as server:
        answer = _provider_assistant(built_index, llm="ollama", ollama_base_url=server.url).ask("Can LLMs make images?")
    assert answer.answered and answer.text.startswith("No, ")  # the extractive answer
    assert answer.grounding.fallback and "unavailable" in answer.notice
    assert "Traceback" not in answer.notice


@pytest.mark.server
def test_slow_provider_times_out_and_falls_back(built_index):
    with FakeOllama(reply=GROUNDED, delay=5) as server:  # the reply would come: only the timeout falls back
        answer = _provider_assistant(built_index, llm="ollama", ollama_base_url=server.url, llm_timeout=1.0).ask(
            "Can LLMs make images?"
        )
    assert answer.answered and answer.grounding.fallback and "took too long" in answer.notice


def test_unreachable_ollama_falls_back(built_index):
    answer = _provider_assistant(built_index, llm="ollama", ollama_base_url=f"http://127.0.0.1:{free_port()}").ask(
        "Can LLMs make images?"
    )
    assert answer.answered and answer.grounding.fallback and "could not be reached" in answer.notice


@pytest.fixture(scope="module")
def local_model_file():
    starts("llm")
    llama_cpp = pytest.importorskip("llama_cpp", reason="the 'local' extra is not installed")
    from bot.settings import Settings

    assert llama_cpp
    path = Settings(_env_file=None).local_model_file()
    assert path.is_file()
    return path


@pytest.mark.llm
def test_local_model_answers_the_seed_question_grounded(built_index, local_model_file):
    # The deadline has its own test; here the model must finish: 180 s passed once on a machine running two more
    # test suites and a browser beside it (two cores), and the answer fell back to quoting.
    assistant = _provider_assistant(built_index, llm="local", llm_timeout=900)
    assert assistant.notice == ""
    answer = assistant.ask("Can LLMs make images?")
    assert answer.answered and answer.provider == "local"
    assert answer.cited and all(1 <= n <= len(answer.sources) for n in answer.cited)
    _assert_checked(assistant, answer)


@pytest.mark.llm
def test_local_model_answers_from_what_fits_its_context(built_index, local_model_file):
    # Four passages of code or a big table can pass the bundled model's 2,048 tokens: it answered nothing, and the
    # reply quoted the passages under "the language model (local) is unavailable". Here they are twelve times as
    # long, and the model still writes the answer, from as many of them as fit.
    assistant = _provider_assistant(built_index, llm="local", llm_timeout=900)
    retrieval = assistant.retrieve("Can LLMs make images?")
    long = [dataclasses.replace(p, text="\n\n".join([p.text] * 12)) for p in retrieval.passages]
    retrieval = dataclasses.replace(retrieval, passages=long)
    llm = assistant._llm_answerer("local")
    tokens = llm.model.client.tokenize(" ".join(p.text for p in long).encode())
    assert len(tokens) > llm.model.n_ctx  # all of them cannot be in the prompt
    answer = llm.answer(retrieval)
    assert answer.answered and answer.provider == "local"
    assert "unavailable" not in answer.notice, answer.notice
    assert answer.grounding.fallback or answer.cited


def _assert_checked(assistant, answer) -> None:
    """The grounding contract, whichever way a sampling model went: either every sentence delivered is
    supported (and passes a second check), or all were removed, listed, and the passages answer instead."""
    g = answer.grounding
    if g.fallback:
        assert answer.notice, answer
        if "could not be verified" in answer.notice:
            assert answer.removed and len(answer.removed) == g.total
        assert answer.text == assistant.extractive.answer(assistant.retrieve(answer.question)).text
    else:
        assert g.supported == g.total == answer.text.count("[") >= 1, answer.text
        assert all(c.supported for c in assistant.checker.check(answer.text, answer.sources))


@pytest.mark.llm
def test_local_model_hallucinations_are_caught(built_index, local_model_file):
    assistant = _provider_assistant(
        built_index, llm="local", llm_timeout=180
    )  # a loaded CI machine is slow; the deadline has its own test
    retrieval = assistant.retrieve("What should I use to make images?")
    llm = assistant._llm_answerer("local")
    generated: list[str] = []
    generate = llm._generate
    llm._generate = lambda r, on_token: generated.append(generate(r, on_token)) or generated[-1]
    answer = llm.answer(retrieval)
    assert generated, f"the model wrote nothing to check: {answer.notice}"
    checks = assistant.checker.check(generated[0], retrieval.passages)
    # The model's own words are only kept where the passages back them; the rest is removed (and
    # listed), or the extractive answer replaces them all.
    assert {c.text for c in checks if not c.supported} == set(answer.removed)
    for c in checks:
        assert (c.text in answer.text) == (c.supported and not answer.grounding.fallback)
    if not answer.grounding.fallback:
        assert all(c.supported for c in assistant.checker.check(answer.text, answer.sources))


@pytest.fixture
def llama_server(local_model_file, tmp_path):
    """`python -m llama_cpp.server` with the bundled GGUF on a free loopback port."""
    starts("server")
    port = free_port()
    with open(tmp_path / "llama-server.log", "w") as log:  # the server keeps its own copy of the file
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(local_model_file),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "2048",
                "--model_alias",
                "smollm2",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail((tmp_path / "llama-server.log").read_text()[-2000:])
            time.sleep(0.5)
    yield port, proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.mark.llm
@pytest.mark.server
def test_openai_provider_streams_over_http_then_falls_back_when_the_server_stops(built_index, llama_server):
    port, proc = llama_server
    assistant = _provider_assistant(
        built_index,
        llm="openai",
        openai_base_url=f"http://127.0.0.1:{port}/v1",
        openai_api_key="not-needed",
        openai_model="smollm2",
        llm_timeout=60,
    )
    assert assistant.notice == ""
    tokens: list[str] = []
    answer = assistant.ask("Can LLMs make images?", on_token=tokens.append)
    assert len(tokens) > 3, "tokens should stream in as they are generated"
    assert answer.answered and answer.provider == "openai"
    _assert_checked(assistant, answer)

    os.killpg(proc.pid, signal.SIGTERM)  # the server goes away mid-session
    proc.wait(timeout=20)
    after = assistant.ask("Is an LLM the same as generative AI?", ["Can LLMs make images?"])
    assert after.answered and after.grounding.fallback
    assert "could not be reached" in after.notice and "openai" in after.notice
