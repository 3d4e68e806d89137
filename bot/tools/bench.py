"""`bot bench`: speed, memory and scale of this pipeline and of the common recipe, measured in one run.

Writes `results.md` (the table) and `results.png` (query latency and ingest time against corpus
size) to the output folder and prints the table. Synthetic corpora and throwaway indexes go to a
work folder outside git (`bench/out/` by default). Every figure comes from this run on this machine.

The parts: `bench_corpus` (synthetic corpora), `bench_measure` (timing and the single figures),
`bench_scale` (the corpus sizes, each in a child process: `python -m bot.tools.bench --scale-worker`),
`bench_report` (the figures, their table and plot) and this module (the run, in order).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings
from bot.tools.bench_measure import (
    bench_env,
    bot_command,
    chunking_speed_s,
    document_corpus_figures,
    ingest_figures,
    median_ms,
    run_measured,
    serve_cold_start,
)
from bot.tools.bench_report import BenchResult, fmt_s, plot
from bot.tools.bench_scale import scale_worker, scales


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
    # lazy: the pipeline (model, Chroma) loads only when a bench runs
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

    ingest_figures(settings, work, result, 1 if quick else 5, log)  # ~3 s a round; ingest times vary most
    real = settings.model_copy(update={"index_dir": work / "ingest-0"})
    code, secs, _rss, _out, err = run_measured(bot_command("ingest", "--quiet"), bench_env(real), timeout=300)
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
    result.floor_chroma_ms = median_ms(
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
        asks.append(run_measured(bot_command("ask", "--json", "Can LLMs make images?"), bench_env(real), timeout=300))
        imports.append(
            run_measured([sys.executable, "-c", "import sentence_transformers"], bench_env(real), timeout=300)
        )
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
    result.cold_serve_first_token_s, result.cold_serve_answer_s = serve_cold_start(real, "Can LLMs make images?")
    log(f"cold bot serve: first token {fmt_s(result.cold_serve_first_token_s)}")

    result.chunking_s = chunking_speed_s(settings.passage_max_chars)
    if not quick:  # a real PDF folder takes a minute: figures for the full run
        result.documents = [document_corpus_figures(settings, folder, work, log) for folder in documents or []]
    exported = work / "ingest-warm-up" / QUERY_ENCODER_DIR  # made by `ingest_figures`
    result.scales = scales(settings, questions, work, [1] if quick else [1, 10, 100], log, exported)
    (out_dir / "results.md").write_text(result.to_markdown(), encoding="utf-8")
    plot(result, out_dir / "results.png")
    return result


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--scale-worker":
        print(json.dumps(scale_worker(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))))
    else:
        sys.exit("usage: python -m bot.tools.bench --scale-worker CORPUS INDEX QUESTIONS (use `bot bench`)")
