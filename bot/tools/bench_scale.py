"""`bot bench`'s scale figures: one child process per corpus size ingests it and times its questions."""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import time
from pathlib import Path

from bot.settings import Settings
from bot.tools.bench_corpus import make_synthetic_corpus
from bot.tools.bench_measure import bench_env, folder_mb, run_measured


def scale_worker(corpus: Path, index: Path, questions: Path) -> dict:
    """Ingest one corpus and time its queries (run in a child process, so its peak RSS is its own)."""
    # lazy: the pipeline (model, Chroma) is heavy
    from bot.assistant import Assistant
    from bot.ingest.index import export_query_encoder, ingest, load_embeddings
    from bot.tools.evaluate import load_questions

    settings = Settings(corpus_dir=corpus, index_dir=index)
    started = time.perf_counter()
    load_embeddings(settings)
    model_load_s = time.perf_counter() - started
    export_query_encoder(settings)  # once per model, not per corpus: outside the ingest time
    started = time.perf_counter()
    report = ingest(settings, progress=False)
    ingest_s = time.perf_counter() - started
    assistant = Assistant.build(settings)
    items = [item for item in load_questions(questions) if len(item.turns) == 1]
    for item in items:  # a warm pass first: the same state the warm answer-latency figure uses
        assistant.ask(item.question)
    timings = []
    for _ in range(3):
        for item in items:
            timings.append(assistant.ask(item.question).latency_ms)
    return {
        "passages": report.passages_total,
        "ingest_s": ingest_s,
        "model_load_s": model_load_s,
        "query_p50_ms": statistics.median(timings),
        "disk_mb": folder_mb(index),
    }


def scales(
    settings: Settings, questions: Path, work: Path, factors: list[int], log, query_encoder: Path | None = None
) -> list[dict]:
    """One child process per corpus size. `query_encoder`: a folder holding the model's current ONNX export;
    each index starts with a copy of it, as the export is made once per model, not per corpus (the worker
    would otherwise spend seconds making it again, outside every figure it reports)."""
    # lazy: start-up time
    from bot.ingest.index import QUERY_ENCODER_DIR

    rows = []
    for factor in factors:
        corpus = work / f"scale-{factor}x" / "corpus"
        index = work / f"scale-{factor}x" / "index"
        make_synthetic_corpus(settings.corpus_dir, corpus, factor)
        shutil.rmtree(index, ignore_errors=True)
        if query_encoder is not None and query_encoder.is_dir():
            shutil.copytree(query_encoder, index / QUERY_ENCODER_DIR)
        log(f"scale {factor}x: ingesting {len(list(corpus.iterdir()))} files")
        code, _secs, rss, out, err = run_measured(
            [sys.executable, "-m", "bot.tools.bench", "--scale-worker", str(corpus), str(index), str(questions)],
            bench_env(settings),
            timeout=3600,
        )
        if code != 0:
            raise RuntimeError(f"the {factor}x run failed: {err.strip().splitlines()[-1] if err.strip() else code}")
        row = json.loads(out.strip().splitlines()[-1]) | {"factor": factor, "peak_rss_mb": rss}
        log(
            f"scale {factor}x: {row['passages']} passages, ingest {row['ingest_s']:.1f} s, query p50 {row['query_p50_ms']:.1f} ms"
        )
        rows.append(row)
    return rows
