"""Where generations live: the two backends (local folders, a Chroma server), the pointer, opening one.

Both backends keep each generation as a pair of chromadb collections (passages, and their sentences)
whose vectors are always supplied by `bot.ingest.index.embedding`: collections are opened with
`embedding_function=None`, so Chroma's own default model is never loaded.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.ingest.index.errors import IndexUnavailable
from bot.ingest.index.manifest import Manifest
from bot.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

log = logging.getLogger("bot.ingest.index")


# --- where generations live -----------------------------------------------------------------------


class IndexBackend:
    """Where generations are kept and how the `current` pointer is read and switched."""

    description: str

    def client(self, generation: str) -> ClientAPI:
        raise NotImplementedError

    def collection_names(self, generation: str) -> tuple[str, str]:
        raise NotImplementedError

    def read_manifest(self) -> Manifest | None:
        raise NotImplementedError

    def write_manifest(self, manifest: Manifest) -> None:
        raise NotImplementedError

    def generations(self) -> list[str]:
        raise NotImplementedError

    def drop(self, generation: str) -> None:
        raise NotImplementedError

    def release(self, generation: str) -> None:
        """Forget this process's client for `generation` (Chroma caches one per path)."""


_GENERATION_TIME = "%Y%m%d-%H%M%S"


def new_generation_name() -> str:
    return "g-" + time.strftime(_GENERATION_TIME) + f"-{time.time_ns() % 1_000_000:06d}"


def generation_time(name: str) -> int | None:
    """When the generation `name` was made (Unix seconds), from its name; None for a name of another form."""
    try:
        return int(time.mktime(time.strptime(name[2:17], _GENERATION_TIME))) if name.startswith("g-") else None
    except ValueError:
        return None


class EmbeddedBackend(IndexBackend):
    """Generations are folders under `index_dir`; `index_dir/current` names the live one (JSON)."""

    def __init__(self, settings: Settings):
        self.root = settings.index_dir
        self.collection = settings.collection
        self.description = f"the index at {self.root}"
        self._clients: dict[str, ClientAPI] = {}

    def path(self, generation: str) -> Path:
        return self.root / generation

    def client(self, generation: str) -> ClientAPI:
        # lazy: chromadb takes seconds to import; the server starts first
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        if generation not in self._clients:
            self.path(generation).mkdir(parents=True, exist_ok=True)
            self._clients[generation] = chromadb.PersistentClient(
                path=str(self.path(generation)), settings=ChromaSettings(anonymized_telemetry=False)
            )
        return self._clients[generation]

    def release(self, generation: str) -> None:
        client = self._clients.pop(generation, None)
        if client is not None:
            client.close()

    def collection_names(self, generation: str) -> tuple[str, str]:
        return self.collection, f"{self.collection}_sentences"

    def read_manifest(self) -> Manifest | None:
        pointer = self.root / "current"
        try:
            manifest = Manifest.from_json(pointer.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            raise IndexUnavailable(f"{pointer} is unreadable ({exc}); run `bot ingest` to rebuild.") from exc
        return manifest if self.path(manifest.generation).is_dir() else None

    def write_manifest(self, manifest: Manifest) -> None:
        pointer = self.root / "current"
        staged = pointer.with_name(f".current.{os.getpid()}")
        with open(staged, "w", encoding="utf-8") as fh:
            fh.write(manifest.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(staged, pointer)  # atomic: readers see the old pointer or the new one, never half

    def generations(self) -> list[str]:
        return sorted(p.name for p in self.root.glob("g-*") if p.is_dir()) if self.root.is_dir() else []

    def drop(self, generation: str) -> None:
        self.release(generation)
        shutil.rmtree(self.path(generation), ignore_errors=True)

    def move_aside(self, generation: str) -> Path:
        """Move a damaged generation out of the way (kept for inspection) and clear the pointer."""
        # lazy: chromadb takes seconds to import; the server starts first
        from chromadb.api.client import SharedSystemClient

        self._clients.pop(generation, None)
        SharedSystemClient.clear_system_cache()  # never touch the damaged files' cached client again
        aside = self.root / f"damaged-{generation}"
        os.replace(self.path(generation), aside)
        (self.root / "current").unlink(missing_ok=True)
        return aside


class ServerBackend(IndexBackend):
    """Generations are collections on a Chroma server; a small pointer collection names the live one."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.collection = settings.collection
        self.description = f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
        self._client: ClientAPI | None = None

    def client(self, generation: str = "") -> ClientAPI:
        # lazy: chromadb takes seconds to import; the server starts first
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        if self._client is None:
            options: dict = {"anonymized_telemetry": False}
            if self.settings.chroma_auth_token:
                options["chroma_client_auth_provider"] = "chromadb.auth.token_authn.TokenAuthClientProvider"
                options["chroma_client_auth_credentials"] = self.settings.chroma_auth_token.get_secret_value()
            try:
                self._client = chromadb.HttpClient(
                    host=self.settings.chroma_host, port=self.settings.chroma_port, settings=ChromaSettings(**options)
                )
            except Exception as exc:
                raise unavailable(self, exc) from exc
        return self._client

    def collection_names(self, generation: str) -> tuple[str, str]:
        return f"{self.collection}-{generation}", f"{self.collection}-{generation}_sentences"

    def _pointer(self) -> Collection:
        return self.client().get_or_create_collection(f"{self.collection}-current", embedding_function=None)

    def read_manifest(self) -> Manifest | None:
        try:
            text = (self._pointer().metadata or {}).get("manifest")
        except Exception as exc:
            raise unavailable(self, exc) from exc
        return Manifest.from_json(text) if text else None

    def write_manifest(self, manifest: Manifest) -> None:
        self._pointer().modify(metadata={"manifest": manifest.to_json()})

    def generations(self) -> list[str]:
        prefix = f"{self.collection}-g-"
        names = [c.name for c in self.client().list_collections()]
        return sorted(
            n[len(self.collection) + 1 :] for n in names if n.startswith(prefix) and not n.endswith("_sentences")
        )

    def drop(self, generation: str) -> None:
        # lazy: chromadb takes seconds to import; the server starts first
        from chromadb.errors import NotFoundError

        for name in self.collection_names(generation):
            try:
                self.client().delete_collection(name)
            except NotFoundError:
                pass  # already gone (a half-built generation may have only one of its two)
            except Exception as exc:
                log.warning("could not delete collection %s from %s: %s", name, self.description, _reason(exc))


def _reason(exc: BaseException) -> str:
    """The first line of an error, for messages and logs (never a stack trace or a request's headers)."""
    return type(exc).__name__ if not str(exc) else str(exc).splitlines()[0][:200]


def unavailable(backend: IndexBackend, exc: BaseException) -> IndexUnavailable:
    """The user-facing error for a store that cannot be reached (no secrets, no stack trace)."""
    return IndexUnavailable(f"The article index is unavailable: cannot reach {backend.description} ({_reason(exc)}).")


def index_backend(settings: Settings) -> IndexBackend:
    """The store the settings choose: embedded folders, or a Chroma server when CHROMA_HOST is set."""
    match settings.index_backend:
        case "embedded":
            return EmbeddedBackend(settings)
        case "server":
            return ServerBackend(settings)


# --- opening a generation -------------------------------------------------------------------------


@dataclass
class OpenIndex:
    """One generation opened for reading: its passage and sentence collections."""

    backend: IndexBackend
    manifest: Manifest
    passages: Collection
    sentences: Collection

    def close(self) -> None:
        self.backend.release(self.manifest.generation)


def collections(
    backend: IndexBackend, generation: str, create: bool, metadata: dict | None = None
) -> tuple[Collection, Collection]:
    """A generation's passage and sentence collections: created (new, cosine space), or opened (never created)."""
    client = backend.client(generation)
    names = backend.collection_names(generation)
    if create:
        passages, sentences = (
            client.create_collection(
                name, embedding_function=None, metadata=metadata, configuration={"hnsw": {"space": "cosine"}}
            )
            for name in names
        )
    else:
        passages, sentences = (client.get_collection(name, embedding_function=None) for name in names)
    return passages, sentences


def open_index(settings: Settings, backend: IndexBackend | None = None) -> OpenIndex:
    """The live generation, opened for reading; IndexUnavailable if there is none or it cannot be reached."""
    backend = backend or index_backend(settings)
    manifest = backend.read_manifest()
    if manifest is None:
        raise IndexUnavailable(f"Nothing is indexed in {backend.description} yet: run `bot ingest` first.")
    return open_generation(backend, manifest)


def open_generation(backend: IndexBackend, manifest: Manifest) -> OpenIndex:
    """The generation `manifest` names, opened for reading."""
    try:
        passages, sentences = collections(backend, manifest.generation, create=False)
    except IndexUnavailable:
        raise
    except Exception as exc:
        raise unavailable(backend, exc) from exc
    return OpenIndex(backend, manifest, passages, sentences)


def current_generation(settings: Settings, backend: IndexBackend | None = None) -> str | None:
    """The generation the pointer names now (cheap: a small file, or one request to the server)."""
    manifest = (backend or index_backend(settings)).read_manifest()
    return manifest.generation if manifest else None


def index_passage_count(settings: Settings) -> int:
    """Passages in the live generation; 0 when there is none."""
    try:
        manifest = index_backend(settings).read_manifest()
    except IndexUnavailable:
        return 0
    return manifest.passages if manifest else 0
