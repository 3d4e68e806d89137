"""Who calls the API: the key in `Authorization: Bearer ...` checked against the stored hashes, and its rate limit.

A refused key is logged with why (missing, unknown, revoked: its name) and the client's address, never the
key itself. With no usable key made on this server the API is off: 404, in the OpenAI error shape.
"""

from __future__ import annotations

import logging

from starlette.requests import Request

from bot.history.api_keys import ApiKey, ApiKeys, KeyStoreUnavailable, api_keys_for
from bot.settings import get_settings
from bot.web.api.errors import ApiError
from bot.web.guard import SlidingWindowLimit
from bot.web.limits import shared_store

log = logging.getLogger("bot.web.api")

_store: ApiKeys | None = None
_limit: SlidingWindowLimit | None = None


def key_store() -> ApiKeys:
    """This process's key store (the history database's connection for the API), made on first use."""
    global _store
    if _store is None:
        _store = api_keys_for(get_settings())
    return _store


def _bearer(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _refuse(reason: str, request: Request) -> ApiError:
    client = request.client.host if request.client else "unknown"
    log.warning("refused an API request to %s from %s: %s", request.url.path, client, reason)
    return ApiError(
        401, "Invalid API key: pass a key made with `bot api-key create` as a bearer token.", "invalid_api_key"
    )


async def caller(request: Request) -> ApiKey:
    """The active key this request carries, within its rate limit; else the ApiError to answer with."""
    store = key_store()
    given = _bearer(request)
    try:
        found = await store.find(given) if given else None
        if found is None and not await store.any_active():
            raise ApiError(
                404, "The API is off on this server: no API key has been made (`bot api-key create`).", "api_off"
            )
    except KeyStoreUnavailable as exc:
        log.warning("API keys cannot be read: %s", exc)
        raise ApiError(
            503, "The API keys cannot be read right now; please try again later.", "keys_unavailable"
        ) from None
    if found is None:
        raise _refuse("a missing key" if not given else "an unknown key", request)
    if not found.active:
        raise _refuse(f"the revoked key {found.name!r}", request)
    _check_rate(found)
    return found


def _check_rate(key: ApiKey) -> None:
    global _limit
    settings = get_settings()
    if _limit is None:
        _limit = SlidingWindowLimit(settings.api_rate_limit, settings.rate_limit_window_seconds, shared_store(), "api")
    wait = _limit.wait_seconds(f"key:{key.id}")
    if wait:
        log.warning("API key %r is over its rate limit", key.name)
        seconds = max(1, round(wait))
        raise ApiError(
            429,
            f"This key may make {settings.api_rate_limit} requests in {settings.rate_limit_window_seconds:g} seconds; "
            f"please try again in {seconds} seconds.",
            "rate_limit_exceeded",
            headers={"Retry-After": str(seconds)},
        )
