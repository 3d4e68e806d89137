"""Chainlit chat UI. Handlers stay thin: the work happens in `bot.assistant`, off the event loop."""

from __future__ import annotations

import asyncio
import logging
import re
import time

import chainlit as cl

from bot.settings import get_settings

log = logging.getLogger("bot.app")

STARTERS = [
    ("Can LLMs make images?", "Can LLMs make images?"),
    ("LLM vs generative AI", "Is an LLM the same as generative AI?"),
    ("Industries that benefit", "Which industries benefit most from LLMs?"),
    ("Ethical concerns", "What are the main ethical concerns with these technologies?"),
]

_assistant = None
_assistant_error: str | None = None
_assistant_lock = asyncio.Lock()


async def health() -> dict:
    """Whether the model and index are loaded: for load balancers and monitoring."""
    from starlette.responses import JSONResponse

    loaded = _assistant is not None
    body = {
        "status": "ok" if loaded else ("error" if _assistant_error else "loading"),
        "model_loaded": loaded,
        "index_loaded": loaded,
        "passages": _assistant.retriever.passage_count if loaded else 0,
    }
    if _assistant_error:
        body["error"] = _assistant_error
    return JSONResponse(body, status_code=200 if loaded else 503)


def _register_health_route() -> None:
    from chainlit.server import app as server

    server.add_api_route("/health", health, methods=["GET"])
    # Chainlit serves its web app from a catch-all route; ours must come before it.
    server.router.routes.insert(0, server.router.routes.pop())


_register_health_route()


def _build_assistant():
    """Load the model and index (building the index first if it is empty). Blocking."""
    from bot.assistant import Assistant
    from bot.index import ensure_index

    settings = get_settings()
    report = ensure_index(settings, log=log.warning)
    if report:
        log.info(report.summary())
    return Assistant(settings)


async def get_assistant(notify: bool = False):
    """The shared assistant, loaded once per process; tells the user while a first build runs."""
    global _assistant
    if _assistant is not None:
        return _assistant
    async with _assistant_lock:
        if _assistant is None:
            notice = None
            if notify:
                notice = cl.Message(content="Getting ready: loading the model and the article index…")
                await notice.send()
            _assistant = await cl.make_async(_build_assistant)()
            if notice:
                await notice.remove()
    return _assistant


@cl.on_app_startup
async def warm_up() -> None:
    # Start loading in the background so the first visitor rarely waits; failures surface per chat.
    async def load() -> None:
        global _assistant_error
        try:
            await get_assistant()
            _assistant_error = None
        except Exception as exc:
            _assistant_error = type(exc).__name__
            log.exception("could not load the assistant at start-up")

    asyncio.get_running_loop().create_task(load())


@cl.set_starters
async def starters(user=None, language=None):
    return [cl.Starter(label=label, message=message) for label, message in STARTERS]


PROVIDERS = ["extractive", "local", "openai", "ollama"]


@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("history", [])
    default = get_settings().llm
    cl.user_session.set("provider", default)
    await cl.ChatSettings(
        [
            cl.input_widget.Select(
                id="provider",
                label="Answerer",
                values=PROVIDERS,
                initial_index=PROVIDERS.index(default),
                description="extractive quotes the articles (offline); the others write with a language model, "
                "checked against the articles.",
            )
        ]
    ).send()


@cl.on_settings_update
async def settings_update(values: dict) -> None:
    provider = values.get("provider", "extractive")
    if provider not in PROVIDERS:
        return
    cl.user_session.set("provider", provider)
    assistant = await get_assistant(notify=True)
    notice = await cl.make_async(assistant.provider_notice)(provider)
    await cl.Message(content=notice or f"Answers now come from: {provider}.").send()


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>()#+!|])", r"\\\1", text)


def _over_rate_limit() -> float:
    """Seconds to wait if this session sent too many messages in the window, else 0 (and count it)."""
    settings = get_settings()
    now = time.monotonic()
    sent = [t for t in (cl.user_session.get("sent_at") or []) if now - t < settings.rate_limit_window_seconds]
    if len(sent) >= settings.rate_limit_messages:
        cl.user_session.set("sent_at", sent)
        return settings.rate_limit_window_seconds - (now - sent[0])
    cl.user_session.set("sent_at", [*sent, now])
    return 0.0


@cl.on_message
async def on_message(message: cl.Message) -> None:
    from bot.answer import highlighted_markdown
    from bot.assistant import InvalidQuestion
    from bot.index import IndexUnavailable

    wait = _over_rate_limit()
    if wait:
        await cl.Message(
            content=f"You're sending messages faster than I can keep up with. Please wait {wait:.0f} seconds and ask again."
        ).send()
        return
    history: list[str] = cl.user_session.get("history") or []
    try:
        assistant = await get_assistant(notify=True)
    except IndexUnavailable as exc:
        await cl.Message(content=f"The article index is not available: {exc}").send()
        return
    except Exception:
        log.exception("could not load the assistant")
        await cl.Message(content="Sorry, the assistant could not start. The server log says why.").send()
        return

    provider = cl.user_session.get("provider") or get_settings().llm
    reply = cl.Message(content="")

    def on_token(token: str) -> None:  # called from the worker thread while the model writes
        cl.run_sync(reply.stream_token(token))

    try:
        async with cl.Step(name="Retrieve passages", type="retrieval") as step:
            step.input = message.content[:500]
            retrieval = await cl.make_async(assistant.retrieve)(message.content, history, provider)
            lines = [f"Searched for: {_escape_markdown(retrieval.query)}", ""]
            lines += [
                f"{n}. {_escape_markdown(p.heading or p.title)} - {p.publisher} (score {p.score:.2f})"
                for n, p in enumerate(retrieval.passages, start=1)
            ]
            step.output = "\n".join(lines)
        answer = await cl.make_async(assistant.compose)(retrieval, provider, on_token)
    except InvalidQuestion as exc:
        await cl.Message(content=str(exc)).send()
        return
    except Exception:
        log.exception("answering failed")
        await cl.Message(content="Sorry, something went wrong while answering. Please try again.").send()
        return

    if not reply.content:  # extractive answers are complete at once; stream them word by word
        for token in re.findall(r"\S+\s*", answer.text):
            await reply.stream_token(token)
    elif reply.content.strip() != answer.text:
        reply.content = answer.text  # the checked answer replaces what the model streamed
    notes = []
    if answer.grounding and not answer.grounding.fallback:
        notes.append(f"✔ {answer.grounding.supported} of {answer.grounding.total} sentences supported by the articles")
    if answer.removed:
        notes.append(
            f"{len(answer.removed)} generated sentence(s) removed as not supported by the articles: "
            + " · ".join(f"~~{_escape_markdown(r)}~~" for r in answer.removed)
        )
    if answer.notice:
        notes.append(f"ℹ {answer.notice}")
    elements = []
    if answer.answered:
        names = []
        for n in answer.cited:
            passage = answer.sources[n - 1]
            name = f"Source {n}: {passage.title} ({passage.publisher})" if passage.publisher else f"Source {n}: {passage.title}"
            names.append(name)
            content = highlighted_markdown(passage.text, answer.used_sentences.get(n, []))
            footer = f"\n\n---\n*{passage.title}* - {passage.publisher} - `{passage.source}`"
            elements.append(cl.Text(name=name, content=content + footer, display="side"))
        reply.content += "\n\n" + "\n".join(f"- {name}" for name in names)
    if notes:
        reply.content += "\n\n" + "\n\n".join(f"*{note}*" for note in notes)
    reply.elements = elements
    await reply.send()  # ends the stream with the final (checked) content and the source elements
    history.append(retrieval.question)
    cl.user_session.set("history", history[-10:])
