"""Queries that arrive together are embedded in one batch: one forward pass costs far less than one each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


class QueryBatcher:
    """Embeds concurrent queries together: one forward pass for a batch costs far less than one each.

    The first caller encodes whatever is waiting, again and again until nothing is; the others wait
    for their vector. A lone query is encoded at once, so an idle server adds no delay.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray]):
        self._encode = encode
        self._lock = threading.Lock()
        self._pending: list[_PendingQuery] = []
        self._busy = False

    def embed(self, text: str) -> np.ndarray:
        mine = _PendingQuery(text)
        with self._lock:
            self._pending.append(mine)
            lead, self._busy = not self._busy, True
        if lead:
            self._drain()
        mine.done.wait()
        if mine.error is not None:
            raise mine.error
        return mine.vector

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._busy = False
                    return
            try:
                vectors = self._encode([q.text for q in batch])
            except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
                for q in batch:
                    q.error = exc
            else:
                for q, vector in zip(batch, vectors):
                    q.vector = vector
            for q in batch:
                q.done.set()


@dataclass
class _PendingQuery:
    text: str
    vector: np.ndarray | None = None
    error: Exception | None = None
    done: threading.Event = field(default_factory=threading.Event)
