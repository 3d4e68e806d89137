"""Attacks on a running `bot serve`, over real HTTP and Chainlit's real socket: each one a finding of a probe.

Three servers, started together: the default one (trusting this machine as a reverse proxy, so that
each test plays its own client address through X-Forwarded-For), one with login on (trusting no proxy),
and one whose answerer is the in-process language model. Each starts on a copy of the session's index
of the corpus (building an index on start is `test_browser`'s subject).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import http.client
import importlib.util
import json
import re
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlparse

import bcrypt
import pytest

from bot.tools.load import ChatSession, Turn, health

from .conftest import ROOT, starts
from .servers import serve_apps

pytestmark = pytest.mark.server

QUESTION = "Can LLMs make images?"
ANSWER_START = "No, LLMs are built specifically for text-based tasks"


def request(url: str, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    """(status, headers, body) of one HTTP request, with full control of the headers (Host included)."""
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        all_headers = {"Host": parsed.netloc, **(headers or {})}
        if body is not None:
            all_headers.setdefault("Content-Length", str(len(body)))
        for name, value in all_headers.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def run(coro):
    return asyncio.run(coro)


async def _session(url: str, client: str | None = None, cookie: str | None = None, timeout: float = 120) -> ChatSession:
    headers = {}
    if client:
        headers["X-Forwarded-For"] = client
    if cookie:
        headers["Cookie"] = f"access_token={cookie}"
    session = ChatSession(url, timeout=timeout, headers=headers)
    await session.connect()
    return session


async def _ask_all(url: str, questions: list[str], **kwargs) -> list[str]:
    session = await _session(url, **kwargs)
    try:
        return [(await session.ask(q)).reply for q in questions]
    finally:
        await session.close()


def _message(output) -> dict:
    return {
        "message": {
            "id": str(uuid.uuid4()),
            "threadId": None,
            "parentId": None,
            "name": "User",
            "type": "user_message",
            "output": output,
            "createdAt": datetime.now(UTC).isoformat(),
        },
        "fileReferences": None,
    }


async def _quiet_for(session: ChatSession, seconds: float) -> list[tuple[str, object]]:
    """Every event the app sends within `seconds` (to show that it did not act on something)."""
    events = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            name, data, _ = await asyncio.wait_for(session._events.get(), left)
            events.append((name, data))
        except TimeoutError:
            break
    return events


async def _said(session: ChatSession, text: str, timeout: float = 90) -> str | None:
    """The first message from the app that contains `text`, or None if none comes within `timeout`."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            name, data, _ = await asyncio.wait_for(session._events.get(), left)
        except TimeoutError:
            break
        if name in ("new_message", "update_message") and isinstance(data, dict) and text in (data.get("output") or ""):
            return data["output"]
    return None


# --- the default server ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps(tmp_path_factory, built_index):
    """The module's servers, started together (see the module's docstring); their URLs and logs by name."""
    passwords = {
        name: f"{name}-" + secrets.token_hex(6) for name in ("demo", "alice", "bob", "carol", "dave", "erin", "frank")
    }
    hashed = {name: bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=12)).decode() for name, pw in passwords.items()}
    envs = {
        "default": {"BOT_TRUSTED_PROXIES": '["127.0.0.1"]', "BOT_RATE_LIMIT_MESSAGES": "4"},
        "login": {
            "BOT_LOGIN": "true",
            "BOT_LOGIN_USERS": json.dumps(hashed),
            "CHAINLIT_AUTH_SECRET": secrets.token_urlsafe(48),
            "BOT_RATE_LIMIT_MESSAGES": "4",
            "BOT_ANSWERER_SWITCH": "true",
        },
    }
    if importlib.util.find_spec("llama_cpp") is not None:  # else `local_llm_app` skips its test
        # Short answers: the test is about concurrent use not crashing llama.cpp, not about answer length.
        # Client addresses from X-Forwarded-For (the fairness test plays two visitors), and waits that only
        # a full queue ends, never the clock of a busy machine.
        envs["local"] = {
            "BOT_LLM": "local",
            "BOT_LLM_MAX_TOKENS": "48",
            "BOT_TRUSTED_PROXIES": '["127.0.0.1"]',
            "BOT_LLM_QUEUE_WAIT_SECONDS": "600",
        }
    specs = [
        {
            "tmp_path": tmp_path_factory.mktemp(name),
            "env": env,
            "ready_path": "/health",
            "index_from": built_index.index_dir,
        }
        for name, env in envs.items()
    ]
    with serve_apps(*specs) as running:
        yield {**dict(zip(envs, running)), "passwords": passwords}


@pytest.fixture(scope="module")
def default_app(apps):
    return apps["default"]


def test_a_visitor_cannot_switch_the_server_to_the_local_model(default_app):
    url, log_path = default_app

    async def attempt():
        session = await _session(url, client="203.0.113.1")
        try:
            await session.client.emit("chat_settings_change", {"provider": "local"})
            refused = await _said(session, "turned off")
            turn = await session.ask(QUESTION)
        finally:
            await session.close()
        return refused, turn

    refused, turn = run(attempt())
    assert refused == "Choosing the answerer is turned off on this server."
    assert turn.reply.startswith(ANSWER_START)
    assert "sentences supported" not in turn.reply and "language model" not in turn.reply
    assert "refused an answerer change" in log_path.read_text()


def test_settings_events_are_bounded_and_never_kept(default_app):
    """Finding 1 of the second attack: 30 settings events of 15 MB from one visitor grew the server by 1.3 GB
    (Chainlit keeps a settings form in the session for an hour, even when the app refuses the change), and
    nothing limited how many such events one visitor sends."""
    url, log_path = default_app
    before = health(url)[1]["rss_mb"]

    async def flood() -> tuple[list, Turn]:
        session = await _session(url, client="203.0.113.90")
        try:
            for n in range(30):
                await session.client.emit("chat_settings_change", {f"field{n}": "x" * 15_000_000})  # each one kept
            for _ in range(400):  # small, well-formed events: past the per-client event limit, dropped unread
                await session.client.emit("chat_settings_change", {"provider": "local"})
            first = await _said(session, "turned off")  # the small events are answered ...
            said = await _quiet_for(session, 5)
        finally:
            await session.close()
        return [first] + [d.get("output") for n, d in said if n == "new_message"]

    said = run(flood())
    after = health(url)[1]["rss_mb"]
    assert after - before <= 200, f"the server grew from {before} to {after} MB"
    refusals = [text for text in said if text and "turned off" in text]
    assert 0 < len(refusals) < 400  # ... until the per-client event limit, then dropped unread
    log = log_path.read_text()
    assert "dropped a chat_settings_change event over" in log and "over its limit" in log
    assert run(_ask_all(url, [QUESTION], client="203.0.113.91"))[0].startswith(ANSWER_START)  # others unaffected


SIZES = [2_001, 1_000_000, 4_000_000, 15_000_000]  # up to the web server's 16 MiB frame limit


@pytest.mark.parametrize("size", SIZES)
def test_a_message_of_any_size_over_the_limit_gets_the_too_long_reply(default_app, size):
    url, _log = default_app
    replies = run(_ask_all(url, ["x" * size, QUESTION], client=f"203.0.113.{10 + SIZES.index(size)}"))
    assert f"That message is {size:,} characters long; the limit is 2,000" in replies[0]
    assert replies[1].startswith(ANSWER_START)  # the same connection goes on


def test_the_rate_limit_is_per_client_address_not_per_connection(default_app):
    url, _log = default_app
    first = run(_ask_all(url, [QUESTION] * 5, client="203.0.113.50"))
    assert all(r.startswith(ANSWER_START) for r in first[:4]) and "that limit is reached" in first[4]
    again = run(_ask_all(url, [QUESTION], client="203.0.113.50"))  # a new connection from the same client
    assert "that limit is reached" in again[0]
    other = run(_ask_all(url, [QUESTION], client="203.0.113.51"))
    assert other[0].startswith(ANSWER_START)


@pytest.mark.parametrize("path", ["/", "/health", "/ws/socket.io/?EIO=4&transport=polling"])
def test_another_host_name_is_refused_on_http_and_the_socket(default_app, path):
    url, _log = default_app
    status, _, _ = request(url, path, headers={"Host": "evil.example:8811", "Origin": "http://evil.example:8811"})
    assert status == 400
    port = urlparse(url).port
    assert request(url, path, headers={"Host": f"localhost:{port}"})[0] == 200
    assert request(url, path, headers={"Host": f"127.0.0.1:{port}"})[0] == 200


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}@evil.example", "127.0.0.1:1@evil.example", "", "localhost:{port} x"]
)
def test_a_host_header_that_is_not_a_plain_host_and_port_is_refused(default_app, host):
    url, _log = default_app
    port = urlparse(url).port
    assert request(url, "/health", headers={"Host": host.format(port=port)})[0] == 400


def test_a_websocket_for_another_host_name_is_refused(default_app):
    url, _log = default_app
    port = urlparse(url).port
    with pytest.raises(Exception, match="(?i)connect"):
        run(
            ChatSession(
                url, timeout=20, headers={"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
            ).connect()
        )


def test_api_docs_are_off_and_health_says_what_it_should(default_app):
    url, _log = default_app
    for path in ("/docs", "/redoc", "/openapi.json"):
        status, _, body = request(url, path)
        assert b"openapi" not in body.lower() and b"swagger" not in body.lower() and b"redoc" not in body.lower(), path
    status, body = health(url)
    assert status == 200 and body["status"] == "ok" and body["rss_mb"] > 0  # login off: memory shown


def test_the_chat_page_loads_nothing_from_other_hosts(default_app):
    url, _log = default_app
    status, headers, body = request(url, "/", headers={"Accept-Encoding": "gzip"})  # as a browser asks
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    assert status == 200 and b'<div id="root">' in body
    assert b"fonts.googleapis.com" not in body and b"cdn.jsdelivr.net" not in body
    assert not re.search(rb"""<(?:link|script)[^>]+(?:href|src)="https?://""", body)
    assert "img-src 'self'" in headers.get("content-security-policy", "")


def test_edit_message_is_refused_while_editing_is_off(default_app):
    url, log_path = default_app

    async def attempt():
        session = await _session(url, client="203.0.113.60")
        try:
            payload = _message(QUESTION)
            await session.client.emit("client_message", payload)
            await session._until_task_end(time.perf_counter(), Turn(QUESTION))  # the answer is complete
            payload["message"]["output"] = "What does GAN stand for?"
            await session.client.emit("edit_message", payload)
            return await _quiet_for(session, 4)
        finally:
            await session.close()

    events = run(attempt())
    assert not [e for e in events if e[0] in ("new_message", "task_start", "stream_start")], events
    assert "refused an edit_message event" in log_path.read_text()


def test_malformed_socket_messages_are_dropped_without_tracebacks_or_error_text(default_app):
    url, log_path = default_app

    async def attempt():
        session = await _session(url, client="203.0.113.70")
        try:
            for payload in (
                "just a string",
                {"message": None},
                {"message": {"id": "not-a-uuid", "output": "hi"}},
                {"message": {"id": str(uuid.uuid4())}},
                [1, 2, 3],
            ):
                await session.client.emit("client_message", payload)
            await session.client.emit("chat_settings_change", ["not", "a", "dict"])
            await session.client.emit("stop", {"unexpected": True})
            dropped = await _quiet_for(session, 3)
            await session.client.emit("client_message", _message(None))  # a body that is not text
            not_text = await session._until_task_end(time.perf_counter())
        finally:
            await session.close()
        return dropped, not_text

    dropped, not_text = run(attempt())
    sent = [d for n, d in dropped if n in ("new_message", "update_message") and d.get("type") != "user_message"]
    assert not sent, sent
    assert len(not_text) == 1 and "Please type a question" in not_text[0] and "None" not in not_text[0]
    log = log_path.read_text()
    assert "Traceback" not in log and "dropped a malformed client_message event" in log
    assert health(url)[0] == 200


# --- login on ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def login_app(apps):
    url, log_path = apps["login"]
    return url, log_path, apps["passwords"]


def login(url: str, user: str, password: str, client: str | None = None) -> tuple[int, str | None, float]:
    """(status, token from the auth cookie, seconds) of a password login."""
    from urllib.parse import urlencode

    body = urlencode({"username": user, "password": password}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **({"X-Forwarded-For": client} if client else {})}
    started = time.perf_counter()
    status, response_headers, _ = request(url, "/login", "POST", headers, body)
    elapsed = time.perf_counter() - started
    cookie = response_headers.get("set-cookie", "")
    match = re.search(r"access_token=([^;]+)", cookie)
    return status, (match.group(1) if match else None), elapsed


def test_health_in_login_mode_keeps_memory_to_itself(login_app):
    url, _log, _pw = login_app
    status, body = health(url)
    assert status == 200 and body["status"] == "ok" and "rss_mb" not in body


def test_the_message_limit_is_per_user_across_connections(login_app):
    url, _log, passwords = login_app
    status, token, _ = login(url, "demo", passwords["demo"])
    assert status == 200 and token
    first = run(_ask_all(url, [QUESTION] * 5, cookie=token))
    assert all(r.startswith(ANSWER_START) for r in first[:4]) and "that limit is reached" in first[4]
    again = run(_ask_all(url, [QUESTION], cookie=token))
    assert "that limit is reached" in again[0]


def test_with_the_switch_on_a_logged_in_user_may_pick_the_answerer(login_app):
    url, _log, passwords = login_app
    status, token, _ = login(url, "alice", passwords["alice"])
    assert status == 200 and token

    async def switch():
        session = await _session(url, cookie=token)
        try:
            await session.client.emit("chat_settings_change", {"provider": "openai"})
            return await _said(session, "openai")
        finally:
            await session.close()

    # Taken: "Answers now come from: openai.", or, where no key is set, which setting it still needs.
    reply = run(switch())
    assert reply and "turned off" not in reply and ("now come from: openai" in reply or "OPENAI_API_KEY" in reply)


def test_logging_out_ends_the_token_and_it_lasts_hours_not_weeks(login_app):
    url, _log, passwords = login_app
    status, token, _ = login(url, "bob", passwords["bob"])
    assert status == 200 and token
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["exp"] - claims["iat"] == 8 * 3600
    cookie = {"Cookie": f"access_token={token}"}
    assert request(url, "/user", headers=cookie)[0] == 200
    assert request(url, "/logout", "POST", cookie, b"")[0] == 200
    assert request(url, "/user", headers=cookie)[0] == 401
    assert request(url, "/auth/jwt", "POST", {"Authorization": f"Bearer {token}"}, b"")[0] == 401
    with pytest.raises(Exception, match="(?i)connect"):
        run(_session(url, cookie=token, timeout=20))


def refresh(url: str, token: str) -> tuple[int, str | None]:
    """(status, new token) of Chainlit's `/auth/jwt`, which mints a token from a token."""
    status, headers, _ = request(url, "/auth/jwt", "POST", {"Authorization": f"Bearer {token}"}, b"")
    match = re.search(r"access_token=([^;]+)", headers.get("set-cookie", ""))
    return status, (match.group(1) if match else None)


def reaches(url: str, token: str) -> dict[str, object]:
    """What `token` reaches: the status of /user, /project/threads and /auth/jwt, and whether the socket connects."""
    cookie = {"Cookie": f"access_token={token}"}
    threads = json.dumps({"pagination": {"first": 20}, "filter": {}}).encode()

    async def connects() -> bool:
        session = ChatSession(url, timeout=20, headers=cookie)
        try:
            await session.connect()
            return True
        except Exception:  # noqa: BLE001 - refused: socketio's ConnectionError
            return False
        finally:
            await session.close()
            if (http := getattr(session.client.eio, "http", None)) is not None and not http.closed:
                await http.close()  # a refused connection leaves it open

    return {
        "/user": request(url, "/user", headers=cookie)[0],
        "/project/threads": request(
            url, "/project/threads", "POST", {**cookie, "Content-Type": "application/json"}, threads
        )[0],
        "/auth/jwt": refresh(url, token)[0],
        "socket": run(connects()),
    }


ENDED = {"/user": 401, "/project/threads": 401, "/auth/jwt": 401, "socket": False}


def test_after_logout_no_encoding_of_the_token_and_no_token_refreshed_from_it_reaches_anything(login_app):
    """Issue 26 #2 and #3: `token + "="` decodes to the same token, and `/auth/jwt` minted a fresh one from it."""
    url, _log, passwords = login_app
    status, token, _ = login(url, "bob", passwords["bob"])
    assert status == 200 and token
    status, refreshed = refresh(url, token)  # a second before logout, as the tester did
    assert status == 200 and refreshed
    assert reaches(url, refreshed)["/user"] == 200
    open_before, answer_after = run(socket_across_logout(url, refreshed, lambda: logout(url, token)))
    assert open_before.startswith(ANSWER_START) and answer_after is None
    for variant in (token + "=", refreshed, refreshed + "="):
        assert reaches(url, variant) == ENDED, variant[-12:]


def logout(url: str, token: str) -> None:
    assert request(url, "/logout", "POST", {"Cookie": f"access_token={token}"}, b"")[0] == 200


async def socket_across_logout(url: str, token: str, log_out) -> tuple[str, str | None]:
    """A chat socket opened with `token` before `log_out()`: its answer before, and any answer after (None)."""
    session = await _session(url, cookie=token, timeout=60)
    try:
        before = (await session.ask(QUESTION)).reply
        await asyncio.to_thread(log_out)
        await session.client.emit("client_message", _message(QUESTION))
        return before, await _said(session, ANSWER_START[:20], timeout=8)
    finally:
        await session.close()


def test_bad_tokens_leave_one_log_line_each_and_no_traceback(login_app):
    """Issue 26 #15: every invalid socket token wrote a traceback of 50 lines."""
    import jwt

    url, log_path, _pw = login_app
    before = len(log_path.read_text())
    forged = jwt.encode({"identifier": "alice", "metadata": {}, "exp": time.time() + 3600}, "x" * 40, "HS256")
    for token in ("abc.def.ghi", "not-a-token", forged, forged + "=", "eyJ" + "x" * 40):
        assert reaches(url, token) == ENDED
    log = log_path.read_text()[before:]
    assert "Traceback" not in log and "Exception authenticating connection" not in log, log[:3000]


def test_a_password_over_72_bytes_fails_like_a_wrong_one(login_app):
    url, log_path, passwords = login_app
    wrong = login(url, "alice", "not-the-password")
    long = login(url, "alice", passwords["alice"] + "é" * 80)
    assert wrong[0] == long[0] == 401
    assert long[2] > 0.5 * wrong[2]  # bcrypt ran: the reply is not faster than for a wrong password
    log = log_path.read_text()
    assert log.count("failed login for user 'alice'") == 2 and "Traceback" not in log
    assert login(url, "alice", passwords["alice"])[0] == 200


def test_repeated_failed_logins_back_off_per_user_and_per_address(login_app):
    """Runs last in this module: it leaves this machine's address locked out for a while."""
    url, log_path, passwords = login_app
    seconds = []
    for n in range(20):
        # A client-chosen X-Forwarded-For is ignored: this server trusts no proxy.
        status, _token, elapsed = login(url, "alice", f"guess-{n}", client=f"198.51.100.{n}")
        assert status == 401
        seconds.append(elapsed)
    assert login(url, "alice", passwords["alice"], client="198.51.100.99")[0] == 401
    assert login(url, "bob", passwords["bob"], client="198.51.100.98")[0] == 401  # the address is throttled too
    assert "refused unchecked, back-off" in log_path.read_text()
    # Issue 26 #17: refused attempts took 0.00 s and checked ones 0.25 s, which told the lock-out. The first
    # five were checked, the last five refused during the back-off: both now do bcrypt's work.
    checked, refused = statistics.median(seconds[:5]), statistics.median(seconds[-5:])
    assert refused > 0.4 * checked, (checked, refused)


def test_a_malformed_password_hash_is_refused_at_start(tmp_path):
    env = {
        "BOT_LOGIN": "true",
        "CHAINLIT_AUTH_SECRET": secrets.token_urlsafe(48),
        "BOT_LOGIN_USERS": json.dumps({"demo": "$2b$garbage"}),
    }
    import os

    result = subprocess.run(
        [sys.executable, "-m", "bot.tools.cli", "serve", "--port", "9"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "malformed bcrypt hash for demo" in result.stderr


# --- the in-process language model -------------------------------------------------------------


@pytest.fixture(scope="module")
def local_llm_app(apps):
    starts("llm")
    pytest.importorskip("llama_cpp")
    return apps["local"]


def _answered_or_busy(reply: str) -> bool:
    return bool(re.search(r"\[\d\]", reply)) or "busy" in reply


@pytest.mark.llm
def test_concurrent_questions_to_the_local_model_never_crash_the_server(local_llm_app):
    url, log_path = local_llm_app

    async def together():
        # Waits as long as the server's own queue wait (600 s): this is about crashes, not speed, and on a busy
        # machine (the rest of the suite beside it) four answers of the small model can take minutes.
        a, b, c = await asyncio.gather(*(_session(url, timeout=600) for _ in range(3)))
        try:
            # Two sessions ask at the same moment...
            two = await asyncio.gather(a.ask("Can LLMs make images?"), b.ask("What does GAN stand for?"))
            # ...and one session sends two messages back to back.
            await c.client.emit("client_message", _message("Which industries benefit from LLMs?"))
            await c.client.emit("client_message", _message("What is generative AI?"))
            replies: dict[str, str] = {}
            deadline = time.monotonic() + 600
            while len(replies) < 2 and time.monotonic() < deadline:
                name, data, _ = await asyncio.wait_for(c._events.get(), deadline - time.monotonic())
                is_answer = isinstance(data, dict) and data.get("type") == "assistant_message"
                if (
                    name in ("new_message", "update_message")
                    and is_answer
                    and re.search(r"\[\d\]|busy|faster", data.get("output") or "")
                ):
                    replies[data["id"]] = data["output"]
            return [t.reply or t.error for t in two], list(replies.values())
        finally:
            await asyncio.gather(a.close(), b.close(), c.close(), return_exceptions=True)

    concurrent, back_to_back = run(together())
    assert len(back_to_back) == 2, back_to_back
    for reply in concurrent + back_to_back:
        assert _answered_or_busy(reply), reply
    status, body = health(url)
    assert status == 200 and body["status"] == "ok"
    assert "GGML_ASSERT" not in log_path.read_text()


@pytest.mark.llm
def test_one_visitor_cannot_fill_the_local_models_queue(local_llm_app):
    """Finding 16: within its message limit, one address sent 5 questions at once and another visitor got
    "busy" after 0.08 s. Now a client has at most one question written and one waiting."""
    url, _log = local_llm_app

    async def crowd() -> tuple[list[str], str]:
        # Waits as long as the server's own queue wait (600 s): on a busy machine three answers of the small
        # model can take minutes, and only a full queue may end a wait here.
        many = await asyncio.gather(*(_session(url, client="203.0.113.120", timeout=600) for _ in range(6)))
        other = await _session(url, client="203.0.113.121", timeout=600)
        try:
            asked = [asyncio.create_task(s.ask(f"What is generative AI? ({n})")) for n, s in enumerate(many)]
            # Once one of the six is settled, all six are with the model's gate: then the other visitor asks.
            await asyncio.wait(asked, return_when=asyncio.FIRST_COMPLETED)
            theirs = await other.ask("Can LLMs make images?")
            return [t.reply for t in await asyncio.gather(*asked)], theirs.reply
        finally:
            await asyncio.gather(*(s.close() for s in [*many, other]), return_exceptions=True)

    crowded, theirs = run(crowd())
    assert sum("busy" in r for r in crowded) >= 4, crowded  # the crowding visitor's own extra questions
    assert "busy" not in theirs and re.search(r"\[\d\]", theirs), theirs  # the other visitor waits its turn


def _thread_steps(url: str, thread_id: str, token: str, stored_yet: bool = True) -> list[dict]:
    """The stored steps of a thread; with `stored_yet` false, none while the thread is not stored yet (404)."""
    status, _headers, body = request(url, f"/project/thread/{thread_id}", headers={"Authorization": f"Bearer {token}"})
    if status == 404 and not stored_yet:
        return []
    assert status == 200, body[:200]
    return json.loads(body).get("steps") or []


def test_another_users_message_id_never_overwrites_their_stored_chat(login_app):
    """Finding 8 of the second attack: with Alice's message ids, Bob's messages replaced her stored question
    (and her resumed follow-up was then answered about the wrong topic)."""
    url, log_path, passwords = login_app
    alice = login(url, "carol", passwords["carol"])[1]
    bob = login(url, "dave", passwords["dave"])[1]
    hers = _message(QUESTION)

    async def attempt() -> tuple[str, str]:
        a = await _session(url, cookie=alice)
        try:
            await a.client.emit("client_message", hers)
            await a._until_task_end(time.perf_counter())
            await a.named_thread()  # a CI run closed before the server named the chat: thread None, 404
        finally:
            await a.close()
        b = await _session(url, cookie=bob)
        try:  # the same message id, another user's question
            forged = {**hers, "message": {**hers["message"], "output": "What is a GAN?"}}
            await b.client.emit("client_message", forged)
            replies = await b._until_task_end(time.perf_counter())
            await b.named_thread()
        finally:
            await b.close()
        return a.thread_id, b.thread_id, replies

    alice_thread, bob_thread, bob_replies = run(attempt())
    deadline = time.monotonic() + 60  # Bob's answer is written just after it is shown: wait until it is there
    # The thread itself is stored with its first step, just after the reply: a fresh-clone CI run asked first.
    while not any(s["type"] == "assistant_message" for s in _thread_steps(url, bob_thread, bob, stored_yet=False)):
        # It failed twice in CI on a busy machine, never here: the server's warnings say what happened to the write.
        warnings = [line for line in log_path.read_text().splitlines() if " - WARNING - " in line or "ERROR" in line]
        status = request(url, f"/project/thread/{bob_thread}", headers={"Authorization": f"Bearer {bob}"})[0]
        assert time.monotonic() < deadline, (
            f"Bob's answer was never stored (his replies: {bob_replies}; his thread {bob_thread}: HTTP {status}); "
            "server warnings:\n" + "\n".join(warnings[-20:])
        )
        time.sleep(0.2)
    stored = {s["id"]: s for s in _thread_steps(url, alice_thread, alice)}
    assert stored[hers["message"]["id"]]["output"] == QUESTION  # still her question
    assert stored[hers["message"]["id"]]["threadId"] == alice_thread


def test_rating_says_nothing_about_whether_a_message_exists(login_app):
    """Finding 18: PUT /feedback answered "no such message" for an unknown id and "not your conversation" for
    another user's, telling a caller which message ids exist."""
    url, _log, passwords = login_app
    alice = login(url, "erin", passwords["erin"])[1]
    bob = login(url, "frank", passwords["frank"])[1]
    hers = _message("What is generative AI?")

    async def ask() -> None:
        session = await _session(url, cookie=alice)
        try:
            await session.client.emit("client_message", hers)
            await session._until_task_end(time.perf_counter())
        finally:
            await session.close()

    run(ask())

    def rate(step_id: str) -> tuple[int, bytes]:
        payload = {"sessionId": str(uuid.uuid4()), "feedback": {"forId": step_id, "value": 0, "comment": "x"}}
        headers = {"Authorization": f"Bearer {bob}", "Content-Type": "application/json"}
        status, _headers, answer = request(url, "/feedback", "PUT", headers, json.dumps(payload).encode())
        return status, answer.replace(step_id.encode(), b"<id>")

    theirs, nobodys = rate(hers["message"]["id"]), rate(str(uuid.uuid4()))
    assert theirs[0] >= 400 and theirs == nobodys, (theirs, nobodys)


def test_without_login_another_visitors_ids_reach_nothing(default_app):
    """Finding 10: with login off, another visitor's thread id stored messages in their conversation, and their
    session id took the session over, transcript included."""
    url, _log = default_app

    hers = _message(QUESTION)

    def rate(session_id: str, client: str) -> int:
        payload = {"sessionId": session_id, "feedback": {"forId": hers["message"]["id"], "value": 0, "comment": "x"}}
        headers = {"Content-Type": "application/json", "X-Forwarded-For": client}
        return request(url, "/feedback", "PUT", headers, json.dumps(payload).encode())[0]

    async def visitors() -> tuple[str, str, bool, dict[str, int]]:
        alice = await _session(url, client="203.0.113.130")
        try:
            await alice.client.emit("client_message", hers)
            await alice._until_task_end(time.perf_counter())
            thread, key = alice.window_messages[-1]["botThread"], alice.window_messages[-1]["botKey"]
            # Her session id from another address: refused at the handshake.
            taker = ChatSession(url, timeout=30, headers={"X-Forwarded-For": "203.0.113.131"})
            taker.session_id = alice.session_id
            from socketio.exceptions import ConnectionError as Refused

            try:
                await taker.connect()
                taken = True
            except Refused:  # the server refused the handshake
                taken = False
            except TimeoutError:  # accepted: a restored session starts no chat, so no start ever ends
                taken = True
            finally:
                await taker.client.disconnect()
            # Her thread id from another visitor: the message goes to a conversation of his own.
            bob = ChatSession(url, timeout=120, headers={"X-Forwarded-For": "203.0.113.132"}, thread_id=thread)
            await bob.connect()
            try:
                await bob.ask("What is a GAN?")
                # Her message's id, rated from his chat (or with her session id from his address): refused.
                ratings = {
                    "his chat": await asyncio.to_thread(rate, bob.session_id, "203.0.113.132"),
                    "her session, his address": await asyncio.to_thread(rate, alice.session_id, "203.0.113.132"),
                    "her chat": await asyncio.to_thread(rate, alice.session_id, "203.0.113.130"),
                }
            finally:
                await bob.close()
        finally:
            await alice.close()
        return thread, key, taken, ratings

    thread, key, taken, ratings = run(visitors())
    assert not taken
    assert ratings == {"his chat": 500, "her session, his address": 500, "her chat": 200}, ratings
    status, _headers, body = request(url, f"/conversation/{thread}/download?key={key}")
    assert status == 200 and QUESTION in body.decode() and "What is a GAN?" not in body.decode()
