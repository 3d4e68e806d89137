"""Logins that end: each password login's tokens carry its id and time, and a logout or its hours end them all."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from chainlit.auth import get_token_from_cookies
from chainlit.auth.cookie import _auth_cookie_name
from starlette.requests import HTTPConnection

from bot.web.limits import LimitStore, LimitStoreUnavailable

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
        claims = jwt.decode(token, self.secret, algorithms=["HS256"])  # the signature and `exp`
        metadata = claims.get("metadata")
        login_id = metadata.get(LOGIN_ID) if isinstance(metadata, dict) else None
        login_at = metadata.get(LOGIN_AT) if isinstance(metadata, dict) else None
        if not isinstance(login_id, str) or not isinstance(login_at, int | float):
            raise jwt.InvalidTokenError("no login id")  # not minted by a login of this version
        return login_id, float(login_at)

    def why_dead(self, token: str) -> str | None:
        """None if `token` opens the app, else why not (for the log; never shown to the client)."""
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
    connection = HTTPConnection(scope)
    if token := get_token_from_cookies(connection.cookies):
        return token
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def is_auth_cookie(name: str) -> bool:
    """Whether a cookie named `name` carries Chainlit's login token (or a chunk of it)."""
    return name == _auth_cookie_name or (
        name.startswith(_auth_cookie_name + "_") and name[len(_auth_cookie_name) + 1 :].isdigit()
    )
