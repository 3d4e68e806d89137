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


def _rss_mb() -> float | None:
    """This process's resident memory in MB (Linux), for watching growth under load."""
    import os

    try:
        with open("/proc/self/statm") as fh:
            return round(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError):
        return None


async def health() -> dict:
    """Whether the model and index are loaded: for load balancers and monitoring."""
    from starlette.responses import JSONResponse

    from bot.index import IndexUnavailable

    loaded = _assistant is not None
    reachable, problem = loaded, _assistant_error
    if loaded:
        try:  # the index may live on a Chroma server that has gone away since
            await asyncio.to_thread(_assistant.retriever.check_index)
        except IndexUnavailable as exc:
            reachable, problem = False, str(exc)
    body = {
        "status": "ok" if reachable else ("loading" if not loaded and not problem else "error"),
        "model_loaded": loaded,
        "index_loaded": reachable,
        "index_generation": _assistant.retriever.generation if loaded else None,
        "passages": _assistant.retriever.passage_count if loaded else 0,
        "rss_mb": _rss_mb(),
    }
    if problem:
        body["error"] = problem
    return JSONResponse(body, status_code=200 if reachable else 503)


def _register_health_route() -> None:
    from chainlit.server import app as server

    server.add_api_route("/health", health, methods=["GET"])
    # Chainlit serves its web app from a catch-all route; ours must come before it.
    server.router.routes.insert(0, server.router.routes.pop())


_register_health_route()


def _restrict_origins() -> None:
    """Let only the app's own pages, plus `allow_origins` from settings, call it with the user's cookies."""
    from chainlit.server import app as server, sio
    from starlette.middleware.cors import CORSMiddleware

    allowed = set(get_settings().allow_origins)
    for middleware in server.user_middleware:  # Chainlit added it from config.toml; the stack is built later
        if middleware.cls is CORSMiddleware:
            middleware.kwargs["allow_origins"] = sorted(allowed)

    def origin_ok(origin: str | None, environ: dict) -> bool:
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin is None or origin == own or origin in allowed or "*" in allowed

    sio.eio.cors_allowed_origins = origin_ok  # the socket (websocket and polling) checks the Origin header too


_restrict_origins()


def _enable_login() -> None:
    """Password login from settings; refuses to start without a real session secret."""
    import os

    settings = get_settings()
    problem = settings.login_problem()
    if problem:
        raise SystemExit(f"bot: {problem}")
    os.environ["CHAINLIT_AUTH_SECRET"] = settings.chainlit_auth_secret.get_secret_value()  # Chainlit reads it there
    users = dict(settings.login_users)
    # Compared against when the name is unknown, so a wrong name costs as long as a wrong password.
    decoy = next(iter(users.values()))

    @cl.password_auth_callback
    async def check_password(username: str, password: str) -> cl.User | None:
        import bcrypt

        hashed = users.get(username, decoy)
        ok = await asyncio.to_thread(bcrypt.checkpw, password.encode("utf-8"), hashed.encode("utf-8"))
        if ok and username in users:
            return cl.User(identifier=username, metadata={"provider": "credentials"})
        log.warning("failed login for user %r", username[:64])
        return None


if get_settings().login:
    _enable_login()


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
            try:
                _assistant = await cl.make_async(_build_assistant)()
            finally:
                if notice:
                    await notice.remove()
    return _assistant


@cl.on_app_startup
async def warm_up() -> None:
    # Start loading in the background so the first visitor rarely waits; failures surface per chat.
    async def load() -> None:
        global _assistant_error
        try:
            assistant = await get_assistant()
            _assistant_error = None
            await cl.make_async(assistant.ask)(STARTERS[0][1])  # first use of the model and index, not on a visitor
        except Exception as exc:
            _assistant_error = type(exc).__name__
            log.exception("could not load the assistant at start-up")

    asyncio.get_running_loop().create_task(load())


@cl.set_starters
async def starters(user=None, language=None):
    return [cl.Starter(label=label, message=message) for label, message in STARTERS]


PROVIDERS = ["extractive", "local", "openai", "ollama"]
STREAM_WORDS = 6  # words per streamed chunk of a ready-made answer: visibly streams, few socket events


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


def _unavailable_reply(exc: Exception) -> str:
    return f"Sorry, I can't answer right now. {exc} Please try again in a moment."


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
    from bot.assistant import InvalidQuestion
    from bot.index import IndexUnavailable
    from bot.present import reply_markdown, retrieval_summary, source_views

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
        await cl.Message(content=_unavailable_reply(exc)).send()
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
            step.output = retrieval_summary(retrieval)
        answer = await cl.make_async(assistant.compose)(retrieval, provider, on_token)
    except InvalidQuestion as exc:
        await cl.Message(content=str(exc)).send()
        return
    except IndexUnavailable as exc:
        log.warning("%s", exc)
        await cl.Message(content=_unavailable_reply(exc)).send()
        return
    except Exception:
        log.exception("answering failed")
        await cl.Message(content="Sorry, something went wrong while answering. Please try again.").send()
        return

    if not reply.content:  # extractive answers are complete at once; stream them a few words at a time
        words = re.findall(r"\S+\s*", answer.text)
        for start in range(0, len(words), STREAM_WORDS):
            await reply.stream_token("".join(words[start : start + STREAM_WORDS]))
    sources = source_views(answer)
    # The checked answer, its sources and notes replace whatever the model streamed.
    reply.content = reply_markdown(answer, sources)
    reply.elements = [cl.Text(name=s.name, content=s.content, display="side") for s in sources]
    await reply.send()  # ends the stream with the final (checked) content and the source elements
    history.append(retrieval.question)
    cl.user_session.set("history", history[-10:])
