"""Ingest is safe to repeat and reports exactly what changed."""

from __future__ import annotations

import pytest

from bot.ingest.index import index_passage_count, ingest
from bot.settings import Settings

from .conftest import ROOT, cold_ask, copy_index, copy_query_encoder

pytestmark = pytest.mark.ingest


def test_ingest_is_incremental(built_index, corpus_copy, tmp_path):
    settings = Settings(_env_file=None, corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    copy_query_encoder(built_index.index_dir, settings.index_dir)  # no index yet; the model's export only
    first = ingest(settings, progress=False)
    assert len(first.added) == 2 and first.passages_written == first.passages_total > 20

    again = ingest(settings, progress=False)
    assert again.passages_written == 0 and not again.changed
    assert sorted(again.unchanged) == sorted(first.added)
    assert again.passages_total == first.passages_total

    globussoft = corpus_copy / "globussoft-llm-vs-generative-ai.md"
    globussoft.write_text(
        globussoft.read_text(encoding="utf-8") + "\n## Extra\n\nA new closing note.\n", encoding="utf-8"
    )
    (corpus_copy / "zero-gravity-marketing-llms-vs-generative-ai.md").unlink()
    (corpus_copy / "pricing.txt").write_text("Plans and prices for the assistant, by tier.\n", encoding="utf-8")
    changed = ingest(settings, progress=False)
    assert changed.updated == ["globussoft-llm-vs-generative-ai.md"]
    assert changed.removed == ["zero-gravity-marketing-llms-vs-generative-ai.md"]
    assert changed.added == ["pricing.txt"]
    assert "1 added, 1 updated, 1 removed" in changed.summary()
    assert index_passage_count(settings) == changed.passages_total < first.passages_total


def _live_folder(settings):
    from bot.ingest.index import current_generation, index_backend

    return index_backend(settings).path(current_generation(settings))


def _garble(path):
    """Damage every file of a Chroma folder: the SQLite file cut short, segment files overwritten."""
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        data = file.read_bytes()
        if file.suffix == ".sqlite3":
            file.write_bytes(data[: len(data) // 3])
        else:
            file.write_bytes(b"\x13\x37" * max(8, len(data) // 2))


def test_a_damaged_index_is_detected_moved_aside_and_rebuilt(built_index, tmp_path):
    from bot.assistant import Assistant
    from bot.ingest.index import ensure_index, probe_index

    settings = Settings(_env_file=None, corpus_dir=ROOT / "corpus", index_dir=tmp_path / "index")
    copy_query_encoder(built_index.index_dir, settings.index_dir)  # no index yet; the model's export only
    messages: list[str] = []
    assert ensure_index(settings, log=messages.append).passages_total > 20  # missing: built
    assert probe_index(settings) is None and ensure_index(settings) is None  # healthy: left alone

    _garble(_live_folder(settings))
    assert probe_index(settings) is not None
    report = ensure_index(settings, log=messages.append)
    assert report is not None and report.passages_total > 20
    assert any("could not be used" in m and "damaged-g-" in m for m in messages)
    assert list(tmp_path.glob("index/damaged-g-*"))
    answer = Assistant.build(settings).ask("Can LLMs make images?")
    assert answer.answered and answer.text.startswith("No, ")


def test_cli_rebuilds_a_damaged_index_without_a_traceback(built_index, tmp_path):

    settings = Settings(_env_file=None, corpus_dir=ROOT / "corpus", index_dir=tmp_path / "index")
    copy_index(built_index.index_dir, settings.index_dir)  # a sound index of this corpus, as `bot ingest` makes
    _garble(_live_folder(settings))
    env = {"BOT_INDEX_DIR": str(settings.index_dir), "BOT_CORPUS_DIR": str(settings.corpus_dir)}
    run = cold_ask("Can LLMs make images?", env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("No, ") and "Traceback" not in run.stderr
    assert "could not be used" in run.stderr


def test_two_ingests_at_once_one_waits_its_turn_or_is_told(built_index, tmp_path):
    import os
    import subprocess
    import sys

    # The model's export in place, as in a set-up checkout: the winner still holds the lock for seconds
    # (loading the model, embedding), long after the other has tried it.
    copy_query_encoder(built_index.index_dir, tmp_path / "index")
    env = {**os.environ, "BOT_INDEX_DIR": str(tmp_path / "index"), "BOT_CORPUS_DIR": str(ROOT / "corpus")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.tools.cli", "ingest", "--quiet"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(code for code, _out, _err in results)
    assert codes == [0, 1], results
    refused = next(err for code, _out, err in results if code == 1)
    assert "Another ingest is running" in refused and "Traceback" not in refused
    done = next(out for code, out, _err in results if code == 0)
    assert "Indexed 41 passages" in done
    settings = Settings(_env_file=None, corpus_dir=ROOT / "corpus", index_dir=tmp_path / "index")
    assert index_passage_count(settings) > 20


PRICING = """---
title: Assistant Plans
publisher: Example Co
---

## What do the plans cost?

The Zephyr plan costs 42 euros per month and includes unlimited questions for one team.
The Boreas plan costs 90 euros per month and adds single sign-on and priority support.
"""


def test_reingest_is_atomic_the_running_assistant_keeps_answering_then_moves_on(
    built_index, corpus_copy, tmp_path, monkeypatch
):
    import os
    import subprocess
    import sys
    import time

    from bot.assistant import Assistant
    from bot.ingest.index import current_generation

    # The assistant looks at the index's pointer at every question, not once a second: no waiting out the interval.
    monkeypatch.setattr("bot.retrieval.retriever.POINTER_CHECK_SECONDS", 0.0)
    settings = Settings(_env_file=None, corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    copy_index(built_index.index_dir, settings.index_dir)  # the index of this corpus (a copy of the real one)
    assert not ingest(settings, progress=False).changed
    assistant = Assistant.build(settings)  # stands for a running app
    old = assistant.retriever.generation
    (corpus_copy / "pricing.md").write_text(PRICING, encoding="utf-8")
    env = {**os.environ, "BOT_INDEX_DIR": str(settings.index_dir), "BOT_CORPUS_DIR": str(corpus_copy)}
    command = [sys.executable, "-m", "bot.tools.cli", "ingest", "--quiet"]

    # An ingest killed half-way through writing its generation leaves the live index untouched.
    killed = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not [p for p in settings.index_dir.glob("g-*") if p.name != old] and time.monotonic() < deadline:
        time.sleep(0.05)
    killed.kill()
    killed.wait()
    half_built = [p.name for p in settings.index_dir.glob("g-*") if p.name != old]
    assert half_built, "the ingest never started writing"
    assert current_generation(settings) == old
    assert assistant.ask("Can LLMs make images?").answered and assistant.retriever.generation == old

    # A full ingest: the assistant answers from the old generation throughout, then from the new one.
    running = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    during = []
    while running.poll() is None:
        during.append(assistant.ask("Can LLMs make images?"))
        time.sleep(0.1)
    out, err = running.communicate()
    assert running.returncode == 0, err
    assert "1 added" in out and "2 unchanged" in out and "0 passages embedded" not in out
    assert len(during) >= 3 and all(a.answered and a.text.startswith("No, ") for a in during)
    new = current_generation(settings)
    assert new != old
    answer = assistant.ask("How much does the Zephyr plan cost?")
    assert assistant.retriever.generation == new
    assert answer.answered and "42 euros" in answer.text
    assert answer.sources[answer.cited[0] - 1].source == "pricing.md"
    # The previous generation is kept for readers still on it; the half-built one is cleared away.
    assert sorted(p.name for p in settings.index_dir.glob("g-*")) == sorted([old, new])


def test_after_an_ingest_it_waited_for_the_app_reads_the_new_index_at_once(
    built_index, corpus_copy, tmp_path, monkeypatch
):
    """An editor removes or adds a document and asks at once: the pointer is read then, not up to a second later
    (a browser test under load got the removed document's answer)."""
    from bot.assistant import Assistant

    monkeypatch.setattr("bot.retrieval.retriever.POINTER_CHECK_SECONDS", 3600.0)  # no check falls due by itself
    settings = Settings(_env_file=None, corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    copy_index(built_index.index_dir, settings.index_dir)
    assistant = Assistant.build(settings)
    old = assistant.retriever.live_view().generation
    (corpus_copy / "pricing.md").write_text(PRICING, encoding="utf-8")
    assert ingest(settings, progress=False).changed
    assert not assistant.ask("How much does the Zephyr plan cost?").answered  # the view it had
    assert assistant.retriever.refresh().generation != old
    answer = assistant.ask("How much does the Zephyr plan cost?")
    assert answer.answered and "42 euros" in answer.text, answer.text


def test_passage_vectors_are_pooled_from_one_encode_of_headings_and_sentences(built_index):
    """Each sentence is encoded once; its vector is exact, and its passage's vector is pooled from it."""
    import numpy as np

    from bot.ingest.corpus import load_corpus
    from bot.ingest.index import embed_passages, load_embeddings, passage_records, passage_vector_method

    model = load_embeddings(built_index).model
    assert passage_vector_method(built_index.embedding_model_path()) == "pooled"
    articles, _ = load_corpus(built_index.corpus_dir)
    records = passage_records(articles[0], built_index)
    passages, sentences = embed_passages(model, records.pieces, "pooled", 16)
    assert len(passages) == len(records.passages.ids) and len(sentences) == len(records.sentences.ids)
    exact = model.encode(records.sentences.texts, normalize_embeddings=True)
    assert np.allclose(np.asarray(sentences), exact, atol=1e-4)
    whole = model.encode(records.passages.texts, normalize_embeddings=True)
    cosines = (np.asarray(passages) * whole).sum(axis=1)
    assert cosines.mean() > 0.9 and np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-4)
    # The fallback encodes every passage whole: the same vectors as a plain encode.
    encoded, _ = embed_passages(model, records.pieces, "encoded", 16)
    assert np.allclose(np.asarray(encoded), whole, atol=1e-4)


def test_a_model_that_does_not_mean_pool_gets_passages_encoded_whole(tmp_path):
    from bot.ingest.index import passage_vector_method

    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(
        '[{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]'
    )
    (tmp_path / "1_Pooling" / "config.json").write_text(
        '{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}'
    )
    assert passage_vector_method(tmp_path) == "encoded"
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode": "mean"}')
    assert passage_vector_method(tmp_path) == "pooled"
    assert passage_vector_method(tmp_path / "missing") == "encoded"
    # A model that prefixes documents with a prompt (e5, bge) has it in every piece's tokens: encoded whole.
    (tmp_path / "config_sentence_transformers.json").write_text(
        '{"prompts": {"query": "query: ", "passage": "passage: "}}'
    )
    assert passage_vector_method(tmp_path) == "encoded"
    (tmp_path / "config_sentence_transformers.json").write_text('{"prompts": {"query": "query: "}}')
    assert passage_vector_method(tmp_path) == "pooled"


def test_queries_and_documents_go_through_the_models_own_prompts(settings):
    """A model configured with prompts (as e5 can be) gets "query: " before questions and "passage: " before
    stored text; the bundled model has none, so both paths are its plain encode."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from bot.ingest.index import Embedder, load_embeddings

    plain = load_embeddings(settings)
    texts = ["Can LLMs make images?", "What is generative AI?"]
    exact = plain.model.encode(texts, normalize_embeddings=True)
    assert np.allclose(plain.queries(texts), exact, atol=1e-5)
    assert np.allclose(plain.documents(texts), exact, atol=1e-5)
    assert np.allclose(plain.embed_query(texts[0]), exact[0], atol=1e-5)

    path = str(settings.embedding_model_path())
    prompted = SentenceTransformer(
        path, device="cpu", local_files_only=True, prompts={"query": "query: ", "document": "passage: "}
    )
    both = Embedder(prompted, 16)
    assert np.allclose(
        both.queries(texts), plain.model.encode(["query: " + t for t in texts], normalize_embeddings=True), atol=1e-5
    )
    assert np.allclose(
        both.documents(texts),
        plain.model.encode(["passage: " + t for t in texts], normalize_embeddings=True),
        atol=1e-5,
    )


def test_validation_refuses_vectors_the_model_does_not_reproduce(built_index, tmp_path):
    from bot.ingest.index import IndexUnavailable, embedding_signature, load_embeddings, open_index, validate_generation

    settings = built_index.model_copy(update={"index_dir": tmp_path / "index"})
    copy_index(built_index.index_dir, settings.index_dir)  # its vectors are changed below: a copy
    index = open_index(settings)
    embeddings = load_embeddings(settings)
    signature = embedding_signature(settings, embeddings)
    validate_generation(index.manifest, index, signature, embeddings)  # a sound generation passes

    first = index.sentences.get(limit=1, include=["embeddings"])
    index.sentences.update(ids=first["ids"], embeddings=[[-x for x in first["embeddings"][0]]])
    with pytest.raises(IndexUnavailable, match="a known sentence is not found by its own text"):
        validate_generation(index.manifest, index, signature, embeddings)
    with pytest.raises(IndexUnavailable, match="its dimension is 384, expected 768"):
        validate_generation(index.manifest, index, {**signature, "dimension": 768}, embeddings)
    index.close()


def test_an_index_cut_by_an_older_chunker_is_rebuilt_when_the_app_starts(built_index, tmp_path):
    """After an upgrade that cuts passages differently, `bot serve` answered from the old passages until someone
    ran `bot ingest`: starting now rebuilds the index, and says why."""
    from dataclasses import replace

    from bot.ingest.index import ensure_index, index_backend

    settings = Settings(_env_file=None, corpus_dir=ROOT / "corpus", index_dir=tmp_path / "index")
    copy_index(built_index.index_dir, settings.index_dir)
    backend = index_backend(settings)
    old = backend.read_manifest()
    backend.write_manifest(replace(old, signature={**old.signature, "chunker": "1"}))
    messages: list[str] = []
    report = ensure_index(settings, log=messages.append)
    assert report is not None and report.rebuilt and report.passages_written == old.passages, report
    assert any("chunker 1, now " in m and "rebuilding" in m for m in messages), messages
    assert backend.read_manifest().generation != old.generation
    assert ensure_index(settings) is None  # current now: left alone


def test_an_index_from_before_the_current_calibration_is_recalibrated_without_re_embedding(built_index, tmp_path):
    from dataclasses import replace

    from bot.assistant import Assistant
    from bot.ingest.index import ensure_index, index_backend

    settings = Settings(_env_file=None, corpus_dir=ROOT / "corpus", index_dir=tmp_path / "index")
    copy_index(built_index.index_dir, settings.index_dir)
    backend = index_backend(settings)
    stale = backend.read_manifest()
    backend.write_manifest(replace(stale, calibration={**stale.calibration, "version": 1}))  # an older rule's
    assert Assistant.build(settings).retriever.calibration() is None
    messages: list[str] = []
    report = ensure_index(settings, log=messages.append)
    assert report is not None and report.passages_written == 0 and report.passages_total == stale.passages
    assert any("recalibrating" in m for m in messages)
    assert Assistant.build(settings).retriever.calibration() is not None
    assert ensure_index(settings) is None  # current now: left alone
