"""Helpers for the tests with login on: users with real bcrypt logins, signing in in the browser, HTTP as a
logged-in user, and chats over the socket."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def login_env(*names: str) -> tuple[dict[str, str], dict[str, str]]:
    """(server environment with login on for `names`, {name: password})."""
    import bcrypt

    passwords = {name: f"{name}-{secrets.token_hex(6)}" for name in names}
    hashes = {n: bcrypt.hashpw(p.encode(), bcrypt.gensalt(rounds=4)).decode() for n, p in passwords.items()}
    env = {
        "BOT_LOGIN": "true",
        "BOT_LOGIN_USERS": json.dumps(hashes),
        "CHAINLIT_AUTH_SECRET": secrets.token_urlsafe(48),
    }
    return env, passwords


def login(url: str, name: str, password: str) -> str:
    """Log in through the sign-in form's endpoint; the Cookie header that carries the login."""
    body = urllib.parse.urlencode({"username": name, "password": password}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{url}/login", data=body, method="POST"), timeout=30) as r:
        cookies = [c.split(";", 1)[0] for c in r.headers.get_all("set-cookie") or []]
    assert cookies, "no login cookie"
    return "; ".join(cookies)


def http(url: str, path: str, cookie: str, method: str = "GET", body: dict | None = None) -> tuple[int, object]:
    """(status, JSON or text) of one request as the user whose login `cookie` is."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}{path}", data=data, method=method, headers={"Cookie": cookie})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def chat(url: str, cookie: str | None, questions: list[str], thread_id: str | None = None, timeout: float = 120):
    """Ask `questions` in one chat over the socket (reopening `thread_id` if given): (thread id, turns).

    Runs in its own thread: a browser test's Playwright loop may own this one."""
    from bot.tools.load import ChatSession

    async def run():
        session = ChatSession(url, timeout, headers={"Cookie": cookie} if cookie else {}, thread_id=thread_id)
        await session.connect()
        try:
            turns = [await session.ask(q) for q in questions]
        finally:
            await session.close()
        return session.thread_id, turns

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(run())).result()


def open_chat(url: str, cookie: str | None, questions: list[str], then, timeout: float = 120):
    """Ask `questions` in one chat over the socket, then, while it is still open, `then(session)`; its result."""
    from bot.tools.load import ChatSession

    async def run():
        session = ChatSession(url, timeout, headers={"Cookie": cookie} if cookie else {})
        await session.connect()
        try:
            turns = [await session.ask(q) for q in questions]
            assert not [t.error for t in turns if t.error], turns
            return await asyncio.to_thread(then, session)
        finally:
            await session.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(run())).result()


def download(url: str, thread_id: str, cookie: str = "", key: str | None = None) -> tuple[int, object, str]:
    """(status, headers, text) of the conversation's Markdown download (bot.web.conversation's route)."""
    query = f"?key={urllib.parse.quote(key)}" if key is not None else ""
    request = urllib.request.Request(f"{url}/conversation/{thread_id}/download{query}", headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8", "replace")


def wait_for_replies(url: str, cookie: str, thread_id: str, count: int, timeout: float = 60) -> None:
    """Wait until the thread holds `count` replies: the server writes a reply just after sending it."""
    deadline = time.monotonic() + timeout
    while True:
        status, thread = http(url, f"/project/thread/{thread_id}", cookie)
        if (
            status == 200
            and sum(s["type"] == "assistant_message" and bool(s["output"]) for s in thread["steps"]) >= count
        ):
            return
        assert time.monotonic() < deadline, f"{count} replies never stored in thread {thread_id}: {status} {thread}"
        time.sleep(0.1)


def threads_of(url: str, cookie: str) -> list[dict]:
    status, body = http(url, "/project/threads", cookie, "POST", {"pagination": {"first": 50}, "filter": {}})
    assert status == 200, body
    return body["data"]


def assert_others_refused(url: str, owner: str, intruder: str, thread_id: str) -> None:
    """Every way `intruder` might reach `owner`'s conversation is refused; the owner still has it intact."""
    status, thread = http(url, f"/project/thread/{thread_id}", owner)
    assert status == 200 and thread["id"] == thread_id
    answer = next(s for s in thread["steps"] if s["type"] == "assistant_message")
    element = thread["elements"][0]
    status, text = http(url, element["url"], owner)
    assert status == 200 and len(text) > 50  # the owner opens a stored source panel

    asked = next(s["output"] for s in thread["steps"] if s["type"] == "user_message")
    status, _, markdown = download(url, thread_id, owner)
    assert status == 200 and f"## 1. {asked}" in markdown, (status, markdown[:600])  # the owner downloads it

    assert thread_id not in [t["id"] for t in threads_of(url, intruder)]  # the sidebar
    status, _, text = download(url, thread_id, intruder)  # its download, by its id
    assert status in (401, 403, 404) and asked not in text and len(text) < 100
    assert download(url, thread_id)[0] == 401  # nor without a login
    assert http(url, f"/project/thread/{thread_id}", intruder)[0] in (401, 403, 404)  # a thread id in a URL
    assert http(url, f"/project/thread/{thread_id}/element/{element['id']}", intruder)[0] in (401, 403, 404)
    status, text = http(url, element["url"], intruder)  # a stored element's own URL
    assert status in (401, 403, 404) and "Source" not in str(text) and len(str(text)) < 100
    assert http(url, "/project/thread", intruder, "DELETE", {"threadId": thread_id})[0] in (401, 403, 404)
    rename = http(url, "/project/thread", intruder, "PUT", {"threadId": thread_id, "name": "mine now"})
    assert rename[0] in (401, 403, 404)
    vote = {"feedback": {"forId": answer["id"], "value": 1, "comment": "hijacked"}, "sessionId": "x"}
    status, body = http(url, "/feedback", intruder, "PUT", vote)
    assert status != 200 or not (isinstance(body, dict) and body.get("success"))
    try:  # a thread id in the socket's handshake
        chat(url, intruder, [], thread_id=thread_id, timeout=20)
        raise AssertionError("the socket let another user open the conversation")
    except Exception as exc:  # noqa: BLE001 - socketio's ConnectionError
        assert "failed to connect" in str(exc).lower() or "authorization" in str(exc).lower(), exc

    status, again = http(url, f"/project/thread/{thread_id}", owner)
    assert status == 200 and again["name"] != "mine now" and len(again["steps"]) == len(thread["steps"])
    assert all((s.get("feedback") or {}).get("comment") != "hijacked" for s in again["steps"])


def sign_in(chromium, url: str, name: str, password: str, **page_options):
    """A new browser page with `name` logged in, at the chat (`page_options` for Playwright's `new_page`)."""
    from .conftest import REPLY_WAIT_MS

    page = chromium.new_page(viewport={"width": 1280, "height": 900}, **page_options)
    page.goto(url)
    page.wait_for_url(re.compile(r"/login"), timeout=REPLY_WAIT_MS)
    page.locator("#email").fill(name)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    return page


def socket_answer(url: str, cookie: str, profile: str, question: str) -> str:
    """One question in a new chat of the set `profile`, over the socket: every reply, the chat's opening included."""
    from bot.tools.load import ChatSession

    async def run() -> str:
        session = ChatSession(url, timeout=120, headers={"Cookie": cookie}, chat_profile=profile)
        await session.connect()
        try:
            turn = await session.ask(question)
        finally:
            await session.close()
        return " ".join([*session._start_replies, *turn.replies])

    with ThreadPoolExecutor(1) as pool:  # Playwright's loop owns this thread
        return pool.submit(asyncio.run, run()).result()
