"""`bot feedback export`: the stored ratings in the eval file's format.

A rating keeps a copy of what it rates (`bot.history.ratings`), so an exported line reads on its own: add
`must_include` / `lead` and it is a test case for `bot eval`, which skips lines that still have neither.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date

from bot.history.schema import describe_failure
from bot.history.store import layer_for

RATINGS = {"down": 0, "up": 1}


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
