"""A file attached to one conversation: any logged-in user may attach a document to their own chat and ask
about it. It is indexed on its own (the same checks and child-process ingest as an editor's upload), answered
from alone and cited, never added to a set, kept beside the server's history under `<data_dir>/attachments/
<thread>`, reachable only from that conversation (whose owner Chainlit checks), and deleted with it.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from pathlib import Path

import chainlit as cl

from bot.ingest.sets import set_settings
from bot.ingest.upload import Upload, UploadRefused, check_uploads, ingest_in_child, place_files
from bot.settings import Settings, get_settings
from bot.web.history import history_layer
from bot.web.uploads import ask_files, passages, settings_timeout

log = logging.getLogger("bot.web.app")

ATTACH_COMMAND = "Attach"
_THREAD = re.compile(r"[A-Za-z0-9-]{1,64}")
_assistants: dict[str, object] = {}  # thread id -> the assistant of its attached file


def attachments_on() -> bool:
    """Attaching is for logged-in users: with login off, uploads are off."""
    return get_settings().login


def _settings_for(thread_id: str) -> Settings | None:
    """The settings of one conversation's attachment: its folder, its own local index inside it."""
    if not _THREAD.fullmatch(thread_id or ""):
        return None
    base = get_settings()
    folder = base.data_dir / "attachments" / thread_id
    own = set_settings(base, f"attachment-{thread_id}", folder)
    # A hidden folder inside it (never read as a document), always local: a private file stays on this server.
    return own.model_copy(update={"index_dir": folder / ".index", "chroma_host": None})


async def offer_attach() -> None:
    """A logged-in user's composer gets the Attach command (nobody else's)."""
    if attachments_on() and cl.context.session.user is not None:
        command = {
            "id": ATTACH_COMMAND,
            "icon": "paperclip",
            "description": "Attach a file to this chat and ask about it (it is not added to the documents)",
            "button": True,
            "persistent": False,
        }
        await cl.context.emitter.set_commands([command])


def restore(thread_id: str) -> None:
    """A reopened conversation (its owner's: Chainlit checks) answers from its attachment again, if it has one."""
    settings = _settings_for(thread_id)
    if settings is not None and (settings.index_dir / "current").exists():
        cl.user_session.set("attached", thread_id)


async def attached_assistant():
    """The assistant of this chat's attached file, or None when it has none."""
    thread_id = cl.user_session.get("attached")
    if not thread_id or thread_id != cl.context.session.thread_id:
        return None
    if thread_id not in _assistants:
        # lazy: the assistant's code loads with the first set's, after start-up
        from bot.assistant import Assistant

        _assistants[thread_id] = await cl.make_async(Assistant.build)(_settings_for(thread_id))
    return _assistants[thread_id]


async def attach(parent_id: str) -> bool:
    """Ask for one file and index it for this conversation alone; True when it can be asked about."""
    session = cl.context.session
    if not attachments_on() or session.user is None:
        await cl.Message(content="Attaching a file needs a login.", type="system_message").send()
        return False
    thread_id = session.thread_id
    settings = _settings_for(thread_id)
    if settings is None:
        return False
    limits = get_settings()
    files = await ask_files(
        f"Attach one file to this conversation ({limits.upload_max_mb} MB at most: "
        f"{', '.join(limits.upload_types)}). Questions here are then answered from it alone, and nobody else sees it.",
        1,
        parent_id,
    )
    if not files:
        return False
    accepted, refused = check_uploads([Upload(f.name, Path(f.path), f.size) for f in files[:1]], limits)
    if not accepted:
        await cl.Message(content="Not attached: " + "; ".join(refused)).send()
        return False
    name = accepted[0][1]
    progress = cl.Message(content=f"Reading {name}…")
    await progress.send()
    folder = settings.corpus_dir
    old = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")] if folder.exists() else []
    folder.mkdir(parents=True, exist_ok=True)
    for path in old:  # one attachment per conversation: a new one takes the place of the last
        path.unlink()
    await cl.make_async(place_files)(folder, accepted)
    shown = {"at": 0.0}

    def on_step(text: str) -> None:  # from the worker thread
        if time.monotonic() - shown["at"] >= 0.5:
            shown["at"] = time.monotonic()
            progress.content = text + "…"
            cl.run_sync(progress.update())

    try:
        report = await cl.make_async(ingest_in_child)(settings, on_step, settings_timeout(1))
    except UploadRefused as exc:
        await progress.remove()
        (folder / name).unlink(missing_ok=True)
        await cl.Message(content=f"Not attached: {name}: {exc}.").send()
        return False
    await progress.remove()
    if report.errors:
        (folder / name).unlink(missing_ok=True)
        await cl.Message(content="Not attached: " + "; ".join(report.errors)).send()
        return False
    _assistants.pop(thread_id, None)  # made anew for the new file
    cl.user_session.set("attached", thread_id)
    await cl.Message(
        content=f"Attached {name} to this conversation: questions here are now answered from it alone "
        f"({passages(report.passages_total)}). It is deleted with the conversation."
    ).send()
    return True


def remove(thread_id: str) -> None:
    """Delete a conversation's attachment and its index (the conversation is being deleted)."""
    settings = _settings_for(thread_id)
    if settings is None:
        return
    assistant = _assistants.pop(thread_id, None)
    if assistant is not None:
        assistant.retriever.backend.release(assistant.retriever.generation)
    shutil.rmtree(settings.corpus_dir, ignore_errors=True)


def install_cleanup() -> None:
    """Deleting a conversation (its owner, as Chainlit checks) deletes its attachment too."""
    layer = history_layer()
    if layer is None:
        return
    delete_thread = layer.delete_thread

    async def delete_with_attachment(thread_id: str):
        result = await delete_thread(thread_id)
        remove(thread_id)
        return result

    layer.delete_thread = delete_with_attachment
