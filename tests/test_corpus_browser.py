"""The app on another corpus, in a real headless Chromium: its own name, title, starters and readme, and
cited answers whose sources name the PDF page."""

from __future__ import annotations

import re

import pytest

from .conftest import REPLY_WAIT_MS, copy_query_encoder
from .servers import serve_app
from .test_convert_pdf import BOLD, make_pdf, paragraph

pytestmark = [pytest.mark.browser, pytest.mark.server]

TITLE = "Greenhouse Care Guide"
NAME = "Greenhouse Helper"
# (chapter, question heading, answer) for each page.
PAGES = [
    (
        "1 Watering",
        "1.1 How often should seedlings be watered?",
        ["Seedlings should be watered every morning with lukewarm water,", "so that the soil stays moist."],
    ),
    (
        "2 Ventilation",
        "2.1 When should the greenhouse vents be opened?",
        ["Open the roof vents whenever the air inside rises above 24 degrees,", "and close them again at dusk."],
    ),
    (
        "3 Pests",
        "3.1 How are aphids kept away from tomato plants?",
        ["Aphids are kept away by planting marigolds between the tomato rows", "and by releasing ladybirds in June."],
    ),
]


def greenhouse_pdf() -> bytes:
    """Three pages, a chapter and a question heading on each, with the answer below it."""
    pages = [[(BOLD, 20, 72, 700, c), (BOLD, 14, 72, 660, q), *paragraph(630, *body)] for c, q, body in PAGES]
    return make_pdf(pages, title=TITLE)


def test_the_welcome_screen_readme_and_answers_come_from_the_corpus_it_runs_on(chromium, tmp_path, built_index):
    from bot.ingest.index import ingest
    from bot.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "greenhouse.pdf").write_bytes(greenhouse_pdf())
    # Indexed first, as `bot ingest --corpus` would (an app building its index on start is test_browser's).
    prebuilt = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "prebuilt")
    copy_query_encoder(built_index.index_dir, prebuilt.index_dir)
    assert ingest(prebuilt, progress=False).added == ["greenhouse.pdf"]
    env = {"BOT_CORPUS_DIR": str(corpus), "BOT_ASSISTANT_NAME": NAME}
    with serve_app(tmp_path, env, index_from=prebuilt.index_dir) as (url, log_path):
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        starter = page.get_by_text("When should the greenhouse vents be opened?").first
        starter.wait_for(timeout=REPLY_WAIT_MS)
        for _chapter, question, _body in PAGES:  # every question heading, its "2.1 " numbering gone
            assert page.get_by_text(re.sub(r"^[\d.]+ ", "", question), exact=True).count() == 1
        assert page.get_by_text("Can LLMs make images?").count() == 0  # not the demo corpus's starters
        assert page.title() == NAME
        welcome = page.locator("#bot-welcome")  # the name and what it knows, as text (public/bot.js)
        welcome.get_by_text(NAME, exact=True).wait_for(timeout=REPLY_WAIT_MS)
        assert f"What I know: “{TITLE}”" in welcome.inner_text() and "LLM" not in welcome.inner_text()
        assert "/logo?theme=" in page.locator("#welcome-screen img.logo").get_attribute("src")  # the brand's

        page.locator("#readme-button").click()
        readme = page.get_by_role("dialog")
        readme.get_by_text(TITLE).first.wait_for(timeout=10_000)
        text = readme.inner_text()
        assert "greenhouse.pdf, 3 pages" in text and "Watering · Ventilation · Pests" in text
        assert "LLM" not in text and "[1]" in text  # how answers are sourced is still explained
        page.keyboard.press("Escape")

        starter.click()
        answer = page.get_by_text("Open the roof vents whenever the air inside rises above 24 degrees").first
        answer.wait_for(timeout=REPLY_WAIT_MS)
        assert "[1]" in answer.inner_text()
        footnote = page.locator("li", has_text=re.compile(rf"^\[1\]\u2060 {TITLE} › .*vents.*p\. 2$")).first
        footnote.wait_for(timeout=REPLY_WAIT_MS)
        footnote.locator("a.element-link").click()
        page.get_by_text("close them again at dusk", exact=False).last.wait_for(state="visible", timeout=15_000)
        assert "Traceback" not in log_path.read_text()
