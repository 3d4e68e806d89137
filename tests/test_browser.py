"""The chat app in a real headless Chromium: starter question, streamed answer, clickable sources."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import CHROMIUM, CHROMIUM_FLAGS, IN_CI, ROOT, free_port

pytestmark = pytest.mark.browser


def _wait_for_http(url: str, proc: subprocess.Popen, log_path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"bot serve exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"bot serve did not answer at {url}:\n{log_path.read_text()[-3000:]}")


@pytest.fixture
def server(tmp_path):
    """`bot serve` on a free loopback port, with an empty index folder that it must build itself."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "BOT_INDEX_DIR": str(tmp_path / "index"), "BOT_CORPUS_DIR": str(ROOT / "corpus")}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_for_http(f"http://127.0.0.1:{port}/", proc, log_path)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is missing at /usr/bin/chromium: `make test` installs it as root")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def test_starter_question_answered_with_openable_sources(server, page, tmp_path):
    url, log_path = server
    page.goto(url)
    page.get_by_text("Can LLMs make images?").first.click(timeout=60_000)

    answer = page.get_by_text("No, LLMs are built specifically for text-based tasks.").first
    answer.wait_for(timeout=180_000)
    assert "[1]" in answer.inner_text()
    source = page.get_by_text("Source 1: LLMs vs Generative AI (Zero Gravity Marketing)").first
    source.wait_for(timeout=30_000)
    page.get_by_text("Retrieve passages").first.wait_for()
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)

    source.click()
    passage_only = page.get_by_text("GPT-4 with multimodal capabilities can process both text and images").first
    passage_only.wait_for(state="visible", timeout=15_000)
    page.screenshot(path=str(tmp_path / "source-open.png"), full_page=True)
    assert (tmp_path / "source-open.png").stat().st_size > 10_000
    assert "Traceback" not in log_path.read_text()
