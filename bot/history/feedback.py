"""Feedback on answers: what is stored with a rating, and `bot feedback export` in the eval file's format.

A rating keeps a copy of what it rates (the question, the earlier user turns, the answer, its sources and
the answerer), so an exported line reads on its own: add `must_include` / `lead` and it is a test case
for `bot eval`, which skips lines that still have neither.
"""

from __future__ import annotations

import json

RATINGS = {"down": 0, "up": 1}


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


def export_line(row: dict) -> dict:
    """One stored rating as an eval item: `question` (and `turns` for a follow-up), plus what was given."""
    item = {"id": f"feedback-{row['created_at'][:19].replace(':', '').replace('-', '')}", "question": row["question"]}
    if len(row.get("turns") or []) > 1:
        item["turns"] = row["turns"]
    return item | {
        "answer_given": row.get("answer_given", ""),
        "sources": row.get("sources", []),
        "rating": "up" if row.get("value") else "down",
        "comment": row.get("comment") or "",
        "answerer": row.get("answerer", ""),
        "created_at": row["created_at"],
    }


def export_feedback(settings, since: str | None = None, rating: str | None = None) -> list[str]:
    """JSON lines of the stored feedback (oldest first), `since` an ISO date, `rating` "up" or "down"."""
    import asyncio
    from datetime import date

    from bot.history.store import describe_failure, layer_for

    if since:
        try:
            since = date.fromisoformat(since.strip()).isoformat()
        except ValueError:
            raise ValueError(f"--since takes a date such as 2026-11-25, not {since!r}.") from None
    layer = layer_for(settings)

    async def read() -> list[dict]:
        try:
            return await layer.feedback_rows(since, RATINGS[rating] if rating else None)
        finally:
            await layer.close()

    try:
        rows = asyncio.run(read())
    except Exception as exc:  # noqa: BLE001 - a database problem is one clear line, not a traceback
        raise ValueError(f"cannot read feedback: {describe_failure(exc, layer.where)}") from None
    return [json.dumps(export_line(row), ensure_ascii=False) for row in rows]
