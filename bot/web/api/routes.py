"""The API's handlers, kept thin: check the key, read the request, answer as the chat does, reply as OpenAI does.

The answer comes from the chat's own `Assistant` (`bot.web.loading`): the same reading of the question and
its follow-up context, retrieval, answerer, grounding check and refusals. Streaming sends the checked answer
(a sentence the check removes is never in the text: the chat can replace its streamed text, a stream cannot).
"""

from __future__ import annotations

import logging
import time

import chainlit as cl
from starlette.requests import Request  # at module level: FastAPI reads the routes' annotations from here
from starlette.responses import JSONResponse, StreamingResponse

from bot.history.api_keys import ApiKey, KeyStoreUnavailable
from bot.history.transcript import answer_record
from bot.settings import get_settings
from bot.web.api.errors import ApiError
from bot.web.api.keys import caller, key_store
from bot.web.api.replies import Completion
from bot.web.api.request import ChatRequest, read_request
from bot.web.api.sets import DocumentSet, document_sets
from bot.web.loading import SETS, get_assistant, loaded_generation
from bot.web.routes import add_route

log = logging.getLogger("bot.web.api")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy holds the events back


async def _assistant_for(doc_set: DocumentSet):
    """The assistant answering from `doc_set`: the chat's own for that set."""
    return await get_assistant(document_set=doc_set.served)


async def _answer(doc_set: DocumentSet, asked: ChatRequest, key: ApiKey):
    """(answer, its record for the history) for the request, or an ApiError."""
    # lazy: the assistant's and the index's code loads in the background after start-up (`bot.web.loading`)
    from bot.assistant import InvalidQuestion, clean_question
    from bot.ingest.index import IndexUnavailable

    settings = get_settings()
    provider = settings.llm

    def work(assistant):
        # Earlier turns as the chat keeps them (each question as read); the last is read in their light.
        history = [clean_question(turn, settings.max_question_chars) for turn in asked.history]
        form = assistant.read(asked.question, history, provider)
        retrieval = assistant.retrieve(form, history, provider)
        answer = assistant.compose(retrieval, provider, None, f"api:{key.name}")
        return answer, answer_record(form.asked, history, retrieval.question, answer, provider)

    try:
        return await cl.make_async(work)(await _assistant_for(doc_set))
    except InvalidQuestion as exc:
        raise ApiError(400, str(exc), "invalid_question", "messages") from None
    except IndexUnavailable as exc:
        log.warning("%s", exc)
        raise ApiError(503, f"The document index is unavailable: {exc}", "index_unavailable") from None
    except Exception:
        log.exception("answering an API request failed")
        raise ApiError(500, "Something went wrong while answering; the server log says why.", "server_error") from None


async def _remember(key: ApiKey, model: str, record: dict) -> None:
    """Keep the answer with its key's name (when history is on); a database that is down loses only that."""
    if not get_settings().history:
        return
    try:
        await key_store().record_answer(key.name, model, record)
    except KeyStoreUnavailable as exc:
        log.warning("an API answer was not stored: %s", exc)


async def chat_completions(request: Request):
    try:
        key = await caller(request)
        settings = get_settings()
        asked = read_request(await request.body(), settings.api_max_messages, settings.max_question_chars)
        doc_set = document_sets(settings, key.sets, SETS).get(asked.model)
        if doc_set is None:
            raise _unknown_model(asked.model)
        answer, record = await _answer(doc_set, asked, key)
    except ApiError as exc:
        return exc.response()
    await _remember(key, doc_set.name, record)
    reply = Completion(doc_set.name)
    if asked.stream:
        return StreamingResponse(reply.events(answer), media_type="text/event-stream", headers=SSE_HEADERS)
    return JSONResponse(reply.whole(answer))


# A set not loaded yet was made no later than this server's start.
_STARTED = int(time.time())


def _model(name: str) -> dict:
    """A document set as OpenAI's model object; `created` is when its index was built (its generation's time)."""
    from bot.ingest.index.store import generation_time  # lazy: the index code loads with the assistant

    generation = loaded_generation(name)
    created = (generation_time(generation) if generation else None) or _STARTED
    return {"id": name, "object": "model", "created": created, "owned_by": "documents"}


def _unknown_model(name: str) -> ApiError:
    return ApiError(
        404,
        f"The model {name[:100]!r} does not exist or this key may not use it; "
        "GET /v1/models lists the document sets it may use.",
        "model_not_found",
        "model",
    )


async def models(request: Request):
    try:
        key = await caller(request)
    except ApiError as exc:
        return exc.response()
    return JSONResponse(
        {"object": "list", "data": [_model(name) for name in document_sets(get_settings(), key.sets, SETS)]}
    )


async def model(request: Request, name: str):
    try:
        key = await caller(request)
        if name not in document_sets(get_settings(), key.sets, SETS):
            raise _unknown_model(name)
    except ApiError as exc:
        return exc.response()
    return JSONResponse(_model(name))


async def elsewhere(request: Request, rest: str):
    """Any other /v1/ request: OpenAI's 404, not the chat page Chainlit's catch-all would send."""
    return ApiError(404, f"Invalid URL ({request.method} {request.url.path[:200]}).", "unknown_url").response()


def install_api() -> None:
    """POST /v1/chat/completions, GET /v1/models and /v1/models/NAME, ahead of Chainlit's catch-all page route."""
    # Each route goes ahead of those added before it: the /v1/ catch-all first, so that it comes last.
    add_route("/v1/{rest:path}", elsewhere, methods=("GET", "POST", "PUT", "PATCH", "DELETE"))
    add_route("/v1/chat/completions", chat_completions, methods=("POST",), in_schema=True)
    add_route("/v1/models", models, in_schema=True)
    add_route("/v1/models/{name}", model, in_schema=True)
