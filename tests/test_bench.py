"""`bot bench --quick` runs end to end, so the benchmark cannot rot."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings

from .conftest import PUBLIC_EVAL, ROOT, copy_query_encoder, require_shared

pytestmark = pytest.mark.ingest


def _table_value(markdown: str, label: str) -> list[str]:
    row = next(line for line in markdown.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in row.strip("|").split("|")][1:]


def test_bench_quick_writes_the_table_and_the_plot(built_index, tmp_path, run_cli):
    """In this process (the CLI's `main`): the bench starts its own processes for every cold figure."""
    questions = require_shared(PUBLIC_EVAL)
    out, work = tmp_path / "out", tmp_path / "work"
    settings = Settings(_env_file=None, corpus_dir=ROOT / "corpus", index_dir=tmp_path / "index")
    copy_query_encoder(built_index.index_dir, settings.index_dir)  # as in a set-up checkout: the model's export
    code, stdout, stderr = run_cli(
        "bench", "--quick", "--questions", str(questions), "--out", str(out), "--work", str(work), settings=settings
    )
    assert code == 0, stderr[-3000:]
    markdown = (out / "results.md").read_text(encoding="utf-8")
    assert markdown in stdout
    for figure in (
        "answer p50 / embedding floor",
        "ingest / raw encode (passages per s)",
        "no-change re-ingest (`bot ingest`)",
        "peak RSS of `bot ask`",
        "cold `bot ask`",
        "cold `bot ask` / `import sentence_transformers` (paired)",
    ):
        measured, _target, met = _table_value(markdown, figure)
        assert re.match(r"^\d+(\.\d+)? ?(x|s|MB)$", measured) and met in ("yes", "**no**"), (figure, measured, met)
    assert re.search(r"^\| 1x \| 41 \| \d+\.\d s \|", markdown, re.M), markdown
    this, naive = (float(v) for v in _table_value(markdown, "hit@1"))
    assert this > naive  # the side-by-side ran both pipelines on the same questions
    png = (out / "results.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert (work / "scale-1x" / "corpus").is_dir()  # synthetic corpora stay in the work folder
