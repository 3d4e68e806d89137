"""`bot bench`'s measurements: timing a command or a call, and the figures of ingest, chunking and a cold serve."""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings
from bot.tools.bench_corpus import SWAPS
from bot.tools.bench_report import BenchResult


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def run_measured(
    argv: list[str], env: dict, timeout: float, cwd: Path | None = None
) -> tuple[int, float, float, str, str]:
    """Run a command; (exit code, wall seconds, peak RSS in MB, stdout, stderr)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err, text=True)
        deadline = started + timeout
        while True:  # os.wait4, not proc.wait: it returns the child's own resource usage
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return proc.returncode, seconds, usage.ru_maxrss / 1024, out.read(), err.read()


class OthersCpu:
    """How many cores other processes kept busy, on average, from its creation to `cores()` (Linux: all CPU time
    from /proc/stat less this process's and its children's own). None where /proc/stat cannot be read."""

    def __init__(self):
        self.started = self._now()

    @staticmethod
    def _now() -> tuple[float, float, float] | None:
        try:
            fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        except (OSError, ValueError):
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        everyone = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
        own = sum(getattr(os.times(), f) for f in ("user", "system", "children_user", "children_system"))
        return time.perf_counter(), everyone, own

    def cores(self) -> float | None:
        now = self._now()
        if self.started is None or now is None or now[0] <= self.started[0]:
            return None
        wall, everyone, own = (b - a for a, b in zip(self.started, now))
        return max(0.0, (everyone - own) / wall)


def bot_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.tools.cli", *args]


def bench_env(settings: Settings, **extra: str) -> dict:
    return {
        **os.environ,
        "BOT_CORPUS_DIR": str(settings.corpus_dir.resolve()),
        "BOT_INDEX_DIR": str(settings.index_dir.resolve()),
        **extra,
    }


def ingest_figures(settings: Settings, work: Path, result: BenchResult, repeats: int, log) -> None:
    """Raw encode vs full ingest throughput on the real corpus, alternated so neither runs warmer."""
    # lazy: numpy and the index stack (torch) are heavy
    import numpy as np
    import torch

    from bot.ingest.corpus import load_corpus
    from bot.ingest.index import (
        QUERY_ENCODER_DIR,
        embed_passages,
        export_query_encoder,
        ingest,
        load_embeddings,
        passage_records,
        passage_vector_method,
    )

    started = time.perf_counter()
    model = load_embeddings(settings).model
    result.model_load_s = time.perf_counter() - started
    articles, _ = load_corpus(settings.corpus_dir)
    passages, sentences, pieces = [], [], []
    for article in articles:
        records = passage_records(article, settings)
        passages += records.passages.texts
        sentences += records.sentences.texts
        pieces += records.pieces
    result.passages, result.sentences = len(passages), len(sentences)
    model.encode(passages[:32])  # warm-up for both paths, so neither pays a first-call cost in the timings
    warm = settings.model_copy(update={"index_dir": work / "ingest-warm-up"})
    existing = settings.index_dir / QUERY_ENCODER_DIR
    if existing.is_dir() and not (warm.index_dir / QUERY_ENCODER_DIR).exists():
        # The configured index's export (made once per model, not per corpus): the warm-up need not make it.
        shutil.copytree(existing, warm.index_dir / QUERY_ENCODER_DIR)
    ingest(warm, progress=False)
    export_query_encoder(warm)  # made once per model (an ingest that found nothing to do has not made it)
    raw_p, raw_both, ingest_s = [], [], []
    others = OthersCpu()
    result.raw_encoder = f"torch on {torch.get_num_threads()} threads, batches of 32"
    for i in range(repeats):  # raw = sentence-transformers' encode with its defaults (batches of 32)
        t = time.perf_counter()
        whole = model.encode(passages, normalize_embeddings=True)  # also the reference for the pooled vectors
        raw_p.append(time.perf_counter() - t)
        t = time.perf_counter()
        model.encode(sentences, normalize_embeddings=True)
        raw_both.append(raw_p[-1] + time.perf_counter() - t)
        fresh = settings.model_copy(update={"index_dir": work / f"ingest-{i}"})
        shutil.rmtree(fresh.index_dir, ignore_errors=True)
        # The question path's ONNX export is made once per model, not per corpus: keep it out of the
        # throughput figure by giving each fresh index the warm-up's (ingest then finds it current).
        if (warm.index_dir / QUERY_ENCODER_DIR).is_dir():
            shutil.copytree(warm.index_dir / QUERY_ENCODER_DIR, fresh.index_dir / QUERY_ENCODER_DIR)
        t = time.perf_counter()
        result.ingest_encoder = ingest(fresh, progress=False).embedded_with
        ingest_s.append(time.perf_counter() - t)
    result.ingest_others_cores = others.cores()
    result.raw_encode_passages_per_s = len(passages) / statistics.median(raw_p)
    result.raw_encode_both_passages_per_s = len(passages) / statistics.median(raw_both)
    result.ingest_passages_per_s = len(passages) / statistics.median(ingest_s)
    pooled, _ = embed_passages(
        model, pieces, passage_vector_method(settings.embedding_model_path()), settings.embedding_batch_size
    )
    cosines = (whole * np.asarray(pooled)).sum(axis=1)
    result.pooled_cosine_mean, result.pooled_cosine_min = float(cosines.mean()), float(cosines.min())
    log(
        f"ingest {result.ingest_passages_per_s:.1f} passages/s; raw encode {result.raw_encode_passages_per_s:.1f} passages/s"
    )


def document_corpus_figures(settings: Settings, corpus: Path, work: Path, log) -> dict:
    """Ingest a folder of real documents into a fresh index: conversion, whole ingest, passages per second
    against a raw encode of the same passages (the model loaded once, beforehand, for both)."""
    # lazy: the index stack (torch) is heavy
    from bot.ingest.corpus import read_article
    from bot.ingest.files import corpus_files
    from bot.ingest.index import QUERY_ENCODER_DIR, ingest, load_embeddings, passage_records

    model = load_embeddings(settings).model
    target = settings.model_copy(update={"corpus_dir": corpus, "index_dir": work / f"documents-{corpus.name}"})
    shutil.rmtree(target.index_dir, ignore_errors=True)
    export = settings.index_dir / QUERY_ENCODER_DIR
    if export.is_dir():  # made once per model, not per corpus: not part of a corpus's ingest time
        shutil.copytree(export, target.index_dir / QUERY_ENCODER_DIR)
    started = time.perf_counter()
    articles = [read_article(path, corpus) for path in corpus_files(corpus)]
    convert_s = time.perf_counter() - started
    passages = [text for article in articles for text in passage_records(article, target).passages.texts]
    pages = sum(len(re.findall(r"^<!-- (?:page|slide) \d+ -->$", a.body, re.M)) for a in articles)
    started = time.perf_counter()
    report = ingest(target, progress=False)
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    model.encode(passages, normalize_embeddings=True)
    raw_s = time.perf_counter() - started
    figures = {
        "corpus": corpus.name,
        "files": len(articles),
        "pages": pages,
        "passages": report.passages_total,
        "convert_s": convert_s,
        "ingest_s": ingest_s,
        "passages_per_s": report.passages_total / ingest_s,
        "raw_passages_per_s": len(passages) / raw_s,
    }
    log(f"{corpus.name}: {figures['passages']} passages ingested in {ingest_s:.1f} s ({convert_s:.1f} s converting)")
    return figures


def chunking_speed_s(max_chars: int, paragraphs: int = 2000, repeats: int = 5) -> tuple[float, float]:
    """Seconds to chunk a synthetic document of `paragraphs` paragraphs (median of `repeats` runs): as one
    Markdown section, and as a `.txt` without headings (a paragraph per line, read the way ingest reads it)."""
    # lazy: start-up time
    from bot.ingest.chunking import chunk_article
    from bot.ingest.corpus import Article, text_to_markdown

    rng = random.Random(11)
    words = sorted(SWAPS)
    lines = [
        " ".join(rng.choice(words) for _ in range(rng.randint(5, 60))).capitalize() + "." for _ in range(paragraphs)
    ]
    markdown, plain = "## One long section\n\n" + "\n\n".join(lines) + "\n", "\n".join(lines) + "\n"

    def chunk(body: str) -> None:
        chunk_article(Article("bench.md", "Bench", "", "", body, ""), max_chars)

    return (
        median_ms(lambda: chunk(markdown), repeats) / 1000,
        median_ms(lambda: chunk(text_to_markdown(plain)), repeats) / 1000,
    )


def serve_cold_start(settings: Settings, question: str, timeout: float = 180) -> tuple[float | None, float | None]:
    """Seconds from starting `bot serve` to the first streamed token and to the full answer, over the socket."""
    # lazy: the socket client (the 'bench' extra) only for this figure
    from bot.tools.load import ChatSession

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen(
        bot_command("serve", "--host", "127.0.0.1", "--port", str(port)),
        env=bench_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < timeout:
            if proc.poll() is not None:
                return None, None
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)

        async def first_answer():
            session = ChatSession(url, timeout=timeout)
            await session.connect()
            try:
                return await session.ask(question)
            finally:
                await session.close()

        asked_at = time.perf_counter() - started
        turn = asyncio.run(first_answer())
        if turn.error:
            return None, None
        first = asked_at + (turn.first_token_seconds if turn.first_token_seconds is not None else turn.seconds)
        return first, asked_at + turn.seconds
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
