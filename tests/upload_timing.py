"""Measure an editor's upload (not a test: `python -m tests.upload_timing [OUT_DIR]`, from the project folder).

Starts `bot serve` with login on and two sets, uploads the first 40 pages of the R FAQ PDF (../shared) into the
HR set in headless Chromium as an editor, while 50 socket sessions of another user ask that set; prints how long
until the upload is reported and a question only the PDF answers is answered, and the load run's errors.
Writes a screenshot of the upload in progress to OUT_DIR (default docs/img), the later ones to a temporary folder.
"""

from __future__ import annotations

import asyncio
import io
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

from bot.ingest.index import ingest
from bot.ingest.sets import document_sets
from bot.settings import Settings

from .conftest import CHROMIUM, CHROMIUM_FLAGS, ROOT, send_chat
from .history_helpers import login, login_env
from .servers import serve_app
from .test_sets import HR

R_FAQ = ROOT.parent / "shared/corpora/r-faq/R-FAQ.pdf"
QUESTION = "What is R?"
ANSWER = "statistical computation"
LOAD_QUESTIONS = ["How many vacation days do employees get?", "How is parental leave arranged?"]


def first_pages(path: Path, pages: int) -> bytes:
    import pypdf

    reader, writer = pypdf.PdfReader(str(path)), pypdf.PdfWriter()
    for page in reader.pages[:pages]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def load_run(url: str, cookie: str, sessions: int, stop: threading.Event, results: dict) -> None:
    """`sessions` chats of the HR set asking over and over until `stop`; counts answers and errors."""
    from bot.tools.load import ChatSession

    async def one(i: int) -> None:
        session = ChatSession(url, timeout=120, headers={"Cookie": cookie}, chat_profile="hr")
        try:
            await session.connect()  # all fifty in the same instant
            while not stop.is_set():
                turn = await session.ask(LOAD_QUESTIONS[i % 2])
                if turn.error or "twenty-seven" not in turn.reply and "forty-nine" not in turn.reply:
                    results["errors"].append(turn.error or turn.reply[:80])
                else:
                    results["answers"] += 1
                    results["seconds"].append(turn.seconds)
        except Exception as exc:
            results["errors"].append(f"{type(exc).__name__}: {exc}")
        finally:
            await session.close()

    await asyncio.gather(*(one(i) for i in range(sessions)))


def main(out_dir: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    work = Path(tempfile.mkdtemp(prefix="upload-timing-"))
    root = work / "sets"
    (root / "hr").mkdir(parents=True)
    (root / "hr" / "handbook.md").write_text(HR, encoding="utf-8")
    (root / "hr" / "set.toml").write_text('title = "HR handbook"\n', encoding="utf-8")
    (root / "it").mkdir()
    (root / "it" / "policies.md").write_text("# IT\n\nPasswords change every ninety days.\n", encoding="utf-8")
    settings = Settings(_env_file=None, sets_dir=root, index_dir=work / "prebuilt")
    for document_set in document_sets(settings):
        ingest(document_set.settings, progress=False)
    pdf = first_pages(R_FAQ, 40)
    env, passwords = login_env("anna", "bob")
    env |= {"BOT_SETS_DIR": str(root), "BOT_EDITORS": "anna", "BOT_RATE_LIMIT_MESSAGES": "100000"}
    env |= {"BOT_RATE_LIMIT_EVENTS": "1000000"}
    with serve_app(work, env, index_from=settings.index_dir) as (url, log_path), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        page.wait_for_url(re.compile(r"/login"), timeout=120_000)
        page.locator("#email").fill("anna")
        page.locator("#password").fill(passwords["anna"])
        page.get_by_role("button", name="Sign In").click()
        page.get_by_role("button", name="Add documents").click(timeout=120_000)
        page.locator("#ask-button-input").wait_for(state="attached", timeout=120_000)

        cookie = login(url, "bob", passwords["bob"])
        stop, results = threading.Event(), {"answers": 0, "errors": [], "seconds": []}
        loader = threading.Thread(target=lambda: asyncio.run(load_run(url, cookie, 50, stop, results)))
        loader.start()
        time.sleep(12)  # the 50 sessions connected and asking

        began = time.perf_counter()
        page.locator("#ask-button-input").set_input_files(
            [{"name": "r-faq-40-pages.pdf", "mimeType": "application/pdf", "buffer": pdf}]
        )
        page.get_by_text(re.compile(r"^(Reading|Indexing|Embedding|Checking)")).first.wait_for(timeout=120_000)
        try:
            page.get_by_text(re.compile(r"^Indexing r-faq-40-pages\.pdf: page")).first.wait_for(timeout=60_000)
        except Exception:
            pass
        out_dir.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out_dir / "upload.png"))
        page.get_by_text(re.compile(r"Added to “HR handbook”")).first.wait_for(timeout=300_000)
        reported = time.perf_counter() - began
        print(f"reported after {reported:.1f} s", flush=True)
        shots = Path(tempfile.mkdtemp(prefix="upload-timing-"))  # the README shows only the first screenshot
        page.screenshot(path=str(shots / "upload-done.png"))
        answers = page.locator('[data-step-type="assistant_message"]')
        before = answers.count()
        send_chat(page, QUESTION)
        answers.nth(before).wait_for(timeout=120_000)
        expect(answers.nth(before)).to_contain_text("›", timeout=120_000)  # its footnotes: the answer is complete
        answered = time.perf_counter() - began
        text = " ".join(answers.nth(before).inner_text().split())
        print("answer:", text[:300], "| from the PDF:", ANSWER in text, flush=True)
        page.screenshot(path=str(shots / "upload-answer.png"))
        print(f"screenshots: {out_dir / 'upload.png'}, and after it in {shots}", flush=True)
        time.sleep(3)
        stop.set()
        loader.join(timeout=300)
        browser.close()
        seconds = sorted(results["seconds"]) or [0.0]
        print(
            f"40-page PDF ({len(pdf) / 1024:.0f} KB): reported indexed after {reported:.1f} s, "
            f"'{QUESTION}' answered from it after {answered:.1f} s"
        )
        print(
            f"load run, 50 sessions asking the HR set during the upload: {results['answers']} answers, "
            f"{len(results['errors'])} errors, median {seconds[len(seconds) // 2]:.2f} s, "
            f"p95 {seconds[int(len(seconds) * 0.95)]:.2f} s"
        )
        for error in sorted(set(results["errors"]))[:8]:
            print("ERROR:", error)
        upload_lines = [line for line in log_path.read_text().splitlines() if "upload" in line.lower()]
        print("\n".join(upload_lines[-5:]))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs/img")
