"""Where rate limits, login back-offs and ended logins are counted: this process, or a Redis every instance shares.

With several `bot serve` instances behind a load balancer, a limit kept in each process's memory lets a
visitor have it once per instance, and a logout on one instance leaves the login alive on the others.
`BOT_LIMIT_STORE=redis` (and `BOT_REDIS_URL`) keeps them in one Redis instead. Times are wall-clock
seconds (`time.time()`), which every instance shares; the memory store bounds how many keys it keeps.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from functools import lru_cache
from urllib.parse import urlsplit

from bot.settings import Settings, get_settings

PREFIX = "bot:"  # every Redis key this app writes starts with it


class LimitStoreUnavailable(RuntimeError):
    """The shared store cannot be reached."""


class LimitStore:
    """The interface every store has. Keys are free text chosen by the caller (a namespace, then a user or address)."""

    def take(self, key: str, limit: int, window: float) -> float:
        """Count one event for `key` and return 0 if fewer than `limit` were counted in the last `window`
        seconds; else count nothing and return the seconds until one more will be allowed."""
        raise NotImplementedError

    def streak(self, key: str) -> tuple[int, float]:
        """(failures in a row, seconds since the last one) for `key`; (0, inf) when there are none."""
        raise NotImplementedError

    def add_to_streak(self, key: str, keep: float) -> None:
        """One more failure for `key`, now; the streak is forgotten `keep` seconds after its last failure."""
        raise NotImplementedError

    def clear_streak(self, key: str) -> None:
        raise NotImplementedError

    def end(self, ident: str, until: float) -> None:
        """Mark `ident` (a login's id) as ended until the wall-clock time `until`, when it expires anyway."""
        raise NotImplementedError

    def is_ended(self, ident: str) -> bool:
        raise NotImplementedError


class MemoryStore(LimitStore):
    """This process only: the default for one instance. A restart forgets everything."""

    def __init__(self, max_keys: int = 100_000):
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._streaks: dict[str, tuple[int, float, float]] = {}  # key -> (failures, time of the last, keep)
        self._ended: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, window: float) -> float:
        now = time.time()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= window:
                events.popleft()
            if len(events) >= limit:
                return window - (now - events[0])
            events.append(now)
            if len(self._events) > self.max_keys:  # forget idle clients rather than grow without bound
                self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < window}
            return 0.0

    def streak(self, key: str) -> tuple[int, float]:
        with self._lock:
            n, last, keep = self._streaks.get(key, (0, 0.0, 0.0))
        since = time.time() - last
        return (n, since) if n and since < keep else (0, math.inf)

    def add_to_streak(self, key: str, keep: float) -> None:
        now = time.time()
        with self._lock:
            n, last, old_keep = self._streaks.get(key, (0, 0.0, 0.0))
            self._streaks[key] = ((n if now - last < old_keep else 0) + 1, now, keep)
            if len(self._streaks) > self.max_keys:  # forget old failures rather than grow without bound
                self._streaks = {k: v for k, v in self._streaks.items() if now - v[1] < v[2]}

    def clear_streak(self, key: str) -> None:
        with self._lock:
            self._streaks.pop(key, None)

    def end(self, ident: str, until: float) -> None:
        now = time.time()
        with self._lock:
            if len(self._ended) > self.max_keys // 10:
                self._ended = {k: t for k, t in self._ended.items() if t > now}
            self._ended[ident] = until

    def is_ended(self, ident: str) -> bool:
        with self._lock:
            return self._ended.get(ident, 0.0) > time.time()


# A sliding window as a sorted set of event times: drop the old ones, count, add one if under the limit.
# One script, so that two instances counting at once cannot both take the last place.
_TAKE = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(window - (now - tonumber(oldest[2])))
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return '0'
"""


class RedisStore(LimitStore):
    """One Redis that every instance shares. Ended logins are kept (with an expiry) across restarts when the
    Redis keeps its data; each call is one round trip on the chat server's event loop (well under a
    millisecond on a local network), with a short timeout so that a lost Redis cannot hang the server."""

    def __init__(self, url: str, timeout: float = 2.0):
        try:
            import redis  # lazy: an optional extra, needed only with BOT_LIMIT_STORE=redis
        except ImportError as exc:
            raise LimitStoreUnavailable(
                "BOT_LIMIT_STORE=redis needs the `redis` extra: pip install -e '.[redis]'"
            ) from exc
        self._redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._take = self._redis.register_script(_TAKE)
        self._errors = (redis.RedisError, OSError)
        self.where = _without_password(url)

    def check(self) -> None:
        """Raise `LimitStoreUnavailable` unless the Redis answers."""
        self._call(self._redis.ping)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except self._errors as exc:
            raise LimitStoreUnavailable(
                f"the limit store at {self.where} cannot be reached ({type(exc).__name__})"
            ) from exc

    def take(self, key: str, limit: int, window: float) -> float:
        wait = self._call(self._take, keys=[PREFIX + key], args=[time.time(), window, limit, uuid.uuid4().hex])
        return max(0.0, float(wait))

    def streak(self, key: str) -> tuple[int, float]:
        n, last = self._call(self._redis.hmget, PREFIX + key, "n", "last")
        if not n:
            return 0, math.inf
        return int(n), time.time() - float(last)

    def add_to_streak(self, key: str, keep: float) -> None:
        pipe = self._redis.pipeline()  # MULTI/EXEC: the count, the time and the expiry change together
        pipe.hincrby(PREFIX + key, "n", 1)
        pipe.hset(PREFIX + key, "last", repr(time.time()))
        pipe.pexpire(PREFIX + key, max(1, math.ceil(keep * 1000)))
        self._call(pipe.execute)

    def clear_streak(self, key: str) -> None:
        self._call(self._redis.delete, PREFIX + key)

    def end(self, ident: str, until: float) -> None:
        ms = math.ceil((until - time.time()) * 1000)
        if ms > 0:
            self._call(self._redis.set, f"{PREFIX}ended:{ident}", "1", px=ms)

    def is_ended(self, ident: str) -> bool:
        return bool(self._call(self._redis.exists, f"{PREFIX}ended:{ident}"))


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"


def open_store(settings: Settings) -> LimitStore:
    """The store `settings` names; a Redis is checked at once, so that a wrong URL stops the start."""
    match settings.limit_store:
        case "memory":
            return MemoryStore()
        case "redis":
            if settings.redis_url is None:
                raise LimitStoreUnavailable("BOT_LIMIT_STORE=redis needs BOT_REDIS_URL, e.g. redis://127.0.0.1:6379/0")
            store = RedisStore(settings.redis_url.get_secret_value())
            store.check()
            return store


@lru_cache
def shared_store() -> LimitStore:
    """This process's store, from its settings: one for the rate limits, the login back-off and ended logins."""
    return open_store(get_settings())
