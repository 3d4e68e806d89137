"""Many chat sessions over Chainlit's real socket, and an index on a real Chroma server that goes away."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from bot.tools.load import ChatSession, health, run_load

from .conftest import PUBLIC_EVAL, copy_query_encoder, require_shared
from .servers import ChromaServer, serve_app

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def chroma_backed_app(tmp_path_factory, built_index):
    """A Chroma server, and `bot serve` reading its index from it (it ingests the corpus on start)."""
    tmp_path = tmp_path_factory.mktemp("load")
    copy_query_encoder(built_index.index_dir, tmp_path / "index")
    chroma = ChromaServer(tmp_path / "chroma-data")
    chroma.start()
    env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(chroma.port), "BOT_RATE_LIMIT_MESSAGES": "50"}
    try:
        with serve_app(tmp_path, env, ready_path="/health") as (url, log_path):
            yield url, log_path, chroma
    finally:
        chroma.stop()


def _questions() -> list[str]:
    from bot.tools.evaluate import load_questions

    return [item.question for item in load_questions(require_shared(PUBLIC_EVAL)) if len(item.turns) == 1]


def test_concurrent_sessions_all_get_complete_answers(chroma_backed_app):
    url, log_path, _chroma = chroma_backed_app
    report = asyncio.run(run_load(url, _questions(), sessions=12, per_session=3))
    summary = report.to_dict()
    assert summary["errors"] == 0 and summary["answers"] == 36, report.summary()
    assert health(url)[1]["warm"] is True  # run_load read the memory after the start-up's one-off loading
    odd = [
        t.reply
        for t in report.turns
        if not re.search(r"\[\d\]", t.reply) and not re.search(r"don't (cover|mention)", t.reply)
    ]
    assert not odd, odd
    # Its p95 is a figure of `bot load` on a quiet machine (README, Load), not a pass/fail here.
    assert summary["server_rss_growth_mb"] is not None and summary["server_rss_growth_mb"] <= 100, report.summary()
    assert "Traceback" not in log_path.read_text()


def _ask(url: str, question: str) -> str:
    async def one() -> str:
        session = ChatSession(url, timeout=60)
        await session.connect()
        try:
            turn = await session.ask(question)
        finally:
            await session.close()
        return turn.reply

    return asyncio.run(one())


def test_the_app_says_the_index_is_unavailable_while_chroma_is_down_and_recovers(chroma_backed_app):
    from bot.retrieval.retriever import POINTER_CHECK_SECONDS

    url, log_path, chroma = chroma_backed_app
    assert _ask(url, "Can LLMs make images?").startswith("No, LLMs are built specifically")

    chroma.stop()
    time.sleep(POINTER_CHECK_SECONDS)
    reply = _ask(url, "Can LLMs make images?")
    assert "The article index is unavailable" in reply and f"127.0.0.1:{chroma.port}" in reply, reply
    status, body = health(url)
    assert status == 503 and body["index_loaded"] is False and body["model_loaded"] is True

    chroma.start()  # same data folder: the app recovers without a restart
    time.sleep(POINTER_CHECK_SECONDS)
    assert _ask(url, "Can LLMs make images?").startswith("No, LLMs are built specifically")
    assert health(url)[0] == 200
    log = log_path.read_text()
    assert "Traceback" not in log and "The article index is unavailable" in log


def test_other_web_origins_cannot_drive_the_app(chroma_backed_app):
    import urllib.request

    url, _log, _chroma = chroma_backed_app

    async def connect(origin: str) -> None:
        session = ChatSession(url, timeout=20, headers={"Origin": origin})
        await session.connect()
        await session.close()

    asyncio.run(connect(url))  # the app's own pages
    with pytest.raises(Exception, match="Connection error|failed to connect"):
        asyncio.run(connect("https://evil.example"))
    request = urllib.request.Request(f"{url}/health", headers={"Origin": "https://evil.example"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers.get("access-control-allow-origin") is None
