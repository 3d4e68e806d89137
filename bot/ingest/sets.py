"""Document sets: several named folders of documents on one server, each with its own index and welcome.

Declared in one place, `BOT_SETS_DIR`: each subfolder is a set, named by the folder, and may hold a
`set.toml` (title, welcome, description, starters, users). Without it, `BOT_CORPUS_DIR` is the one set and
keeps its index where it always was. A set's index lives under `<index_dir>/sets/<name>` (or collections
named `<collection>-<name>` on a Chroma server), so picking another set never re-embeds one that did not
change; every set shares the server's one ONNX export of the model.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot.ingest.files import SET_FILE
from bot.settings import Settings

DEFAULT_SET = "default"  # the name of the one set made from `corpus_dir`
__all__ = ["DEFAULT_SET", "SET_FILE", "DocumentSet", "SetError", "document_sets", "find_set", "set_settings"]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
_KEYS = {"title", "welcome", "description", "starters", "users"}


class SetError(ValueError):
    """A set folder or its `set.toml` that cannot be used; the text names it."""


@dataclass(frozen=True)
class DocumentSet:
    """One named set: its folder, its settings (index, welcome, starters) and who may see it."""

    name: str  # the folder's name: the chat profile's name, kept with each conversation
    title: str
    settings: Settings  # `corpus_dir`, `index_dir`, `collection`, `welcome`, `starters` of this set
    users: tuple[str, ...] = ()  # empty = everyone who may use the server
    problems: list[str] = field(default_factory=list, compare=False)

    @property
    def folder(self) -> Path:
        return self.settings.corpus_dir

    def visible_to(self, user: str | None, login: bool) -> bool:
        """Whether `user` may see and ask this set: everyone unless it names its users (which needs a login)."""
        if not self.users:
            return True
        return login and user is not None and user in self.users


def _read_set_file(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SetError(f"{path}: unreadable ({exc})") from exc
    unknown = set(data) - _KEYS
    if unknown:
        raise SetError(f"{path}: unknown keys {', '.join(sorted(unknown))} (known: {', '.join(sorted(_KEYS))})")
    for key in ("title", "welcome", "description"):
        if key in data and not isinstance(data[key], str):
            raise SetError(f"{path}: `{key}` must be text")
    for key in ("starters", "users"):
        if key in data and not (isinstance(data[key], list) and all(isinstance(v, str) for v in data[key])):
            raise SetError(f"{path}: `{key}` must be a list of text")
    return data


def set_settings(settings: Settings, name: str, folder: Path, data: dict | None = None) -> Settings:
    """The settings a set's index and welcome use: its folder, its own index and collection, its texts."""
    data = data or {}
    update: dict = {
        "corpus_dir": folder,
        "index_dir": settings.index_dir / "sets" / name,
        "collection": f"{settings.collection}-{name}",
    }
    if data.get("welcome"):
        update["welcome"] = data["welcome"]
    if data.get("description"):
        update["assistant_description"] = data["description"]
    if "starters" in data:
        update["starters"] = [" ".join(s.split()) for s in data["starters"] if s.strip()]
    return settings.model_copy(update=update).with_query_encoder_root(settings.query_encoder_root())


def document_sets(settings: Settings) -> list[DocumentSet]:
    """Every set the settings declare, in name order; the one set of `corpus_dir` when `sets_dir` is empty.

    A set folder whose `set.toml` is broken is left out and named in the first set's `problems` (the
    others still serve); a missing `sets_dir` or one with no set folder is a `SetError`.
    """
    if settings.sets_dir is None:
        return [DocumentSet(DEFAULT_SET, settings.assistant_name, settings)]
    root = settings.sets_dir
    if not root.is_dir():
        raise SetError(f"BOT_SETS_DIR: no folder at {root}")
    found: list[DocumentSet] = []
    problems: list[str] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not _NAME.fullmatch(folder.name):
            problems.append(f"{folder}: a set's folder name uses letters, digits, '-' and '_' only; left out")
            continue
        try:
            data = _read_set_file(folder / SET_FILE) if (folder / SET_FILE).is_file() else {}
        except SetError as exc:
            problems.append(f"{exc}; left out")
            continue
        title = " ".join((data.get("title") or folder.name.replace("-", " ").replace("_", " ")).split())
        users = tuple(u.strip() for u in data.get("users", []) if u.strip())
        found.append(DocumentSet(folder.name, title, set_settings(settings, folder.name, folder, data), users))
    if not found:
        raise SetError(f"BOT_SETS_DIR: {root} holds no set folder" + "".join(f"\n  {p}" for p in problems))
    found[0].problems.extend(problems)
    return found


def find_set(sets: list[DocumentSet], name: str | None) -> DocumentSet | None:
    """The set called `name`, or None."""
    return next((s for s in sets if s.name == name), None)
