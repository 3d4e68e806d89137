"""An upload's ingest: what it costs (no sentence-transformers model when the ONNX export is there, the same
vectors either way) and where it runs (a process of its own that gets its own share of the CPU)."""

from __future__ import annotations

import asyncio
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


def zip_bomb_docx(unpacked_mb: int = 400) -> bytes:
    """A Word file of a few hundred KB whose document.xml unpacks to `unpacked_mb` MB."""
    import io
    import zipfile

    from .test_bad_files import _word

    source = zipfile.ZipFile(io.BytesIO(_word()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                text = b"<w:p><w:r><w:t>" + b"A" * (unpacked_mb * 2**20) + b"</w:t></w:r></w:p>"
                data = data.replace(b"<w:body>", b"<w:body>" + text, 1)
            archive.writestr(item, data)
    return out.getvalue()


def test_hostile_uploads_are_refused_in_time_with_their_reasons_while_answers_go_on(tmp_path, built_index):
    """A zip bomb, a 10,000-page PDF and a file that holds the converter, uploaded with a good file: each bad one
    is named with its reason within the time limit and taken back out, the good one is indexed, and questions
    asked meanwhile are answered as quickly as ever (the ingest runs in a process of its own)."""
    import threading

    from bot.assistant import Assistant
    from bot.ingest.index import ingest
    from bot.ingest.upload import Upload, ingest_in_child, place_files, settle

    from .test_bad_files import _slow_docx
    from .test_convert_pdf import make_pdf, paragraph

    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "policies.md").write_text("# Travel\n\nThe daily meal allowance is 45 euros.\n", encoding="utf-8")
    settings = Settings(
        _env_file=None, corpus_dir=folder, index_dir=tmp_path / "index", convert_seconds=5, convert_memory_mb=1024
    )
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    ingest(settings, progress=False)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    files = {
        "bomb.docx": zip_bomb_docx(),
        "huge.pdf": make_pdf([paragraph(700, f"Page {n}.") for n in range(10_000)]),
        "slow.docx": _slow_docx(),
        "parking.md": b"# Parking\n\nThe staff car park opens at 6 am.\n",
    }
    uploads = []
    for name, data in files.items():
        (incoming / name).write_bytes(data)
        uploads.append((Upload(name, incoming / name, len(data)), name))
    backups = place_files(folder, uploads)

    asker = Assistant.build(built_index)
    asker.ask("What is a large language model?")  # loaded before the clock starts
    seconds: list[float] = []
    done = threading.Event()

    def ask_meanwhile() -> None:
        while not done.is_set():
            began = time.perf_counter()
            assert asker.ask("What is a large language model?").answered
            seconds.append(time.perf_counter() - began)

    asking = threading.Thread(target=ask_meanwhile)
    asking.start()
    began = time.perf_counter()
    try:
        report = ingest_in_child(settings, lambda _step: None, timeout=120)
    finally:
        done.set()
        asking.join()
    took = time.perf_counter() - began
    settle(folder, backups, report, "anna")

    reasons = dict(reason.split(": ", 1) for reason in report.errors)
    assert sorted(reasons) == ["bomb.docx", "huge.pdf", "slow.docx"], report.errors
    assert "unpacks to 401 MB" in reasons["bomb.docx"] and "zip bomb" in reasons["bomb.docx"]
    assert reasons["huge.pdf"].startswith("10,000 pages, more than the 5,000")
    assert "took longer than 5 s" in reasons["slow.docx"]
    assert report.added == ["parking.md"]
    assert took < 60, f"the bad files held the ingest {took:.0f} s"  # one converter limit, not one per bad file
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == ["parking.md", "policies.md"]
    assert len(seconds) >= 3 and max(seconds) < 10, seconds


def test_an_upload_over_the_size_limit_is_refused_with_413_before_its_body_is_read():
    from bot.web.uploads import UploadSizeLimit

    reached: list[str] = []

    async def chainlit(scope, receive, send):  # stands in for Chainlit's upload route: reads the whole body
        reached.append(scope["path"])
        while (await receive()).get("more_body"):
            pass

    async def call(path: str, headers: list, body: list[bytes]) -> tuple[int, int]:
        """(status, body chunks read) of one request through the size limit."""
        chunks, sent = list(body), []

        async def receive():
            sent.append(1)
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}

        statuses: list[int] = []

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        scope = {"type": "http", "path": path, "method": "POST", "headers": headers}
        await UploadSizeLimit(chainlit)(scope, receive, send)
        return (statuses or [200])[0], len(sent)

    limit = (20 + 1) * 2**20  # BOT_UPLOAD_MAX_MB's default, and the form's own bytes
    declared = [(b"content-length", str(limit + 1).encode())]
    assert asyncio.run(call("/project/file", declared, [b"x"] * 3)) == (413, 0)  # refused unread
    assert reached == []
    big = [b"x" * 2**20] * 25  # no length declared (chunked): refused once past the limit, not at the end
    status, read = asyncio.run(call("/project/file", [], big))
    assert status == 413 and read <= 22
    assert asyncio.run(call("/project/file", [(b"content-length", b"10")], [b"x" * 10])) == (200, 1)
    assert asyncio.run(call("/other", declared, [b"x"])) == (200, 1)  # only the upload route is limited


def test_an_ingest_process_started_ahead_takes_the_next_upload_and_ends_with_the_server(tmp_path, built_index):
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "policies.md").write_text("# Travel\n\nThe daily meal allowance is 45 euros.\n", encoding="utf-8")
    copy_query_encoder(built_index.index_dir, tmp_path / "index")
    script = textwrap.dedent(
        f"""
        import os, time
        from bot.ingest import upload
        from bot.settings import Settings

        def alive(pid):
            try:
                with open(f"/proc/{{pid}}/stat") as stat:
                    return stat.read().split(") ", 1)[1][0] != "Z"
            except FileNotFoundError:
                return False

        if __name__ == "__main__":
            settings = Settings(_env_file=None, corpus_dir={str(folder)!r}, index_dir={str(tmp_path / "index")!r})
            upload.prepare_ingest()
            spare = upload._spare[0].pid
            upload.prepare_ingest()  # one waits already: no second
            assert upload._spare[0].pid == spare
            report = upload.ingest_in_child(settings, lambda _step: None, 120)
            assert report.added == ["policies.md"], report.summary()
            assert upload._spare is None and not alive(spare)  # the upload ran in it, and it ended
            upload.prepare_ingest()
            print(upload._spare[0].pid, flush=True)
        """
    )
    (tmp_path / "server.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, str(tmp_path / "server.py")], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not _alive(
        int(done.stdout.split()[-1])
    )  # the server's exit stopped the waiting one (and did not wait on it)
