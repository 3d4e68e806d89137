"""The question path embeds with the model's ONNX export (made at ingest), without importing torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from bot.ingest.index import OnnxEmbedder, load_query_embeddings, query_encoder_path
from bot.ingest.query_encoder import export_is_current, sidecar_path
from bot.settings import Settings

from .conftest import ROOT

_TEXTS = [
    "Can LLMs make images?",
    "What is generative AI?",
    "?",
    " ",
    "a",
    "Große Sprachmodelle erzeugen Text — nicht Bilder. 大型语言模型 🤖 émigré naïve façade",
    "x" * 3000,  # one long word: many word pieces
    " ".join(["Large language models generate text from the patterns of their training data."] * 40),  # > 256 tokens
    "How do LLMs differ from generative AI models that create images, audio and video?",
]


def test_ingest_exports_the_query_encoder_next_to_the_index(built_index):
    target = query_encoder_path(built_index)
    assert target is not None and target.parent == built_index.index_dir / "query-encoder"
    assert target.is_file() and export_is_current(built_index.embedding_model_path(), target)
    info = json.loads(sidecar_path(target).read_text())
    assert info["max_abs_diff"] < 1e-4 and info["max_seq_length"] == 256
    assert isinstance(load_query_embeddings(built_index), OnnxEmbedder)


def test_onnx_vectors_match_sentence_transformers(built_index):
    from bot.ingest.index import load_embeddings

    onnx = load_query_embeddings(built_index)
    torch_side = load_embeddings(built_index)
    assert isinstance(onnx, OnnxEmbedder)
    got, expected = onnx.queries(_TEXTS), torch_side.queries(_TEXTS)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert np.abs(got - expected).max() < 1e-5
    # Documents (the grounding checker's sentences) equal queries for this model, one at a time too.
    assert np.abs(onnx.documents(_TEXTS[:3]) - torch_side.documents(_TEXTS[:3])).max() < 1e-5
    assert np.abs(np.asarray(onnx.embed_query(_TEXTS[-1])) - expected[-1]).max() < 1e-5


def _copy_index(built_index, tmp_path) -> Settings:
    index_dir = tmp_path / "index"
    shutil.copytree(built_index.index_dir, index_dir, ignore=shutil.ignore_patterns(".ingest.lock"))
    return built_index.model_copy(update={"index_dir": index_dir})


def test_a_missing_or_stale_export_falls_back_to_sentence_transformers(built_index, tmp_path):
    from bot.assistant import Assistant
    from bot.ingest.index import Embedder

    settings = _copy_index(built_index, tmp_path)
    target = query_encoder_path(settings)
    info = json.loads(sidecar_path(target).read_text())
    sidecar_path(target).write_text(json.dumps({**info, "model": "0" * 16}))  # made from another model
    assert isinstance(load_query_embeddings(settings), Embedder)
    answer = Assistant.build(settings).ask("Can LLMs make images?")
    assert answer.answered and answer.text.startswith("No, ")

    shutil.rmtree(target.parent)  # no export at all
    assert isinstance(load_query_embeddings(settings), Embedder)
    answer = Assistant.build(settings).ask("Can LLMs make images?")
    assert answer.answered and answer.text.startswith("No, ")

    from bot.ingest.index import ensure_index

    messages: list[str] = []
    assert ensure_index(settings, log=messages.append) is None  # healthy index: only the export is made
    assert export_is_current(settings.embedding_model_path(), target)


def test_a_model_with_prompts_keeps_sentence_transformers(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(Settings(_env_file=None).embedding_model_path(), model)
    config = model / "config_sentence_transformers.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "prompts": {"query": "query: "}}))
    settings = Settings(_env_file=None, embedding_model=model, index_dir=tmp_path / "index")
    assert query_encoder_path(settings) is None


def test_missing_onnx_package_is_logged_once_and_skipped(built_index, tmp_path, monkeypatch):
    from bot.ingest.index import export_query_encoder

    settings = built_index.model_copy(update={"index_dir": tmp_path / "index"})
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError
    messages: list[str] = []
    assert export_query_encoder(settings, log=messages.append) is None
    assert len(messages) == 1 and "`onnx`" in messages[0]
    assert not (settings.index_dir / "query-encoder").exists()


# Runs `bot ask` in a fresh interpreter and reports which heavy modules it imported.
_WRAPPER = """
import json, sys
from bot.tools.cli import main
code = main(["ask", "Can LLMs make images?"])
heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
print("\\nMODULES " + json.dumps(heavy))
sys.exit(code)
"""


@pytest.mark.ingest
@pytest.mark.parametrize("export", ["current", "missing"])
def test_a_cold_bot_ask_imports_no_torch_when_the_export_is_current(built_index, tmp_path, export):
    settings = _copy_index(built_index, tmp_path)
    if export == "missing":
        shutil.rmtree(query_encoder_path(settings).parent)
    env = {**os.environ, "BOT_INDEX_DIR": str(settings.index_dir), "BOT_CORPUS_DIR": str(settings.corpus_dir)}
    run = subprocess.run(
        [sys.executable, "-c", _WRAPPER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("No, "), run.stdout[-2000:]
    heavy = json.loads(run.stdout.rsplit("MODULES ", 1)[1])
    if export == "current":
        assert heavy == []
    else:  # the first start after an upgrade makes the export with sentence-transformers, once
        assert "torch" in heavy
        assert export_is_current(settings.embedding_model_path(), query_encoder_path(settings))
