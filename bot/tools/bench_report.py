"""`bot bench`'s report: every figure of one run (`BenchResult`), its table and its plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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
    raw_encoder: str = ""  # what the raw encode ran on ("torch on 2 threads, batches of 32")
    ingest_encoder: str = ""  # what the timed ingests embedded with (`IngestReport.embedded_with`)
    # Cores other processes kept busy (on average) during the raw-encode/ingest pairs: torch's encode on every
    # core slows several times when another job holds one, the ingest's single-threaded ONNX sessions do not,
    # so the ingest ratio means what it says only when this is near 0. None where /proc/stat is not there.
    ingest_others_cores: float | None = None
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
            f"| cold `bot serve` to first streamed token / full answer (socket) | {fmt_s(self.cold_serve_first_token_s)} / {fmt_s(self.cold_serve_answer_s)} |",
            f"| model load (in process) | {self.model_load_s:.2f} s |",
            f"| raw encode (sentence-transformers defaults: {self.raw_encoder}), passages only | {self.raw_encode_passages_per_s:.1f} passages/s |",
            f"| raw encode of the passages and then of their sentences (two encodes) | {self.raw_encode_both_passages_per_s:.1f} passages/s |",
            f"| full ingest (headings and sentences encoded once, {self.ingest_encoder}; with its model load, the "
            f"refusal calibration's probes and storing) | {self.ingest_passages_per_s:.1f} passages/s |",
            f"| cores kept busy by other processes during those raw encodes and ingests (the ratio holds near 0) | "
            f"{'not measured' if self.ingest_others_cores is None else f'{self.ingest_others_cores:.2f}'} |",
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


def fmt_s(value: float | None) -> str:
    return f"{value:.2f} s" if value is not None else "-"


def plot(result: BenchResult, path: Path) -> None:
    """Query latency and ingest time against corpus size."""
    # lazy: matplotlib is heavy (the 'bench' extra)
    import matplotlib

    matplotlib.use("Agg")
    # lazy: matplotlib, the `bench` extra
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
