"""A client's branding and the chat's reading comfort, in a real headless Chromium: name, logo, colour and
welcome text from settings; citations that open their source when clicked (and only then); a phone.

Screenshots land in tests/output/ (git-ignored): welcome.png, answer-source.png, phone.png.
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pytest

from .conftest import REPLY_WAIT_MS, ROOT, send_chat
from .servers import serve_app

pytestmark = [pytest.mark.browser, pytest.mark.server]

OUTPUT = ROOT / "tests" / "output"
NAME = "Acme Advisor"
COLOR = "#c2410c"  # a burnt orange: far from the default blue
ANSWER = "No, LLMs are built specifically for text-based tasks."


def _logo(path: Path, rgb: tuple[int, int, int]) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 80), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 72, 72), fill=rgb)
    draw.text((90, 30), "ACME", fill=rgb)
    image.save(path)


@pytest.fixture(scope="module")
def brand(tmp_path_factory) -> Path:
    """A client's folder: a logo per theme and an avatar SVG that carries a script (the favicon falls back to
    the default)."""
    folder = tmp_path_factory.mktemp("acme-brand")
    _logo(folder / "logo_light.png", (194, 65, 12))
    _logo(folder / "logo_dark.png", (251, 146, 60))
    (folder / "avatar.svg").write_text(HOSTILE_SVG)
    return folder


# Finding 4 of the second attack: opened at its own URL, such an image ran its script in the app's origin and
# read the user's conversations with their cookie.
HOSTILE_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">
<circle cx="20" cy="20" r="18" fill="#c2410c"/>
<script>fetch('/project/threads', {method: 'POST', credentials: 'include'})</script>
</svg>"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_index, brand):
    env = {"BOT_ASSISTANT_NAME": NAME, "BOT_BRAND_DIR": str(brand), "BOT_PRIMARY_COLOR": COLOR}
    with serve_app(tmp_path_factory.mktemp("brand"), env, index_from=built_index.index_dir) as running:
        yield running


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    return context.new_page()


def _get(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers.get("content-type", "")


def test_the_welcome_screen_shows_the_clients_name_logo_colour_and_what_it_knows(server, brand, page):
    from playwright.sync_api import expect

    from bot.web.branding import hsl_triplet

    url, log_path = server
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(url)
    welcome = page.locator("#bot-welcome")
    expect(welcome.get_by_role("heading", name=NAME)).to_be_visible(timeout=REPLY_WAIT_MS)
    expect(welcome).to_contain_text("What I know: “LLM vs Generative AI” (Globussoft)")  # the corpus's titles
    expect(welcome).to_contain_text("“LLMs vs Generative AI” (Zero Gravity Marketing)")
    expect(page.get_by_role("button", name="Can LLMs make images?")).to_be_visible(timeout=REPLY_WAIT_MS)  # starters

    logo = page.locator("#welcome-screen img.logo")
    expect(logo).to_be_visible()
    src = logo.get_attribute("src")
    theme = "dark" if "theme=dark" in src else "light"
    assert page.evaluate("img => img.naturalWidth", logo.element_handle()) == 320  # the client's PNG, loaded
    body, kind = _get(urljoin(url, src))
    assert kind == "image/png" and body == (brand / f"logo_{theme}.png").read_bytes()
    favicon, kind = _get(url + "/favicon")  # none in the client's folder: the project's own, not Chainlit's
    assert favicon == (ROOT / "branding" / "favicon.svg").read_bytes()
    assert page.get_by_text("Chainlit").count() == 0 and b"chainlit" not in body.lower()

    primary = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()")
    assert primary == hsl_triplet(COLOR)
    assert page.title() == NAME
    page.screenshot(path=str(OUTPUT / "welcome.png"), animations="disabled")

    page.locator("#readme-button").click()  # the readme link still works
    expect(page.get_by_role("dialog")).to_contain_text("How answers are sourced", timeout=10_000)
    assert "Traceback" not in log_path.read_text()


def test_a_clicked_citation_opens_its_source_and_only_then(server, page):
    from playwright.sync_api import expect

    url, log_path = server
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(url)
    page.get_by_role("button", name="Can LLMs make images?").click(timeout=REPLY_WAIT_MS)
    reply = page.locator('[data-step-type="assistant_message"]').filter(has_text=ANSWER).last
    expect(reply).to_be_visible(timeout=REPLY_WAIT_MS)
    footnotes = reply.locator("li")
    expect(footnotes.first).to_contain_text("Zero Gravity Marketing › Can LLMs Create Images and Videos")
    page.wait_for_timeout(1500)
    expect(page.locator("#side-view-content")).to_have_count(0)  # no panel opens by itself

    reply.locator("a.element-link", has_text="[1]").first.click()  # the [1] after the first sentence
    panel = page.locator("#side-view-content")
    expect(panel).to_contain_text("[1] Zero Gravity Marketing › Can LLMs Create Images and Videos", timeout=15_000)
    expect(panel.locator("span.font-bold", has_text=ANSWER)).to_be_visible()  # the quoted sentence in bold
    fold = panel.get_by_role("button", name=re.compile("The whole section"))
    expect(fold).to_be_visible()
    rest = panel.get_by_text("For now, if your goal is to create AI-generated images", exact=False)
    expect(rest).to_be_hidden()  # the rest of the section is folded
    fold.click()
    expect(rest).to_be_visible()
    page.screenshot(path=str(OUTPUT / "answer-source.png"), animations="disabled")

    reply.hover()
    reply.locator("button:has(svg.lucide-copy)").first.click()
    copied = ""
    for _ in range(25):  # the copy button writes the clipboard asynchronously
        copied = page.evaluate("navigator.clipboard.readText()")
        if copied:
            break
        page.wait_for_timeout(200)
    assert copied.startswith(ANSWER) and "analysis. [1] For now" in copied  # with its citations
    # Without the invisible word joiners that keep citations and addresses from becoming links on the page: an
    # e-mail address copied with one does not work when pasted.
    assert "\u2060" not in copied
    page.evaluate("navigator.clipboard.writeText('')")
    selected = page.evaluate(
        """(node) => { const range = document.createRange(); range.selectNodeContents(node);
        const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
        const joined = selection.toString().includes('\\u2060'); document.execCommand('copy'); return joined; }""",
        reply.element_handle(),
    )
    by_hand = page.evaluate("navigator.clipboard.readText()")
    assert selected and "analysis. [1]" in by_hand and "\u2060" not in by_hand, by_hand  # a selection copied
    assert "[1] Zero Gravity Marketing › Can LLMs Create Images and Videos Like Generative AI?" in copied
    assert "“LLMs vs Generative AI”" in copied  # the title resolves the footnote

    expect(panel).to_be_visible()
    page.keyboard.press("Escape")  # a new user pressed Escape to close it, in vain
    expect(page.locator("#side-view-content")).to_have_count(0)
    reply.locator("a.element-link", has_text="[1]").first.click()
    expect(panel).to_be_visible(timeout=15_000)
    # A new question closes it, even one that is declined: no source replaces it (a tester saw the passwords
    # source beside a later decline).
    send_chat(page, "What is the capital of France?")
    expect(page.get_by_text("so I can't answer")).to_have_count(1, timeout=REPLY_WAIT_MS)
    expect(page.locator("#side-view-content")).to_have_count(0)
    send_chat(page, "What is generative AI?")  # a later answer closes the panel and leaves it closed
    expect(page.locator('[data-step-type="assistant_message"]').filter(has_text="[1]")).to_have_count(
        2, timeout=REPLY_WAIT_MS
    )
    page.wait_for_timeout(1500)
    expect(page.locator("#side-view-content")).to_have_count(0)
    assert "Traceback" not in log_path.read_text()


def test_on_a_phone_the_answer_and_the_input_stay_in_view(server, page):
    from playwright.sync_api import expect

    url, log_path = server
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    expect(page.locator("#bot-welcome")).to_contain_text(NAME, timeout=REPLY_WAIT_MS)
    send_chat(page, "Can LLMs make images?")
    reply = page.locator('[data-step-type="assistant_message"]').filter(has_text=ANSWER).last
    expect(reply).to_be_visible(timeout=REPLY_WAIT_MS)
    page.wait_for_timeout(1500)  # when a source panel used to slide over the whole chat
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#chat-input")).to_be_in_viewport()
    expect(reply.get_by_text(ANSWER)).to_be_in_viewport()
    page.screenshot(path=str(OUTPUT / "phone.png"), animations="disabled")

    send_chat(page, "What can you do?")  # about the assistant: a short answer, no search, no refusal
    about = page.locator('[data-step-type="assistant_message"]').filter(has_text=f"I'm {NAME}").last
    expect(about).to_be_visible(timeout=REPLY_WAIT_MS)
    expect(about).not_to_contain_text("The documents I have don't cover that")
    expect(page.get_by_text("Searched the documents")).to_have_count(1)
    expect(about.get_by_role("button", name="Can LLMs make images?")).to_be_visible(timeout=REPLY_WAIT_MS)
    expect(page.locator("#chat-input")).to_be_in_viewport()
    page.screenshot(path=str(OUTPUT / "phone-about.png"), animations="disabled")
    assert "Traceback" not in log_path.read_text()


def test_a_brand_svg_opened_at_its_own_url_runs_nothing(server, page):
    from playwright.sync_api import expect

    url, _log = server
    with urllib.request.urlopen(f"{url}/brand/avatar", timeout=10) as response:
        headers = response.headers
        assert response.read().decode() == HOSTILE_SVG  # the client's own file, served as it is
    assert (
        headers["content-security-policy"].startswith("sandbox")
        and "default-src 'none'" in headers["content-security-policy"]
    )
    assert headers["content-disposition"] == "attachment" and headers["x-content-type-options"] == "nosniff"

    reached: list[str] = []
    page.on("request", lambda r: reached.append(r.url) if "/project/threads" in r.url else None)
    page.goto(url)
    expect(page.locator("#chat-input")).to_be_visible(timeout=REPLY_WAIT_MS)
    with page.expect_download(timeout=REPLY_WAIT_MS) as download:  # saved as a file, never shown as a page
        page.evaluate("window.location.href = '/brand/avatar'")
    assert download.value.suggested_filename
    assert reached == []
