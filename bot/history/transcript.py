"""A conversation as a record per answer (kept with each reply) and as a Markdown file to hand over."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.answer.present import answer_notes, escape_markdown
from bot.safe_markdown import inert_markdown, unlinked
from bot.settings import PROVIDER_WORDS
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
            for n, p in answer.cited_sources
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


def _inert(text: str) -> str:
    """Text from a chat, a corpus file or a model as Markdown that renders inert in any viewer: no image, no
    link (not even an address a viewer would link by itself), and no HTML, including tags written as text
    in the source page (`&lt;img&gt;`), which a raw copy would make live."""
    return unlinked(inert_markdown(text).replace("<", "&lt;").replace(">", "&gt;"))


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in _inert(text).strip().splitlines())


def _title(text: str) -> str:
    """A title or question on one line, every Markdown character shown as written."""
    shown = escape_markdown(" ".join(text.split()).replace("<", "\0lt").replace(">", "\0gt"))
    return shown.replace("\0lt", "&lt;").replace("\0gt", "&gt;")  # entities: text in every viewer


def transcript_markdown(records: list[dict], assistant_name: str, when: datetime | None = None) -> str:
    """The conversation as Markdown: each question, each answer with its [n], its notes and its cited passages."""
    when = when or datetime.now(UTC)
    lines = [f"# Conversation with {_title(assistant_name)}", "", f"Downloaded {when:%Y-%m-%d %H:%M} UTC.", ""]
    for i, record in enumerate(records, start=1):
        lines += [f"## {i}. {_title(record['question'])}", "", _inert(record["answer"].strip()), ""]
        lines += [f"*{_inert(note)}*\n" for note in record.get("notes") or []]
        if record.get("provider"):
            words = PROVIDER_WORDS.get(record["provider"], record["provider"])
            lines += [f"Answered by: {_title(words)}", ""]
        for source in record.get("sources") or []:
            where = " - ".join(
                _title(part)
                for part in (source["publisher"], source["heading"].replace(" > ", " › "), source["location"])
                if part
            )
            lines += [f"**[{source['n']}] {_title(source['title'])}**" + (f" - {where}" if where else ""), ""]
            lines += [_quote(source["text"]), "", f"File: {_title(source['source'])}", ""]
    if not records:
        lines += ["No questions answered yet.", ""]
    return "\n".join(lines)


def transcript_file_name(when: datetime | None = None) -> str:
    """`conversation-2026-11-25-1942.md`: the date (and time, so two downloads a day differ)."""
    return f"conversation-{(when or datetime.now(UTC)):%Y-%m-%d-%H%M}.md"
