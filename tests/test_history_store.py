"""The history database without a server: migrations keep old conversations, a damaged or locked SQLite file
is named in a clear message, retention removes old conversations, and the Markdown a user downloads."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest
from chainlit.types import Pagination, ThreadFilter

from bot.history.store import HistoryLayer, NotYours
from bot.history.transcript import answer_record, transcript_markdown
from bot.types import Answer, Grounding, Passage


def run(coro):
    return asyncio.run(coro)


def sqlite_layer(path, days: float = 0) -> HistoryLayer:
    return HistoryLayer(f"sqlite+aiosqlite:///{path}", str(path), days)


async def _a_conversation(layer: HistoryLayer, thread_id: str = "t1", owner: str = "alice") -> None:
    from chainlit.user import User

    user = await layer.create_user(User(identifier=owner, metadata={}))
    await layer.update_thread(thread_id, name="Can LLMs make images?", user_id=user.id)
    create_step = HistoryLayer.create_step.__wrapped__  # as Chainlit calls it once the chat has begun
    await create_step(layer, {"id": f"{thread_id}-q", "threadId": thread_id, "type": "user_message", "output": "Hi?"})
    await create_step(
        layer, {"id": f"{thread_id}-a", "threadId": thread_id, "type": "assistant_message", "output": "Hello [1]"}
    )


def test_an_upgrade_of_the_schema_keeps_old_conversations(tmp_path, monkeypatch):
    import bot.history.schema as history

    path = tmp_path / "bot.db"
    layer = sqlite_layer(path)
    run(_a_conversation(layer))
    run(layer.close())

    monkeypatch.setattr(history, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(history, "MIGRATIONS", {2: ["ALTER TABLE threads ADD COLUMN pinned INTEGER DEFAULT 0"]})
    upgraded = sqlite_layer(path)
    thread = run(upgraded.get_thread("t1"))
    run(upgraded.close())
    assert upgraded.problem is None and [s["output"] for s in thread["steps"]] == ["Hi?", "Hello [1]"]
    with sqlite3.connect(path) as db:
        assert db.execute("select value from meta where key='schema'").fetchone()[0] == "2"
        assert db.execute("select pinned from threads").fetchone()[0] == 0

    monkeypatch.setattr(history, "SCHEMA_VERSION", 1)  # an older app on a newer database: leaves it alone
    older = sqlite_layer(path)
    assert run(older.get_thread("t1")) is None and "newer" in older.problem
    run(older.close())


def test_a_damaged_or_locked_file_is_named_and_the_layer_answers_nothing(tmp_path):
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"this is not a database at all" * 100)
    layer = sqlite_layer(damaged)
    assert run(layer.get_thread_author("t1")) == ""
    assert run(layer.list_threads(Pagination(first=20), ThreadFilter(userId="u1"))).data == []
    assert str(damaged) in layer.problem and "damaged or not a SQLite database" in layer.problem
    run(layer.close())

    locked = tmp_path / "locked.db"
    holder = sqlite3.connect(locked, check_same_thread=False)
    holder.execute("create table x (y)")
    holder.execute("begin exclusive")
    try:
        layer = sqlite_layer(locked)
        assert run(layer.get_thread("t1")) is None
        assert str(locked) in layer.problem and "locked" in layer.problem
        run(layer.close())
    finally:
        threading.Thread(target=holder.rollback).start()


def test_retention_removes_conversations_untouched_for_the_set_days(tmp_path):
    path = tmp_path / "bot.db"
    layer = sqlite_layer(path)
    run(_a_conversation(layer, "old"))
    run(_a_conversation(layer, "new"))
    with sqlite3.connect(path) as db:
        db.execute("update threads set updated_at='2020-01-01T00:00:00.000Z' where id='old'")
    assert run(layer.prune(30)) == 1
    assert run(layer.get_thread("old")) is None and run(layer.get_thread("new"))["steps"]
    with sqlite3.connect(path) as db:
        assert db.execute("select count(*) from steps where thread_id='old'").fetchone()[0] == 0
    run(layer.close())


def test_the_markdown_hand_over_holds_answers_sources_grounding_and_removed_sentences():
    passage = Passage(
        id="p1",
        text="LLMs do not create images.",
        title="LLMs vs Generative AI",
        publisher="Zero Gravity Marketing",
        source="zgm.md",
        heading="FAQs > Can LLMs Create Images?",
        location="p. 3",
    )
    answer = Answer(
        question="Can LLMs make images?",
        text="No, LLMs do not create images. [1]",
        answered=True,
        sources=[passage],
        provider="local",
        grounding=Grounding(supported=1, total=2, fallback=False),
        removed=["They paint in oils."],
    )
    record = answer_record("Can LLMs make images?", [], "Can LLMs make images?", answer, "local")
    markdown = transcript_markdown([record], "Document Assistant")
    assert "## 1. Can LLMs make images?" in markdown and "No, LLMs do not create images. [1]" in markdown
    assert "**[1] LLMs vs Generative AI** - Zero Gravity Marketing - FAQs › Can LLMs Create Images? - p. 3" in markdown
    assert "> LLMs do not create images." in markdown
    assert "1 of 2 sentences supported" in markdown and "They paint in oils." in markdown
    # Who answered, in words (it read "Answered by: local", and "extractive" for the offline answerer).
    assert "Answered by: a local language model, checked against the documents" in markdown
    from bot.settings import PROVIDER_WORDS, PROVIDERS

    assert set(PROVIDER_WORDS) == set(PROVIDERS)  # every answerer is named in words


def test_a_step_saved_twice_at_once_is_one_row_with_the_latest_content(tmp_path):
    assert_a_step_saved_twice_is_one_row(sqlite_layer(tmp_path / "bot.db"))


def assert_a_step_saved_twice_is_one_row(layer: HistoryLayer) -> None:
    """Chainlit may save a step and its update at the same moment: both land, on one row, history stays on
    (PostgreSQL once refused the second with "duplicate key ... steps_pkey")."""

    async def twice() -> dict:
        await _a_conversation(layer)
        create_step = HistoryLayer.create_step.__wrapped__
        step = {"id": "t1-b", "threadId": "t1", "type": "assistant_message"}  # a new step, saved 8 times at once
        await asyncio.gather(*(create_step(layer, step | {"output": f"version {n}"}) for n in range(8)))
        await create_step(layer, step | {"output": "final [1]"})
        return await layer.get_thread("t1")

    thread = run(twice())
    run(layer.close())
    assert layer.problem is None
    assert [s["output"] for s in thread["steps"]] == ["Hi?", "Hello [1]", "final [1]"]


def test_a_rating_of_a_run_is_kept_on_the_answer_it_gave_with_the_answer_record(tmp_path):
    """The chat page rates an answer through its `on_message` run step (its parent)."""
    from chainlit.types import Feedback
    from chainlit.user import User

    from bot.web.history import request_user

    async def scenario():
        layer = sqlite_layer(tmp_path / "bot.db")
        user = await layer.create_user(User(identifier="alice", metadata={}))
        await layer.update_thread("t1", name="Can LLMs make images?", user_id=user.id)
        create_step = HistoryLayer.create_step.__wrapped__
        record = {"question": "Can LLMs make images?", "turns": [], "answer": "No [1].", "provider": "extractive"}
        record["sources"] = [{"n": 1, "title": "LLMs vs Generative AI", "text": "LLMs are built for text."}]
        for step in (
            {"id": "q", "type": "user_message", "output": "Can LLMs make images?", "createdAt": "2026-01-01T00:00:01Z"},
            {"id": "run", "type": "run", "name": "on_message", "parentId": "q", "createdAt": "2026-01-01T00:00:02Z"},
            {
                "id": "a",
                "type": "assistant_message",
                "parentId": "run",
                "output": "No [1].",
                "metadata": {"bot": record},
            }
            | {"createdAt": "2026-01-01T00:00:03Z"},
        ):
            await create_step(layer, step | {"threadId": "t1"})
        request_user.set("alice")
        await layer.upsert_feedback(feedback=Feedback(forId="run", value=0, comment="name the tools"))
        rows = await layer.feedback_rows()
        thread = await layer.get_thread("t1")
        request_user.set("bob")
        with pytest.raises(NotYours):
            await layer.upsert_feedback(feedback=Feedback(forId="run", value=1, comment="hijacked"))
        await layer.close()
        return rows, {s["id"]: s.get("feedback") for s in thread["steps"]}

    rows, feedback = run(scenario())
    assert len(rows) == 1 and rows[0]["answer_given"] == "No [1]." and rows[0]["answerer"] == "extractive"
    assert rows[0]["sources"][0]["title"] == "LLMs vs Generative AI" and rows[0]["comment"] == "name the tools"
    assert feedback["a"]["comment"] == "name the tools" and feedback["run"]["id"] == feedback["a"]["id"]  # as shown


def test_the_download_adds_a_live_chats_answers_not_written_yet():
    from bot.history.transcript import merge_records

    one, two, again = ({"id": i, "question": "Q?", "answer": "A."} for i in ("m1", "m2", "m3"))
    assert merge_records([one], [one, two, again]) == [one, two, again]  # the same answer twice is two answers
    assert merge_records([one, two], [two]) == [one, two]
    assert merge_records([], [one]) == [one] and merge_records([one], []) == [one]


def test_a_chat_nobody_has_written_in_is_not_stored_when_its_session_is_saved(tmp_path):
    """Chainlit saves a chat's session (metadata) on each disconnect. For a chat with no message yet that stored
    a thread without an owner, and with login on a reconnect to it was refused until its first message."""
    from chainlit.user import User

    layer = sqlite_layer(tmp_path / "bot.db")

    async def scenario():
        await layer.update_thread("t-empty", metadata={"chat_profile": "corpus"})
        assert await layer.get_thread("t-empty") is None  # nothing stored for an empty chat
        user = await layer.create_user(User(identifier="alice", metadata={}))
        await layer.update_thread("t-empty", name="Hi?", user_id=user.id)  # its first message
        await layer.update_thread("t-empty", metadata={"chat_profile": "corpus"})  # and a later disconnect
        return await layer.get_thread("t-empty")

    thread = run(scenario())
    run(layer.close())
    assert thread["userIdentifier"] == "alice" and thread["metadata"] == {"chat_profile": "corpus"}
