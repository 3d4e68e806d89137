"""Building a new index generation: copy unchanged files, embed new ones, calibrate, and validate it.

The generation is written under its own name and checked here; only then does `ingestion` switch
the pointer to it, so the live generation is never written to.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

from bot.ingest.convert import SUFFIXES
from bot.ingest.convert.fidelity import measure
from bot.ingest.corpus import Article
from bot.ingest.index.calibration import OFF_TOPIC_PROBES, Calibration, calibrate
from bot.ingest.index.embedding import (
    Embedder,
    OnnxEmbedder,
    embed_passages,
    export_query_encoder,
    load_embeddings,
    pooled_texts,
    query_encoder_path,
)
from bot.ingest.index.errors import IndexUnavailable
from bot.ingest.index.manifest import Manifest, build_signature, embedding_signature
from bot.ingest.index.records import Fresh, Records, passage_records
from bot.ingest.index.report import IngestReport
from bot.ingest.index.store import IndexBackend, OpenIndex, collections, open_generation
from bot.ingest.query_encoder import export_is_current
from bot.settings import Settings

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

    from bot.ingest.query_encoder import OnnxQueryEncoder


PASSAGES_PER_STEP = 64  # passages embedded and stored per step at most: bounds memory (two steps' token
# embeddings at once: one being stored, the next being computed), paces the progress bar
MIN_PASSAGES_PER_STEP = 8  # at least this many: each step's texts keep the ONNX threads busy
INGEST_BATCH = 4  # texts per ONNX run at ingest (see `_onnx_encoder`)
COPY_BATCH = 2000  # stored records copied per call when carrying unchanged files into a new generation


def show_progress(progress: bool | None) -> bool:
    return progress if progress is not None else sys.stderr.isatty()


def build_generation(
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
    step: Callable[[str], None] = lambda _msg: None,
) -> tuple[Manifest, int]:
    """Write a complete generation (carried files copied, fresh files embedded) and validate it. A fresh file
    the index cannot find again is left out and named in `report`."""
    # lazy: start-up time
    from tqdm import tqdm

    began = time.perf_counter()
    pooled = build_signature(settings)["passage_vectors"] == "pooled"
    # With the export an earlier ingest made, the ONNX encoder does all the embedding (see `_onnx_encoder`),
    # so the sentence-transformers model is not loaded at all: seconds of every ingest (an upload's most of all).
    onnx = _onnx_encoder(settings, log, export=False) if pooled else None
    embeddings: Embedder | OnnxEmbedder = OnnxEmbedder(onnx) if onnx else load_embeddings(settings)
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
        step(f"Indexing {article.source}: {len(records.passages.ids)} passages")
        _check_fidelity(article, records, report, log)
    report.timed("chunking", time.perf_counter() - began)
    method = signature["passage_vectors"]
    began = time.perf_counter()
    if onnx is None and method == "pooled" and new.pieces:
        onnx = _onnx_encoder(settings, log)  # the model is loaded: exported now, for this ingest and questions
    model = embeddings.model if isinstance(embeddings, Embedder) else None
    count_tokens = onnx.count_tokens if model is None else None
    workers = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
    report.embedded_with = (
        f"ONNX, batches of {INGEST_BATCH} on {workers} threads"
        if onnx
        else f"sentence-transformers, batches of {settings.embedding_batch_size}"
    )
    report.timed("exporting the query encoder", time.perf_counter() - began)
    began = time.perf_counter()
    show = show_progress(progress)
    total = len(new.passages.ids)
    # About twenty steps for a small upload (its progress line moves page by page), never more than
    # PASSAGES_PER_STEP at once; each text's vector is the same whatever its step.
    per_step = min(PASSAGES_PER_STEP, max(MIN_PASSAGES_PER_STEP, total // 20))
    # One pool of ONNX threads for all the steps, each step's texts queued on it before the step before is
    # pooled and stored: its threads go straight on to them instead of waiting for the slowest batch of a
    # step and then for its pooling and storing (a step's own pool left a core idle at every step's end).
    pool = ThreadPoolExecutor(workers) if onnx else None

    def queued(start: int) -> Callable[[list[str]], list] | None:
        """The token embeddings of the step at `start`, queued on the pool now (None without ONNX)."""
        if onnx is None or start >= total:
            return None
        texts = pooled_texts(new.pieces[start : start + per_step])
        wait = onnx.queue_token_embeddings(texts, pool)
        return lambda asked: wait() if asked == texts else onnx.token_embeddings(asked, workers)

    try:
        with tqdm(total=total, desc="Embedding passages", unit="passage", disable=not show or total == 0) as bar:
            first_sentence = 0
            unstored: tuple[list, list] = ([], [])  # passage and sentence vectors embedded but not yet written
            ahead = queued(0)
            for start in range(0, total, per_step):
                pieces = new.pieces[start : start + per_step]
                tokens_of, ahead = ahead, queued(start + per_step)
                passage_vectors, sentence_vectors = embed_passages(
                    model, pieces, method, settings.embedding_batch_size, tokens_of, count_tokens
                )
                unstored[0].extend(passage_vectors)
                unstored[1].extend(sentence_vectors)
                done, first_sentence = start + len(pieces), first_sentence + len(sentence_vectors)
                # Written PASSAGES_PER_STEP passages at a time, not step by step: each write costs about
                # 5 ms however few its records, and a small upload's steps are small.
                if len(unstored[0]) >= PASSAGES_PER_STEP or done == total:
                    _write(passages, new.passages.slice(done - len(unstored[0]), done), unstored[0])
                    _write(
                        sentences, new.sentences.slice(first_sentence - len(unstored[1]), first_sentence), unstored[1]
                    )
                    unstored = ([], [])
                bar.update(len(pieces))
                step(_embedded(new.passages.metadatas, done, total))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)  # after an error: drop the next step's batches not yet started
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
    step("Checking the new index")
    began = time.perf_counter()
    manifest = Manifest(
        generation=generation,
        signature=signature,
        files=files,
        passages=passages.count(),
        sentences=sentences.count(),
        calibration=_calibrate(passages, OnnxEmbedder(onnx, workers) if onnx else embeddings).to_dict(),
    )
    validate_generation(manifest, OpenIndex(backend, manifest, passages, sentences), signature, embeddings)
    report.timed("calibrating and checking", time.perf_counter() - began)
    return manifest, total


def _write(store: Collection, records: Records, vectors: list) -> None:
    if records.ids:
        store.upsert(ids=records.ids, embeddings=vectors, documents=records.texts, metadatas=records.metadatas)


def _embedded(metadatas: list[dict], done: int, total: int) -> str:
    """The progress line after `done` passages: the page (or slide) of its document that embedding has reached,
    "Indexing handbook.pdf: page 12 of 40", or the passages done for a document without pages."""
    last = metadatas[done - 1]
    first = next((m for m in metadatas if m["source"] == last["source"] and m["position"] == 0), {})
    kind, _, number = str(last.get("location", "")).partition(" ")
    kind = {"p.": "page", "slide": "slide"}.get(kind)
    count = first.get(f"{kind}s")
    if kind and number.isdigit() and count:
        return f"Indexing {last['source']}: {kind} {number} of {count}"
    return f"Embedding passages: {done} of {total}"


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


def _onnx_encoder(settings: Settings, log: Callable[[str], None], export: bool = True) -> OnnxQueryEncoder | None:
    """The model's ONNX export (made now if missing, unless `export` is false) to embed with, or None to use torch.

    The export is the one the question path uses; onnxruntime computes the same token embeddings
    (max difference under 1e-4, checked at export) in about half of torch's CPU time, and embedding
    is most of an ingest's time. A single-threaded session, called from one thread per core: two
    threads inside one session spent more CPU for the same work here. Small batches of texts sorted by
    length: each text's token embeddings are the same whatever its batch, and batches of 4 spent a fifth
    less CPU than batches of 16 on padding (the first 40 pages of the R FAQ, 683 texts).
    """
    # lazy: onnxruntime is heavy
    from bot.ingest.query_encoder import OnnxQueryEncoder

    if export:
        path = export_query_encoder(settings, log)
    else:
        path = query_encoder_path(settings)
        if path is not None and not export_is_current(settings.embedding_model_path(), path):
            path = None
    if path is None:
        return None
    try:
        encoder = OnnxQueryEncoder(settings.embedding_model_path(), path, threads=1, batch_size=INGEST_BATCH)
    except Exception as exc:  # onnxruntime missing or a damaged file: torch still embeds
        log(f"ONNX encoder unusable for ingest ({type(exc).__name__}: {exc}); embedding with torch")
        return None
    return encoder


def _calibrate(passages: Collection, embeddings: Embedder | OnnxEmbedder) -> Calibration:
    """How close off-topic questions come to the whole new generation (see `bot.ingest.index.calibration`)."""
    # lazy: start-up time
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


def validate_generation(
    manifest: Manifest, index: OpenIndex, signature: dict, embeddings: Embedder | OnnxEmbedder
) -> None:
    """Refuse to switch to a generation that is empty, built with another model, or cannot find a record."""
    metadata = index.passages.metadata or {}
    problems = []
    if manifest.passages == 0:
        problems.append("it holds no passages")
    for key in ("embedding_model", "dimension"):
        if metadata.get(key) != signature[key]:
            problems.append(f"its {key} is {metadata.get(key)!r}, expected {signature[key]!r}")
    if manifest.sentences:
        # Sentence vectors are the model's own encodes of their text, so a fresh encode of a stored sentence's
        # text matching its stored vector proves the two agree. Compared directly, not through a search: a file
        # of thousands of identical sentences can leave the search graph unable to reach the others.
        sample = index.sentences.get(limit=1, include=["documents", "embeddings"])
        stored = np.asarray(sample["embeddings"][0], dtype=np.float64)
        fresh = np.asarray(embeddings.documents([sample["documents"][0]])[0], dtype=np.float64)
        if (
            stored.shape != fresh.shape
            or float(stored @ fresh) / (np.linalg.norm(stored) * np.linalg.norm(fresh)) < 0.999
        ):
            problems.append("a known sentence is not found by its own text")
    if manifest.passages and not _finds_itself(index.passages, manifest.passages):
        problems.append("a known passage is not found by its own vector")
    if problems:
        raise IndexUnavailable(
            f"The new index failed validation ({'; '.join(problems)}); the previous one stays in use."
        )
