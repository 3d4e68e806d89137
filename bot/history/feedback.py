"""`bot feedback export`: the stored ratings in the eval file's format.

A rating keeps a copy of what it rates (`bot.history.ratings`), so an exported line reads on its own: add
`must_include` / `lead` and it is a test case for `bot eval`, which skips lines that still have neither.
With `api`, every answer given through the API follows too (`bot.history.api_keys`), in the same format with
`"rating": null` and the name of the key that asked (`api_key`), interleaved by time.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date

from bot.history.api_keys import api_keys_for
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


def api_line(row: dict) -> dict:
    """One stored API answer as an eval item, like a rating's line but unrated and naming its key."""
    item = {"id": f"api-{row['answer_id'][:8]}", "question": row["question"]}  # many answers may share a second
    turns = list(row.get("turns") or []) + [row["question"]]
    if len(turns) > 1:
        item["turns"] = turns
    return item | {
        "answer_given": row.get("answer", ""),
        "sources": row.get("sources", []),
        "rating": None,
        "comment": "",
        "answerer": row.get("provider", ""),
        "declined": not row.get("answered", True),
        "api_key": row["key_name"],
        "model": row.get("model", ""),
        "created_at": row["created_at"],
    }


def export_feedback(settings, since: str | None = None, rating: str | None = None, api: bool = False) -> list[str]:
    """JSON lines of the stored feedback (oldest first), `since` an ISO date, `rating` "up" or "down"; with
    `api` (and no `rating`: they have none) the answers given through the API too."""
    if since:
        try:
            since = date.fromisoformat(since.strip()).isoformat()
        except ValueError:
            raise ValueError(f"--since takes a date such as 2026-11-25, not {since!r}.") from None
    layer = layer_for(settings)
    keys = api_keys_for(settings) if api and not rating else None

    async def read() -> list[dict]:
        try:
            rows = [export_line(row) for row in await layer.feedback_rows(since, RATINGS[rating] if rating else None)]
            if keys is not None:
                rows += [api_line(row) for row in await keys.answer_rows(since)]
            return sorted(rows, key=lambda row: row["created_at"])
        finally:
            await layer.close()
            if keys is not None:
                await keys.close()

    try:
        rows = asyncio.run(read())
    except Exception as exc:  # noqa: BLE001 - a database problem is one clear line, not a traceback
        raise ValueError(f"cannot read feedback: {describe_failure(exc, layer.where)}") from None
    return [json.dumps(row, ensure_ascii=False) for row in rows]
