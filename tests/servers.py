"""Real servers the tests start on 127.0.0.1 and a free port, and always stop: the app and Chroma."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .conftest import ROOT, free_port


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
            time.sleep(0.3)
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


@contextlib.contextmanager
def serve_app(tmp_path: Path, env: dict[str, str] | None = None, ready_path: str = "/"):
    """`bot serve` on a free loopback port; yields (url, log path). An empty index folder is built on start."""
    port = free_port()
    log_path = tmp_path / "serve.log"
    full_env = {
        **os.environ,
        "BOT_INDEX_DIR": str(tmp_path / "index"),
        "BOT_CORPUS_DIR": str(ROOT / "corpus"),
        **(env or {}),
    }
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_http(f"http://127.0.0.1:{port}{ready_path}", proc, log_path)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        _stop(proc)


class ChromaServer:
    """A real `chroma run` on 127.0.0.1 and a free port, persisting to a folder; stop and start at will."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = data_dir.with_suffix(".log")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
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
