"""Ingest is safe to repeat and reports exactly what changed."""

from __future__ import annotations

from bot.index import index_passage_count, ingest
from bot.settings import Settings


def test_ingest_is_incremental(corpus_copy, tmp_path):
    settings = Settings(_env_file=None, corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    first = ingest(settings, progress=False)
    assert len(first.added) == 2 and first.passages_written == first.passages_total > 20

    again = ingest(settings, progress=False)
    assert again.passages_written == 0 and not again.changed
    assert sorted(again.unchanged) == sorted(first.added)
    assert again.passages_total == first.passages_total

    globussoft = corpus_copy / "globussoft-llm-vs-generative-ai.md"
    globussoft.write_text(globussoft.read_text(encoding="utf-8") + "\n## Extra\n\nA new closing note.\n", encoding="utf-8")
    (corpus_copy / "zero-gravity-marketing-llms-vs-generative-ai.md").unlink()
    (corpus_copy / "pricing.txt").write_text("Plans and prices for the assistant, by tier.\n", encoding="utf-8")
    changed = ingest(settings, progress=False)
    assert changed.updated == ["globussoft-llm-vs-generative-ai.md"]
    assert changed.removed == ["zero-gravity-marketing-llms-vs-generative-ai.md"]
    assert changed.added == ["pricing.txt"]
    assert "1 added, 1 updated, 1 removed" in changed.summary()
    assert index_passage_count(settings) == changed.passages_total < first.passages_total
