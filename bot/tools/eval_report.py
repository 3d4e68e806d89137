"""How `bot eval` shows its results: the per-question table with each miss and why, methods side by side, and
every answer written out to compare two runs."""

from __future__ import annotations

import json
from pathlib import Path

from bot.tools.evaluate import ItemResult


def write_answers(results: list[ItemResult], path: Path) -> None:
    """Every answer as one JSON line (no timings or scores), so two runs compare with `diff`."""
    with path.open("w", encoding="utf-8") as out:
        for r in results:
            row = {"id": r.item.id, "question": r.item.question, "answer": r.answer.text, "answered": r.answer.answered}
            row["sources"] = [[p.source, p.heading, p.location, p.text] for p in r.answer.sources]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def format_comparison(named: dict[str, dict]) -> str:
    """Summaries side by side, one column per method."""
    names = list(named)
    keys = list(next(iter(named.values())))
    lines = [f"{'':<22}" + "".join(f"{n:>12}" for n in names)]
    for key in keys:
        lines.append(f"{key:<22}" + "".join(f"{named[n].get(key, '-'):>12}" for n in names))
    return "\n".join(lines)


def format_report(summary: dict, results: list[ItemResult]) -> str:
    """A readable per-question table, the misses with the answers given and why, and the summary."""
    lines = [f"{'id':<6} {'hit@1':<6} {'hit@k':<6} {'answer':<7} {'strict':<7} {'ms':>7}  first source"]
    mark = lambda ok: "yes" if ok else "NO"  # noqa: E731
    for r in results:
        ranked = r.answer.ranked or r.answer.sources
        first = ranked[0].heading or ranked[0].title if ranked else "-"
        hit1, hitk = (mark(r.hit_at_1), mark(r.hit_at_k)) if r.item.answerable else ("-", "-")
        lines.append(
            f"{r.item.id:<6} {hit1:<6} {hitk:<6} {mark(r.answer_ok):<7} {mark(r.strict_ok):<7} "
            f"{r.answer.latency_ms:>7.1f}  {first[:60]}"
        )
    misses = [r for r in results if not r.strict_ok or (r.item.answerable and not r.hit_at_k)]
    if misses:
        lines += ["", "Misses:"]
        for r in misses:
            lines.append(f"- {r.item.id}: {r.item.question}")
            if r.answer.query != r.item.question:
                lines.append(f"    searched for: {r.answer.query}")
            if r.item.answerable:
                lines.append(f"    expected terms: {r.item.must_include}")
            lines += [f"    why: {reason}" for reason in r.reasons]
            if r.answer.reason:  # why the assistant answered or declined (bot.retrieval.refusal)
                lines.append(f"    decision: {r.answer.reason}")
            lines.append(f"    answer ({'answered' if r.answer.answered else 'declined'}): {r.answer.text}")
    width = max((len(k) for k in summary), default=20)
    lines += ["", "Summary:"] + [f"  {k:<{width}} {v}" for k, v in summary.items()]
    return "\n".join(lines)
