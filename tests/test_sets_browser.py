"""Document sets in a real headless Chromium, with login on: a user picks a set on the welcome screen and is
answered from it alone; the conversation keeps its set when reopened; a set limited to others is not offered,
nor reachable over HTTP or the socket."""

from __future__ import annotations

import re

import pytest

from bot.ingest.sets import document_sets

from .conftest import REPLY_WAIT_MS, copy_query_encoder, send_chat
from .history_helpers import http, login, login_env, sign_in, socket_answer
from .servers import serve_app
from .test_sets import make_sets

pytestmark = [pytest.mark.browser, pytest.mark.server]


def prebuilt_sets(tmp_path, built_index):
    """A sets folder (hr for everyone, it-policies for anna only) and an index folder with both sets built."""
    from bot.ingest.index import ingest

    root = make_sets(tmp_path / "sets")
    settings = built_index.model_copy(update={"sets_dir": root, "index_dir": tmp_path / "prebuilt"})
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    for document_set in document_sets(settings):
        assert ingest(document_set.settings, progress=False).passages_written > 0
    return root, settings.index_dir


def test_picking_a_set_answers_from_it_keeps_it_on_resume_and_hides_sets_limited_to_others(
    chromium, tmp_path, built_index
):
    from playwright.sync_api import expect

    root, prebuilt = prebuilt_sets(tmp_path, built_index)
    env, passwords = login_env("anna", "bob")
    env |= {"BOT_SETS_DIR": str(root)}
    with serve_app(tmp_path, env, index_from=prebuilt) as (url, log_path):
        page = sign_in(chromium, url, "anna", passwords["anna"])
        # The first set (HR) opens: its welcome line and its pinned starter.
        page.get_by_text("How many vacation days do employees get?").first.wait_for(timeout=REPLY_WAIT_MS)
        welcome = page.locator("#bot-welcome")
        expect(welcome).to_contain_text("Ask me about leave and holidays.", timeout=REPLY_WAIT_MS)
        page.locator("#chat-profiles").click()
        page.locator('[data-test="select-item:it-policies"]').click()
        # The IT set: its own documents on the welcome screen, and its answers.
        expect(page.locator("#bot-welcome")).to_contain_text("Fjordline IT Policies", timeout=REPLY_WAIT_MS)
        assert "HR Handbook" not in page.locator("#bot-welcome").inner_text()
        page.screenshot(path=str(tmp_path / "picked.png"), full_page=True)
        send_chat(page, "How often must passwords be changed?")
        answers = page.locator('[data-step-type="assistant_message"]')
        expect(answers.last).to_contain_text("ninety days", timeout=REPLY_WAIT_MS)
        expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)
        send_chat(page, "How many vacation days do employees get?")  # the HR set's, not this one's
        expect(answers).to_have_count(2, timeout=REPLY_WAIT_MS)
        assert "twenty-seven" not in answers.last.inner_text()
        expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)

        # Reopened from its own address, the conversation still asks the IT set.
        page.wait_for_url(re.compile(r"/thread/"), timeout=REPLY_WAIT_MS)
        page.reload()
        page.get_by_text("ninety days").first.wait_for(timeout=REPLY_WAIT_MS)
        # The page opens on the first set and switches to the chat's own once it is resumed; on that switch
        # Chainlit's page connects again and resumes the chat a second time, and a question sent before that
        # second connection vanishes from the page (1 reload in 15 here; the cause of a CI failure). A user
        # sees the picker change, then the page settles: wait for both.
        expect(page.locator("#chat-profiles")).to_contain_text("IT policies", timeout=REPLY_WAIT_MS)
        page.wait_for_load_state("networkidle", timeout=REPLY_WAIT_MS)
        shown = answers.count()
        send_chat(page, "Which laptops are supported?")
        expect(answers).to_have_count(shown + 1, timeout=REPLY_WAIT_MS)
        expect(answers.last).to_contain_text("ThinkPad", timeout=REPLY_WAIT_MS)

        # bob is offered the HR set only: no profile picker, and the IT set's welcome and answers are refused.
        other = sign_in(chromium, url, "bob", passwords["bob"])
        other.get_by_text("How many vacation days do employees get?").first.wait_for(timeout=REPLY_WAIT_MS)
        assert other.locator("#chat-profiles").count() == 0
        cookie = login(url, "bob", passwords["bob"])
        status, _body = http(url, "/brand/welcome.json?set=it-policies", cookie)
        assert status == 404
        status, settings = http(url, "/project/settings?chat_profile=it-policies", cookie)
        assert status == 200 and [p["name"] for p in settings["chatProfiles"]] == ["hr"]
        assert "Fjordline IT Policies" not in settings["markdown"] and "HR Handbook" in settings["markdown"]
        reply = socket_answer(url, cookie, "it-policies", "How often must passwords be changed?")
        assert "ninety days" not in reply and "not available to you" in reply


BOARD = "---\ntitle: Project Falcon acquisition memo\n---\n# Project Falcon\n\nThe board approved the acquisition.\n"


def test_a_set_limited_to_its_users_is_never_described_to_anyone_else_even_when_it_comes_first(tmp_path, built_index):
    """A tester's "aaa-board" (users = ["anna"]) sorted first: its document's title was in every page's
    description (and og:description, what a chat app shows for a shared link), in the readme before login and
    its size in /health."""
    from bot.ingest.index import ingest

    root = make_sets(tmp_path / "sets")
    (root / "aaa-board").mkdir()
    (root / "aaa-board" / "falcon.md").write_text(BOARD, encoding="utf-8")
    (root / "aaa-board" / "set.toml").write_text('title = "Board"\nusers = ["anna"]\n', encoding="utf-8")
    settings = built_index.model_copy(update={"sets_dir": root, "index_dir": tmp_path / "prebuilt"})
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    written = {s.name: ingest(s.settings, progress=False).passages_written for s in document_sets(settings)}
    assert written["aaa-board"] != written["hr"], written
    env, passwords = login_env("anna", "bob")
    env |= {"BOT_SETS_DIR": str(root)}
    with serve_app(tmp_path, env, ready_path="/health", index_from=settings.index_dir) as (url, _log):
        bob = login(url, "bob", passwords["bob"])
        anna = login(url, "anna", passwords["anna"])
        _status, settings_anna = http(url, "/project/settings?chat_profile=aaa-board", anna)
        assert "Project Falcon" in settings_anna["markdown"]  # anna's own set: its readme is hers to read
        # The set picker tells the sets apart: a set's own welcome line, else what its documents are (it had said
        # the server's "Ask me about the documents below." of every set).
        described = {p["name"]: p["markdown_description"] for p in settings_anna["chatProfiles"]}
        assert described["hr"] == "Ask me about leave and holidays.", described
        assert "Fjordline IT Policies" in described["it-policies"] and "Project Falcon" in described["aaa-board"]
        health = http(url, "/health", "")[1]
        for cookie in ("", bob):
            status, page = http(url, "/", cookie)
            assert status == 200 and "Project Falcon" not in page and "HR Handbook" in page, page[:2000]
            _status, settings_seen = http(url, "/project/settings", cookie)
            assert "Project Falcon" not in str(settings_seen)
        assert "falcon" not in str(health).lower() and "aaa-board" not in str(health), health
        assert health["passages"] == written["hr"], health  # the HR set's, the first open to everyone
