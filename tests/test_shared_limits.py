"""Two `bot serve` instances sharing one Redis (Debian's `redis-server`, started by the test) and one PostgreSQL
history database (Debian's `postgresql`, started by the test), as behind a load balancer: a rate limit and a logout hold across both, and a login ends after
`BOT_SESSION_HOURS` however often its token is refreshed (issue 26: limits that held for one process only)."""

from __future__ import annotations

import time

import pytest

from .conftest import IN_CI
from .history_helpers import login_env
from .servers import REDIS_SERVER, RedisServer, serve_apps
from .test_attacks import ANSWER_START, ENDED, QUESTION, _session, logout, reaches, refresh, run, socket_across_logout

pytestmark = [pytest.mark.server, pytest.mark.postgres]  # Redis counts as a server (see SLOW_KINDS in conftest)

SESSION_SECONDS = 36  # BOT_SESSION_HOURS=0.01: a login that ends within the test


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if not REDIS_SERVER.exists():
        if IN_CI:
            pytest.fail(f"Redis is missing at {REDIS_SERVER}: `make test` installs it as root")
        pytest.skip(f"redis-server not found at {REDIS_SERVER} (apt-get install -y redis-server)")
    pytest.importorskip("redis", reason="the `redis` extra (pip install -e '.[redis]')")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pair(redis_server, postgres, tmp_path_factory, built_index):
    """Two instances with login on, one Redis for their limits and one PostgreSQL history; (urls, passwords)."""
    env, passwords = login_env("carol", "dave", "erin", "fay")
    env |= {
        "BOT_LIMIT_STORE": "redis",
        "BOT_REDIS_URL": redis_server.url,
        "BOT_RATE_LIMIT_MESSAGES": "4",
        "BOT_SESSION_HOURS": str(SESSION_SECONDS / 3600),
        "BOT_DATABASE_URL": postgres.url,
    }
    specs = [
        {
            "tmp_path": tmp_path_factory.mktemp(name),
            "env": env,
            "ready_path": "/health",
            "index_from": built_index.index_dir,
        }
        for name in ("a", "b")
    ]
    with serve_apps(*specs) as running:
        yield [url for url, _log in running], [log for _url, log in running], passwords, env


@pytest.fixture(params=["memory", "redis"])
def store(request):
    """Each limit store, empty: the Redis one on the module's Redis, flushed."""
    from bot.web.limits import MemoryStore, RedisStore

    if request.param == "memory":
        return MemoryStore()
    server = request.getfixturevalue("redis_server")
    store = RedisStore(server.url)
    store._redis.flushdb()
    return store


def test_each_store_counts_a_window_a_streak_and_ended_logins_alike(store):
    assert [store.take("rate:a", 2, 60) for _ in range(2)] == [0, 0]
    assert 59 < store.take("rate:a", 2, 60) <= 60 and store.take("rate:b", 2, 60) == 0
    assert store.take("rate:short", 1, 0.2) == 0 and store.take("rate:short", 1, 0.2) > 0
    time.sleep(0.3)
    assert store.take("rate:short", 1, 0.2) == 0  # the window slid past
    assert store.streak("login:x")[0] == 0
    store.add_to_streak("login:x", keep=60)
    store.add_to_streak("login:x", keep=60)
    n, since = store.streak("login:x")
    assert n == 2 and 0 <= since < 5
    store.clear_streak("login:x")
    assert store.streak("login:x")[0] == 0
    store.add_to_streak("login:y", keep=0.2)
    time.sleep(0.3)
    assert store.streak("login:y")[0] == 0  # forgotten after `keep`
    store.end("login-1", until=time.time() + 60)
    store.end("login-2", until=time.time() + 0.2)
    assert store.is_ended("login-1") and store.is_ended("login-2") and not store.is_ended("login-3")
    time.sleep(0.3)
    assert store.is_ended("login-1") and not store.is_ended("login-2")  # kept until the login would end


def test_a_wrong_redis_url_stops_the_start_and_names_it_without_its_password(tmp_path):
    import os
    import subprocess
    import sys

    from .conftest import ROOT, free_port

    env = {**os.environ, "BOT_LIMIT_STORE": "redis", "BOT_REDIS_URL": f"redis://:hunter2@127.0.0.1:{free_port()}/0"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.tools.cli", "serve", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "the limit store at redis://127.0.0.1:" in result.stderr, result.stderr[-2000:]
    assert "hunter2" not in result.stderr + result.stdout


def login_token(url: str, name: str, password: str) -> str:
    from .test_attacks import login

    status, token, _ = login(url, name, password)
    assert status == 200 and token
    return token


def test_the_rate_limit_counts_the_messages_sent_to_both_instances(pair):
    (a, b), _logs, passwords, _env = pair
    token = login_token(a, "carol", passwords["carol"])

    async def alternate():
        sessions = [await _session(a, cookie=token), await _session(b, cookie=token)]
        try:
            return [(await sessions[n % 2].ask(QUESTION)).reply for n in range(6)]
        finally:
            for session in sessions:
                await session.close()

    replies = run(alternate())
    assert all(r.startswith(ANSWER_START) for r in replies[:4]), replies
    assert all("that limit is reached" in r for r in replies[4:]), replies  # 5th on a, 6th on b


def test_a_logout_on_one_instance_ends_the_login_on_the_other(pair):
    (a, b), logs, passwords, _env = pair
    token = login_token(a, "dave", passwords["dave"])
    _status, refreshed = refresh(b, token)
    assert reaches(b, token)["/user"] == 200 and reaches(a, refreshed)["/user"] == 200
    # A chat open on b before the logout on a: it answers no more.
    open_before, answer_after = run(socket_across_logout(b, token, lambda: logout(a, token)))
    assert open_before.startswith(ANSWER_START) and answer_after is None
    for url in (b, a):
        for variant in (token, token + "=", refreshed):
            assert reaches(url, variant) == ENDED, (url, variant[-12:])
    assert not [log for log in logs if "Traceback" in log.read_text()]


def test_a_login_ends_after_its_hours_however_often_it_was_refreshed(pair):
    (a, b), _logs, passwords, _env = pair
    token = login_token(a, "erin", passwords["erin"])
    started = time.monotonic()
    time.sleep(SESSION_SECONDS / 2)
    status, refreshed = refresh(b, token)  # a fresh token, valid for another 36 s by its own `exp`
    assert status == 200 and refreshed and reaches(a, refreshed)["/user"] == 200
    time.sleep(max(0.0, SESSION_SECONDS + 2 - (time.monotonic() - started)))
    for url in (a, b):
        assert reaches(url, refreshed) == ENDED, url


def test_an_instance_started_after_a_logout_refuses_the_ended_login(pair, tmp_path, built_index):
    """As after a restart: the new process never saw the logout, and its memory is empty."""
    (a, _b), _logs, passwords, env = pair
    token = login_token(a, "fay", passwords["fay"])
    logout(a, token)
    with serve_apps(
        {"tmp_path": tmp_path, "env": env, "ready_path": "/health", "index_from": built_index.index_dir}
    ) as [(c, _log)]:
        assert reaches(c, token) == ENDED
        assert reaches(c, login_token(c, "fay", passwords["fay"]))["/user"] == 200  # a new login works there
