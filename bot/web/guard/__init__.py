"""Hardening of the chat server: allowed hosts, ended logins, login back-off, per-client limits, socket input checks.

Everything here works through public interfaces: ASGI middleware on Chainlit's FastAPI app, python-
socketio's handler table, and Chainlit's documented callbacks. `bot.web.server` installs it at import.

Where a change goes:

- `request_guard.py`: the outermost middleware: allowed Host names, dead login tokens kept from Chainlit,
  the client's address noted;
- `logins.py`: logins that end (a logout or BOT_SESSION_HOURS ends every token of a login), tokens read as
  Chainlit reads them;
- `throttle.py`: per-client limits (a sliding window) and the back-off after failed logins;
- `events.py`: checks on the chat socket's events, the anonymous-connect check, who is on a socket;
- `pages.py`: rewriting a response on its way out, and the page that loads nothing from other hosts.

The names below are the ones the rest of the bot uses.
"""

from bot.web.guard.events import (
    ORIGINAL_CHARS,
    client_key,
    environ_address,
    guard_anonymous_connect,
    guard_socket,
    valid_client_message,
)
from bot.web.guard.logins import LoginSessions, bearer_tokens, request_token
from bot.web.guard.pages import OfflinePage, ResponseRewriter
from bot.web.guard.request_guard import RequestGuard, client_address, host_of
from bot.web.guard.throttle import LoginThrottle, SlidingWindowLimit

__all__ = [
    "ORIGINAL_CHARS",
    "LoginSessions",
    "LoginThrottle",
    "OfflinePage",
    "RequestGuard",
    "ResponseRewriter",
    "SlidingWindowLimit",
    "bearer_tokens",
    "client_address",
    "client_key",
    "environ_address",
    "guard_anonymous_connect",
    "guard_socket",
    "host_of",
    "request_token",
    "valid_client_message",
]
