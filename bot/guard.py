"""Hardening of the chat server: allowed hosts, ended logins, login back-off, per-client limits, socket input checks.

Everything here works through public interfaces: ASGI middleware on Chainlit's FastAPI app, python-
socketio's handler table, and Chainlit's documented callbacks. `bot.app` installs it at import.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("bot.guard")

# The client address of the HTTP request being handled (after trusted-proxy resolution by the web server).
client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="unknown")

_EXTERNAL_LINK = re.compile(rb"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>", re.I | re.S)
# The chat page may load images, fonts and media from itself only: a Markdown image that slips
# through anywhere still cannot fetch (and leak) a remote URL.
CONTENT_SECURITY_POLICY = (
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


def host_of(header: str) -> str:
    """The host name of a Host header value, without its port, lower case."""
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8000
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class RevokedTokens:
    """Login tokens ended by a logout, kept until they would have expired anyway. In memory: a restart
    forgets them, and the short `session_hours` bounds what that exposes."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, token: str, expires_at: float) -> None:
        now = time.time()
        with self._lock:
            self._until = {d: t for d, t in self._until.items() if t > now}
            self._until[token_digest(token)] = expires_at

    def __contains__(self, token: str) -> bool:
        with self._lock:
            return self._until.get(token_digest(token), 0) > time.time()


def request_token(scope: dict) -> str | None:
    """The login token a request carries: a bearer header or Chainlit's auth cookie."""
    from chainlit.auth import get_token_from_cookies
    from starlette.requests import HTTPConnection

    connection = HTTPConnection(scope)
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return get_token_from_cookies(connection.cookies)


class RequestGuard:
    """ASGI middleware, outermost: refuses unknown Host names (DNS rebinding) and ended logins, on HTTP and
    on the chat socket, and notes the client's address for the login back-off."""

    def __init__(self, app, host_names: list[str], revoked: RevokedTokens | None):
        self.app = app
        self.host_names = set(host_names)
        self.revoked = revoked

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        host = host_of(headers.get(b"host", b"").decode("latin-1"))
        if host not in self.host_names:
            log.warning("refused a request for host %r (not in BOT_ALLOWED_HOSTS)", host[:100])
            return await _refuse(scope, receive, send, 400, "Invalid host header")
        if self.revoked is not None:
            token = request_token(scope)
            if token and token in self.revoked:
                return await _refuse(scope, receive, send, 401, "This session has ended; please sign in again.")
        client = scope.get("client")
        client_address.set(client[0] if client else "unknown")
        return await self.app(scope, receive, send)


async def _refuse(scope, receive, send, status: int, detail: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})  # before accept: the handshake gets 403
        return
    from starlette.responses import JSONResponse

    await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)


class ResponseRewriter:
    """ASGI middleware base: buffers a whole response that `wants` picks and sends what `rewrite` makes of it.

    Subclasses say which responses to take (`wants`, from the request's scope and the response's start
    message) and return the new body and any extra headers (`rewrite`); `content-length` is set anew.
    """

    def __init__(self, app):
        self.app = app

    def wants(self, scope: dict, start: dict) -> bool:
        raise NotImplementedError

    async def rewrite(self, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        raise NotImplementedError

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start: dict | None = None
        body: list[bytes] = []

        async def buffered(message):
            nonlocal start
            if message["type"] == "http.response.start":
                if self.wants(scope, message):
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                content, extra = await self.rewrite(b"".join(body))
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers += [(b"content-length", str(len(content)).encode()), *extra]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": content})
                return
            await send(message)

        return await self.app(scope, receive, buffered)


class OfflinePage(ResponseRewriter):
    """ASGI middleware: HTML pages load nothing from other hosts (the stock page links web fonts and a
    KaTeX stylesheet from CDNs) and carry a Content-Security-Policy that lets images come from the app only."""

    def wants(self, scope: dict, start: dict) -> bool:
        return dict(start.get("headers") or []).get(b"content-type", b"").startswith(b"text/html")

    async def rewrite(self, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        return _EXTERNAL_LINK.sub(b"", body), [(b"content-security-policy", CONTENT_SECURITY_POLICY.encode())]


class SlidingWindowLimit:
    """At most `limit` events per `window` seconds for each key (a user or a client address)."""

    def __init__(self, limit: int, window: float, max_keys: int = 100_000):
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, key: str) -> float:
        """0 and counts the event if `key` is within its limit, else the seconds until it will be."""
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= self.window:
                events.popleft()
            if len(events) >= self.limit:
                return self.window - (now - events[0])
            events.append(now)
            if len(self._events) > self.max_keys:  # forget idle clients rather than grow without bound
                self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < self.window}
            return 0.0


class LoginThrottle:
    """Exponential back-off after repeated failed logins, per user name and per client address.

    An attempt made during a back-off counts as a failure too, so hammering keeps the lock on. A client
    address gets `address_factor` times the free attempts of a user name: an office behind one address
    should not lock itself out with a few typos.
    """

    def __init__(self, free_attempts: int, max_backoff: float, address_factor: int = 4):
        self.free_attempts = free_attempts
        self.max_backoff = max_backoff
        self.address_factor = address_factor
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures in a row, time of the last)
        self._lock = threading.Lock()

    def _backoff(self, key: str, failures: int) -> float:
        free = self.free_attempts * (self.address_factor if key.startswith("addr:") else 1)
        extra = failures - free
        return 0.0 if extra < 0 else min(self.max_backoff, 2.0**extra)

    def blocked_for(self, *keys: str) -> float:
        """Seconds before any of `keys` may try again (0 = now)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self._backoff(k, n) - (now - last)
                for k, (n, last) in ((k, self._failures.get(k, (0, 0.0))) for k in keys)
            ]
        return max(0.0, *waits)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                n, _ = self._failures.get(key, (0, 0.0))
                self._failures[key] = (n + 1, now)
            if len(self._failures) > 100_000:  # forget old failures rather than grow without bound
                self._failures = {k: v for k, v in self._failures.items() if now - v[1] < self.max_backoff}

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


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


def socket_client_key(sio, sid: str) -> str:
    """Who sent a socket event, for the per-client event limit: the logged-in user, else the client address."""
    from chainlit.session import WebsocketSession

    session = WebsocketSession.get(sid)
    if session is not None and session.user is not None:
        return f"user:{session.user.identifier}"
    try:
        client = sio.get_environ(sid).get("asgi.scope", {}).get("client")
    except Exception:  # noqa: BLE001 - an unknown sid: every such event shares one budget
        client = None
    return f"addr:{client[0] if client else 'unknown'}"


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
