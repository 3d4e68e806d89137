"""One chat's saved state: the record kept with each answer, a resumed chat's follow-up context, and the
Markdown download (an HTTP route, for the page header's button). Called from `bot.web.app`, which stays thin."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

import chainlit as cl
from chainlit.auth import get_current_user
from chainlit.session import ws_sessions_id
from chainlit.user_session import user_sessions
from fastapi import Depends, HTTPException
from starlette.requests import Request  # at module level: FastAPI reads the route's annotations from here
from starlette.responses import Response

from bot.history.transcript import (
    TRANSCRIPT_KEEP,
    answer_record,
    merge_records,
    records_of_thread,
    transcript_file_name,
    transcript_markdown,
)
from bot.settings import get_settings
from bot.web import opening
from bot.web.guard import SlidingWindowLimit
from bot.web.history import history_layer, history_notice
from bot.web.limits import shared_store
from bot.web.routes import add_route

DOWNLOAD_URL = "/conversation/{thread_id}/download"
# Signs the download keys given to each chat (login off): they last as long as this server process.
_KEY_SECRET = secrets.token_bytes(32)
HISTORY_KEEP = 10  # earlier standalone questions kept as follow-up context (as bot.web.app does)


async def notify_if_history_off() -> None:
    """Say once per chat, in one line, that history is off (database unreachable, locked or damaged)."""
    notice = await history_notice()
    if notice:
        await opening.send(cl.Message(content=notice))


def remember(question: str, standalone: str, answer, provider: str, reply: cl.Message) -> None:
    """Keep this answer's record in the chat and in the reply's metadata (so the database has it too)."""
    turns: list[str] = cl.user_session.get("turns") or []
    record = answer_record(question, turns, standalone, answer, provider)
    reply.metadata = (reply.metadata or {}) | {"bot": record}
    records = (cl.user_session.get("records") or []) + [record | {"id": reply.id}]  # as `records_of_thread`
    cl.user_session.set("records", records[-TRANSCRIPT_KEEP:])
    cl.user_session.set("turns", (turns + [question])[-TRANSCRIPT_KEEP:])


async def wait_for_resume(seconds: float = 5.0) -> None:
    """Hold a message sent while its reopened conversation is still loading (Chainlit runs both at once),
    so that it is answered with the restored context."""
    session = cl.context.session
    if not getattr(session, "thread_id_to_resume", None) or history_layer() is None:
        return
    for _ in range(int(seconds / 0.05)):
        if cl.user_session.get("restored") or history_layer().problem:
            return
        await asyncio.sleep(0.05)


def restore(thread: dict) -> None:
    """A reopened conversation continues where it stopped: its answers, and the follow-up context."""
    cl.user_session.set("restored", True)
    records = records_of_thread(thread)
    cl.user_session.set("records", records[-TRANSCRIPT_KEEP:])
    cl.user_session.set("turns", [r["question"] for r in records][-TRANSCRIPT_KEEP:])
    cl.user_session.set("history", [r.get("standalone") or r["question"] for r in records][-HISTORY_KEEP:])


def set_of_thread(thread: dict) -> str | None:
    """The document set a stored conversation asked: its last answer's, when the thread's metadata lost it."""
    answers = [s for s in thread.get("steps") or [] if s.get("type") == "assistant_message"]
    for step in reversed(answers):
        name = (step.get("metadata") or {}).get("set")
        if isinstance(name, str):
            return name
    return None


def download_key(thread_id: str) -> str:
    """The key that lets a visitor without a login download the conversation `thread_id`: only its chat gets it."""
    return hmac.new(_KEY_SECRET, thread_id.encode("utf-8"), hashlib.sha256).hexdigest()


async def announce_thread() -> None:
    """Tell the page (public/bot.js, as a window message) which conversation it shows and its download key."""
    thread_id = cl.context.session.thread_id
    await cl.send_window_message({"botThread": thread_id, "botKey": download_key(thread_id)})


def _live_chats(thread_id: str, user: str | None) -> list[dict]:
    """The user sessions (records included) of this server's chats on `thread_id`, of `user` if given."""
    chats = [s for s in list(ws_sessions_id.values()) if s.thread_id == thread_id]
    if user is not None:
        chats = [s for s in chats if getattr(s.user, "identifier", None) == user]
    return [user_sessions.get(s.id) or {} for s in chats]


async def download_transcript(thread_id: str, key: str | None, user) -> tuple[str, str] | None:
    """(file name, Markdown) of the conversation `thread_id` for its owner, or None: with a login, the user's
    own conversation; without one, a chat's own (its key). Read from the database, plus any answer of a live
    chat not written there yet; from the chat itself when history is off."""
    login = get_settings().login
    if login and user is None:
        return None
    identifier = user.identifier if login else None
    if not login and not hmac.compare_digest(key or "", download_key(thread_id)):
        return None
    chats = _live_chats(thread_id, identifier)
    layer = history_layer()
    stored = None
    if layer is not None and (not login or await layer.get_thread_author(thread_id) == identifier):
        thread = await layer.get_thread(thread_id)
        stored = records_of_thread(thread) if thread else None
    if stored is None and not chats:
        return None  # nobody's conversation, or another user's
    records = stored or []
    for chat in chats:  # a reopened conversation may have two: the tab that left it, and the one that came back
        records = merge_records(records, chat.get("records") or [])
    markdown = transcript_markdown(records, get_settings().assistant_name)
    return transcript_file_name(), markdown


async def download_response(thread_id: str, key: str | None, user) -> object:
    """The conversation as a Markdown attachment, or 404 (see `download_transcript`)."""
    found = await download_transcript(thread_id, key, user)
    if found is None:
        raise HTTPException(status_code=404, detail="Not found")
    name, markdown = found
    return Response(
        markdown.encode("utf-8"),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def install_download() -> None:
    """GET /conversation/{thread_id}/download[?key=...], ahead of Chainlit's catch-all page route."""
    settings = get_settings()
    # Each download reads a whole conversation and writes a file: as many a window as messages, per user or
    # address (3,000 calls in 15 s kept 35 MB of temporary files and 46 MB of memory).
    limit = SlidingWindowLimit(
        settings.rate_limit_messages, settings.rate_limit_window_seconds, shared_store(), "downloads"
    )

    async def route(request: Request, thread_id: str, key: str | None = None, user=Depends(get_current_user)):  # noqa: B008 - FastAPI's way
        who = f"user:{user.identifier}" if user is not None else f"addr:{request.client.host if request.client else ''}"
        wait = limit.wait_seconds(who)
        if wait:
            raise HTTPException(429, f"Too many downloads; try again in {max(1, round(wait))} seconds.")
        return await download_response(thread_id, key, user)  # with login on, 401 without a valid login

    add_route(DOWNLOAD_URL, route)
