"""Shared fixtures: one real index and one real assistant per test session."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PUBLIC_EVAL = SHARED / "eval" / "questions.jsonl"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long a browser test waits for the page to show a reply or a server's work: generous, because the wait
# ends as soon as the page shows it, and an answer takes several times longer when both cores are busy.
REPLY_WAIT_MS = 240_000
UI_WAIT_MS = 60_000  # the page's own reactions (a panel opening, text the page fetches) on a busy machine
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Two workers on two cores, each starting servers and `bot` processes that inherit this environment: one
    # compute thread per process. PyTorch's and llama.cpp's threads wait for each other by spinning, so two
    # threads on a core already busy with the other worker made ingests and answers several times slower.
    for _name, _value in (("OMP_NUM_THREADS", "1"), ("MKL_NUM_THREADS", "1"), ("BOT_LOCAL_THREADS", "1")):
        os.environ.setdefault(_name, _value)


def cold_ask(*args: str, env: dict[str, str], prefix: tuple[str, ...] = (), timeout: float = 300):
    """`bot ask ARGS` in a new process (the environment plus `env`), as a user runs it: the finished run."""
    import subprocess
    import sys

    starts("ingest")
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot.tools.cli", "ask", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_shared(path: Path) -> Path:
    """A file from ../shared; in CI it must exist, elsewhere the test is skipped without it."""
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing: CI runs with shared/ beside the project")
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    """Settings for a fresh index of the real corpus in a temporary folder."""
    from bot.settings import Settings

    return Settings(_env_file=None, corpus_dir=ROOT / "corpus", index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def built_index(settings, tmp_path_factory):
    """The real corpus's index in `settings.index_dir`. Under pytest-xdist the first worker builds it once, in
    the run's shared temporary folder, and every worker takes a copy (an ingest over it finds nothing to do)."""
    from filelock import FileLock

    from bot.ingest.index import index_passage_count, ingest

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        report = ingest(settings, progress=False)
        assert report.passages_total > 0
        return settings
    shared = tmp_path_factory.getbasetemp().parent / "built-index"
    built = shared.with_name("built-index.done")
    with FileLock(str(shared.with_name("built-index.lock"))):
        if not built.exists():
            import torch

            shutil.rmtree(shared, ignore_errors=True)  # a worker that failed half-way leaves no half index
            threads = torch.get_num_threads()
            torch.set_num_threads(os.cpu_count() or 1)  # the other workers wait for it: all cores
            try:
                report = ingest(settings.model_copy(update={"index_dir": shared}), progress=False)
            finally:
                torch.set_num_threads(threads)
            assert report.passages_total > 0
            built.touch()
    shutil.copytree(shared, settings.index_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".ingest.lock"))
    assert index_passage_count(settings) > 0
    return settings


# Kinds of test that need more than this process, or a long time of it: what each marker says (pyproject.toml
# declares them), and `make test-fast` leaves out. Redis counts as `server`: like Chroma or a fake LLM, a
# loopback server the test starts (its binary, like PostgreSQL's, is a Debian package the test skips without).
# In the order their modules run (see pytest_collection_modifyitems): the kinds with the longest single tests
# first (`bot bench` and the re-ingests; the browser tests, each a server and many answers).
SLOW_KINDS = {
    "ingest": "builds an index of its own or runs `bot` in a child process (each loads the embedding model anew)",
    "browser": "drives Chromium",
    "llm": "runs the local SmolLM2 model in llama.cpp",
    "postgres": "starts a PostgreSQL server",
    "server": "starts a server on loopback (`bot serve`, Chroma, Redis, a fake LLM server)",
}
_current: dict[str, pytest.Item | None] = {"item": None}
_fixtures_setting_up: list[str] = []  # the fixtures being set up now, innermost last
_starter_fixtures: dict[str, set[str]] = {}  # fixture name -> the kinds it started


def starts(kind: str) -> None:
    """Called by whatever starts something of `kind` (a server, Chromium, the model): fails the running test
    unless it is marked `kind`, so `-m "not server"` and `make test-fast` can trust the markers.

    A fixture that starts it is remembered, and every later test using that fixture (which finds it already
    running) must be marked too: see `pytest_runtest_call`.
    """
    for name in _fixtures_setting_up:
        _starter_fixtures.setdefault(name, set()).add(kind)
    item = _current["item"]
    if item is not None and item.get_closest_marker(kind) is None:
        pytest.fail(_unmarked(item, kind), pytrace=False)


def _unmarked(item: pytest.Item, kind: str) -> str:
    return (
        f"{item.nodeid} {SLOW_KINDS[kind]} but is not marked `{kind}`: add `pytestmark = pytest.mark.{kind}` "
        f"to its module (or @pytest.mark.{kind} to the test), so `make test-fast` leaves it out"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item):
    _current["item"] = item
    try:
        yield
    finally:
        _current["item"] = None


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef):
    _fixtures_setting_up.append(fixturedef.argname)
    try:
        yield
    finally:
        _fixtures_setting_up.pop()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    for name in item.fixturenames:
        for kind in sorted(_starter_fixtures.get(name, ())):
            if item.get_closest_marker(kind) is None:
                pytest.fail(_unmarked(item, kind) + f" (its fixture `{name}` did)", pytrace=False)


def pytest_collection_modifyitems(items):
    """Modules with a test of a slow kind first, by the first of its kinds in SLOW_KINDS; the rest follow, each
    tier in the usual order.

    pytest-xdist (`--dist loadfile`, see pyproject.toml) hands a worker one module at a time in this order: the
    long ones (an ingest, a browser, a server) start first and the many short in-process modules fill the end,
    so the two workers finish close together. The markers say it: no measured times to keep up to date.
    """
    order = list(SLOW_KINDS)
    tier: dict[Path, int] = {}
    for item in items:
        kinds = [order.index(m.name) for m in item.iter_markers() if m.name in SLOW_KINDS]
        tier[item.path] = min([tier.get(item.path, len(order)), *kinds])
    items.sort(key=lambda item: tier[item.path])  # stable: a module's own order is kept


def copy_index(source: Path, target: Path) -> Path:
    """A copy of the index folder `source` at `target` (generations and pointer are relative: it works there).

    For tests whose subject is not building the real corpus's index: a copy of `built_index` is what
    `bot ingest` would have made, and an ingest over it (a server's start included) finds nothing to do.
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".ingest.lock"), copy_function=_link_export)
    return target


def _link_export(source: str, target: str) -> None:
    """Copy a file, but hard-link the model's ONNX export: 90 MB that is only ever replaced by a rename, never
    written in place. A copy per test index filled the disk (7 GB a run, and a CI run failed with ENOSPC)."""
    if source.endswith(".onnx"):
        try:
            os.link(source, target)
            return
        except OSError:  # another file system: copy
            pass
    shutil.copy2(source, target)


def copy_query_encoder(source: Path, index_dir: Path) -> None:
    """Give the empty index folder `index_dir` the model's ONNX export from the index folder `source`.

    The export is made once per model, not per corpus: with it in place, an ingest into `index_dir` builds
    the index and skips the export (whose own tests are in test_query_encoder and test_browser's server).
    """
    from bot.ingest.index import QUERY_ENCODER_DIR

    shutil.copytree(source / QUERY_ENCODER_DIR, index_dir / QUERY_ENCODER_DIR, copy_function=_link_export)


def folder_assistant(built_index, index_dir: Path, folder: Path):
    """An assistant over a tester's folder of documents as written, indexed into `index_dir` (the session's query
    encoder copied)."""
    from bot.assistant import Assistant
    from bot.ingest.index import ingest

    settings = built_index.model_copy(update={"corpus_dir": folder, "index_dir": index_dir})
    copy_query_encoder(built_index.index_dir, index_dir)
    ingest(settings, progress=False)
    return Assistant.build(settings)


def one_file_indexed(built_index, tmp_path: Path, text: str, name: str = "document.md"):
    """Settings of a folder holding one file `name` of `text`, indexed (the session's query encoder copied)."""
    return folder_indexed(built_index, tmp_path, {name: text})


def folder_indexed(built_index, tmp_path: Path, files: dict[str, str]):
    """Settings of a folder holding `files` (name -> text), indexed (the session's query encoder copied)."""
    from bot.ingest.index import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = built_index.model_copy(update={"corpus_dir": corpus, "index_dir": tmp_path / "index"})
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    ingest(settings, progress=False)
    return settings


def corpus_plus(built_index, folder: Path, name: str, text: str):
    """Settings for the real corpus plus one file `name`, indexed in `folder`: a copy of `built_index`
    that an ingest brought up to date (the file is added; the others keep their stored vectors)."""
    from bot.ingest.index import ingest

    corpus = folder / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / name).write_text(text, encoding="utf-8")
    settings = built_index.model_copy(update={"corpus_dir": corpus, "index_dir": folder / "index"})
    copy_index(built_index.index_dir, settings.index_dir)
    report = ingest(settings, progress=False)
    assert report.added == [name] and report.passages_written < report.passages_total, report.summary()
    return settings


@pytest.fixture(scope="session")
def clinic_index(tmp_path_factory, built_index):
    """The corpus plus `clinic.md` (images, foreign links and HTML), indexed: shared by the hostile-corpus
    tests in process and in the browser."""
    from .test_hostile_corpus import CLINIC

    return corpus_plus(built_index, tmp_path_factory.mktemp("hostile"), "clinic.md", CLINIC)


@pytest.fixture(scope="session")
def assistant(built_index):
    from bot.assistant import Assistant

    return Assistant.build(built_index)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", target)
    return target


@pytest.fixture
def chromium():
    """Debian's Chromium, headless, driven by Playwright (its own browser download does not work here)."""
    starts("browser")
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is missing at /usr/bin/chromium: `make test` installs it as root")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    # Every check that waits for the page waits as long as a busy machine may need (it ends as soon as the
    # page shows it): Playwright's own 5 s failed a welcome line that waits for the index on a loaded machine.
    expect.set_options(timeout=UI_WAIT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def send_chat(page, text: str) -> None:
    """Type `text` into the chat box and send it once the session is connected and idle."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    box = page.locator("#chat-input")
    submit = page.locator("#chat-submit")
    for attempt in range(3):
        box.click()
        box.fill(text)
        expect(submit).to_be_enabled(timeout=REPLY_WAIT_MS)  # the previous reply may still be running
        try:
            submit.click(timeout=10_000)
            return
        except PlaywrightTimeout:
            # Once, under two busy workers, the button was enabled and then disabled again before the click
            # (test_history, second question). If the box has lost the text, it is typed again, as a user
            # would; a box that keeps the text but never sends is still a failure.
            if attempt == 2 or box.input_value() == text:
                raise


@pytest.fixture
def run_cli(monkeypatch, capsys):
    """Run `bot ARGS` in this process against `settings`' corpus and index: (exit code, stdout, stderr)."""
    from bot.settings import get_settings
    from bot.tools.cli import main

    def run(*args: str, settings) -> tuple[int, str, str]:
        monkeypatch.setenv("BOT_INDEX_DIR", str(settings.index_dir))
        monkeypatch.setenv("BOT_CORPUS_DIR", str(settings.corpus_dir))
        get_settings.cache_clear()
        capsys.readouterr()
        try:
            code = main(list(args))
        finally:
            get_settings.cache_clear()
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="module")
def postgres():
    """Debian's PostgreSQL, started for the module in a temporary folder (`tests.servers.PostgresServer`)."""
    from .servers import PG_BIN, PostgresServer

    starts("postgres")
    if not (PG_BIN / "initdb").exists():
        if IN_CI:
            pytest.fail(f"PostgreSQL is missing at {PG_BIN}: `make test` installs it as root")
        pytest.skip(f"PostgreSQL 15 binaries not found at {PG_BIN} (apt-get install -y postgresql)")
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()
