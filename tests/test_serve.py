"""`bot serve` gives each server a Chainlit app folder of its own."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from .conftest import ROOT


def test_each_server_gets_its_own_app_root_linking_the_project_config(monkeypatch, tmp_path):
    from bot.tools import cli

    started: list[dict] = []

    def fake_execv(_path, argv):  # stands for the Chainlit process `bot serve` becomes
        started.append({"argv": argv, "root": os.environ["CHAINLIT_APP_ROOT"]})
        raise SystemExit(0)

    from bot.settings import get_settings

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(cli.os, "execv", fake_execv)
    monkeypatch.setenv("BOT_INDEX_DIR", str(tmp_path / "index"))
    for name in ("CHAINLIT_APP_ROOT", "BOT_HOST", "MALLOC_ARENA_MAX"):  # `serve` sets them: restored after
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    get_settings.cache_clear()

    def serve() -> None:
        with pytest.raises(SystemExit):
            cli.main(["serve", "--port", "8123"])

    try:
        serve(), serve()
        first, second = (entry["root"] for entry in started)
        # The server replaces `bot serve`'s process, so it cannot remove its own folder: the next start
        # removes those of servers that have stopped, and keeps those of servers still running (this one).
        ended = subprocess.Popen(["true"])
        ended.wait()
        Path(first, ".server-pid").write_text(str(ended.pid))
        serve()
    finally:
        get_settings.cache_clear()
    assert not os.path.exists(first) and os.path.isdir(second) and os.path.isdir(started[2]["root"])
    # Chainlit deletes `<app root>/.files` (every chat's source panels) when a server stops: a shared root
    # would break the other server's panels.
    assert first != second and ROOT not in (first, second)
    for root in (second,):
        assert (ROOT / ".chainlit").samefile(os.path.join(root, ".chainlit"))
        assert (ROOT / "chainlit.md").samefile(os.path.join(root, "chainlit.md"))
    assert started[0]["argv"][-2:] == ["--port", "8123"]
