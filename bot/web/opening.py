"""A chat's opening (what it shows before the first question: notices, an editor's buttons, the answerer
setting), sent again when the page reconnects before that question.

The page may open its socket again while it settles, and Chainlit runs `on_chat_start` once per chat: what the
opening sent to the socket the page had just left never arrived. Fresh-clone CI runs lost an editor's
"Add documents" offer so, though the server had logged it as sent (2026-12-06 and 2026-12-07).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import chainlit as cl
import chainlit.socket  # noqa: F401 - registers Chainlit's socket handlers, one of which `install` wraps
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


def install(tell_page: Callable[[], Awaitable[None]]) -> None:
    """After Chainlit's own handling of a (re)connected socket: for a chat opened again on a new socket before
    its first question, `tell_page()` (the page's window messages and commands) and the kept opening again."""
    original = sio.handlers["/"]["connection_successful"]

    async def connection_successful(sid):
        session = WebsocketSession.get(sid)
        again = session is not None and session.restored and session.chat_started and not session.has_first_interaction
        await original(sid)
        if again:
            init_ws_context(sid)
            await tell_page()
            await _send_again()
            log.info("chat %s reconnected before its first question: its opening was sent again", session.id)

    sio.on("connection_successful")(connection_successful)
