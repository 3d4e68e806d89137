"""Ingest: bring the index in line with the corpus in a new generation (copy, embed, validate, switch, retire).

Longer than most modules on purpose: each step of a generation's life is short, and keeping them in
order in one file is what makes it plain that the live generation is never written to.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from bot.ingest.convert import SUFFIXES
from bot.ingest.convert.fidelity import Fidelity, measure
from bot.ingest.convert.isolated import IsolatedConverter
from bot.ingest.corpus import Article, CorpusError, check_file, corpus_files, file_sha256, printable, read_article
from bot.ingest.index.calibration import OFF_TOPIC_PROBES, Calibration, calibrate
from bot.ingest.index.embedding import Embedder, OnnxEmbedder, embed_passages, export_query_encoder, load_embeddings
from bot.ingest.index.errors import IndexUnavailable
from bot.ingest.index.manifest import Manifest, build_signature, embedding_signature
from bot.ingest.index.records import Fresh, passage_records
from bot.ingest.index.store import IndexBackend, OpenIndex, collections, index_backend, new_generation_name, open_generation
from bot.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

    from chromadb.api.models.Collection import Collection

    from bot.ingest.query_encoder import OnnxQueryEncoder

PASSAGES_PER_STEP = 64  # passages embedded and stored per step: bounds memory, paces the progress bar
COPY_BATCH = 2000  # stored records copied per call when carrying unchanged files into a new generation


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
    # How each converted file reads (glued or broken words, non-text characters, passages without a
    # sentence), and why a file looks wrongly converted: named here before anyone asks it a question.
    fidelity: dict[str, Fidelity] = field(default_factory=dict)
    suspect: dict[str, list[str]] = field(default_factory=dict)
    # Seconds spent in each step ("converting", "chunking", "embedding", "checking"): where ingest time goes.
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, step: str, seconds: float) -> None:
        self.timings[step] = self.timings.get(step, 0.0) + seconds

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
        if self.timings:
            lines.append("Time: " + ", ".join(f"{step} {t:.1f}s" for step, t in self.timings.items()))
        if self.rebuilt:
            lines.append("The embedding model or chunking changed: the index was rebuilt from scratch.")
        if self.changed and self.generation:
            lines.append(f"Now serving index generation {self.generation}.")
        for label, names in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            lines += [f"  {label}: {name}" for name in names]
        lines += [f"  skipped: {err}" for err in self.errors]
        lines += [f"  read: {name}: {figures.figures()}" for name, figures in self.fidelity.items()]
        lines += [f"  looks wrong: {name}: {'; '.join(reasons)}" for name, reasons in self.suspect.items()]
        return "\n".join(lines)


# --- ingest -----------------------------------------------------------------------------------------


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


def _show_progress(progress: bool | None) -> bool:
    return progress if progress is not None else sys.stderr.isatty()


def _ingest_locked(settings: Settings, progress: bool | None, log: Callable[[str], None]) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    paths = corpus_files(settings.corpus_dir)
    if not paths:
        raise IndexUnavailable(
            f"No documents in {settings.corpus_dir.resolve()} (supported: {', '.join(sorted(SUFFIXES))})."
        )

    backend = index_backend(settings)
    current = backend.read_manifest()
    static = build_signature(settings)
    reusable = current if current and {k: current.signature.get(k) for k in static} == static else None
    report.rebuilt = current is not None and reusable is None
    previous_files = reusable.files if reusable else {}
    files, fresh, unreadable = _read_changed(settings, paths, previous_files, report, progress, log)
    for source, sha in previous_files.items():
        if source in files:
            continue
        if source in unreadable:
            files[source] = sha  # keep the last good version of a file that is now unreadable
        else:
            report.removed.append(source)
    if not files:
        raise IndexUnavailable(
            f"No readable documents in {settings.corpus_dir.resolve()}:\n"
            + "\n".join(f"  skipped: {err}" for err in report.errors)
        )
    report.generation = current.generation if current else ""
    if reusable and not report.changed and Calibration.from_dict(reusable.calibration):
        report.passages_total = reusable.passages
        report.seconds = time.perf_counter() - started
        return report  # nothing to do: the model is not even loaded

    carried = [s for s in files if s in previous_files and previous_files[s] == files[s]]
    report.generation = new_generation_name()
    try:
        manifest, report.passages_written = _build_generation(
            settings, backend, report.generation, reusable, carried, fresh, files, progress, log, report
        )
    except BaseException:
        backend.drop(report.generation)  # never leave a half-built generation behind
        raise
    backend.write_manifest(manifest)
    backend.release(report.generation)
    _retire_old_generations(backend, keep={report.generation, current.generation if current else ""})
    # The model is loaded now: export it for the question path once (skipped when current). An
    # ingest that changed nothing returned above without it; `ensure_index` makes a missing export.
    began = time.perf_counter()
    export_query_encoder(settings, log)
    report.timed("exporting the query encoder", time.perf_counter() - began)
    report.passages_total = manifest.passages
    report.seconds = time.perf_counter() - started
    return report


def _read_changed(
    settings: Settings,
    paths: list[Path],
    previous_files: dict[str, str],
    report: IngestReport,
    progress: bool | None,
    log: Callable[[str], None],
) -> tuple[dict[str, str], list[Article], set[str]]:
    """Hash every file and convert only those new or changed since the index was built.

    Returns the hash of every readable file, the articles to embed, and the names of the files that
    could not be read (an indexed file that turns unreadable keeps its last good version).
    """
    from tqdm import tqdm

    files: dict[str, str] = {}
    fresh: list[Article] = []
    unreadable: set[str] = set()
    max_bytes = settings.max_file_mb * 2**20
    converter = IsolatedConverter(settings.convert_seconds, settings.convert_memory_mb)  # started at its first file
    with converter, tqdm(paths, desc="Reading files", unit="file", disable=not _show_progress(progress)) as bar:
        for path in bar:
            name = printable(path.relative_to(settings.corpus_dir).as_posix())
            bar.set_postfix_str(name[-40:], refresh=False)
            try:
                name = check_file(path, settings.corpus_dir, max_bytes)
                sha = file_sha256(path, name)
                old = previous_files.get(name)
                if old == sha:
                    files[name] = sha
                    report.unchanged.append(name)
                    continue
                began = time.perf_counter()
                article = read_article(path, settings.corpus_dir, max_bytes, converter.convert)
                report.timed("converting", time.perf_counter() - began)
            except (CorpusError, OSError) as exc:  # OSError: a file replaced or truncated while it was read
                reason = str(exc) if isinstance(exc, CorpusError) else f"{name}: changed while it was read ({exc})"
                report.errors.append(reason)
                unreadable.add(name)
                log(f"skipped: {reason}")
                continue
            files[name] = article.sha256
            (report.updated if old else report.added).append(name)
            fresh.append(article)
    return files, fresh, unreadable


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
    report: IngestReport,
) -> tuple[Manifest, int]:
    """Write a complete generation (carried files copied, fresh files embedded) and validate it. A fresh file
    the index cannot find again is left out and named in `report`."""
    from tqdm import tqdm

    began = time.perf_counter()
    embeddings = load_embeddings(settings)
    report.timed("loading the model", time.perf_counter() - began)
    signature = embedding_signature(settings, embeddings)
    passages, sentences = collections(backend, generation, create=True, metadata=signature)

    if previous and carried:
        old = open_generation(backend, previous)
        for source_store, target in ((old.passages, passages), (old.sentences, sentences)):
            _copy_records(source_store, target, carried)
        old.close()

    new = Fresh()
    began = time.perf_counter()
    for article in fresh:
        records = passage_records(article, settings)
        new.extend(records)
        log(f"indexing {article.source}: {len(records.passages.ids)} passages")
        _check_fidelity(article, records, report, log)
    report.timed("chunking", time.perf_counter() - began)
    method = signature["passage_vectors"]
    began = time.perf_counter()
    onnx = _onnx_encoder(settings, log) if method == "pooled" and new.pieces else None
    workers = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
    tokens_of = (lambda texts: onnx.token_embeddings(texts, workers)) if onnx else None
    report.timed("exporting the query encoder", time.perf_counter() - began)
    began = time.perf_counter()
    show = _show_progress(progress)
    total = len(new.passages.ids)
    with tqdm(total=total, desc="Embedding passages", unit="passage", disable=not show or total == 0) as bar:
        first_sentence = 0
        for start in range(0, total, PASSAGES_PER_STEP):
            pieces = new.pieces[start : start + PASSAGES_PER_STEP]
            passage_vectors, sentence_vectors = embed_passages(
                embeddings.model, pieces, method, settings.embedding_batch_size, tokens_of
            )
            last_sentence = first_sentence + len(sentence_vectors)
            for store, records, vectors in (
                (passages, new.passages.slice(start, start + len(pieces)), passage_vectors),
                (sentences, new.sentences.slice(first_sentence, last_sentence), sentence_vectors),
            ):
                if records.ids:
                    store.upsert(
                        ids=records.ids, embeddings=vectors, documents=records.texts, metadatas=records.metadatas
                    )
            first_sentence = last_sentence
            bar.update(len(pieces))
    report.timed("embedding", time.perf_counter() - began)

    rejected = _unfindable_files(passages, sorted({a.source for a in fresh}))
    for source, reason in rejected.items():  # the rest of the corpus is indexed without them
        passages.delete(where={"source": source})
        sentences.delete(where={"source": source})
        files.pop(source, None)
        log(f"skipped: {source}: {reason}")
        report.errors.append(f"{source}: {reason}")
        for kind in (report.added, report.updated):
            if source in kind:
                kind.remove(source)
    if not files:
        raise IndexUnavailable("No file could be indexed:\n" + "\n".join(f"  {s}: {r}" for s, r in rejected.items()))
    began = time.perf_counter()
    manifest = Manifest(
        generation=generation,
        signature=signature,
        files=files,
        passages=passages.count(),
        sentences=sentences.count(),
        calibration=_calibrate(passages, OnnxEmbedder(onnx) if onnx else embeddings).to_dict(),
    )
    _validate(manifest, OpenIndex(backend, manifest, passages, sentences), signature, embeddings)
    report.timed("calibrating and checking", time.perf_counter() - began)
    return manifest, total


def _unfindable_files(passages: Collection, sources: list[str]) -> dict[str, str]:
    """The newly embedded files whose first passage the index cannot find again by its own vector, with the
    reason: such a file would fail the whole generation's validation, so it is left out and named instead."""
    total = passages.count()
    return {
        source: "its passages cannot be found again in the index (too many alike); not indexed"
        for source in sources
        if not _finds_itself(passages, total, where={"source": source})
    }


def _finds_itself(passages: Collection, total: int, where: dict | None = None) -> bool:
    """Whether the first stored passage (of `where`) comes back among the nearest to its own vector (true when
    there is none). A passage repeated word for word may come back under another id."""
    sample = passages.get(where=where, limit=1, include=["embeddings", "documents"])
    if not sample["ids"]:
        return True
    found = passages.query(query_embeddings=[sample["embeddings"][0]], n_results=min(3, total), include=["documents"])
    return any(
        i == sample["ids"][0] or d == sample["documents"][0] for i, d in zip(found["ids"][0], found["documents"][0])
    )


def _check_fidelity(article: Article, records: Fresh, report: IngestReport, log: Callable[[str], None]) -> None:
    """Measure how a converted file's passages read; name it with the reasons when it looks wrong."""
    metadatas = records.passages.metadatas
    figures = measure([m["text"] for m in metadatas], [m["heading"].split(" > ")[-1] for m in metadatas])
    if SUFFIXES.get(PurePosixPath(article.source).suffix.lower()) != "text":
        report.fidelity[article.source] = figures
    problems = figures.problems()
    if problems:
        report.suspect[article.source] = problems
        log(f"looks wrong: {article.source}: {'; '.join(problems)}")


def _onnx_encoder(settings: Settings, log: Callable[[str], None]) -> OnnxQueryEncoder | None:
    """The model's ONNX export (made now if missing) to embed with, or None to use torch.

    The export is the one the question path uses; onnxruntime computes the same token embeddings
    (max difference under 1e-4, checked at export) in about half of torch's CPU time, and embedding
    is most of an ingest's time. A single-threaded session, called from one thread per core: two
    threads inside one session spent more CPU for the same work here.
    """
    from bot.ingest.query_encoder import OnnxQueryEncoder

    path = export_query_encoder(settings, log)
    if path is None:
        return None
    try:
        encoder = OnnxQueryEncoder(settings.embedding_model_path(), path, threads=1, batch_size=16)
    except Exception as exc:  # onnxruntime missing or a damaged file: torch still embeds
        log(f"ONNX encoder unusable for ingest ({type(exc).__name__}: {exc}); embedding with torch")
        return None
    return encoder


def _calibrate(passages: Collection, embeddings: Embedder | OnnxEmbedder) -> Calibration:
    """The refusal threshold of the whole new generation (see `bot.ingest.index.calibration`)."""
    import numpy as np

    stored = passages.get(include=["embeddings", "metadatas"])
    if not stored["ids"]:
        return calibrate(np.zeros((1, 1)), np.zeros((0, 1)), np.zeros((1, 1)))
    vectors = np.asarray(stored["embeddings"], dtype=np.float32)
    # The corpus's own headings, each once: its questions where it has them, its section titles otherwise.
    headings = list(dict.fromkeys(h for m in stored["metadatas"] if (h := str(m.get("heading", "")).split(" > ")[-1])))
    return calibrate(
        embeddings.queries(list(OFF_TOPIC_PROBES)),
        embeddings.queries(headings[:400]) if headings else np.zeros((0, vectors.shape[1]), dtype=np.float32),
        vectors,
    )


def _copy_records(source: Collection, target: Collection, sources: list[str]) -> None:
    """Copy the stored records (vectors included) of `sources` from one generation to another."""
    offset = 0
    while True:
        batch = source.get(
            where={"source": {"$in": sources}},
            include=["embeddings", "documents", "metadatas"],
            limit=COPY_BATCH,
            offset=offset,
        )
        if not batch["ids"]:
            return
        target.add(
            ids=batch["ids"], embeddings=batch["embeddings"], documents=batch["documents"], metadatas=batch["metadatas"]
        )
        offset += len(batch["ids"])


def _validate(manifest: Manifest, index: OpenIndex, signature: dict, embeddings: Embedder) -> None:
    """Refuse to switch to a generation that is empty, built with another model, or cannot find a record."""
    metadata = index.passages.metadata or {}
    problems = []
    if manifest.passages == 0:
        problems.append("it holds no passages")
    for key in ("embedding_model", "dimension"):
        if metadata.get(key) != signature[key]:
            problems.append(f"its {key} is {metadata.get(key)!r}, expected {signature[key]!r}")
    if manifest.sentences:
        # Sentence vectors are the model's own encodes of their text, so finding one again by its text
        # proves the stored vectors and this model agree.
        sample = index.sentences.get(limit=1, include=["documents"])
        text = sample["documents"][0]
        found = index.sentences.query(
            query_embeddings=embeddings.documents([text]), n_results=min(3, manifest.sentences), include=["documents"]
        )
        # A sentence repeated word for word may come back under another id.
        if not any(i == sample["ids"][0] or d == text for i, d in zip(found["ids"][0], found["documents"][0])):
            problems.append("a known sentence is not found by its own text")
    if manifest.passages and not _finds_itself(index.passages, manifest.passages):
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
