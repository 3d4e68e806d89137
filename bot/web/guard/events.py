"""Checks on the chat socket's events before Chainlit's handlers see them, and who is on a socket."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from chainlit.session import WebsocketSession

from bot.web.guard.throttle import SlidingWindowLimit

log = logging.getLogger("bot.web.guard")


def valid_client_message(payload: Any) -> bool:
    """Whether a `client_message` has the shape the chat page sends (text uploads are off)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("message"), dict):
        return False
    if payload.get("fileReferences"):
        return False
    message = payload["message"]
    try:
        if uuid.UUID(str(message.get("id"))).version != 4:
            return False
    except ValueError:
        return False
    metadata = message.get("metadata")
    return isinstance(message.get("createdAt"), str) and (metadata is None or isinstance(metadata, dict))


ORIGINAL_CHARS = "original_chars"  # metadata key: the length of a message cut down by `guard_socket`

# Largest event other than a chat message that is passed on, in bytes of text. The page's own events
# (settings, stop, favourites) are well under 1 KB; a chat message may be larger, and gets the "too long"
# reply instead (see `guard_socket`).
MAX_EVENT_BYTES = 64 * 1024
# Events whose payload is a settings form: only these keys, each a short scalar, are passed on.
_SETTINGS_EVENTS = ("chat_settings_change", "chat_settings_edit")
_SETTING_VALUE_CHARS = 200


def payload_size(value: Any, limit: int) -> int:
    """Rough size of a decoded event payload in bytes of text, counted only until it passes `limit`."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            total += len(item)
            stack.extend(item)
        else:
            total += 8
    return total


def valid_settings(payload: Any, keys: frozenset[str]) -> bool:
    """Whether a settings event holds only the app's own inputs, each a short scalar."""
    return (
        isinstance(payload, dict)
        and set(payload) <= keys
        and all(
            isinstance(v, bool | int | float) or (isinstance(v, str) and len(v) <= _SETTING_VALUE_CHARS)
            for v in payload.values()
        )
    )


def environ_address(environ: dict | None) -> str | None:
    """The client address of a socket connection's environ (after trusted-proxy resolution), if known."""
    client = ((environ or {}).get("asgi.scope") or {}).get("client")
    return client[0] if client else None


def client_key(session, environ: dict | None = None) -> str:
    """Who is asking, for per-client limits: the logged-in user, else the client address (never the socket
    session, which a new connection renews). `environ` stands in for a session that is not known."""
    if session is not None and session.user is not None:
        return f"user:{session.user.identifier}"
    address = environ_address(getattr(session, "environ", None) if session is not None else environ)
    return f"addr:{address or 'unknown'}"


def socket_client_key(sio, sid: str) -> str:
    """Who sent a socket event, for the per-client event limit (`client_key`)."""
    try:
        environ = sio.get_environ(sid)
    except Exception:  # noqa: BLE001 - an unknown sid: every such event shares one budget
        environ = None
    return client_key(WebsocketSession.get(sid), environ)


def guard_socket(
    sio,
    edit_allowed: Callable[[], bool],
    max_chars: int,
    event_limit: SlidingWindowLimit | None = None,
    settings_keys: frozenset[str] = frozenset(),
) -> None:
    """Check the chat socket's events before Chainlit's handlers see them.

    A malformed event is dropped with one log line (no traceback, and no error text sent back); a
    message body that is not text becomes empty, which the app answers with "please type a question";
    `edit_message` is refused while editing is off in the config. A message over `max_chars` is cut to
    `max_chars + 1` characters, its length kept in its metadata: Chainlit would otherwise keep it in
    memory and send it all back (as the thread's name), which drops a client that cannot take a frame
    that large.

    Every event counts against `event_limit`, per user (logged in) or client address, and any other event
    over `MAX_EVENT_BYTES` is dropped: Chainlit keeps a settings event's payload in the session for an hour
    even when the app refuses the change, so a settings form holds only `settings_keys`, with short values.
    A dropped event is dropped before Chainlit's handler sees it, so nothing of it is kept.
    """
    handlers: dict[str, Callable[..., Awaitable[Any]]] = sio.handlers["/"]
    noted: dict[str, float] = {}  # client key -> when its dropped events were last logged (one line a window)

    def over_limit(sid: str, event: str) -> bool:
        if event_limit is None:
            return False
        key = socket_client_key(sio, sid)
        if not event_limit.wait_seconds(key):
            return False
        now = time.monotonic()
        if now - noted.get(key, -event_limit.window) >= event_limit.window:
            if len(noted) > 10_000:
                noted.clear()
            noted[key] = now
            log.warning("dropping socket events from a client over its limit (%s)", event)
        return True

    def wrap(event: str, handler):
        async def guarded(sid, *args):
            if over_limit(sid, event):
                return None
            if event != "client_message" and payload_size(args, MAX_EVENT_BYTES) > MAX_EVENT_BYTES:
                log.warning("dropped a %s event over %d bytes", event, MAX_EVENT_BYTES)
                return None
            if event in _SETTINGS_EVENTS and (len(args) != 1 or not valid_settings(args[0], settings_keys)):
                log.warning("dropped a malformed %s event", event)
                return None
            if event == "client_message":
                if len(args) != 1 or not valid_client_message(args[0]):
                    log.warning("dropped a malformed %s event", event)
                    return None
                message = args[0]["message"]
                output = message.get("output")
                if not isinstance(output, str):
                    args = ({**args[0], "message": {**message, "output": ""}},)
                elif len(output) > max_chars:
                    metadata = {**(message.get("metadata") or {}), ORIGINAL_CHARS: len(output)}
                    args = (
                        {**args[0], "message": {**message, "output": output[: max_chars + 1], "metadata": metadata}},
                    )
            if event == "edit_message" and not edit_allowed():
                log.warning("refused an edit_message event: message editing is off")
                return None
            try:
                return await handler(sid, *args)
            except Exception as exc:  # noqa: BLE001 - a bad event must not reach the client as a traceback
                log.warning("dropped a %s event that failed: %s", event, type(exc).__name__)
                return None

        return guarded

    for event, handler in list(handlers.items()):
        if event not in ("connect", "disconnect"):  # connect must raise to refuse a connection
            sio.on(event, wrap(event, handler))


def guard_anonymous_connect(sio) -> None:
    """With login off, a visitor is known only by its chat page: a connection may neither name another
    visitor's conversation (its thread id, which the server then wrote into) nor take over another address's
    chat session (its session id, which brought its transcript along)."""
    connect = sio.handlers["/"]["connect"]

    async def guarded(sid, environ, auth=None):
        auth = dict(auth or {}) if isinstance(auth, dict) else {}
        auth["threadId"] = None  # a conversation is named by the server, never by an anonymous client
        existing = WebsocketSession.get_by_id(str(auth.get("sessionId", "")))
        if existing is not None and environ_address(existing.environ) != environ_address(environ):
            log.warning("refused a connection that named another address's chat session")
            raise ConnectionRefusedError("authorization failed")
        return await connect(sid, environ, auth)

    sio.on("connect", guarded)
