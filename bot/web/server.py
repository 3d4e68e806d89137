"""How the Chainlit server is set up around the chat: /health, origins, allowed hosts, login and hardening."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import parse_qs

import bcrypt
import chainlit as cl
import uvicorn
from chainlit.auth import get_token_from_cookies
from chainlit.config import ChainlitConfig, config
from chainlit.logger import logger as chainlit_log
from chainlit.server import app as server
from chainlit.server import sio
from chainlit.session import WebsocketSession
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse

from bot.settings import get_settings
from bot.web.guard import (
    LoginSessions,
    LoginThrottle,
    OfflinePage,
    RequestGuard,
    ResponseRewriter,
    SlidingWindowLimit,
    bearer_tokens,
    client_address,
    guard_anonymous_connect,
    guard_socket,
)
from bot.web.limits import LimitStoreUnavailable, shared_store
from bot.web.routes import add_route, remove_routes

log = logging.getLogger("bot.web.app")


def rss_mb() -> float | None:
    """This process's resident memory in MB (Linux), for watching growth under load."""
    try:
        with open("/proc/self/statm") as fh:
            return round(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError):
        return None


API_DOC_PATHS = {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}


def _register_routes(health) -> None:
    """Add /health; drop the API documentation pages unless settings ask for them."""
    add_route("/health", health, in_schema=True)
    if not get_settings().api_docs:
        remove_routes(API_DOC_PATHS)


def _restrict_origins() -> None:
    """Let only the app's own pages, plus `allow_origins` from settings, call it with the user's cookies."""
    allowed = set(get_settings().allow_origins)
    for middleware in server.user_middleware:  # Chainlit added it from config.toml; the stack is built later
        if middleware.cls is CORSMiddleware:
            middleware.kwargs["allow_origins"] = sorted(allowed)

    def origin_ok(origin: str | None, environ: dict) -> bool:
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin is None or origin == own or origin in allowed or "*" in allowed

    sio.eio.cors_allowed_origins = origin_ok  # the socket (websocket and polling) checks the Origin header too


def _harden_server(sessions) -> None:
    """Allowed hosts, ended logins, offline page, socket checks and message size (see `bot.web.guard`)."""
    settings = get_settings()
    # Uvicorn, which reads this when it starts after this module is imported, takes the client's
    # address from X-Forwarded-For only when the request comes from one of these proxies.
    os.environ["FORWARDED_ALLOW_IPS"] = ",".join(settings.trusted_proxies)
    # Innermost, inside Chainlit's gzip, so that it rewrites the page before it is compressed.
    server.user_middleware.append(Middleware(OfflinePage))
    server.add_middleware(RequestGuard, host_names=settings.host_names(), sessions=sessions)
    # Over engine.io's default 1,000,000 bytes the connection drops and the chat resets; read up to the
    # web server's own limit so that an over-long question gets the "too long" reply.
    sio.eio.max_http_buffer_size = settings.max_message_bytes
    guard_socket(
        sio,
        edit_allowed=lambda: bool(config.features.edit_message),
        max_chars=settings.max_question_chars,
        event_limit=SlidingWindowLimit(
            settings.rate_limit_events, settings.rate_limit_window_seconds, shared_store(), "events"
        ),
        settings_keys=frozenset({"provider"}),  # the one input of bot.web.app's settings panel
    )
    if not settings.login:
        guard_anonymous_connect(sio)


def _no_nested_profile_lookup() -> None:
    """Every chat takes the global Chainlit config, without Chainlit's nested event loop.

    At each socket connect with a chat profile, Chainlit's `WebsocketSession.get_config` runs
    `set_chat_profiles` in a nested event loop (nest_asyncio), only to look for the profile's
    `config_overrides`. Each nested run steps every other ready task, among them other chats connecting, which
    nest in turn: fifty chats connecting at once with login on went past Python's recursion limit, and a third
    of them failed (a RecursionError, then another while asyncio logged it). No profile here overrides the
    config (`bot.web.app.chat_profiles`), so the answer is always the global config.
    """

    def get_config(session: WebsocketSession) -> ChainlitConfig:
        return config

    WebsocketSession.get_config = get_config


def _empty_uploads_kept() -> None:
    """An empty file given to a file prompt reaches the upload's checks, which name it ("empty.md: the file is
    empty"). Chainlit 2.12's `persist_file` takes empty content for none and raises, so its upload route
    answered 500 and the page showed only "Upload failed" (tester, 2026-12-05)."""
    persist = WebsocketSession.persist_file

    async def persist_file(self, name, mime, path=None, content=None):
        if path or content is None or len(content):
            return await persist(self, name=name, mime=mime, path=path, content=content)
        with tempfile.TemporaryDirectory(prefix="bot-empty-") as folder:
            empty = Path(folder) / "empty"
            empty.touch()
            return await persist(self, name=name, mime=mime, path=str(empty))

    WebsocketSession.persist_file = persist_file


def _enable_login(store) -> LoginSessions:
    """Password login from settings; refuses to start without a real session secret or with a malformed hash.

    Failed logins back off per user name and per client address, and an attempt refused during a back-off
    takes the same bcrypt work as a checked one (its reply time does not tell the lock-out); a password
    over bcrypt's 72 bytes fails like any wrong one (same work, same log line); logging out ends the
    login, with every token minted from it, for good (`bot.web.guard.LoginSessions`).
    """
    settings = get_settings()
    problem = settings.login_problem()
    if problem:
        raise SystemExit(f"bot: {problem}")
    secret = settings.chainlit_auth_secret.get_secret_value()
    os.environ["CHAINLIT_AUTH_SECRET"] = secret  # Chainlit reads it there
    config.project.user_session_timeout = int(settings.session_hours * 3600)  # the login token's lifetime
    users = dict(settings.login_users)
    # Compared against when the name is unknown, so a wrong name costs as long as a wrong password.
    decoy = next(iter(users.values()))
    throttle = LoginThrottle(settings.login_free_attempts, settings.login_max_backoff_seconds, store=store)
    sessions = LoginSessions(store, secret, lifetime=settings.session_hours * 3600)

    @cl.password_auth_callback
    async def check_password(username: str, password: str) -> cl.User | None:
        keys = (f"user:{username[:64]}", f"addr:{client_address.get()}")
        wait = throttle.blocked_for(*keys)
        hashed = decoy if wait else users.get(username, decoy)
        given = password.encode("utf-8")
        # bcrypt reads at most 72 bytes (and bcrypt 5 raises past that): check the first 72 so that
        # the reply takes as long as for any wrong password, then refuse it. During a back-off the
        # check runs against the decoy and its result is ignored: only the reply time is wanted.
        ok = await asyncio.to_thread(bcrypt.checkpw, given[:72], hashed.encode("utf-8"))
        if wait:
            throttle.failed(*keys)  # hammering during a back-off keeps it on
            log.warning(
                "failed login for user %r from %s: refused unchecked, back-off %.0f s after repeated failures",
                username[:64],
                client_address.get(),
                wait,
            )
            return None
        if ok and username in users and len(given) <= 72:
            throttle.succeeded(*keys)
            return cl.User(identifier=username, metadata={"provider": "credentials", **sessions.new_login()})
        throttle.failed(*keys)
        log.warning("failed login for user %r from %s", username[:64], client_address.get())
        return None

    @cl.on_logout
    async def end_session(request, response) -> dict:
        # Chainlit reads the cookie first and the bearer token second: a logout ends the login of either.
        carried = {get_token_from_cookies(request.cookies), *bearer_tokens(request.headers.get("authorization", ""))}
        try:
            for token in carried - {None}:
                sessions.end(token)  # not a token this server issued: nothing to end
        except LimitStoreUnavailable as exc:
            log.warning("a logout could not be recorded: %s", exc)
            return JSONResponse({"detail": "The logout could not be recorded; please try again."}, status_code=503)
        return {"success": True}

    return sessions


def _html_safe(text: str) -> str:
    # Chainlit writes the name and description into the page's <title> and meta tags unescaped.
    return " ".join(text.replace('"', "'").replace("<", "").replace(">", "").replace("&", "and").split())


def show_identity(name: str, description: str, headline: str = "") -> None:
    """Show the assistant's name and what it knows where Chainlit shows its own (its public `config.ui`):
    the page title and description and the author of messages. The logo, avatar and welcome text are
    the brand's (`bot.web.branding`); `headline` is no longer drawn into a logo."""
    config.ui.name = _html_safe(name)
    if description:  # else config.toml's, until the corpus is known
        config.ui.description = _html_safe(description)


_readme_set: ContextVar[str | None] = ContextVar("readme_set", default=None)


class CorpusReadme(ResponseRewriter):
    """ASGI middleware: the readme in Chainlit's project settings is the document set's own, made by `readme()`.

    Chainlit has no hook for the readme: it reads `chainlit.md` from the app's folder on every request,
    and several apps on different corpora may run from one folder. So the answer is rewritten on its
    way out; when `readme()` has nothing (the index could not be loaded), `chainlit.md` stays. The page
    asks with its chat profile (`?chat_profile=`): that set's readme, if it is among the profiles the
    same answer offers this user.
    """

    def __init__(self, app, readme: Callable[..., Awaitable[str | None]]):
        super().__init__(app)
        self.readme = readme

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            _readme_set.set((query.get("chat_profile") or [None])[0])
        return await super().__call__(scope, receive, send)

    def wants(self, scope: dict, start: dict) -> bool:
        headers = dict(start.get("headers") or [])
        return (
            scope.get("path", "").endswith("/project/settings")
            and start.get("status") == 200
            and headers.get(b"content-type", b"").startswith(b"application/json")
        )

    async def rewrite(self, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        data = json.loads(body)
        offered = [p.get("name") for p in data.get("chatProfiles") or [] if isinstance(p, dict)]
        readme = await self.readme(_readme_set.get(), offered)
        if readme is None:
            return body, []
        data["markdown"] = readme
        return json.dumps(data).encode("utf-8"), []


SHUTDOWN_GRACE_SECONDS = 10  # on SIGTERM or Ctrl-C, requests still open after this long are cancelled


def _bounded_shutdown() -> None:
    """A stop (SIGTERM, Ctrl-C) ends the server within `SHUTDOWN_GRACE_SECONDS`. uvicorn waits for every open
    request by default, and an editor's open file prompt keeps one waiting for up to 15 minutes (a tester's
    server outlived its SIGTERM; a second SIGTERM does not force uvicorn, only a second Ctrl-C does). Chainlit
    makes uvicorn's Config after importing this app, with no shutdown timeout of its own."""
    if getattr(uvicorn.Config.__init__, "_bot_bounded", False):
        return
    original = uvicorn.Config.__init__

    def init(self, *args, **kwargs):
        kwargs.setdefault("timeout_graceful_shutdown", SHUTDOWN_GRACE_SECONDS)
        original(self, *args, **kwargs)

    init._bot_bounded = True
    uvicorn.Config.__init__ = init


class _NoReadmeLanguageWarning(logging.Filter):
    """Chainlit warns on every page load that it has no `chainlit_<language>.md`; the readme shown is the
    document set's own (`CorpusReadme`) in every language, so the line only buried the log's real warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Translated markdown file for ")


def _no_readme_language_warning() -> None:
    if not any(isinstance(f, _NoReadmeLanguageWarning) for f in chainlit_log.filters):
        chainlit_log.addFilter(_NoReadmeLanguageWarning())


def install_server(health, readme: Callable[..., Awaitable[str | None]] | None = None) -> None:
    """Set up the server at import of the Chainlit app, before Chainlit builds its middleware stack.

    `readme()` gives the readme to show instead of `chainlit.md` (None: keep it)."""
    try:
        store = shared_store()  # the rate limits, the login back-off and ended logins: this process or a Redis
    except LimitStoreUnavailable as exc:
        raise SystemExit(f"bot: {exc}") from exc
    sessions = _enable_login(store) if get_settings().login else None
    _register_routes(health)
    _restrict_origins()
    _harden_server(sessions)
    _no_nested_profile_lookup()
    _empty_uploads_kept()
    _no_readme_language_warning()
    _bounded_shutdown()
    if readme is not None:
        # Innermost, inside Chainlit's gzip, like `OfflinePage`: it reads the JSON before compression.
        server.user_middleware.append(Middleware(CorpusReadme, readme=readme))
