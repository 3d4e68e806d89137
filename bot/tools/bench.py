"""`bot bench`: speed, memory and scale of this pipeline and of the common recipe, measured in one run.

Writes `results.md` (the table) and `results.png` (query latency and ingest time against corpus
size) to the output folder and prints the table. Synthetic corpora and throwaway indexes go to a
work folder outside git (`bench/out/` by default). Every figure comes from this run on this machine.

Longer than most modules on purpose: each figure's measurement sits next to the row and the target
that report it, so that a figure cannot drift from how it is measured.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import Settings

# Word swaps for synthetic copies: each copy changes a different random share of these words, so
# copies read alike but embed and hash differently.
_SWAPS = {
    "content": "material",
    "models": "systems",
    "model": "system",
    "generate": "produce",
    "generates": "produces",
    "text": "writing",
    "images": "pictures",
    "businesses": "companies",
    "business": "company",
    "create": "make",
    "creating": "making",
    "tasks": "jobs",
    "data": "information",
    "help": "assist",
    "helps": "assists",
    "large": "big",
    "used": "applied",
    "use": "apply",
    "important": "key",
    "different": "distinct",
    "understand": "grasp",
    "human": "people's",
    "customer": "client",
    "customers": "clients",
    "tools": "instruments",
    "example": "instance",
    "quickly": "rapidly",
    "improve": "enhance",
    "new": "fresh",
    "specific": "particular",
}
_WORD = re.compile(r"\b[a-z]+\b")


@dataclass
class BenchResult:
    """Every figure of one run; `rows()` turns them into the results table."""

    quick: bool
    machine: str = ""
    passages: int = 0
    sentences: int = 0
    model_load_s: float = 0.0
    floor_embed_ms: float = 0.0
    floor_chroma_ms: float = 0.0
    answer_p50_ms: float = 0.0
    answer_p95_ms: float = 0.0
    quality: dict = field(default_factory=dict)
    naive: dict = field(default_factory=dict)
    cold_ask_s: float = 0.0
    cold_ask_rss_mb: float = 0.0
    import_st_s: float = 0.0  # `python -c "import sentence_transformers"`, alternated with the cold asks
    cold_ask_ratio: float = float("nan")  # median over those pairs of cold ask / import
    cold_serve_first_token_s: float | None = None
    cold_serve_answer_s: float | None = None
    raw_encode_passages_per_s: float = 0.0
    raw_encode_both_passages_per_s: float = 0.0
    ingest_passages_per_s: float = 0.0
    pooled_cosine_mean: float = 0.0
    pooled_cosine_min: float = 0.0
    reingest_nochange_s: float = 0.0
    batch_size: int = 0
    scales: list[dict] = field(default_factory=list)
    chunking_s: tuple[float, float] = (0.0, 0.0)  # 2,000 paragraphs: one Markdown section, a `.txt` without headings
    documents: list[dict] = field(default_factory=list)  # real document folders ingested (`document_corpus_figures`)

    @property
    def answer_floor_ratio(self) -> float:
        return self.answer_p50_ms / self.floor_embed_ms if self.floor_embed_ms else float("nan")

    @property
    def ingest_ratio(self) -> float:
        return (
            self.ingest_passages_per_s / self.raw_encode_passages_per_s
            if self.raw_encode_passages_per_s
            else float("nan")
        )

    @property
    def scale_ratio(self) -> float | None:
        by = {s["factor"]: s["query_p50_ms"] for s in self.scales}
        return by[100] / by[1] if 1 in by and 100 in by else None

    def checks(self) -> list[tuple[str, str, str, bool | None]]:
        """(figure, measured, target, met) for each bar of the benchmark issue."""
        rows: list[tuple[str, str, str, bool | None]] = [
            ("answer p50 / embedding floor", f"{self.answer_floor_ratio:.2f}x", "<= 2x", self.answer_floor_ratio <= 2),
            ("ingest / raw encode (passages per s)", f"{self.ingest_ratio:.2f}x", ">= 0.7x", self.ingest_ratio >= 0.7),
            (
                "no-change re-ingest (`bot ingest`)",
                f"{self.reingest_nochange_s:.2f} s",
                "<= 2 s",
                self.reingest_nochange_s <= 2,
            ),
            ("peak RSS of `bot ask`", f"{self.cold_ask_rss_mb:.0f} MB", "<= 1200 MB", self.cold_ask_rss_mb <= 1200),
            ("cold `bot ask`", f"{self.cold_ask_s:.2f} s", "<= 10 s", self.cold_ask_s <= 10),
            (
                "cold `bot ask` / `import sentence_transformers` (paired)",
                f"{self.cold_ask_ratio:.2f}x",
                "<= 0.5x",
                self.cold_ask_ratio <= 0.5,
            ),
            (
                "chunking speed (2,000 paragraphs: one section / `.txt`)",
                f"{self.chunking_s[0]:.2f} / {self.chunking_s[1]:.2f} s",
                "<= 1 s",
                max(self.chunking_s) <= 1,
            ),
        ]
        ratio = self.scale_ratio
        rows.insert(
            3,
            (
                "query p50 at 100x / at 1x",
                f"{ratio:.2f}x" if ratio else "not run (--quick)",
                "<= 2x",
                ratio <= 2 if ratio else None,
            ),
        )
        return rows

    def to_markdown(self) -> str:
        q, n = self.quality, self.naive
        lines = [
            f"# Benchmark ({'quick' if self.quick else 'full'} run)",
            "",
            f"Machine: {self.machine}. Corpus: {self.passages} passages, {self.sentences} sentences. "
            "Written by `bot bench`; every figure is from the same run.",
            "",
            "## Bars",
            "",
            "| figure | measured | target | met |",
            "| --- | --- | --- | --- |",
        ]
        for name, measured, target, met in self.checks():
            lines.append(f"| {name} | {measured} | {target} | {'-' if met is None else ('yes' if met else '**no**')} |")
        lines += [
            "",
            "## Speed and memory",
            "",
            "| figure | value |",
            "| --- | --- |",
            f"| floor: embed one short query (median) | {self.floor_embed_ms:.1f} ms |",
            f"| floor: one Chroma query on the index (median) | {self.floor_chroma_ms:.2f} ms |",
            f"| answer latency, extractive, warm: p50 / p95 | {self.answer_p50_ms:.1f} / {self.answer_p95_ms:.1f} ms |",
            f"| cold `bot ask` (new process to answer) | {self.cold_ask_s:.2f} s, peak RSS {self.cold_ask_rss_mb:.0f} MB |",
            f'| `python -c "import sentence_transformers"` (alternated with the cold asks) | {self.import_st_s:.2f} s |',
            f"| cold `bot serve` to first streamed token / full answer (socket) | {_fmt_s(self.cold_serve_first_token_s)} / {_fmt_s(self.cold_serve_answer_s)} |",
            f"| model load (in process) | {self.model_load_s:.2f} s |",
            f"| raw encode (sentence-transformers defaults), passages only | {self.raw_encode_passages_per_s:.1f} passages/s |",
            f"| raw encode of the passages and then of their sentences (two encodes) | {self.raw_encode_both_passages_per_s:.1f} passages/s |",
            f"| full ingest (sentences and headings encoded once, batches of {self.batch_size}) | {self.ingest_passages_per_s:.1f} passages/s |",
            f"| pooled passage vector vs the passage encoded whole: cosine mean / min | {self.pooled_cosine_mean:.3f} / {self.pooled_cosine_min:.3f} |",
            f"| no-change re-ingest (`bot ingest`, whole process) | {self.reingest_nochange_s:.2f} s |",
            "",
            "## Scale (synthetic copies of the corpus with perturbed wording)",
            "",
            "Ingest time excludes loading the model (shown apart); peak RSS is of the whole process that",
            "ingests the corpus and then answers the questions.",
            "",
            "| corpus | passages | ingest | model load | index on disk | query p50 | peak RSS |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for s in self.scales:
            lines.append(
                f"| {s['factor']}x | {s['passages']} | {s['ingest_s']:.1f} s | {s['model_load_s']:.1f} s | {s['disk_mb']:.1f} MB | "
                f"{s['query_p50_ms']:.1f} ms | {s['peak_rss_mb']:.0f} MB |"
            )
        lines += [
            "",
            "## Real document folders (PDF, HTML), each ingested into a fresh index",
            "",
            "Converting is reading and converting every file; ingest is the whole `bot ingest` (converting,",
            "chunking, embedding every passage, sentence and heading, storing, calibrating the refusal threshold);",
            "raw encode is sentence-transformers encoding the same passages once, with its defaults.",
            "",
            "| folder | files | pages | passages | converting | ingest | passages/s | raw encode passages/s | ratio |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for d in self.documents:
            lines.append(
                f"| {d['corpus']} | {d['files']} | {d['pages'] or '-'} | {d['passages']} | {d['convert_s']:.1f} s | "
                f"{d['ingest_s']:.1f} s | {d['passages_per_s']:.1f} | {d['raw_passages_per_s']:.1f} | "
                f"{d['passages_per_s'] / d['raw_passages_per_s']:.2f}x |"
            )
        if not self.documents:
            lines.append("| not run (--quick, or no folder given) | | | | | | | | |")
        lines += [
            "",
            "## Side by side with the common recipe (same questions, same model, same run)",
            "",
            "Common recipe: RecursiveCharacterTextSplitter 1000/100, Chroma top-4, no keyword search, no rerank.",
            "",
            "| | this | common recipe |",
            "| --- | --- | --- |",
        ]
        for key, label in (
            ("retrieval_hit_at_1", "hit@1"),
            ("retrieval_hit_at_k", "hit@k"),
            ("answer_accuracy", "answers right"),
            ("refusal_accuracy", "off-topic declined"),
            ("context_chars_mean", "context characters (mean)"),
            ("latency_ms_p50", "latency p50 (ms)"),
            ("latency_ms_p95", "latency p95 (ms)"),
        ):
            lines.append(f"| {label} | {q.get(key, '-')} | {n.get(key, '-')} |")
        return "\n".join(lines) + "\n"


def _fmt_s(value: float | None) -> str:
    return f"{value:.2f} s" if value is not None else "-"


# --- helpers ----------------------------------------------------------------------------------------


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _folder_mb(path: Path) -> float:
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


def _bot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.tools.cli", *args]


def _env(settings: Settings, **extra: str) -> dict:
    return {
        **os.environ,
        "BOT_CORPUS_DIR": str(settings.corpus_dir.resolve()),
        "BOT_INDEX_DIR": str(settings.index_dir.resolve()),
        **extra,
    }


def _perturb(text: str, rng: random.Random, share: float, copy: int) -> str:
    """`text` with about a `share` of its words swapped for synonyms and its title marked as variant `copy`."""
    text = _WORD.sub(lambda m: _SWAPS.get(m.group(0), m.group(0)) if rng.random() < share else m.group(0), text)
    return re.sub(r"^title:\s*(.+)$", lambda m: f"title: {m.group(1)} (variant {copy})", text, count=1, flags=re.M)


def make_synthetic_corpus(source: Path, target: Path, factor: int, seed: int = 7) -> int:
    """`factor` copies of the corpus in `target`: copy 0 as is, the others with perturbed wording."""
    from bot.ingest.corpus import corpus_files

    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files = corpus_files(source)
    for copy in range(factor):
        rng = random.Random(seed * 1000 + copy)
        share = 0.15 + 0.5 * rng.random()
        for path in files:
            text = path.read_text(encoding="utf-8")
            if copy:
                text = _perturb(text, rng, share, copy)
            (target / f"v{copy:03d}-{path.name}").write_text(text, encoding="utf-8")
    return len(files) * factor


# --- the measurements --------------------------------------------------------------------------------


def _ingest_figures(settings: Settings, work: Path, result: BenchResult, repeats: int, log) -> None:
    """Raw encode vs full ingest throughput on the real corpus, alternated so neither runs warmer."""
    import numpy as np

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
    result.batch_size = settings.embedding_batch_size
    model.encode(passages[:32])  # warm-up for both paths, so neither pays a first-call cost in the timings
    warm = settings.model_copy(update={"index_dir": work / "ingest-warm-up"})
    existing = settings.index_dir / QUERY_ENCODER_DIR
    if existing.is_dir() and not (warm.index_dir / QUERY_ENCODER_DIR).exists():
        # The configured index's export (made once per model, not per corpus): the warm-up need not make it.
        shutil.copytree(existing, warm.index_dir / QUERY_ENCODER_DIR)
    ingest(warm, progress=False)
    export_query_encoder(warm)  # made once per model (an ingest that found nothing to do has not made it)
    raw_p, raw_both, ingest_s = [], [], []
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
        ingest(fresh, progress=False)
        ingest_s.append(time.perf_counter() - t)
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
    from bot.ingest.corpus import corpus_files, read_article
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
    from bot.ingest.chunking import chunk_article
    from bot.ingest.corpus import Article, text_to_markdown

    rng = random.Random(11)
    words = sorted(_SWAPS)
    lines = [
        " ".join(rng.choice(words) for _ in range(rng.randint(5, 60))).capitalize() + "." for _ in range(paragraphs)
    ]
    markdown, plain = "## One long section\n\n" + "\n\n".join(lines) + "\n", "\n".join(lines) + "\n"

    def chunk(body: str) -> None:
        chunk_article(Article("bench.md", "Bench", "", "", body, ""), max_chars)

    return (
        _median_ms(lambda: chunk(markdown), repeats) / 1000,
        _median_ms(lambda: chunk(text_to_markdown(plain)), repeats) / 1000,
    )


def _serve_cold_start(settings: Settings, question: str, timeout: float = 180) -> tuple[float | None, float | None]:
    """Seconds from starting `bot serve` to the first streamed token and to the full answer, over the socket."""
    import asyncio
    import socket

    from bot.tools.load import ChatSession

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen(
        _bot("serve", "--host", "127.0.0.1", "--port", str(port)),
        env=_env(settings),
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


def scale_worker(corpus: Path, index: Path, questions: Path) -> dict:
    """Ingest one corpus and time its queries (run in a child process, so its peak RSS is its own)."""
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
        "disk_mb": _folder_mb(index),
    }


def _scales(
    settings: Settings, questions: Path, work: Path, factors: list[int], log, query_encoder: Path | None = None
) -> list[dict]:
    """One child process per corpus size. `query_encoder`: a folder holding the model's current ONNX export;
    each index starts with a copy of it, as the export is made once per model, not per corpus (the worker
    would otherwise spend seconds making it again, outside every figure it reports)."""
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
            _env(settings),
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


def plot(result: BenchResult, path: Path) -> None:
    """Query latency and ingest time against corpus size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [s["passages"] for s in result.scales]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(sizes, [s["query_p50_ms"] for s in result.scales], marker="o", label="this (p50)")
    if result.naive:
        left.axhline(result.naive["latency_ms_p50"], color="grey", linestyle="--", label="common recipe, 1x (p50)")
    left.axhline(result.floor_embed_ms, color="red", linestyle=":", label="embedding floor")
    left.set(xscale="log", xlabel="passages in the index", ylabel="ms per question", title="Query latency")
    left.set_ylim(bottom=0)
    left.legend()
    right.plot(sizes, [s["ingest_s"] for s in result.scales], marker="o", color="green")
    right.set(xscale="log", yscale="log", xlabel="passages in the index", ylabel="seconds", title="Full ingest time")
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"bot bench: {result.machine}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_bench(
    settings: Settings,
    questions: Path,
    out_dir: Path,
    work: Path,
    quick: bool = False,
    log: Callable[[str], None] = print,
    documents: list[Path] | None = None,
) -> BenchResult:
    """Measure everything once and write `results.md` and `results.png` to `out_dir`."""
    import platform

    from bot.assistant import Assistant
    from bot.ingest.index import QUERY_ENCODER_DIR, open_index
    from bot.tools.baseline import NaiveAssistant
    from bot.tools.evaluate import embedding_floor_ms, load_questions, run_eval

    repeats = 1 if quick else 3
    work.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = BenchResult(
        quick=quick, machine=f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"
    )
    items = load_questions(questions)

    _ingest_figures(settings, work, result, 1 if quick else 5, log)  # ~3 s a round; ingest times vary most
    real = settings.model_copy(update={"index_dir": work / "ingest-0"})
    code, secs, _rss, _out, err = run_measured(_bot("ingest", "--quiet"), _env(real), timeout=300)
    if code != 0:
        raise RuntimeError(f"`bot ingest` failed: {err.strip()[-300:]}")
    result.reingest_nochange_s = secs
    log(f"no-change re-ingest {secs:.2f} s")

    assistant = Assistant.build(real)
    embed = assistant.retriever.embeddings.queries  # the question path's encoder (ONNX when exported)
    short = [item for item in items if len(item.question) < 40]
    result.floor_embed_ms = embedding_floor_ms(lambda q: embed([q]), short, 5 * repeats)
    index = open_index(real)
    vector = embed(["Can LLMs make images?"])[0].tolist()
    result.floor_chroma_ms = _median_ms(
        lambda: index.passages.query(query_embeddings=[vector], n_results=4), 20 * repeats
    )
    index.close()
    result.quality, _ = run_eval(assistant, items)
    timings = [result.quality["latency_ms_p50"]]
    for _ in range(repeats - 1):  # more passes for steadier latency figures
        timings.append(run_eval(assistant, items)[0]["latency_ms_p50"])
    result.answer_p50_ms = statistics.median(timings)
    result.answer_p95_ms = result.quality["latency_ms_p95"]
    result.naive, _ = run_eval(NaiveAssistant(real), items)
    log(
        f"floor {result.floor_embed_ms:.1f} ms; answer p50 {result.answer_p50_ms:.1f} ms ({result.answer_floor_ratio:.2f}x)"
    )

    asks, imports = [], []
    # Alternated, so machine drift hits both alike; three pairs for the figures, one in a quick run (each
    # pair costs seconds, nearly all of it the `import sentence_transformers` it is compared with).
    for _ in range(repeats):
        asks.append(run_measured(_bot("ask", "--json", "Can LLMs make images?"), _env(real), timeout=300))
        imports.append(run_measured([sys.executable, "-c", "import sentence_transformers"], _env(real), timeout=300))
    failed = [err for code, _s, _r, _o, err in asks + imports if code != 0]
    if failed:
        raise RuntimeError(f"`bot ask` failed: {failed[0].strip()[-300:]}")
    result.cold_ask_s = statistics.median(a[1] for a in asks)
    result.cold_ask_rss_mb = max(a[2] for a in asks)
    result.import_st_s = statistics.median(i[1] for i in imports)
    result.cold_ask_ratio = statistics.median(a[1] / i[1] for a, i in zip(asks, imports))
    log(
        f"cold bot ask {result.cold_ask_s:.2f} s, peak RSS {result.cold_ask_rss_mb:.0f} MB; "
        f"{result.cold_ask_ratio:.2f}x `import sentence_transformers` ({result.import_st_s:.2f} s)"
    )
    result.cold_serve_first_token_s, result.cold_serve_answer_s = _serve_cold_start(real, "Can LLMs make images?")
    log(f"cold bot serve: first token {_fmt_s(result.cold_serve_first_token_s)}")

    result.chunking_s = chunking_speed_s(settings.passage_max_chars)
    if not quick:  # a real PDF folder takes a minute: figures for the full run
        result.documents = [document_corpus_figures(settings, folder, work, log) for folder in documents or []]
    exported = work / "ingest-warm-up" / QUERY_ENCODER_DIR  # made by `_ingest_figures`
    result.scales = _scales(settings, questions, work, [1] if quick else [1, 10, 100], log, exported)
    (out_dir / "results.md").write_text(result.to_markdown(), encoding="utf-8")
    plot(result, out_dir / "results.png")
    return result


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--scale-worker":
        print(json.dumps(scale_worker(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        sys.exit("usage: python -m bot.tools.bench --scale-worker CORPUS INDEX QUESTIONS (use `bot bench`)")
