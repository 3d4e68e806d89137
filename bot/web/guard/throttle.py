"""Per-client limits: a sliding window of events per user or address, and the back-off after failed logins."""

from __future__ import annotations

import logging

from bot.web.limits import LimitStore, LimitStoreUnavailable, MemoryStore

log = logging.getLogger("bot.web.guard")


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
