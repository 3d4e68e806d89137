"""The server's guards, piece by piece: model gate, limits, login back-off, socket payload checks."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from bot.answer.providers import ModelBusy, ModelGate
from bot.settings import Settings
from bot.web.guard import LoginThrottle, SlidingWindowLimit, host_of, valid_client_message


def test_model_gate_runs_one_generation_at_a_time_and_says_busy_when_the_queue_is_full():
    gate = ModelGate(queue_max=1, wait_seconds=60)
    held, release = threading.Event(), threading.Event()
    inside, peak, results = [0], [0], []
    lock = threading.Lock()

    def generate():
        try:
            with gate.turn():
                with lock:
                    inside[0] += 1
                    peak[0] = max(peak[0], inside[0])
                held.set()
                release.wait(60)  # a generation lasts until the test lets it end
                with lock:
                    inside[0] -= 1
            results.append("done")
        except ModelBusy:
            results.append("busy")

    threads = [threading.Thread(target=generate) for _ in range(2)]
    threads[0].start()
    assert held.wait(60)  # the first holds the model
    threads[1].start()
    deadline = time.monotonic() + 60
    while gate._waiting < 1:  # the second waits its turn
        assert time.monotonic() < deadline, "the second generation never queued"
        time.sleep(0.01)
    generate()  # the third finds the queue full
    release.set()
    for t in threads:
        t.join()
    assert peak[0] == 1  # never two generations on one model
    assert sorted(results) == ["busy", "done", "done"]  # one waits its turn, the third finds the queue full


def test_model_gate_wait_is_bounded():
    gate = ModelGate(queue_max=5, wait_seconds=0.2)
    held = threading.Event()
    release = threading.Event()

    def hold():
        with gate.turn():
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    with pytest.raises(ModelBusy), gate.turn():
        pass
    # Told "busy" while the holder still holds the turn: a wait without bound would have had the turn
    # when the holder let go (after 5 s at most) and raised nothing.
    assert holder.is_alive() and not release.is_set()
    release.set()
    holder.join()


def test_sliding_window_limit_is_per_key():
    limit = SlidingWindowLimit(2, window=60)
    assert limit.wait_seconds("a") == 0 and limit.wait_seconds("a") == 0
    assert 59 < limit.wait_seconds("a") <= 60
    assert limit.wait_seconds("b") == 0


def test_login_throttle_backs_off_per_user_and_more_leniently_per_address():
    throttle = LoginThrottle(free_attempts=2, max_backoff=900, address_factor=4)
    user, other, addr = "user:alice", "user:bob", "addr:10.0.0.1"
    throttle.failed(user, addr)
    assert throttle.blocked_for(user, addr) == 0
    throttle.failed(user, addr)
    assert 0 < throttle.blocked_for(user) <= 1  # back-off starts after the free attempts
    assert throttle.blocked_for(other, addr) == 0  # the address has 8 free attempts
    for _ in range(6):
        throttle.failed(other, addr)
    assert throttle.blocked_for("user:carol", addr) > 0
    throttle.succeeded(user)
    assert throttle.blocked_for(user) == 0


@pytest.mark.parametrize(
    "header,host",
    [
        ("localhost:8000", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]:8000", "::1"),
        ("Evil.Example:8811", "evil.example"),
        # Not a plain host[:port]: no name, which no allowed name matches (issue 26 #19).
        ("127.0.0.1:1@evil.example", ""),
        ("", ""),
        ("localhost:8000/x", ""),
        ("localhost:8000 evil.example", ""),
    ],
)
def test_host_of_a_host_header(header, host):
    assert host_of(header) == host


def test_valid_client_message_shapes():
    good = {"message": {"id": str(uuid.uuid4()), "output": "hi", "createdAt": "2026-01-01T00:00:00Z"}}
    assert valid_client_message(good)
    assert valid_client_message({**good, "message": {**good["message"], "output": None}})  # made empty later
    assert not valid_client_message("text")
    assert not valid_client_message({"message": None})
    assert not valid_client_message({"message": {**good["message"], "id": "not-a-uuid"}})
    assert not valid_client_message({**good, "fileReferences": [{"id": "x"}]})


def test_login_settings_refuse_a_malformed_hash_and_allowed_hosts_default_to_loopback():
    settings = Settings(
        _env_file=None,
        login=True,
        login_users={"demo": "$2b$garbage"},
        chainlit_auth_secret="Zx8" + "k2Qm9vLr4TpW7yBn3JcH6dFs1GaE5uXo",
    )
    assert "malformed bcrypt hash for demo" in settings.login_problem()
    assert Settings(_env_file=None).host_names() == ["127.0.0.1", "::1", "localhost"]
    assert (
        "chat.example.com" in Settings(_env_file=None, host="0.0.0.0", allowed_hosts=["chat.example.com"]).host_names()
    )
