"""Hardening of the chat server: allowed hosts, ended logins, login back-off, per-client limits, socket input checks.

Everything here works through public interfaces: ASGI middleware on Chainlit's FastAPI app, python-
socketio's handler table, and Chainlit's documented callbacks. `bot.web.app` installs it at import.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bot.web.limits import LimitStore, LimitStoreUnavailable, MemoryStore

log = logging.getLogger("bot.web.guard")

# The client address of the HTTP request being handled (after trusted-proxy resolution by the web server).
client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="unknown")

_EXTERNAL_LINK = re.compile(rb"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>", re.I | re.S)
# The chat page may load images, fonts and media from itself only: a Markdown image that slips
# through anywhere still cannot fetch (and leak) a remote URL.
CONTENT_SECURITY_POLICY = (
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


# A Host header is a host name, an IPv4 address or a bracketed IPv6 address, then an optional port: nothing else.
_HOST = re.compile(r"(?:\[(?P<ip6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9.-]+))(?::[0-9]{1,5})?")


def host_of(header: str) -> str:
    """The host name of a Host header value, without its port, lower case; "" (which no allowed name is) for
    anything but a plain host[:port], such as `127.0.0.1:1@evil.example` or an empty header."""
    match = _HOST.fullmatch(header.strip().lower())
    return (match["ip6"] or match["name"]) if match else ""


LOGIN_ID = "login_id"  # in the login token's metadata: the login it belongs to, carried across /auth/jwt refreshes
LOGIN_AT = "login_at"  # ... and when that login happened (seconds since the epoch)


class LoginSessions:
    """Which login tokens still open the app: signed by this server, of a login that is not over.

    Chainlit's tokens have no id, and `/auth/jwt` mints a fresh one from any valid token. So each password
    login gets an id and a time, kept in the token's user metadata (Chainlit copies it into every token
    it mints from that one). A token is dead once its login has lasted `lifetime` seconds, however often
    it was refreshed, or once any of that login's tokens was logged out: the decoded login id is what
    ends, so every encoding of every token of that login ends with it (`token + "="` decodes the same).
    Ended ids are kept in the limit store until the login would have ended anyway.
    """

    def __init__(self, store: LimitStore, secret: str, lifetime: float):
        self.store = store
        self.secret = secret
        self.lifetime = lifetime

    @staticmethod
    def new_login() -> dict[str, Any]:
        """The metadata that marks a new login's tokens."""
        return {LOGIN_ID: uuid.uuid4().hex, LOGIN_AT: time.time()}

    def _login(self, token: str) -> tuple[str, float]:
        import jwt

        claims = jwt.decode(token, self.secret, algorithms=["HS256"])  # the signature and `exp`
        metadata = claims.get("metadata")
        login_id = metadata.get(LOGIN_ID) if isinstance(metadata, dict) else None
        login_at = metadata.get(LOGIN_AT) if isinstance(metadata, dict) else None
        if not isinstance(login_id, str) or not isinstance(login_at, int | float):
            raise jwt.InvalidTokenError("no login id")  # not minted by a login of this version
        return login_id, float(login_at)

    def why_dead(self, token: str) -> str | None:
        """None if `token` opens the app, else why not (for the log; never shown to the client)."""
        import jwt

        try:
            login_id, login_at = self._login(token)
        except jwt.InvalidTokenError as exc:
            return f"invalid ({type(exc).__name__})"
        if time.time() >= login_at + self.lifetime:
            return "its login is older than BOT_SESSION_HOURS"
        try:
            if self.store.is_ended(login_id):
                return "its login was ended by a logout"
        except LimitStoreUnavailable as exc:
            return f"cannot be checked: {exc}"  # refused: a logout on another instance may have ended it
        return None

    def end(self, token: str) -> bool:
        """End the login `token` belongs to, with every token minted from it; False if it is not a valid token."""
        import jwt

        try:
            login_id, login_at = self._login(token)
        except jwt.InvalidTokenError:
            return False
        self.store.end(login_id, until=login_at + self.lifetime)
        return True


def bearer_tokens(value: str) -> set[str]:
    """The token of an Authorization header value, as each of Chainlit's readers would take it."""
    by_space, by_split = value.partition(" "), value.split()  # `OAuth2PasswordBearerWithCookie`; `/auth/jwt`
    tokens = {by_space[2]} if by_space[0].lower() == "bearer" else set()
    if len(by_split) == 2 and by_split[0].lower() == "bearer":
        tokens.add(by_split[1])
    return tokens


def request_token(scope: dict) -> str | None:
    """The login token a request carries, as Chainlit reads it: its auth cookie, else a bearer header."""
    from chainlit.auth import get_token_from_cookies
    from starlette.requests import HTTPConnection

    connection = HTTPConnection(scope)
    if token := get_token_from_cookies(connection.cookies):
        return token
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _auth_cookie(name: str) -> bool:
    from chainlit.auth.cookie import _auth_cookie_name

    return name == _auth_cookie_name or (
        name.startswith(_auth_cookie_name + "_") and name[len(_auth_cookie_name) + 1 :].isdigit()
    )


class RequestGuard:
    """ASGI middleware, outermost: refuses unknown Host names (DNS rebinding), keeps dead login tokens from
    Chainlit, and notes the client's address for the login back-off.

    A dead token (see `LoginSessions`) is refused on the chat socket, and removed from any other request,
    which Chainlit then treats as signed out: a 401 where a login is needed, while the page and the
    sign-in form still work for a browser holding an old cookie. One log line each, never a traceback.
    """

    def __init__(self, app, host_names: list[str], sessions: LoginSessions | None):
        self.app = app
        self.host_names = set(host_names)
        self.sessions = sessions

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        hosts = [value for name, value in scope.get("headers") or [] if name == b"host"]
        host = host_of(hosts[0].decode("latin-1")) if len(hosts) == 1 else ""
        if host not in self.host_names:
            shown = b" | ".join(hosts).decode("latin-1")
            log.warning("refused a request for host %r (not in BOT_ALLOWED_HOSTS)", shown[:100])
            return await _refuse(scope, receive, send, 400, "Invalid host header")
        if self.sessions is not None:
            scope, dead = self._without_dead_tokens(scope)
            if dead:
                log.warning("ignored a login token on %s: %s", scope.get("path", "")[:100], dead)
                if "/socket.io" in scope.get("path", ""):
                    return await _refuse(scope, receive, send, 401, "Please sign in again.")
            if scope["type"] == "websocket" and (token := request_token(scope)):
                receive = self._until_login_ends(token, receive)
        client = scope.get("client")
        client_address.set(client[0] if client else "unknown")
        return await self.app(scope, receive, send)

    def _until_login_ends(self, token: str, receive):
        """`receive` of a chat socket opened with `token`, which ends the connection at the first frame the
        client sends once that login has ended (a logout here or on another instance, or its hours are over)."""

        async def checked():
            message = await receive()
            if message["type"] == "websocket.receive" and (why := self.sessions.why_dead(token)):
                log.warning("closed a chat socket: %s", why)
                return {"type": "websocket.disconnect", "code": 1008}  # the app ends its side as if the client left
            return message

        return checked

    def _without_dead_tokens(self, scope: dict) -> tuple[dict, str | None]:
        """`scope` without the auth cookies and Authorization headers that carry a dead token, and why one was dead."""
        from chainlit.auth import get_token_from_cookies
        from starlette.requests import cookie_parser

        headers, dead = [], None
        for name, value in scope.get("headers") or []:
            text = value.decode("latin-1")
            if name == b"cookie" and (token := get_token_from_cookies(cookie_parser(text))):
                if why := self.sessions.why_dead(token):
                    dead = why
                    kept = [part for part in text.split(";") if not _auth_cookie(part.split("=", 1)[0].strip())]
                    value = ";".join(kept).strip().encode("latin-1")
            elif name == b"authorization":
                tokens = bearer_tokens(text) or {text}
                if whys := [why for token in tokens if (why := self.sessions.why_dead(token))]:
                    dead = whys[0]
                    continue
            headers.append((name, value))
        return ({**scope, "headers": headers}, dead) if dead else (scope, None)


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
    """At most `limit` events per `window` seconds for each key (a user or a client address), counted in
    `store` under `name` (instances sharing a Redis count together). If the store cannot be reached the
    event is allowed, with a log line: a lost Redis must not stop the chat."""

    def __init__(self, limit: int, window: float, store: LimitStore | None = None, name: str = "rate"):
        self.limit = limit
        self.window = window
        self.store = store or MemoryStore()
        self.name = name

    def wait_seconds(self, key: str) -> float:
        """0 and counts the event if `key` is within its limit, else the seconds until it will be."""
        try:
            return self.store.take(f"{self.name}:{key}", self.limit, self.window)
        except LimitStoreUnavailable as exc:
            log.warning("rate limit %s not applied: %s", self.name, exc)
            return 0.0


class LoginThrottle:
    """Exponential back-off after repeated failed logins, per user name and per client address.

    An attempt made during a back-off counts as a failure too, so hammering keeps the lock on. A client
    address gets `address_factor` times the free attempts of a user name: an office behind one address
    should not lock itself out with a few typos. A streak of failures is forgotten `forget_after` seconds
    after its last failure (by default four times the longest back-off). Kept in `store`: shared by the
    instances that share it; if it cannot be reached, logins are checked without a back-off.
    """

    def __init__(
        self,
        free_attempts: int,
        max_backoff: float,
        address_factor: int = 4,
        store: LimitStore | None = None,
        forget_after: float | None = None,
    ):
        self.free_attempts = free_attempts
        self.max_backoff = max_backoff
        self.address_factor = address_factor
        self.store = store or MemoryStore()
        self.forget_after = forget_after or 4 * max_backoff

    def _backoff(self, key: str, failures: int) -> float:
        free = self.free_attempts * (self.address_factor if key.startswith("addr:") else 1)
        extra = failures - free
        return 0.0 if extra < 0 else min(self.max_backoff, 2.0**extra)

    def blocked_for(self, *keys: str) -> float:
        """Seconds before any of `keys` may try again (0 = now)."""
        try:
            streaks = [(key, *self.store.streak(f"login:{key}")) for key in keys]
        except LimitStoreUnavailable as exc:
            log.warning("login back-off not applied: %s", exc)
            return 0.0
        return max(0.0, *(self._backoff(key, n) - since for key, n, since in streaks))

    def failed(self, *keys: str) -> None:
        try:
            for key in keys:
                self.store.add_to_streak(f"login:{key}", self.forget_after)
        except LimitStoreUnavailable as exc:
            log.warning("login failure not counted: %s", exc)

    def succeeded(self, *keys: str) -> None:
        try:
            for key in keys:
                self.store.clear_streak(f"login:{key}")
        except LimitStoreUnavailable as exc:
            log.warning("login success not noted: %s", exc)


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
    from chainlit.session import WebsocketSession

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
    from chainlit.session import WebsocketSession

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
