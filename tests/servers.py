"""Real servers the tests start on 127.0.0.1 and a free port, and always stop: the app and Chroma."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .conftest import ROOT, copy_index, free_port, starts


def _wait_for_http(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[:4]} exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered at {url}:\n{log_path.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _launch(
    tmp_path: Path, env: dict[str, str] | None, index_from: Path | None, cwd: Path = ROOT
) -> tuple[subprocess.Popen, int]:
    starts("server")
    if index_from is not None:
        copy_index(index_from, tmp_path / "index")
    port = free_port()
    full_env = {
        **os.environ,
        "BOT_INDEX_DIR": str(tmp_path / "index"),
        "BOT_CORPUS_DIR": str(ROOT / "corpus"),
        "BOT_DATA_DIR": str(tmp_path / "data"),  # conversations of a test server stay in its own folder
        **(env or {}),
    }
    with open(tmp_path / "serve.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.tools.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=cwd,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, port


@contextlib.contextmanager
def serve_apps(*specs: dict):
    """Several `bot serve` at once, each given by `serve_app`'s keyword arguments; yields [(url, log path)].

    They are all started before any is waited for: a start is mostly one core's work, so on two cores
    two or three start in about the time of one after another's half.
    """
    launched: list[tuple[subprocess.Popen, int, Path, str]] = []
    try:
        for spec in specs:
            tmp_path = spec["tmp_path"]
            proc, port = _launch(tmp_path, spec.get("env"), spec.get("index_from"), spec.get("cwd", ROOT))
            launched.append((proc, port, tmp_path / "serve.log", spec.get("ready_path", "/")))
        for proc, port, log_path, ready_path in launched:
            _wait_for_http(f"http://127.0.0.1:{port}{ready_path}", proc, log_path)
        yield [(f"http://127.0.0.1:{port}", log_path) for _proc, port, log_path, _ready in launched]
    finally:
        for proc, *_rest in launched:
            _stop(proc)


@contextlib.contextmanager
def serve_app(tmp_path: Path, env: dict[str, str] | None = None, ready_path: str = "/", index_from: Path | None = None):
    """`bot serve` on a free loopback port; yields (url, log path).

    The server's index folder is `tmp_path/index`: empty (the server builds it on start), or a copy of
    the index folder `index_from` (it then starts on that index, as after a `bot ingest`).
    """
    with serve_apps({"tmp_path": tmp_path, "env": env, "ready_path": ready_path, "index_from": index_from}) as [app]:
        yield app


class ChromaServer:
    """A real `chroma run` on 127.0.0.1 and a free port, persisting to a folder; stop and start at will."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = data_dir.with_suffix(".log")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        starts("server")
        chroma = Path(sys.executable).with_name("chroma")
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [str(chroma), "run", "--path", str(self.data_dir), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_http(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", self.proc, self.log_path, timeout=60)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresServer:
    """A real PostgreSQL from Debian's `postgresql` package, in a temporary folder on 127.0.0.1 and a free port.

    PostgreSQL refuses to run as root: as root, `initdb` and `pg_ctl` run as the `postgres` user, in a
    folder made for it. `url` has a database `bot` owned by user `bot` (trust login, loopback only).
    """

    def __init__(self):
        import tempfile

        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="bot-pg-"))
        self.data = self.base / "data"
        self.log_path = self.base / "postgres.log"
        self.url = f"postgresql://bot@127.0.0.1:{self.port}/bot"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        starts("postgres")
        if self._as:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "bot", "--no-sync", "-E", "UTF8")
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log_path), "-w", "start")
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "bot", "bot")

    def stop(self) -> None:
        try:
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def serve_app_process(
    tmp_path: Path, env: dict[str, str] | None = None, index_from: Path | None = None, ready_path: str = "/health"
):
    """Like `serve_app`, but yields (process, url, log path), for a test that kills the server itself."""
    proc, port = _launch(tmp_path, env, index_from)
    try:
        _wait_for_http(f"http://127.0.0.1:{port}{ready_path}", proc, tmp_path / "serve.log")
        yield proc, f"http://127.0.0.1:{port}", tmp_path / "serve.log"
    finally:
        _stop(proc)


REDIS_SERVER = Path("/usr/bin/redis-server")


class RedisServer:
    """A real Redis from Debian's `redis-server` package on 127.0.0.1 and a free port, keeping nothing on disk."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = folder / "redis.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        starts("server")
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [*args, "--dir", str(self.folder)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        client = redis.Redis.from_url(self.url, socket_timeout=2)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"redis-server did not start:\n{self.log_path.read_text()[-2000:]}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
