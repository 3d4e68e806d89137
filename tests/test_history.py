"""Conversations kept in SQLite by a real server: resumed with their follow-up context, rated, exported,
handed over as Markdown, and refused to any other user by every route; the chat without its database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPLY_WAIT_MS, ROOT, free_port, send_chat
from .history_helpers import (
    assert_others_refused,
    chat,
    download,
    http,
    login,
    login_env,
    open_chat,
    threads_of,
    wait_for_replies,
)
from .history_helpers import sign_in as sign_in_as
from .servers import serve_apps

pytestmark = pytest.mark.server

FIRST, SECOND = "What is generative AI?", "Can LLMs make images?"
FOLLOW_UP = "Then what should I use to create them?"  # "them" = images: only the restored context says so
FOLLOW_UP_ANSWER = "Stable Diffusion"


@pytest.fixture(scope="module")
def apps(tmp_path_factory, built_index):
    """Two servers started together: login on with SQLite history, and login off with an unreachable database."""
    env, passwords = login_env("alice", "bob")
    data_dir = tmp_path_factory.mktemp("history-data")
    down = f"postgresql://bot@127.0.0.1:{free_port()}/bot"  # nothing listens there
    with serve_apps(
        {
            "tmp_path": tmp_path_factory.mktemp("history"),
            "env": env | {"BOT_DATA_DIR": str(data_dir)},
            "ready_path": "/health",
            "index_from": built_index.index_dir,
        },
        {
            "tmp_path": tmp_path_factory.mktemp("no-db"),
            "env": {"BOT_DATABASE_URL": down},
            "ready_path": "/health",
            "index_from": built_index.index_dir,
        },
    ) as running:
        (url, log_path), (down_url, down_log) = running
        yield {
            "url": url,
            "log": log_path,
            "data_dir": data_dir,
            "passwords": passwords,
            "down_url": down_url,
            "down_log": down_log,
        }


@pytest.fixture(scope="module")
def users(apps):
    return {name: login(apps["url"], name, password) for name, password in apps["passwords"].items()}


@pytest.fixture(scope="module")
def alice_thread(apps, users):
    """Alice's conversation of two questions, over the socket; its thread id."""
    thread_id, turns = chat(apps["url"], users["alice"], [FIRST, SECOND])
    assert not [t.error for t in turns if t.error]
    wait_for_replies(apps["url"], users["alice"], thread_id, 2)  # a person reopens a chat later still
    return thread_id


def test_a_resumed_conversation_keeps_its_follow_up_context(apps, users, alice_thread):
    assert alice_thread in [t["id"] for t in threads_of(apps["url"], users["alice"])]
    _, fresh = chat(apps["url"], users["alice"], [FOLLOW_UP])  # a new chat has no context: "them" is lost
    assert FOLLOW_UP_ANSWER not in fresh[0].reply
    thread_id, turns = chat(apps["url"], users["alice"], [FOLLOW_UP], thread_id=alice_thread)
    assert thread_id == alice_thread and FOLLOW_UP_ANSWER in turns[0].reply, turns[0].reply
    status, thread = http(apps["url"], f"/project/thread/{alice_thread}", users["alice"])
    assert [s["output"] for s in thread["steps"] if s["type"] == "user_message"] == [FIRST, SECOND, FOLLOW_UP]


def test_another_user_is_refused_by_every_route(apps, users, alice_thread):
    assert_others_refused(apps["url"], users["alice"], users["bob"], alice_thread)


def test_the_owner_can_delete_a_conversation(apps, users):
    thread_id, _ = chat(apps["url"], users["bob"], ["What are LLMs?"])
    status, body = http(apps["url"], "/project/thread", users["bob"], "DELETE", {"threadId": thread_id})
    assert status == 200, body
    assert thread_id not in [t["id"] for t in threads_of(apps["url"], users["bob"])]
    assert http(apps["url"], f"/project/thread/{thread_id}", users["bob"])[0] == 404


def bot_cli(*args: str, data_dir) -> subprocess.CompletedProcess:
    """`bot ARGS` in a new process; for a test that drives Chromium (Playwright's loop runs in this thread)."""
    env = {**os.environ, "BOT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "bot.tools.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_thumbs_down_is_exported_as_an_eval_item_and_eval_skips_it_until_terms_are_added(
    apps, users, alice_thread, tmp_path, built_index, run_cli, monkeypatch
):
    """The CLI in this process (its `main`): the export reads the server's conversations from its data folder."""
    monkeypatch.setenv("BOT_DATA_DIR", str(apps["data_dir"]))
    status, thread = http(apps["url"], f"/project/thread/{alice_thread}", users["alice"])
    answers = [s for s in thread["steps"] if s["type"] == "assistant_message" and (s.get("metadata") or {}).get("bot")]
    vote = {"feedback": {"forId": answers[1]["id"], "value": 0, "comment": "name the tools"}, "sessionId": "s"}
    status, body = http(apps["url"], "/feedback", users["alice"], "PUT", vote)
    assert status == 200, body

    code, out, err = run_cli("feedback", "export", "--rating", "down", settings=built_index)
    assert code == 0, err
    items = [json.loads(line) for line in out.splitlines()]
    item = next(i for i in items if i["comment"] == "name the tools")
    assert item["question"] == SECOND and item["turns"] == [FIRST, SECOND] and item["rating"] == "down"
    assert item["answer_given"] and item["sources"] and item["sources"][0]["title"] and item["answerer"]
    assert run_cli("feedback", "export", "--rating", "up", settings=built_index)[1].strip() == ""

    ready = item | {"id": "ready", "must_include": [["text"]], "lead": ["no"]}
    (tmp_path / "cases.jsonl").write_text(json.dumps(item) + "\n" + json.dumps(ready) + "\n")
    code, out, err = run_cli("eval", str(tmp_path / "cases.jsonl"), "--json", settings=built_index)
    assert code == 0, err
    assert "skipped 1 item(s) without expected terms" in err
    assert json.loads(out.splitlines()[-1])["n"] == 1


def test_the_chat_answers_without_its_database_and_says_history_is_off(apps):
    # The notice comes as the chat starts, while the first question is on its way: ask twice to read an answer.
    _, turns = chat(apps["down_url"], None, [SECOND, SECOND])
    replies = [reply for turn in turns for reply in turn.replies]
    assert any("No, LLMs are built specifically for text-based tasks." in r for r in replies), replies
    notices = [r for r in replies if r.startswith("History is off: the database at")]
    assert len(notices) == 1 and "cannot be reached" in notices[0]  # one line, once per chat
    assert "Traceback" not in apps["down_log"].read_text()


def sign_in(chromium, apps, name: str):
    """A new browser page with `name` logged in, at the chat (downloads accepted)."""
    return sign_in_as(chromium, apps["url"], name, apps["passwords"][name], accept_downloads=True)


def download_chat(page) -> str:
    """Click the header's download button; the Markdown file it gives."""
    with page.expect_download(timeout=REPLY_WAIT_MS) as download:
        page.get_by_role("button", name="Download this chat (Markdown)").click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def rate_last_answer_down(page, comment: str) -> None:
    """Thumbs-down under the newest answer, with a comment, as a user does; waits until the page took it."""
    from playwright.sync_api import expect

    # Rate once the chat is at its /thread/ address: a new chat moves there after its first answer, and the
    # re-render that may bring is the likeliest reason a loaded run saw the open feedback dialog torn down
    # under the "Submit feedback" click (not reproduced alone).
    page.wait_for_url(re.compile(r"/thread/"), timeout=REPLY_WAIT_MS)
    page.locator("button:has(svg.lucide-thumbs-down)").last.click()
    page.locator("[role=dialog] textarea").fill(comment)
    page.get_by_role("button", name="Submit feedback").click()
    # A first rating was acknowledged as "Feedback updated" (a tester): the app's own words thank the user.
    expect(page.get_by_text("Thanks for your feedback")).to_be_visible(timeout=REPLY_WAIT_MS)
    expect(page.locator("button.negative-feedback-on")).to_have_count(
        1, timeout=REPLY_WAIT_MS
    )  # after the server said yes


def exported_down(apps, comment: str) -> dict:
    run = bot_cli("feedback", "export", "--rating", "down", data_dir=apps["data_dir"])
    items = [json.loads(line) for line in run.stdout.splitlines()]
    found = [i for i in items if i["comment"] == comment]
    assert len(found) == 1, run.stdout + run.stderr
    return found[0]


IMAGES_ANSWER = "No, LLMs are built specifically for text-based tasks."


@pytest.mark.browser
@pytest.mark.browser
def test_in_the_browser_a_thumbs_down_is_stored_with_the_answer_it_rates(apps, chromium):
    """The chat page rates an answer through its run step; the rating must still carry the answer."""
    from playwright.sync_api import expect

    page = sign_in(chromium, apps, "bob")
    send_chat(page, SECOND)
    page.get_by_text(IMAGES_ANSWER).first.wait_for(timeout=REPLY_WAIT_MS)
    expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)  # the answer is complete: it can be rated
    rate_last_answer_down(page, "say which tools make images")
    item = exported_down(apps, "say which tools make images")
    assert item["question"] == SECOND and item["rating"] == "down"
    assert IMAGES_ANSWER in item["answer_given"], item
    assert item["sources"] and item["sources"][0]["title"] == "LLMs vs Generative AI", item
    assert item["answerer"] == "extractive", item


@pytest.mark.browser
@pytest.mark.browser
def test_in_the_browser_history_resume_feedback_and_download(apps, chromium, tmp_path):
    from playwright.sync_api import expect

    page = sign_in(chromium, apps, "alice")
    send_chat(page, "Which industries benefit from LLMs?")
    expect(page.get_by_text("Searched the documents")).to_have_count(1, timeout=REPLY_WAIT_MS)
    expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)
    try:
        send_chat(page, SECOND)
    except AssertionError as exc:
        # Twice in fresh-clone CI runs (2026-12-05, 2026-12-06), never here, the chat could not send its second
        # question for 240 s after moving to the thread's address: the server's warnings say what the page was refused.
        lines = apps["log"].read_text().splitlines()
        said = [line for line in lines if " - WARNING - " in line or "ERROR" in line or "Traceback" in line]
        raise AssertionError(f"{exc}\nat {page.url}; server warnings:\n" + "\n".join(said[-20:])) from exc
    page.get_by_text(IMAGES_ANSWER).first.wait_for(timeout=REPLY_WAIT_MS)
    expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)

    # The download adds nothing to the chat, however often it is clicked, and holds both answers.
    messages = page.locator('[data-step-type$="_message"]')
    before = messages.count()
    files = [download_chat(page), download_chat(page)]
    page.screenshot(path=str(tmp_path / "downloaded.png"), full_page=True)
    assert messages.count() == before == 4, [m.inner_text()[:60] for m in messages.all()]
    for markdown in files:
        assert "## 1. Which industries benefit from LLMs?" in markdown and f"## 2. {SECOND}" in markdown
        assert IMAGES_ANSWER in markdown and "**[1] LLMs vs Generative AI**" in markdown

    page.reload()  # the conversation's own URL: it reopens, and so does its download
    page.get_by_text(IMAGES_ANSWER).first.wait_for(timeout=REPLY_WAIT_MS)
    markdown = download_chat(page)
    assert "## 1. Which industries benefit from LLMs?" in markdown and IMAGES_ANSWER in markdown

    page.goto(apps["url"])  # a new chat; the old one from the sidebar
    entry = page.get_by_text("Which industries benefit from LLMs?").first
    entry.wait_for(timeout=REPLY_WAIT_MS)
    page.screenshot(path=str(tmp_path / "sidebar.png"), full_page=True)
    entry.click()
    page.get_by_text(IMAGES_ANSWER).first.wait_for(timeout=REPLY_WAIT_MS)
    answers = page.locator('[data-step-type="assistant_message"]')
    shown = answers.count()
    send_chat(page, FOLLOW_UP)
    expect(answers).to_have_count(shown + 1, timeout=REPLY_WAIT_MS)
    expect(answers.last).to_contain_text(FOLLOW_UP_ANSWER, timeout=REPLY_WAIT_MS)
    expect(page.locator("#chat-input")).to_be_enabled(timeout=REPLY_WAIT_MS)
    page.screenshot(path=str(tmp_path / "resumed.png"), full_page=True)
    answers = [a.inner_text() for a in page.locator('[data-step-type="assistant_message"]').all()]
    assert FOLLOW_UP_ANSWER in answers[-1], answers
    # The reopened answers are still there, above (the chat scrolls the new question to the top).
    assert any(IMAGES_ANSWER in a for a in answers[:-1]), answers

    rate_last_answer_down(page, "should name the image tools first")
    item = exported_down(apps, "should name the image tools first")
    assert item["question"] == FOLLOW_UP and item["turns"][-2:] == [SECOND, FOLLOW_UP]
    assert FOLLOW_UP_ANSWER in item["answer_given"] and item["sources"] and item["answerer"]

    markdown = download_chat(page)
    page.screenshot(path=str(tmp_path / "download.png"), full_page=True)
    assert f"## 3. {FOLLOW_UP}" in markdown and SECOND in markdown and FOLLOW_UP_ANSWER in markdown
    assert "[1]" in markdown and "**[1] LLMs vs Generative AI**" in markdown and "Zero Gravity Marketing" in markdown


def test_without_a_login_only_a_visitors_own_chat_downloads(apps):
    """Login off, database unreachable: the answers come from the chat itself, for the chat that has the key."""
    url = apps["down_url"]

    def first_visitor(session):
        thread, key = session.window_messages[-1]["botThread"], session.window_messages[-1]["botKey"]
        status, headers, markdown = download(url, thread, key=key)
        assert status == 200 and headers["Content-Type"].startswith("text/markdown"), (status, markdown)
        assert headers["Content-Disposition"].startswith('attachment; filename="conversation-')
        assert f"## 1. {SECOND}" in markdown and IMAGES_ANSWER in markdown
        assert download(url, thread)[0] == 404  # its id alone is not enough
        assert download(url, thread, key="0" * 64)[0] == 404
        keys.append(key)
        return thread

    keys: list[str] = []
    thread = open_chat(url, None, [SECOND], first_visitor)

    def second_visitor(session):
        key = session.window_messages[-1]["botKey"]
        status, _, text = download(url, thread, key=key)  # another chat's key
        assert status == 404 and IMAGES_ANSWER not in text
        own = download(url, session.window_messages[-1]["botThread"], key=key)
        assert own[0] == 200 and f"## 1. {FIRST}" in own[2] and SECOND not in own[2]

    open_chat(url, None, [FIRST], second_visitor)
    # Finding 9 of the second attack: downloads were an unthrottled call (3,000 in 15 s). Now as many a window
    # as messages from one address, then "too many".
    statuses = [download(url, thread, key=keys[0])[0] for _ in range(40)]
    assert statuses[0] == 200 and statuses[-1] == 429 and set(statuses) == {200, 429}


def _stored_messages(db_path: Path) -> int:
    """Questions and answers stored in the SQLite history at `db_path` (0 while it does not exist yet)."""
    import sqlite3

    if not db_path.exists():
        return 0
    with sqlite3.connect(db_path) as db:
        query = "select count(*) from steps where type in ('user_message', 'assistant_message')"
        return db.execute(query).fetchone()[0]


def test_kill_9_mid_conversation_keeps_what_was_answered(built_index, tmp_path):
    import signal
    import sqlite3

    from .servers import serve_app_process

    data_dir = tmp_path / "data"
    env = {"BOT_DATA_DIR": str(data_dir)}
    with serve_app_process(tmp_path / "first", env, index_from=built_index.index_dir) as (proc, url, _log):
        chat(url, None, [FIRST, SECOND])
        deadline = time.monotonic() + 60  # the server writes a reply just after sending it: kill once it has
        while _stored_messages(data_dir / "bot.db") < 4:
            assert time.monotonic() < deadline, "the replies were never stored"
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with sqlite3.connect(data_dir / "bot.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kept = db.execute("select count(*) from steps where type in ('user_message', 'assistant_message')").fetchone()
    assert kept[0] == 4  # both questions and both answers
    with serve_app_process(tmp_path / "second", env, index_from=built_index.index_dir) as (_proc, url, log):
        _, turns = chat(url, None, [SECOND])
        assert "No, LLMs are built specifically" in turns[0].reply
        assert "History is off" not in log.read_text() and not [r for r in turns[0].replies if "History is off" in r]
        # With login off the chats are kept (above) but nobody can list or open them.
        listing = http(url, "/project/threads", "", "POST", {"pagination": {"first": 20}, "filter": {}})
        assert listing[0] in (401, 403) or listing[1]["data"] == [], listing
        with sqlite3.connect(data_dir / "bot.db") as db:
            thread_id = db.execute("select id from threads limit 1").fetchone()[0]
        assert http(url, f"/project/thread/{thread_id}", "")[0] in (401, 403, 404)
