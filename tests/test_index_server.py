"""The index on a shared Chroma server: ingest, answer, re-ingest atomically, survive the server going away."""

from __future__ import annotations

import pytest

from bot.ingest.index import IndexUnavailable, current_generation, ingest
from bot.settings import Settings

from .conftest import cold_ask, copy_query_encoder
from .servers import ChromaServer


@pytest.mark.server
def test_ingest_and_answer_from_a_chroma_server_that_stops_and_starts(built_index, tmp_path, corpus_copy, monkeypatch):
    from bot.assistant import Assistant

    # The assistant looks at the server's pointer at every question, not once a second: no waiting out the interval.
    monkeypatch.setattr("bot.retrieval.retriever.POINTER_CHECK_SECONDS", 0.0)
    chroma = ChromaServer(tmp_path / "chroma-data")
    chroma.start()
    copy_query_encoder(built_index.index_dir, tmp_path / "index")
    try:
        settings = Settings(
            _env_file=None,
            corpus_dir=corpus_copy,
            index_dir=tmp_path / "index",
            chroma_host="127.0.0.1",
            chroma_port=chroma.port,
        )
        first = ingest(settings, progress=False)
        assert first.passages_total > 20 and not list((tmp_path / "index").glob("g-*"))  # nothing stored locally
        assert not ingest(settings, progress=False).changed
        assistant = Assistant.build(settings)
        assert assistant.ask("Can LLMs make images?").text.startswith("No, LLMs are built specifically")

        # A second instance's ingest switches the server's pointer; this one follows at its next question.
        (corpus_copy / "extra.md").write_text("## Office hours\n\nThe support desk opens at nine on weekdays.\n")
        second = ingest(settings, progress=False)
        assert second.added == ["extra.md"] and second.passages_written == 1
        assert assistant.ask("When does the support desk open?").answered
        assert assistant.retriever.generation == current_generation(settings) == second.generation

        chroma.stop()
        with pytest.raises(
            IndexUnavailable, match=f"unavailable: cannot reach the Chroma server at 127.0.0.1:{chroma.port}"
        ):
            assistant.ask("Can LLMs make images?")
        chroma.start()
        assert assistant.ask("Can LLMs make images?").answered
    finally:
        chroma.stop()


@pytest.mark.ingest
def test_an_unreachable_server_is_a_clear_error_not_a_traceback(tmp_path):

    from .conftest import free_port

    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(free_port()), "BOT_INDEX_DIR": str(tmp_path)}
    run = cold_ask("Can LLMs make images?", env=env, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "The article index is unavailable: cannot reach the Chroma server at 127.0.0.1:" in run.stderr
