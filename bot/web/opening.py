"""A chat's opening (what it shows before the first question: notices, an editor's buttons, the answerer
setting), sent again when the page reconnects before that question.

The page may open its socket again while it settles, and Chainlit runs `on_chat_start` once per chat: what the
opening sent to the socket the page had just left never arrived. Fresh-clone CI runs lost an editor's
"Add documents" offer so, though the server had logged it as sent (2026-12-06 and 2026-12-07).

Chainlit also ties a chat to the socket whose handshake came last, and the handshakes of two sockets opened
together may arrive in either order: the chat could stay tied to the one the page had left, and the page's own
socket was then refused as unknown. A socket that says it is connected (`connection_successful`) is the page's
live one (the page stops listening to a socket it leaves), so the chat is tied to it then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import chainlit as cl
import chainlit.socket  # noqa: F401 - registers Chainlit's socket handlers, three of which `install` wraps
from chainlit.context import init_ws_context
from chainlit.server import sio
from chainlit.session import WebsocketSession

log = logging.getLogger("bot.web.app")

_KEY = "opening"


async def send(item: cl.Message | cl.ChatSettings) -> None:
    """Send `item`; kept as part of the chat's opening while the chat has no question yet."""
    if not cl.context.session.has_first_interaction:
        cl.user_session.set(_KEY, [*(cl.user_session.get(_KEY) or []), item])
    await item.send()


async def _send_again() -> None:
    for item in cl.user_session.get(_KEY) or []:
        if isinstance(item, cl.Message):
            await cl.context.emitter.send_step(item.to_dict())  # the page replaces a message it has (same id)
            for action in item.actions:
                await action.remove()  # the page appends every action it gets: one it has would show twice
                await action.send(for_id=item.id)
        else:  # the settings form, showing what this chat has picked since
            chosen = cl.context.session.chat_settings
            for widget in item.inputs:
                widget.initial = chosen.get(widget.id, widget.initial)
            await item.refresh()


def _tie(session: WebsocketSession, sid: str) -> None:
    """Send the chat's events to socket `sid` from now on (as Chainlit's `connect` does for a restored chat)."""
    session.restore(new_socket_id=sid)
    session.emit = lambda event, data: sio.emit(event, data, to=sid)
    session.emit_call = lambda event, data, timeout: sio.call(event, data, timeout=timeout, to=sid)


def install(tell_page: Callable[[], Awaitable[None]]) -> None:
    """Around Chainlit's own handling of a (re)connected socket: the chat is tied to the socket that says it is
    connected, and for a chat opened again on a new socket before its first question, `tell_page()` (the page's
    window messages and commands) and the kept opening are sent again."""
    handlers = sio.handlers["/"]
    original_connect, original = handlers["connect"], handlers["connection_successful"]
    original_disconnect = handlers["disconnect"]
    chat_of_socket: dict[str, str] = {}  # socket id -> the chat (session id) its handshake asked for
    live: set[str] = set()  # the sockets that said they are connected: the page listens to them

    async def connect(sid, environ, auth):
        accepted = await original_connect(sid, environ, auth)
        if isinstance(auth, dict) and isinstance(auth.get("sessionId"), str):
            chat_of_socket[sid] = auth["sessionId"]
        return accepted

    async def disconnect(sid, *_reason):  # python-socketio may pass why; Chainlit's handler takes the sid only
        chat = chat_of_socket.pop(sid, None)
        live.discard(sid)
        session = WebsocketSession.get(sid)
        other = next((s for s, c in chat_of_socket.items() if c == chat and s in live), None)
        if session is not None and other is not None:
            # A socket the page had left shook hands after the page's own had connected, and now closes: the chat
            # goes on, on the page's socket (Chainlit would have ended it, and refused the page's next question),
            # and what it was sent meanwhile is sent again.
            _tie(session, other)
            log.info("chat %s is tied again to the socket the page uses", session.id)
            if session.chat_started and not session.has_first_interaction:
                await send_again(other)
            return
        await original_disconnect(sid)

    async def connection_successful(sid):
        session = WebsocketSession.get(sid)
        chat = chat_of_socket.get(sid)
        if session is None and chat is not None and (session := WebsocketSession.get_by_id(chat)) is not None:
            _tie(session, sid)  # a socket the page had left restored the chat after this one
            log.info("chat %s is tied again to the socket the page uses", session.id)
        if session is not None:
            live.add(sid)
        again = session is not None and session.restored and session.chat_started and not session.has_first_interaction
        await original(sid)
        if again:
            await send_again(sid)

    async def send_again(sid: str) -> None:
        context = init_ws_context(sid)
        await tell_page()
        await _send_again()
        log.info("chat %s reconnected before its first question: its opening was sent again", context.session.id)

    sio.on("connect")(connect)
    sio.on("disconnect")(disconnect)
    sio.on("connection_successful")(connection_successful)
