"""The server's assistants, one per document set (`bot.ingest.sets`): loaded once per process (in the background
from start-up, or by the first chat that needs one), each set's overview shown as the app's identity, and /health.

`bot.assistant` and the index code load here, off the import of the app: the server is up (and /health
answers "loading") while the model and the indexes load.
"""

from __future__ import annotations

import asyncio
import logging

import chainlit as cl
from starlette.responses import JSONResponse

from bot.ingest.sets import DocumentSet, SetError, document_sets, find_set
from bot.settings import get_settings
from bot.web.server import rss_mb, show_identity

log = logging.getLogger("bot.web.app")

try:
    SETS: list[DocumentSet] = document_sets(get_settings())
except SetError as exc:
    raise SystemExit(f"bot: {exc}") from exc
for _problem in SETS[0].problems:
    log.warning("%s", _problem)

_assistants: dict[str, object] = {}
_errors: dict[str, str] = {}
_warm: set[str] = set()  # sets whose model, index and word lists have been used once (start_loading)
_locks: dict[str, asyncio.Lock] = {s.name: asyncio.Lock() for s in SETS}


def sets_for(user: str | None) -> list[DocumentSet]:
    """The sets `user` (None: nobody logged in) may see and ask, in name order."""
    login = get_settings().login
    return [s for s in SETS if s.visible_to(user, login)]


def set_named(name: str | None, user: str | None) -> DocumentSet | None:
    """The set `name` if `user` may see it; with no name, the first set `user` may see; else None."""
    visible = sets_for(user)
    if name is None:
        return visible[0] if visible else None
    return find_set(visible, name)


def _default() -> DocumentSet:
    return SETS[0]


def _public() -> DocumentSet | None:
    """The first set open to everyone: the one the page names before anyone logs in (its title, description,
    readme, /health). A set that names its users is never described to anyone else; with none open, no set is."""
    return next((s for s in SETS if not s.users), None)


async def health() -> dict:
    """Whether the model and index are loaded (of the first set open to everyone; each set's in `sets`): for load
    balancers."""
    from bot.ingest.index import IndexUnavailable  # lazy: the index code loads with the assistant, after start-up

    first = _public() or _default()
    assistant = _assistants.get(first.name)
    loaded = assistant is not None
    reachable, problem = loaded, _errors.get(first.name)
    told = first.users == ()  # a users-only set's size and generation are not told to strangers
    if loaded:
        try:  # the index may live on a Chroma server that has gone away since
            await asyncio.to_thread(assistant.retriever.check_index)
        except IndexUnavailable as exc:
            reachable, problem = False, str(exc)
    body = {
        "status": "ok" if reachable else ("loading" if not loaded and not problem else "error"),
        "model_loaded": loaded,
        "index_loaded": reachable,
        "index_generation": assistant.retriever.generation if loaded and told else None,
        "passages": assistant.retriever.passage_count if loaded and told else 0,
        # Loaded is enough to answer; warm means the first answer's one-off loading is done too (a question
        # before then waits for it, and memory read before then still grows by it).
        "warm": first.name in _warm,
    }
    if get_settings().sets_dir is not None and not get_settings().login:  # set names are not told to strangers
        body["sets"] = {
            s.name: (
                {"generation": a.retriever.generation, "passages": a.retriever.passage_count}
                if (a := _assistants.get(s.name))
                else {"error": _errors[s.name]}
                if s.name in _errors
                else "loading"
            )
            for s in SETS
            if not s.users
        }
    if get_settings().shows_memory_in_health():
        body["rss_mb"] = rss_mb()
    if problem:
        body["error"] = problem
    return JSONResponse(body, status_code=200 if reachable else 503)


async def corpus_overview(document_set: DocumentSet | None = None):
    """What a set's live corpus is about (`bot.answer.overview.Overview`); None if it cannot load. The first
    set open to everyone is shown as the app's identity (the page's title and description, to anyone)."""
    document_set = document_set or _default()
    try:
        assistant = await get_assistant(document_set=document_set)
        overview = await cl.make_async(assistant.overview.current)()
    except Exception as exc:
        log.warning("cannot describe the documents of set %s: %s", document_set.name, exc)
        return None
    if document_set is _public():
        show_identity(overview.name, overview.description, overview.headline)  # follows a re-ingest
    return overview


async def readme(name: str | None = None, allowed: list[str] | None = None) -> str | None:
    """The readme of set `name` when it is among `allowed` (the chat profiles this user was offered), else
    of the first allowed set (of the first set when there are no profiles)."""
    if allowed:
        document_set = find_set(SETS, name if name in allowed else allowed[0])
    else:  # no profiles offered (no sets, or nobody logged in yet): only a set open to everyone is shown
        document_set = _public()
    if document_set is None:
        return None
    overview = await corpus_overview(document_set)
    return overview.readme if overview else None


def _build_assistant(document_set: DocumentSet):
    """Load the model and a set's index (building the index first if it is empty). Blocking."""
    # lazy: the assistant, the model and the index code load here, in the background, after the server is up
    from bot.assistant import Assistant
    from bot.ingest.index import ensure_index

    settings = document_set.settings
    report = ensure_index(settings, log=log.info)  # building an empty index is expected on a first start
    if report:
        log.info("set %s: %s", document_set.name, report.summary())
    return Assistant.build(settings)


def loaded_generation(name: str) -> str | None:
    """The index generation a set answers from, once its assistant is loaded (None before)."""
    assistant = _assistants.get(name)
    return assistant.retriever.generation if assistant is not None else None


async def get_assistant(notify: bool = False, document_set: DocumentSet | None = None):
    """A set's assistant (the first set's by default), loaded once per process; tells the user while a first build runs."""
    document_set = document_set or _default()
    name = document_set.name
    if name in _assistants:
        return _assistants[name]
    # Told before waiting for the lock: a visitor who arrives while the start-up's load holds it waited as long,
    # silently (a first start builds the index then).
    notice = cl.Message(content="Getting ready: loading the model and the document index…") if notify else None
    try:
        if notice:
            await notice.send()
        async with _locks[name]:
            if name not in _assistants:
                try:
                    _assistants[name] = await cl.make_async(_build_assistant)(document_set)
                    _errors.pop(name, None)
                except Exception as exc:
                    _errors[name] = type(exc).__name__
                    raise
    finally:
        if notice:
            await notice.remove()
    return _assistants[name]


def start_loading() -> None:
    """Load every set's assistant in the background and use the model and index once, so that no visitor is first."""

    async def load() -> None:
        for document_set in SETS:
            try:
                assistant = await get_assistant(document_set=document_set)
                overview = await corpus_overview(document_set)
                first = overview.starters[0] if overview and overview.starters else "What are these documents about?"
                await cl.make_async(assistant.ask)(first)  # first use of the model and index, not on a visitor
                await cl.make_async(assistant.retriever.warm_up)()
                _warm.add(document_set.name)
            except Exception as exc:
                from bot.ingest.index import IndexUnavailable  # lazy: loaded by now, with the assistant

                if isinstance(exc, IndexUnavailable):  # an empty set (an editor may fill it), a store that is down
                    log.warning("set %s is not ready: %s", document_set.name, str(exc).splitlines()[0])
                else:
                    log.exception("could not load the assistant of set %s at start-up", document_set.name)

    asyncio.get_running_loop().create_task(load())
