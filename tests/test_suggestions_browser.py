"""A declined question's suggested questions as buttons, in a real headless Chromium: a click asks one as
if it were typed (shown as the user's message, answered with sources), within the same rate limit."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest

from .conftest import REPLY_WAIT_MS, send_chat
from .servers import serve_apps

pytestmark = [pytest.mark.browser, pytest.mark.server]

OFF_TOPIC = "How do I bake sourdough bread?"
DECLINE = "The documents I have don't"  # "... cover that" or "... mention “bake” ..."
LIMITED = "that limit is reached"
SOURCE = re.compile(r"^\[\d+\]\u2060 \S")  # a source's footnote under an answer


@pytest.fixture(scope="module")
def servers(tmp_path_factory, built_index):
    """Two servers on copies of the session's index, started together: `server` with the default limits,
    `strict_server` letting each client address send 2 messages in 10 minutes."""
    with serve_apps(
        {"tmp_path": tmp_path_factory.mktemp("suggest"), "index_from": built_index.index_dir},
        {
            "tmp_path": tmp_path_factory.mktemp("suggest-strict"),
            "env": {"BOT_RATE_LIMIT_MESSAGES": "2", "BOT_RATE_LIMIT_WINDOW_SECONDS": "600"},
            "index_from": built_index.index_dir,
        },
    ) as running:
        yield running


@pytest.fixture(scope="module")
def server(servers):
    return servers[0]


@pytest.fixture(scope="module")
def strict_server(servers):
    return servers[1]


@pytest.fixture
def page(chromium):
    return chromium.new_page(viewport={"width": 1280, "height": 900})


def user_messages(page):
    return page.locator('[data-step-type="user_message"]')


def settled_text(page, locator, needed: str, timeout_s: float = 60) -> str:
    """`locator`'s text once it holds `needed` and has stopped changing: the reply streams in, and the decline's
    opening words are on screen before its list of questions is."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        text = locator.inner_text()
        if text == last and needed in text:
            return text
        last = text
        page.wait_for_timeout(1000)
    raise AssertionError(f"the reply never settled with {needed!r}: {last!r}")


def decline_with_buttons(page, question: str, declines: int = 1) -> list:
    """Ask `question`, wait for the `declines`-th decline and return its suggestion buttons, one per
    question the reply lists ("Questions they do answer include: “…” · “…”")."""
    from playwright.sync_api import expect

    send_chat(page, question)
    expect(page.get_by_text(DECLINE)).to_have_count(declines, timeout=REPLY_WAIT_MS)
    reply = page.locator('[data-step-type="assistant_message"]').filter(has_text=DECLINE).last
    text = settled_text(page, reply, "Questions they do answer include:")
    listed = re.findall(r"“([^”]+)”", text.split("Questions they do answer include:", 1)[1])
    assert listed, text
    buttons = [reply.get_by_role("button", name=q, exact=True) for q in listed]
    for button, q in zip(buttons, listed):
        expect(button).to_have_count(1, timeout=REPLY_WAIT_MS)
        expect(button).to_be_enabled(timeout=REPLY_WAIT_MS)
        assert button.inner_text().strip() == q  # the label is the question as plain text
    return buttons


def test_a_clicked_suggestion_is_asked_as_the_users_message_and_answered_with_sources(server, page, tmp_path):
    from playwright.sync_api import expect

    url, log_path = server
    page.goto(url)
    buttons = decline_with_buttons(page, OFF_TOPIC)
    expect(page.get_by_text(SOURCE)).to_have_count(0)
    page.screenshot(path=str(tmp_path / "decline.png"), full_page=True)

    question = buttons[0].inner_text().strip()
    buttons[0].click()
    expect(user_messages(page)).to_have_count(2, timeout=REPLY_WAIT_MS)
    expect(user_messages(page).nth(0)).to_contain_text(OFF_TOPIC)
    expect(user_messages(page).nth(1)).to_have_text(question)
    for button in buttons:  # the buttons go once one is clicked
        expect(button).to_have_count(0, timeout=REPLY_WAIT_MS)

    page.get_by_text(SOURCE).first.wait_for(timeout=REPLY_WAIT_MS)  # an answer, with its sources listed
    expect(page.get_by_text("Searched the documents")).to_have_count(2)  # the typed message's path, retrieval shown
    expect(page.get_by_text(DECLINE)).to_have_count(1)  # not declined again
    assistant_text = page.locator('[data-step-type="assistant_message"]').last.inner_text()
    assert "[1]" in assistant_text and DECLINE not in assistant_text
    expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)
    page.screenshot(path=str(tmp_path / "suggestion-answered.png"), full_page=True)
    assert "Traceback" not in log_path.read_text()


def test_a_forged_click_asks_only_a_question_the_chat_was_offered(server, page):
    from playwright.sync_api import expect

    url, log_path = server
    page.goto(url)
    buttons = decline_with_buttons(page, OFF_TOPIC)
    offered = buttons[0].inner_text().strip()
    forged = "What is the capital of France?"

    def forge(change):
        def handle(route):
            body = json.loads(route.request.post_data)
            change(body["action"])
            route.continue_(post_data=json.dumps(body))

        return handle

    # A button id this chat was never shown: nothing is asked, the buttons stay.
    page.route("**/project/action", forge(lambda action: action.update(id=str(uuid.uuid4()))))
    with page.expect_response("**/project/action"):
        buttons[0].click()
    page.wait_for_timeout(1000)
    expect(user_messages(page)).to_have_count(1)
    expect(buttons[0]).to_have_count(1)
    assert "ignored a click on an unknown suggestion" in log_path.read_text()
    page.unroute("**/project/action")

    # The offered button with another question in its payload: the offered question is asked.
    page.route("**/project/action", forge(lambda action: action["payload"].update(question=forged)))
    expect(buttons[0]).to_be_enabled(timeout=REPLY_WAIT_MS)
    buttons[0].click()
    expect(user_messages(page)).to_have_count(2, timeout=REPLY_WAIT_MS)
    expect(user_messages(page).nth(1)).to_have_text(offered)
    page.get_by_text(SOURCE).first.wait_for(timeout=REPLY_WAIT_MS)
    assert page.get_by_text(forged).count() == 0


def test_a_click_counts_against_the_rate_limit_like_a_typed_message(strict_server, page, tmp_path):
    from playwright.sync_api import expect

    url, log_path = strict_server
    page.goto(url)
    decline_with_buttons(page, OFF_TOPIC)  # message 1 of 2
    buttons = decline_with_buttons(page, "How long should pasta boil for?", declines=2)  # 2 of 2
    buttons[0].click()  # the third: over the limit
    page.get_by_text(LIMITED).first.wait_for(timeout=REPLY_WAIT_MS)
    expect(user_messages(page)).to_have_count(3)
    expect(page.get_by_text("Searched the documents")).to_have_count(2)  # not retrieved, not answered
    expect(page.get_by_text(SOURCE)).to_have_count(0)
    page.screenshot(path=str(tmp_path / "suggestion-limited.png"), full_page=True)
    assert "Traceback" not in log_path.read_text()
