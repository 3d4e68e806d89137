"""Document sets, the API's `model`: which exist, and which a key may use. The one place that knows both.

Today a server answers from one set, the configured corpus, named after its folder ("corpus" for the
demo's `corpus/`): the name stays the same across restarts and `bot serve --corpus DIR` runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.settings import Settings

ALL_SETS = "*"  # a key scoped to it may use every set the server has, now and later


@dataclass(frozen=True)
class DocumentSet:
    """One set of documents the API answers from, by the name clients pass as `model`."""

    name: str
    settings: Settings  # where its documents and index are


def set_name(settings: Settings) -> str:
    """The stable name of the configured corpus: its folder's name in lower case, `-` between words."""
    name = re.sub(r"[^a-z0-9]+", "-", settings.corpus_dir.resolve().name.lower()).strip("-")
    return name[:60] or "documents"


def document_sets(settings: Settings, scopes: Iterable[str] | None = None) -> dict[str, DocumentSet]:
    """The sets this server has, by name; with `scopes` (a key's), only those the key may use."""
    every = {s.name: s for s in [DocumentSet(set_name(settings), settings)]}
    if scopes is None:
        return every
    allowed = set(scopes)
    return {name: s for name, s in every.items() if ALL_SETS in allowed or name in allowed}
