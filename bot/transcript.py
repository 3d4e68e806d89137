"""A conversation as a record per answer (kept with each reply) and as a Markdown file to hand over."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.present import answer_notes
from bot.types import Answer

TRANSCRIPT_KEEP = 200  # answers a session keeps for the download; older ones are left out of it


def answer_record(question: str, turns: list[str], standalone: str, answer: Answer, provider: str) -> dict:
    """What one answer leaves in its message's metadata: enough to resume, rate and hand over the chat."""
    return {
        "question": question,
        "turns": list(turns),  # the user's earlier questions, as typed
        "standalone": standalone,  # what was searched for: the follow-up context a resumed chat restores
        "provider": provider,
        "answered": answer.answered,
        "answer": answer.text,
        "notes": answer_notes(answer),
        "sources": [
            {
                "n": n,
                "title": p.title,
                "publisher": p.publisher,
                "heading": p.heading,
                "location": p.location,
                "source": p.source,
                "text": p.text,
            }
            for n in (answer.cited if answer.answered else [])
            for p in [answer.sources[n - 1]]
        ],
    }


def records_of_thread(thread: dict) -> list[dict]:
    """The answer records of a stored conversation, oldest first, each with its message's `id`."""
    ordered = sorted(thread.get("steps") or [], key=lambda s: s.get("createdAt") or "")
    answers = [(s["id"], (s.get("metadata") or {}).get("bot")) for s in ordered if s.get("type") == "assistant_message"]
    return [r | {"id": i} for i, r in answers if isinstance(r, dict) and r.get("question")]


def merge_records(stored: list[dict], recent: list[dict]) -> list[dict]:
    """A stored conversation's records plus its live chat's answers not written yet (a reply is saved just
    after it is shown), told apart by their message's id."""
    kept = {r.get("id") for r in stored}
    return list(stored) + [r for r in recent if not r.get("id") or r["id"] not in kept]


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip().splitlines())


def transcript_markdown(records: list[dict], assistant_name: str, when: datetime | None = None) -> str:
    """The conversation as Markdown: each question, each answer with its [n], its notes and its cited passages."""
    when = when or datetime.now(UTC)
    lines = [f"# Conversation with {assistant_name}", "", f"Downloaded {when:%Y-%m-%d %H:%M} UTC.", ""]
    for i, record in enumerate(records, start=1):
        lines += [f"## {i}. {record['question'].strip()}", "", record["answer"].strip(), ""]
        lines += [f"*{note}*\n" for note in record.get("notes") or []]
        if record.get("provider"):
            lines += [f"Answered by: {record['provider']}", ""]
        for source in record.get("sources") or []:
            where = " - ".join(
                part
                for part in (source["publisher"], source["heading"].replace(" > ", " › "), source["location"])
                if part
            )
            lines += [f"**[{source['n']}] {source['title']}**" + (f" - {where}" if where else ""), ""]
            lines += [_quote(source["text"]), "", f"File: `{source['source']}`", ""]
    if not records:
        lines += ["No questions answered yet.", ""]
    return "\n".join(lines)


def transcript_file_name(when: datetime | None = None) -> str:
    """`conversation-2026-11-25-1942.md`: the date (and time, so two downloads a day differ)."""
    return f"conversation-{(when or datetime.now(UTC)):%Y-%m-%d-%H%M}.md"
