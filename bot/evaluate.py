"""Scoring the assistant on a JSONL question file (`bot eval`)."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.stats import percentile
from bot.text import normalize_text
from bot.types import Answer

_MARKUP = str.maketrans({c: " " for c in "*_#>`"})


def normalize(text: str) -> str:
    """NFKC, lower case, curly quotes straightened, `*_#>` and backtick to spaces, whitespace folded."""
    text = normalize_text(text).translate(_MARKUP)
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class EvalItem:
    id: str
    turns: list[str]
    evidence: list[str] = field(default_factory=list)
    must_include: list[list[str]] = field(default_factory=list)
    answerable: bool = True

    @property
    def question(self) -> str:
        return self.turns[-1]


def load_questions(path: Path) -> list[EvalItem]:
    """Read a question file; raises ValueError naming the line of a malformed item."""
    items = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            turns = raw.get("turns") or [raw["question"]]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{lineno}: not a question item ({exc})") from exc
        items.append(
            EvalItem(
                id=str(raw.get("id", lineno)),
                turns=[str(t) for t in turns],
                evidence=list(raw.get("evidence") or []),
                must_include=[list(g) for g in raw.get("must_include") or []],
                answerable=bool(raw.get("answerable", True)),
            )
        )
    return items


@dataclass
class ItemResult:
    item: EvalItem
    answer: Answer
    hit_at_1: bool
    hit_at_k: bool
    answer_ok: bool
    citations_ok: bool


def _contains_evidence(text: str, evidence: list[str]) -> bool:
    norm = normalize(text)
    return any(normalize(e) in norm for e in evidence)


def citations_valid(answer: Answer) -> bool:
    """At least one `[n]`, and every one names a returned source."""
    cited = answer.cited
    return bool(cited) and all(1 <= n <= len(answer.sources) for n in cited)


def score_item(item: EvalItem, answer: Answer) -> ItemResult:
    texts = [p.text for p in answer.sources]
    hit1 = bool(texts) and _contains_evidence(texts[0], item.evidence)
    hitk = any(_contains_evidence(t, item.evidence) for t in texts)
    norm_answer = normalize(answer.text)
    groups_ok = all(any(normalize(term) in norm_answer for term in group) for group in item.must_include)
    answer_ok = answer.answered and groups_ok if item.answerable else not answer.answered
    return ItemResult(item, answer, hit1, hitk, answer_ok, citations_valid(answer))


class Answering(Protocol):
    def ask(self, question: str, history: list[str] | None = None) -> Answer: ...


def run_eval(assistant: Answering, items: list[EvalItem]) -> tuple[dict, list[ItemResult]]:
    """Answer every item (after one warm-up question) and compute the summary figures."""
    assistant.ask(items[0].question if items else "warm up")  # latency is measured warm
    results = [score_item(item, assistant.ask(item.question, item.turns[:-1])) for item in items]
    answerable = [r for r in results if r.item.answerable]
    unanswerable = [r for r in results if not r.item.answerable]
    answered = [r for r in results if r.answer.answered]
    latencies = [r.answer.latency_ms for r in results]

    def share(rows: list[ItemResult], ok) -> float:
        return round(sum(1 for r in rows if ok(r)) / len(rows), 4) if rows else 1.0

    summary = {
        "n": len(results),
        "retrieval_hit_at_1": share(answerable, lambda r: r.hit_at_1),
        "retrieval_hit_at_k": share(answerable, lambda r: r.hit_at_k),
        "answer_accuracy": share(answerable, lambda r: r.answer_ok),
        "refusal_accuracy": share(unanswerable, lambda r: r.answer_ok),
        "citation_validity": share(answered, lambda r: r.citations_ok),
        "context_chars_mean": round(statistics.fmean(sum(len(p.text) for p in r.answer.sources) for r in results), 1)
        if results
        else 0.0,
        "latency_ms_p50": round(percentile(latencies, 50, empty=0.0), 1),
        "latency_ms_p95": round(percentile(latencies, 95, empty=0.0), 1),
    }
    return summary, results


def embedding_floor_ms(embed_query: Callable[[str], object], items: list[EvalItem], repeats: int = 3) -> float:
    """Median time to embed one question with the model: the cost no dense retriever avoids."""
    questions = [item.question for item in items] or ["warm up"]
    embed_query(questions[0])
    timings = []
    for _ in range(repeats):
        for question in questions:
            started = time.perf_counter()
            embed_query(question)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def format_comparison(named: dict[str, dict]) -> str:
    """Summaries side by side, one column per method."""
    names = list(named)
    keys = list(next(iter(named.values())))
    lines = [f"{'':<22}" + "".join(f"{n:>12}" for n in names)]
    for key in keys:
        lines.append(f"{key:<22}" + "".join(f"{named[n].get(key, '-'):>12}" for n in names))
    return "\n".join(lines)


def format_report(summary: dict, results: list[ItemResult]) -> str:
    """A readable per-question table, the misses with the answers given, and the summary."""
    lines = [f"{'id':<6} {'hit@1':<6} {'hit@k':<6} {'answer':<7} {'ms':>7}  first source"]
    for r in results:
        first = r.answer.sources[0].heading or r.answer.sources[0].title if r.answer.sources else "-"
        mark = lambda ok: "yes" if ok else "NO"  # noqa: E731
        hit1, hitk = (mark(r.hit_at_1), mark(r.hit_at_k)) if r.item.answerable else ("-", "-")
        lines.append(
            f"{r.item.id:<6} {hit1:<6} {hitk:<6} {mark(r.answer_ok):<7} {r.answer.latency_ms:>7.1f}  {first[:60]}"
        )
    misses = [r for r in results if not r.answer_ok or (r.item.answerable and not r.hit_at_k)]
    if misses:
        lines += ["", "Misses:"]
        for r in misses:
            lines.append(f"- {r.item.id}: {r.item.question}")
            if r.answer.query != r.item.question:
                lines.append(f"    searched for: {r.answer.query}")
            if r.item.answerable:
                lines.append(f"    expected terms: {r.item.must_include}")
            lines.append(f"    answer ({'answered' if r.answer.answered else 'declined'}): {r.answer.text}")
    lines += ["", "Summary:"] + [f"  {k:<20} {v}" for k, v in summary.items()]
    return "\n".join(lines)
