"""History on a real PostgreSQL (Debian's `postgresql` package, started by the test): conversations kept
and resumed, and another user's requests for them refused over HTTP and over the socket."""

from __future__ import annotations

import pytest

from .history_helpers import assert_others_refused, chat, http, login, login_env, threads_of, wait_for_replies
from .servers import serve_app
from .test_history_store import assert_a_step_saved_twice_is_one_row

pytestmark = pytest.mark.postgres


@pytest.mark.server
def test_history_on_postgres_resumes_and_refuses_other_users(postgres, built_index, tmp_path):
    env, passwords = login_env("alice", "bob")
    env["BOT_DATABASE_URL"] = postgres.url
    with serve_app(tmp_path, env, ready_path="/health", index_from=built_index.index_dir) as (url, log_path):
        alice, bob = (login(url, name, passwords[name]) for name in ("alice", "bob"))
        thread_id, turns = chat(url, alice, ["What is generative AI?", "Can LLMs make images?"])
        assert not [t.error for t in turns if t.error]
        wait_for_replies(url, alice, thread_id, 2)
        assert [t["id"] for t in threads_of(url, alice)] == [thread_id]

        _, resumed = chat(url, alice, ["Then what should I use to create them?"], thread_id=thread_id)
        assert "Stable Diffusion" in resumed[0].reply
        assert_others_refused(url, alice, bob, thread_id)
        status, thread = http(url, f"/project/thread/{thread_id}", alice)
        assert status == 200 and sum(s["type"] == "user_message" for s in thread["steps"]) == 3
        log = log_path.read_text()
    assert "History is off" not in log and "Traceback" not in log


def test_a_step_saved_twice_at_once_is_one_row_on_postgres(postgres):
    from bot.history.schema import async_url
    from bot.history.store import HistoryLayer

    assert_a_step_saved_twice_is_one_row(HistoryLayer(async_url(postgres.url), "test server"))


def test_api_keys_and_answers_on_postgres(postgres):
    """`bot api-key`'s store on PostgreSQL: a key made, found by its hash only, revoked; an answer kept."""
    import asyncio

    from bot.history.api_keys import ApiKeys

    store = ApiKeys(postgres.url, "test server")

    async def run():
        try:
            assert not await store.any_active()
            key = await store.create("intranet", ["corpus"])
            found = await store.find(key)
            assert found.name == "intranet" and found.sets == ("corpus",) and found.active
            assert await store.find(key[:-1]) is None and await store.any_active()
            await store.record_answer("intranet", "corpus", {"question": "Can LLMs make images?", "answer": "No. [1]"})
            [row] = await store.answer_rows()
            assert row["key_name"] == "intranet" and row["question"] == "Can LLMs make images?"
            assert await store.revoke("intranet") == 1 and not (await store.find(key)).active
            assert not await store.any_active()
        finally:
            await store.close()

    asyncio.run(run())


# Last in the module: it stops the module's PostgreSQL server.
@pytest.mark.server
def test_the_chat_keeps_answering_when_postgres_goes_away_mid_chat(postgres, built_index, tmp_path):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bot.tools.load import ChatSession

    with serve_app(
        tmp_path, {"BOT_DATABASE_URL": postgres.url}, ready_path="/health", index_from=built_index.index_dir
    ) as (url, log_path):

        async def conversation():
            session = ChatSession(url, 60)
            await session.connect()
            try:
                first = await session.ask("What is generative AI?")
                await asyncio.to_thread(postgres.stop)  # the database goes away mid-chat
                second = await session.ask("Can LLMs make images?")
            finally:
                await session.close()
            return first, second

        with ThreadPoolExecutor(1) as pool:
            first, second = pool.submit(lambda: asyncio.run(conversation())).result()
        log = log_path.read_text()
    assert not any(r.startswith("History is off") for r in first.replies)
    assert any("No, LLMs are built specifically for text-based tasks." in r for r in second.replies), second.replies
    assert [r for r in second.replies if r.startswith("History is off: the database at")], second.replies
    assert "Traceback" not in log
