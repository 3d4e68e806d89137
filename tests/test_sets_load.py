"""Many chats of a document set at once, with login on: every one connects and is answered."""

from __future__ import annotations

import asyncio

import pytest

from .history_helpers import login, login_env
from .servers import serve_app
from .test_sets_browser import prebuilt_sets

pytestmark = pytest.mark.server


async def _burst(url: str, cookie: str, sessions: int) -> list[str]:
    """`sessions` chats of the HR set connecting in the same instant, each asking once; their errors."""
    from bot.tools.load import ChatSession

    async def one() -> str | None:
        session = ChatSession(url, timeout=120, headers={"Cookie": cookie}, chat_profile="hr")
        try:
            await session.connect()
            turn = await session.ask("How many vacation days do employees get?")
            return turn.error or (None if "twenty-seven" in turn.reply else turn.reply[:80])
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            await session.close()

    return [e for e in await asyncio.gather(*(one() for _ in range(sessions))) if e]


def test_fifty_chats_of_a_set_connecting_at_once_are_all_answered_and_the_log_stays_clean(tmp_path, built_index):
    """Chainlit looked each profile's config up in a nested event loop at every connect: fifty chats at once
    nested inside each other past the recursion limit, and 14 to 20 of them failed. An empty set beside them
    is named in one line at start, as it is: no stack trace."""
    root, prebuilt = prebuilt_sets(tmp_path, built_index)
    (root / "garden").mkdir()  # a set with no documents yet: one line in the log, not a stack trace
    env, passwords = login_env("anna", "bob")
    env |= {"BOT_SETS_DIR": str(root), "BOT_RATE_LIMIT_MESSAGES": "100000", "BOT_RATE_LIMIT_EVENTS": "1000000"}
    with serve_app(tmp_path, env, index_from=prebuilt) as (url, log_path):
        cookie = login(url, "bob", passwords["bob"])
        errors = asyncio.run(_burst(url, cookie, 50))
        log = log_path.read_text()
    assert errors == [], sorted(set(errors))[:5]
    assert "RecursionError" not in log and "Traceback" not in log, log[-3000:]
    assert "set garden is not ready: No documents in" in log
