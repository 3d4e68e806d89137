"""The outermost guard of every request: allowed hosts only, no ended login reaches Chainlit, and the client's address noted."""

from __future__ import annotations

import contextvars
import logging
import re

from chainlit.auth import get_token_from_cookies
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse

from bot.web.guard.logins import LoginSessions, bearer_tokens, is_auth_cookie, request_token

log = logging.getLogger("bot.web.guard")

# The client address of the HTTP request being handled (after trusted-proxy resolution by the web server).
client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="unknown")

# The OpenAI-compatible API (bot.web.api): its bearer token is an API key, checked there, never a login token.
API_PATHS = "/v1/"

# A Host header is a host name, an IPv4 address or a bracketed IPv6 address, then an optional port: nothing else.
_HOST = re.compile(r"(?:\[(?P<ip6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9.-]+))(?::[0-9]{1,5})?")


def host_of(header: str) -> str:
    """The host name of a Host header value, without its port, lower case; "" (which no allowed name is) for
    anything but a plain host[:port], such as `127.0.0.1:1@evil.example` or an empty header."""
    match = _HOST.fullmatch(header.strip().lower())
    return (match["ip6"] or match["name"]) if match else ""


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
        if self.sessions is not None and not scope.get("path", "").startswith(API_PATHS):
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
        headers, dead = [], None
        for name, value in scope.get("headers") or []:
            text = value.decode("latin-1")
            if name == b"cookie" and (token := get_token_from_cookies(cookie_parser(text))):
                if why := self.sessions.why_dead(token):
                    dead = why
                    kept = [part for part in text.split(";") if not is_auth_cookie(part.split("=", 1)[0].strip())]
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
    await JSONResponse({"detail": detail}, status_code=status)(scope, receive, send)
