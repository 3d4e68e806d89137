"""How conversation history plugs into the Chainlit server: the data layer, the owner of a request,
stored source panels served to their owner only, retention, and the chat's "history is off" notice."""

from __future__ import annotations

import json

import chainlit as cl
from chainlit.auth import get_current_user
from chainlit.server import app as server
from chainlit.session import WebsocketSession
from fastapi import Depends, HTTPException
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse

from bot.history.ratings import request_thread, request_user
from bot.history.store import layer_for
from bot.web.guard import environ_address, request_token
from bot.web.routes import add_route

_FEEDBACK_BODY_MAX = 64 * 1024

_layer = None


def history_layer():
    """This process's data layer, or None when history is off (BOT_HISTORY=false)."""
    return _layer


class RequestUser:
    """ASGI middleware: notes who sends a feedback request (from the login token) in `request_user` and
    `request_thread`, which the data layer's ownership checks read (`bot.history.ratings`)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path", "").endswith("/feedback"):
            token = request_token(scope)
            user = None
            if token:
                try:
                    user = await get_current_user(token)
                except Exception:  # noqa: BLE001 - an invalid token is no user; Chainlit's route refuses it
                    user = None
            request_user.set(getattr(user, "identifier", None))
            if user is None:
                receive = await self._note_session_thread(scope, receive)
        return await self.app(scope, receive, send)

    @staticmethod
    async def _note_session_thread(scope, receive):
        """Read the (small) body once for its `sessionId`, note that session's conversation if the session is
        this client address's, and hand the same body on."""
        chunks, more = [], True
        while more and sum(map(len, chunks)) <= _FEEDBACK_BODY_MAX:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            session = WebsocketSession.get_by_id(str(json.loads(body).get("sessionId", "")))
        except (ValueError, AttributeError):
            session = None
        client = scope.get("client")
        same_address = session is not None and environ_address(session.environ) == (client[0] if client else None)
        request_thread.set(session.thread_id if same_address else None)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        return replay


async def element_text(element_id: str, current_user=None):
    """A stored source panel's text, for its conversation's owner only (401 without a login, 404 otherwise)."""
    if current_user is None:
        raise HTTPException(status_code=401, detail="Unauthorized")
    found = await _layer.element_content(element_id) if _layer else None
    if not found or await _layer.get_thread_author(found[0]) != current_user.identifier:
        raise HTTPException(status_code=404, detail="Not found")
    return PlainTextResponse(found[1], media_type="text/plain; charset=utf-8")


def install_history(settings) -> None:
    """Turn history on (at import of the app, before Chainlit builds its middleware): Chainlit's data layer,
    the element route and the request-owner middleware. Nothing touches the database yet."""
    global _layer
    if not settings.history:
        return
    _layer = layer_for(settings)

    @cl.data_layer
    def data_layer():
        return _layer

    async def element_route(element_id: str, current_user=Depends(get_current_user)):  # noqa: B008 - FastAPI's way
        return await element_text(element_id, current_user)

    add_route("/history/element/{element_id}", element_route, in_schema=True)
    server.user_middleware.append(Middleware(RequestUser))


async def history_notice() -> str | None:
    """A one-line notice when history cannot be kept (database down, locked or damaged); once per session."""
    if _layer is None:
        return None
    await _layer.probe()
    problem = _layer.problem
    if not problem or cl.user_session.get("history_notice") == problem:
        return None
    cl.user_session.set("history_notice", problem)
    return f"History is off: {problem} The chat still answers; this conversation is not saved."
