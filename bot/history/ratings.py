"""Ratings of answers in the history database: who may rate what, and what a rating keeps.

A rating keeps a copy of what it rates (the question, the earlier user turns, the answer, its sources and
the answerer), so that `bot feedback export` (`bot.history.feedback`) writes lines that read on their own.

Who sends a rating is known to the web layer, not to Chainlit's data-layer call: the server notes it per
request in `request_user` and `request_thread` (`bot.web.history.RequestUser`), and the checks here read it.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import time
import uuid

import sqlalchemy as sa

from bot.history.database import Database, guarded
from bot.history.schema import feedback_table, now, steps, threads

# The logged-in user of the HTTP request being handled (None without a login): ownership is checked with it
# where Chainlit's route does not (its /feedback routes check no thread author).
request_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_user", default=None)
# With login off, the conversation of the chat session that sends a rating (the page names its session in the
# request); None when that session is not this address's live chat. A rating is accepted only for it.
request_thread: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_thread", default=None)


class NotYours(Exception):
    """A request for something in a conversation the requester does not own."""


def feedback_record(step: dict, thread_steps: list[dict]) -> dict:
    """What a rating of the assistant message `step` keeps, from the answer record the app stored with it
    (see `bot.history.transcript.answer_record`), or, for a message without one, from the conversation's steps."""
    record = (step.get("metadata") or {}).get("bot")
    if isinstance(record, dict) and record.get("question"):
        return {
            "question": record["question"],
            "turns": list(record.get("turns") or []) + [record["question"]],
            "answer_given": record.get("answer") or step.get("output") or "",
            "sources": record.get("sources") or [],
            "answerer": record.get("provider") or "",
        }
    ordered = sorted(thread_steps, key=lambda s: s.get("createdAt") or "")
    asked = [s.get("output") or "" for s in ordered if s.get("type") == "user_message"]
    before = [s for s in ordered if (s.get("createdAt") or "") <= (step.get("createdAt") or "")]
    asked_before = [s.get("output") or "" for s in before if s.get("type") == "user_message"] or asked[-1:]
    return {
        "question": asked_before[-1] if asked_before else "",
        "turns": asked_before,
        "answer_given": step.get("output") or "",
        "sources": [],
        "answerer": "",
    }


def rated_answer(step: dict, thread_steps: list[dict]) -> dict:
    """The message a rating of `step` is about: for a run step (the chat page rates a run), the last answer
    it gave, the one with an answer record if any; any other step is itself."""
    if step.get("type") != "run":
        return step
    given = sorted(
        (s for s in thread_steps if s.get("type") == "assistant_message" and s.get("parentId") == step["id"]),
        key=lambda s: s.get("createdAt") or "",
    )
    answers = [s for s in given if isinstance((s.get("metadata") or {}).get("bot"), dict)]
    return (answers or given or [step])[-1]


class Ratings(Database):
    """The feedback part of Chainlit's data-layer interface, with its ownership checks, and reading it back."""

    @guarded(default="")
    async def upsert_feedback(self, feedback) -> str:  # Chainlit passes `feedback=`
        """Store a rating with what it rates: the question, the turns before, the answer, its sources, the answerer.

        The chat page rates an answer through its run step (`on_message`): the rating is kept on the answer
        that run gave. Refused (NotYours) for a message of a conversation the requester does not own."""
        rating = feedback
        await self._until_answer_stored(rating.forId)
        async with self.writing() as conn:
            step = (await conn.execute(sa.select(steps).where(steps.c.id == rating.forId))).first()
            if step is None:
                raise NotYours("no such message in your conversations")  # the same words either way: no oracle
            owner = (
                await conn.execute(sa.select(threads.c.user_identifier).where(threads.c.id == step.thread_id))
            ).first()
            if (owner and owner[0] or None) != request_user.get():
                raise NotYours("no such message in your conversations")
            if request_user.get() is None and step.thread_id != request_thread.get():  # login off: this chat's only
                raise NotYours("no such message in your conversations")
            rows = await conn.execute(sa.select(steps.c.data).where(steps.c.thread_id == step.thread_id))
            thread_steps = [json.loads(r[0]) for r in rows]
            rated = rated_answer(json.loads(step.data), thread_steps)
            record = feedback_record(rated, thread_steps)
            # Also any rating kept on the run step itself (before ratings were moved onto the answer).
            on_either = feedback_table.c.step_id.in_([rated["id"], step.id])
            old = (await conn.execute(sa.select(feedback_table.c.id).where(on_either))).first()
            feedback_id = old[0] if old else str(uuid.uuid4())
            await conn.execute(sa.delete(feedback_table).where(on_either))
            await conn.execute(
                sa.insert(feedback_table).values(
                    id=feedback_id,
                    step_id=rated["id"],
                    thread_id=step.thread_id,
                    user_identifier=request_user.get(),
                    value=int(rating.value),
                    comment=(rating.comment or "")[:4000] or None,
                    created_at=now(),
                    record=json.dumps(record, ensure_ascii=False),
                )
            )
        return feedback_id

    async def _until_answer_stored(self, step_id: str, wait: float = 3.0) -> None:
        """Wait, briefly, until the answer a rating of `step_id` is about is stored with its record: a thumb
        clicked as an answer ends can arrive before Chainlit's writes of that answer and its question, and the
        rating then kept the previous question (seen in CI). Read outside the writer lock those writes need."""
        await self._migrate()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            async with self.engine.connect() as conn:
                row = (
                    await conn.execute(sa.select(steps.c.data, steps.c.thread_id).where(steps.c.id == step_id))
                ).first()
                if row is None:
                    return
                found = await conn.execute(sa.select(steps.c.data).where(steps.c.thread_id == row.thread_id))
                thread_steps = [json.loads(r[0]) for r in found]
            step = json.loads(row.data)
            if step.get("type") != "run" or isinstance(
                (rated_answer(step, thread_steps).get("metadata") or {}).get("bot"), dict
            ):
                return
            await asyncio.sleep(0.1)

    @guarded(default=False)
    async def delete_feedback(self, feedback_id: str) -> bool:
        async with self.writing() as conn:
            row = (await conn.execute(sa.select(feedback_table).where(feedback_table.c.id == feedback_id))).first()
            if row is None or row.user_identifier != request_user.get():
                raise NotYours("not your feedback")
            await conn.execute(sa.delete(feedback_table).where(feedback_table.c.id == feedback_id))
        return True

    async def feedback_rows(self, since: str | None = None, rating: int | None = None) -> list[dict]:
        """Stored feedback, oldest first: dicts with value, comment, created_at and the record."""
        query = sa.select(feedback_table).order_by(feedback_table.c.created_at)
        if since:
            query = query.where(feedback_table.c.created_at >= since)
        if rating is not None:
            query = query.where(feedback_table.c.value == rating)
        await self._migrate()
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            {"value": r.value, "comment": r.comment, "created_at": r.created_at} | json.loads(r.record) for r in rows
        ]
