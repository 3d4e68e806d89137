"""The server's one assistant: loaded once per process (in the background from start-up, or by the first chat
that needs it), the corpus overview shown as the app's identity, and /health.

`bot.assistant` and the index code load here, off the import of the app: the server is up (and /health
answers "loading") while the model and the index load.
"""

from __future__ import annotations

import asyncio
import logging

import chainlit as cl
from starlette.responses import JSONResponse

from bot.settings import get_settings
from bot.web.server import rss_mb, show_identity

log = logging.getLogger("bot.web.app")

_assistant = None
_assistant_error: str | None = None
_assistant_lock = asyncio.Lock()


async def health() -> dict:
    """Whether the model and index are loaded: for load balancers and monitoring."""
    from bot.ingest.index import IndexUnavailable  # lazy: the index code loads with the assistant, after start-up

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
    }
    if get_settings().shows_memory_in_health():
        body["rss_mb"] = rss_mb()
    if problem:
        body["error"] = problem
    return JSONResponse(body, status_code=200 if reachable else 503)


async def corpus_overview():
    """What the live corpus is about (`bot.answer.overview.Overview`), shown as the app's identity; None if it cannot load."""
    try:
        assistant = await get_assistant()
        overview = await cl.make_async(assistant.overview.current)()
    except Exception as exc:
        log.warning("cannot describe the corpus: %s", exc)
        return None
    show_identity(overview.name, overview.description, overview.headline)  # follows a re-ingest
    return overview


async def readme() -> str | None:
    overview = await corpus_overview()
    return overview.readme if overview else None


def _build_assistant():
    """Load the model and index (building the index first if it is empty). Blocking."""
    # lazy: the assistant, the model and the index code load here, in the background, after the server is up
    from bot.assistant import Assistant
    from bot.ingest.index import ensure_index

    settings = get_settings()
    report = ensure_index(settings, log=log.warning)
    if report:
        log.info(report.summary())
    return Assistant.build(settings)


async def get_assistant(notify: bool = False):
    """The shared assistant, loaded once per process; tells the user while a first build runs."""
    global _assistant
    if _assistant is not None:
        return _assistant
    async with _assistant_lock:
        if _assistant is None:
            notice = None
            if notify:
                notice = cl.Message(content="Getting ready: loading the model and the document index…")
                await notice.send()
            try:
                _assistant = await cl.make_async(_build_assistant)()
            finally:
                if notice:
                    await notice.remove()
    return _assistant


def start_loading() -> None:
    """Load the assistant in the background and use the model and index once, so that no visitor is first."""

    async def load() -> None:
        global _assistant_error
        try:
            assistant = await get_assistant()
            _assistant_error = None
            overview = await corpus_overview()
            first = overview.starters[0] if overview and overview.starters else "What are these documents about?"
            await cl.make_async(assistant.ask)(first)  # first use of the model and index, not on a visitor
            await cl.make_async(assistant.retriever.warm_up)()
        except Exception as exc:
            _assistant_error = type(exc).__name__
            log.exception("could not load the assistant at start-up")

    asyncio.get_running_loop().create_task(load())
