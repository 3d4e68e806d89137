"""An upload's ingest: what it costs (no sentence-transformers model when the ONNX export is there, the same
vectors either way) and where it runs (a process of its own that gets its own share of the CPU)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from bot.settings import Settings

from .conftest import ROOT, copy_query_encoder

pytestmark = pytest.mark.ingest


def test_an_ingest_with_the_models_export_never_loads_sentence_transformers(built_index, corpus_copy, tmp_path):
    settings = Settings(_env_file=None, corpus_dir=corpus_copy, index_dir=tmp_path / "index")
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    script = textwrap.dedent(
        f"""
        import sys
        from bot.ingest.index import ingest
        from bot.settings import Settings
        report = ingest(Settings(_env_file=None, corpus_dir={str(corpus_copy)!r}, index_dir={str(settings.index_dir)!r}))
        assert report.passages_written > 20, report.summary()
        print("loaded:", sorted(m for m in ("sentence_transformers", "transformers") if m in sys.modules))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "loaded: []" in done.stdout  # seconds of every upload: torch's model is never read


def test_passages_embedded_without_the_model_get_the_very_same_vectors(built_index):
    """The ONNX path's vectors are bit for bit those of the path that loads the model (which counts heading
    tokens with the model's tokenizer), and a text's token embeddings do not depend on its batch."""
    import numpy as np

    from bot.ingest.corpus import load_corpus
    from bot.ingest.index import embed_passages, load_embeddings, passage_records, query_encoder_path
    from bot.ingest.query_encoder import OnnxQueryEncoder

    model = load_embeddings(built_index).model
    path = query_encoder_path(built_index)
    small = OnnxQueryEncoder(built_index.embedding_model_path(), path, batch_size=4)
    large = OnnxQueryEncoder(built_index.embedding_model_path(), path, batch_size=16)
    articles, _ = load_corpus(built_index.corpus_dir)
    pieces = [p for a in articles for p in passage_records(a, built_index).pieces]
    with_model = embed_passages(model, pieces, "pooled", 16, large.token_embeddings)
    without = embed_passages(None, pieces, "pooled", 16, small.token_embeddings, small.count_tokens)
    assert with_model == without
    lines = {p.heading_line for p in pieces if p.heading_line}
    assert len(lines) > 5
    assert all(small.count_tokens(x) == len(model.tokenizer(x, add_special_tokens=False)["input_ids"]) for x in lines)
    long_line = "word " * 400  # past the model's 256 tokens: counted whole, as the model's tokenizer does
    assert small.count_tokens(long_line) == len(model.tokenizer(long_line, add_special_tokens=False)["input_ids"])
    texts = [c for p in pieces for c in p.contexts][:40]
    assert all(np.array_equal(a, b) for a, b in zip(small.token_embeddings(texts), large.token_embeddings(texts)))


def sleeps_in_its_own_share(seconds: float) -> None:
    """A stand-in for the upload's ingest child (spawned by the test's server stand-in)."""
    from bot.ingest.upload import _own_cpu_share

    _own_cpu_share()
    time.sleep(seconds)


def test_the_upload_ingest_gets_its_own_cpu_share_and_ends_with_the_server(tmp_path):
    server = textwrap.dedent(
        """
        import multiprocessing, time
        from tests.test_upload_ingest import sleeps_in_its_own_share
        if __name__ == "__main__":
            child = multiprocessing.get_context("spawn").Process(target=sleeps_in_its_own_share, args=(120,))
            child.start()
            print(child.pid, flush=True)
            time.sleep(120)
        """
    )
    (tmp_path / "server.py").write_text(server)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "server.py")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        child = int(proc.stdout.readline())
        deadline = time.monotonic() + 30
        while os.getsid(child) != child and time.monotonic() < deadline:
            time.sleep(0.05)
        # Its own session, so its own autogroup: Linux shares the CPU between those before threads.
        assert os.getsid(child) == child != os.getsid(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)  # what stopping a server does: its process group, not the child's
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "the ingest outlived its server"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_the_converter_reports_a_pdfs_pages_as_it_reads_them_a_few_a_second():
    from bot.ingest.convert.isolated import IsolatedConverter

    from .test_convert_pdf import make_pdf, paragraph

    pdf = make_pdf([paragraph(700, f"Page {n} of the handbook says something about topic {n}.") for n in range(1, 31)])
    heard: list[tuple[int, int]] = []
    with IsolatedConverter(60, 1024) as converter:
        converted = converter.convert(".pdf", pdf, lambda page, pages: heard.append((page, pages)))
    assert "<!-- page 30 -->" in converted.markdown
    assert heard[0] == (1, 30) and heard[-1] == (30, 30)  # the first page and the last, always
    assert heard == sorted(heard) and len(heard) <= 30


def test_the_progress_line_names_the_page_embedding_has_reached():
    from bot.ingest.index.generation import _embedded

    metadatas = [
        {"source": "handbook.pdf", "position": 0, "location": "p. 1", "pages": 40},
        {"source": "handbook.pdf", "position": 1, "location": "p. 12"},
        {"source": "deck.pptx", "position": 0, "location": "slide 1", "slides": 9},
        {"source": "deck.pptx", "position": 1, "location": "slide 4"},
        {"source": "notes.md", "position": 0, "location": ""},
    ]
    assert _embedded(metadatas, 2, 5) == "Indexing handbook.pdf: page 12 of 40"
    assert _embedded(metadatas, 4, 5) == "Indexing deck.pptx: slide 4 of 9"
    assert _embedded(metadatas, 5, 5) == "Embedding passages: 5 of 5"
