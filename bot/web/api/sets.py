"""Document sets, the API's `model`: which exist, and which a key may use. The one place that knows both.

They are the server's sets (`bot.ingest.sets`): with `BOT_SETS_DIR`, each set by its folder's name, as in the
chat's profiles; otherwise the one configured corpus, named after its folder ("corpus" for the demo's
`corpus/`), a name that stays the same across restarts and `bot serve --corpus DIR` runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.ingest.sets import DocumentSet as ServedSet
from bot.ingest.sets import document_sets as served_sets
from bot.settings import Settings

ALL_SETS = "*"  # a key scoped to it may use every set the server has, now and later


@dataclass(frozen=True)
class DocumentSet:
    """One set of documents the API answers from, by the name clients pass as `model`."""

    name: str
    served: ServedSet  # the server's set: its documents, index and who may see it in the chat


def set_name(settings: Settings) -> str:
    """The stable name of the configured corpus: its folder's name in lower case, `-` between words."""
    name = re.sub(r"[^a-z0-9]+", "-", settings.corpus_dir.resolve().name.lower()).strip("-")
    return name[:60] or "documents"


def document_sets(
    settings: Settings, scopes: Iterable[str] | None = None, served: list[ServedSet] | None = None
) -> dict[str, DocumentSet]:
    """The sets this server has, by name; with `scopes` (a key's), only those the key may use. A key for every
    set (`*`) does not reach a set limited to named chat users: such a set must be named in the key. `served`
    are the sets the server loaded at start (the API passes them: no set folder is read per request); without
    it they are read from the settings (the CLI's `bot api-key`)."""
    served = served if served is not None else served_sets(settings)
    if settings.sets_dir is None:
        (one,) = served
        every = {set_name(settings): DocumentSet(set_name(settings), one)}
    else:
        every = {s.name: DocumentSet(s.name, s) for s in served}
    if scopes is None:
        return every
    allowed = set(scopes)
    return {name: s for name, s in every.items() if name in allowed or (ALL_SETS in allowed and not s.served.users)}
