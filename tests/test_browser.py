"""The chat app in a real headless Chromium: starter question, streamed answer, clickable sources."""

from __future__ import annotations

import json
import os
import re
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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`bot serve` on a free loopback port, with an empty index folder that it must build itself."""
    tmp_path = tmp_path_factory.mktemp("serve")
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {
        **os.environ,
        "BOT_INDEX_DIR": str(tmp_path / "index"),
        "BOT_CORPUS_DIR": str(ROOT / "corpus"),
        "BOT_RATE_LIMIT_MESSAGES": "3",
    }
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


def _send(page, text: str) -> None:
    from playwright.sync_api import expect

    box = page.locator("#chat-input")
    box.click()
    box.fill(text)
    submit = page.locator("#chat-submit")
    expect(submit).to_be_enabled(timeout=60_000)  # enabled once the session is connected and idle
    submit.click()


def test_html_in_a_question_shows_as_text_and_never_runs(server, page, tmp_path):
    url, log_path = server
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    attack = '<img src=x onerror=alert(1)> <script>alert(2)</script> What is generative AI?'
    _send(page, attack)
    page.get_by_text(re.compile(r"^Source \d+: ")).first.wait_for(timeout=120_000)
    page.get_by_text('<img src=x onerror=alert(1)>', exact=False).first.wait_for(timeout=10_000)
    page.wait_for_timeout(1000)
    assert dialogs == []
    assert page.locator("img[src='x']").count() == 0 and page.locator("script:text('alert(2)')").count() == 0
    page.screenshot(path=str(tmp_path / "html-as-text.png"), full_page=True)


def test_flooding_one_session_gets_a_friendly_limit_and_health_reports_ready(server, page, tmp_path):
    url, _log = server
    page.goto(url)
    from playwright.sync_api import expect

    try:
        for n in range(3):  # the server under test allows 3 messages a minute per session
            _send(page, f"What is generative AI? ({n})")
            expect(page.get_by_text("Retrieve passages")).to_have_count(n + 1, timeout=60_000)
            expect(page.locator("#chat-input")).to_be_enabled(timeout=60_000)
        _send(page, "And one more?")
        page.get_by_text("You're sending messages faster than I can keep up with").first.wait_for(timeout=60_000)
    finally:
        page.screenshot(path=str(tmp_path / "flood.png"), full_page=True)
    with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
        health = json.loads(response.read())
    assert response.status == 200 and health["status"] == "ok" and health["model_loaded"] and health["passages"] > 0
