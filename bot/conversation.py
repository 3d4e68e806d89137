"""One chat's saved state: the record kept with each answer, a resumed chat's follow-up context, and the
Markdown download. Called from the Chainlit handlers in `bot.app`, which stay thin."""

from __future__ import annotations

import chainlit as cl

from bot.history_web import history_notice
from bot.settings import get_settings
from bot.transcript import TRANSCRIPT_KEEP, answer_record, records_of_thread, transcript_file_name, transcript_markdown

DOWNLOAD_ACTION = "download_chat"
HISTORY_KEEP = 10  # earlier standalone questions kept as follow-up context (as bot.app does)


async def notify_if_history_off() -> None:
    """Say once per chat, in one line, that history is off (database unreachable, locked or damaged)."""
    notice = await history_notice()
    if notice:
        await cl.Message(content=notice).send()


def remember(question: str, standalone: str, answer, provider: str, reply: cl.Message) -> None:
    """Keep this answer's record in the chat and in the reply's metadata (so the database has it too),
    and put the download button under the reply, taking it from the one before."""
    turns: list[str] = cl.user_session.get("turns") or []
    record = answer_record(question, turns, standalone, answer, provider)
    reply.metadata = (reply.metadata or {}) | {"bot": record}
    records = (cl.user_session.get("records") or []) + [record]
    cl.user_session.set("records", records[-TRANSCRIPT_KEEP:])
    cl.user_session.set("turns", (turns + [question])[-TRANSCRIPT_KEEP:])
    download = cl.Action(name=DOWNLOAD_ACTION, payload={}, label="⬇ Download this chat (Markdown)")
    reply.actions = list(reply.actions or []) + [download]


async def drop_old_download_button() -> None:
    """Remove the previous answer's download button: one button, under the latest answer."""
    previous = cl.user_session.get("download_action")
    if previous is not None:
        await previous.remove()


def note_download_button(reply: cl.Message) -> None:
    button = next((a for a in reply.actions or [] if a.name == DOWNLOAD_ACTION), None)
    cl.user_session.set("download_action", button)


async def wait_for_resume(seconds: float = 5.0) -> None:
    """Hold a message sent while its reopened conversation is still loading (Chainlit runs both at once),
    so that it is answered with the restored context."""
    import asyncio

    from bot.history_web import history_layer

    session = cl.context.session
    if not getattr(session, "thread_id_to_resume", None) or history_layer() is None:
        return
    for _ in range(int(seconds / 0.05)):
        if cl.user_session.get("restored") or history_layer().problem:
            return
        await asyncio.sleep(0.05)


def restore(thread: dict) -> None:
    """A reopened conversation continues where it stopped: its answers, and the follow-up context."""
    cl.user_session.set("restored", True)
    records = records_of_thread(thread)
    cl.user_session.set("records", records[-TRANSCRIPT_KEEP:])
    cl.user_session.set("turns", [r["question"] for r in records][-TRANSCRIPT_KEEP:])
    cl.user_session.set("history", [r.get("standalone") or r["question"] for r in records][-HISTORY_KEEP:])


async def send_transcript() -> None:
    """Send the chat so far as a Markdown file named with today's date."""
    records = cl.user_session.get("records") or []
    markdown = transcript_markdown(records, get_settings().assistant_name)
    file = cl.File(
        name=transcript_file_name(), content=markdown.encode("utf-8"), mime="text/markdown", display="inline"
    )
    await cl.Message(content=f"This chat as Markdown ({len(records)} answers):", elements=[file]).send()
