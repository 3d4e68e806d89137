"""Editors add documents to a set from the chat: an "Add documents" button (editors only), Chainlit's file
prompt, the server's own checks, the set's ingest in a child process with its progress in the chat, and the
per-file report. Everyone else may only ask: the button is not offered, and a forged click or upload is refused.

Uploads go through `cl.AskFileMessage` only (config.toml keeps `spontaneous_file_upload` off): Chainlit then
accepts a file over HTTP only for a prompt this server sent to that very session, and checks its type and size.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from pathlib import Path

import chainlit as cl
from chainlit.emitter import ChainlitEmitter
from chainlit.server import app as server
from starlette.middleware import Middleware
from starlette.responses import JSONResponse

from bot.ingest.sets import DocumentSet
from bot.ingest.upload import (
    Upload,
    UploadRefused,
    check_uploads,
    ingest_in_child,
    place_files,
    prepare_ingest,
    read_ledger,
    settle,
    write_ledger,
)
from bot.settings import get_settings
from bot.text import in_quotes
from bot.web import opening
from bot.web.loading import get_assistant

log = logging.getLogger("bot.web.app")

UPLOAD_ACTION = "add_documents"
MANAGE_ACTION = "manage_documents"
REMOVE_ACTION = "remove_document"
PROGRESS_EVERY_SECONDS = 0.5  # the progress line is rewritten at most this often
CONFIRM_SECONDS = 300  # how long a "Remove?" question waits for its answer
TABLES_KEPT = 5  # the chat's latest document tables that are kept up to date (older ones stay as they were)
# Chainlit's file prompt takes at most 100 MB a file and 10 files; the settings may only lower those.
CHAINLIT_MAX_MB, CHAINLIT_MAX_FILES = 100, 10
_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_set_locks: dict[str, asyncio.Lock] = {}


def may_edit(user: str | None) -> bool:
    """Whether `user` may add, replace and remove documents: login on, and named in BOT_EDITORS."""
    settings = get_settings()
    return settings.login and user is not None and user in settings.editors


def accept_types() -> dict[str, list[str]]:
    """The file prompt's accepted types: MIME type -> suffixes, from BOT_UPLOAD_TYPES (checked again on arrival)."""
    suffixes = [t.lower() if t.startswith(".") else f".{t.lower()}" for t in get_settings().upload_types]
    accept: dict[str, list[str]] = {}
    for suffix in suffixes:
        for mime in (_TYPES.get(suffix, "text/*"), "application/octet-stream"):  # browsers differ on .md
            accept.setdefault(mime, []).append(suffix)
    return accept


async def offer_upload(document_set: DocumentSet | None, user: str | None) -> None:
    """An editor's chat opens with the button that adds documents to its set; nobody else's does."""
    if document_set is None or not may_edit(user):
        return
    await cl.make_async(prepare_ingest)()  # the process her upload will index in, ready before she drops a file
    await opening.send(
        cl.Message(
            content=f"You may add documents to {in_quotes(document_set.title)}, and replace or remove them.",
            type="system_message",  # not a turn of the chat: the welcome screen keeps the set's starters
            actions=[
                cl.Action(
                    name=UPLOAD_ACTION,
                    payload={},
                    label="Add documents",
                    tooltip="Upload files (a file of the same name replaces the one in the set)",
                ),
                cl.Action(
                    name=MANAGE_ACTION, payload={}, label="Manage documents", tooltip="List and remove documents"
                ),
            ],
        )
    )
    log.info("%s may edit set %s: upload offered", user, document_set.name)


async def ask_files(content: str, max_files: int, parent_id: str):
    """Chainlit's file prompt with the server's upload limits (types, size), under the message `parent_id`;
    the files given, or None. One prompt at a time: a second click while one is open points to it (the page
    answers only the newest prompt, and the first would wait for files that can no longer come)."""
    if cl.user_session.get("file_prompt_open"):
        await cl.Message(
            content="A file prompt is already open above: drop the files there.", type="system_message"
        ).send()
        return None
    ask = cl.AskFileMessage(
        content=content,
        accept=accept_types(),
        max_size_mb=min(CHAINLIT_MAX_MB, get_settings().upload_max_mb),
        max_files=max_files,
        timeout=900,
    )
    ask.parent_id = parent_id
    cl.user_session.set("file_prompt_open", True)
    try:
        return await ask.send()
    finally:
        cl.user_session.set("file_prompt_open", False)


async def ask_for_files(document_set: DocumentSet | None, user: str | None, for_id: str | None, on_done) -> None:
    """The button's click: check the editor again (a click can be forged), ask for the files, index them.
    `for_id` is the message the button belongs to."""
    if document_set is None or not may_edit(user):
        log.warning("refused an upload by %r: not an editor of this set", user)
        await cl.Message(content="Only editors may add documents to this set.", type="system_message").send()
        return
    settings = get_settings()
    # Chainlit keys the prompt's accepted files by its parent message, which the page names in its upload; a
    # button's callback runs outside any message, so the prompt hangs under the button's own message.
    files = await ask_files(
        f"Drop the files to add to {in_quotes(document_set.title)} (up to {settings.upload_max_files}, "
        f"{settings.upload_max_mb} MB each: {', '.join(settings.upload_types)}).",
        min(CHAINLIT_MAX_FILES, settings.upload_max_files),
        for_id or str(uuid.uuid4()),
    )
    try:
        if files:
            await index_uploads(document_set, [Upload(f.name, Path(f.path), f.size) for f in files], user)
            await on_done()
    finally:
        await cl.context.emitter.task_end()  # Chainlit marks the chat busy once the prompt is answered


async def index_uploads(document_set: DocumentSet, uploads: list[Upload], user: str) -> None:
    """Check the files, place them in the set's folder and index the set in a child process, with progress."""
    settings = get_settings()
    accepted, refused = check_uploads(uploads, settings)
    lines: list[str] = []
    if accepted:
        progress = cl.Message(content=f"Indexing {', '.join(n for _u, n in accepted)}…")
        await progress.send()
        shown = {"at": 0.0, "kind": ""}

        def on_step(text: str) -> None:  # from the worker thread
            # A new kind of step shows at once ("Reading a.pdf", its first page, the first passages embedded);
            # the same kind again ("page 13 of 40") at most every PROGRESS_EVERY_SECONDS: the socket is not flooded.
            now, kind = time.monotonic(), re.sub(r"\d+", "#", text)
            if kind != shown["kind"] or now - shown["at"] >= PROGRESS_EVERY_SECONDS:
                shown.update(at=now, kind=kind)
                progress.content = text + "…"
                cl.run_sync(progress.update())

        began = time.perf_counter()
        lock = _set_locks.setdefault(document_set.name, asyncio.Lock())
        async with lock:  # one upload of a set at a time in this process (ingest's file lock covers the rest)
            folder = document_set.folder
            backups = await cl.make_async(place_files)(folder, accepted)
            timeout = settings_timeout(len(accepted))
            try:
                report = await cl.make_async(ingest_in_child)(document_set.settings, on_step, timeout)
            except UploadRefused as exc:
                report = None
                lines.append(f"Nothing was added: {exc}.")
                for name, backup in backups.items():  # the folder as it was: the index never changed
                    settle_failed(folder, name, backup)
            if report is not None:
                log.info(
                    "upload to set %s by %s: %d files indexed in %.1f s (%s)",
                    document_set.name,
                    user,
                    len(accepted),
                    time.perf_counter() - began,
                    ", ".join(f"{step} {t:.1f} s" for step, t in report.timings.items()),
                )
                await cl.make_async(settle)(folder, backups, report, user)
                # The next question reads the new index, not the one before it for up to a second.
                assistant = await get_assistant(document_set=document_set)
                await cl.make_async(assistant.retriever.refresh)()
                await refresh_tables(document_set, assistant)
                added = [n for _u, n in accepted if n in report.added]
                replaced = [n for _u, n in accepted if n in report.updated]  # a file of the same name was there
                if added or replaced:
                    took = f"{time.perf_counter() - began:.0f} s"
                    done = [f"Added to {in_quotes(document_set.title)} in {took}: {', '.join(added)}."] if added else []
                    if replaced:  # said, as the editor may not have known a file of that name was there
                        earlier = "earlier version is" if len(replaced) == 1 else "earlier versions are"
                        done.append(
                            f"Replaced in {in_quotes(document_set.title)}{'' if added else f' in {took}'}: "
                            f"{', '.join(replaced)} (the {earlier} no longer used)."
                        )
                    lines.append(
                        " ".join(done)
                        + f" The set now has {passages(report.passages_total)}; questions are answered from them."
                    )
                elif not report.errors and not report.suspect:  # the same bytes as the set's own copies
                    same = ", ".join(n for _u, n in accepted)
                    lines.append(f"No change to {in_quotes(document_set.title)}: {same} already in it, unchanged.")
                lines += [f"Not added: {reason}" for reason in report.errors]
                lines += [f"Looks wrong: {name}: {'; '.join(why)}" for name, why in report.suspect.items()]
        await progress.remove()
    lines += [f"Not added: {reason}" for reason in refused]
    await cl.Message(content="\n\n".join(lines) or "Nothing to add.").send()


async def _refuse(user: str | None) -> None:
    log.warning("refused a document change by %r: not an editor of this set", user)
    await cl.Message(content="Only editors may change the documents of this set.", type="system_message").send()


async def list_documents(document_set: DocumentSet | None, user: str | None, assistant) -> None:
    """An editor's table of the set's documents (name, pages, passages, added when and by whom), each with
    a button that removes it. The chat's tables are kept up to date as documents are added and removed."""
    if document_set is None or not may_edit(user):
        return await _refuse(user)
    content, names = await _documents_table(document_set, assistant)
    table = cl.Message(content=content, actions=_remove_buttons(names))
    await table.send()
    tables: list[cl.Message] = (cl.user_session.get("document_tables") or []) + [table]
    for old in tables[:-TABLES_KEPT]:  # no longer kept up to date: its buttons go
        await old.remove_actions()
    cl.user_session.set("document_tables", tables[-TABLES_KEPT:])


async def refresh_tables(document_set: DocumentSet, assistant) -> None:
    """After a change to the set: the chat's earlier tables list its documents as they are now, each with its
    Remove button, so that no button is left for a document that is gone."""
    tables: list[cl.Message] = cl.user_session.get("document_tables") or []
    if not tables:
        return
    content, names = await _documents_table(document_set, assistant)
    for table in tables:
        await table.remove_actions()
        table.content, table.actions = content, _remove_buttons(names)
        await table.update()


def _remove_buttons(names: list[str]) -> list[cl.Action]:
    return [cl.Action(name=REMOVE_ACTION, payload={"name": name}, label=f"Remove {name}"[:80]) for name in names]


async def _documents_table(document_set: DocumentSet, assistant) -> tuple[str, list[str]]:
    """The table's Markdown, and the documents' names."""
    view = await cl.make_async(assistant.retriever.live_view)()
    documents = view.documents()
    ledger = read_ledger(document_set.folder)
    rows = ["| document | pages | passages | added | by |", "| --- | --- | --- | --- | --- |"]
    documents = dict(sorted(documents.items(), key=lambda item: item[0].casefold()))  # "canteen" before "Travel"
    for name, passages in documents.items():
        facts = view.facts.get(name)
        pages = (facts.pages or facts.slides or "") if facts else ""
        entry = ledger.get(name) or {}
        if not entry:
            try:
                added = time.strftime("%Y-%m-%d %H:%M", time.gmtime((document_set.folder / name).stat().st_mtime))
            except OSError:
                added = ""
        else:
            added = str(entry.get("at", "")).replace("T", " ")[:16]
        by = entry.get("by") or "(the folder)"
        cell = name.replace("|", "\\|")
        rows.append(f"| {cell} | {pages} | {len(passages)} | {added} | {by} |")
    return f"Documents of {in_quotes(document_set.title)} ({len(documents)}):\n\n" + "\n".join(rows), list(documents)


async def remove_document(document_set: DocumentSet | None, user: str | None, name: object, assistant) -> None:
    """Remove one document from the set (an editor's click): its file leaves the folder and its passages
    the index, which switches when the set is indexed again."""
    if document_set is None or not may_edit(user):
        return await _refuse(user)
    view = await cl.make_async(assistant.retriever.live_view)()
    if not isinstance(name, str) or name not in view.documents():
        await cl.Message(content="That document is not in this set.", type="system_message").send()
        return
    if len(view.documents()) == 1:
        await cl.Message(
            content=f"{name} is the only document in {in_quotes(document_set.title)}, and a set needs one: add another "
            "first, then remove this one.",
            type="system_message",
        ).send()
        return
    folder = document_set.folder
    path = folder / name
    if not path.resolve().is_relative_to(folder.resolve()):
        return await _refuse(user)
    gone = len(view.documents().get(name, []))
    if not await _confirmed(
        f"Remove {name} from {in_quotes(document_set.title)}? Its {passages(gone)} {'leaves' if gone == 1 else 'leave'} "
        "the set, and questions are no longer answered from it."
    ):
        await cl.Message(content=f"{name} was kept.", type="system_message").send()
        return
    progress = cl.Message(content=f"Removing {name}…")
    await progress.send()
    lock = _set_locks.setdefault(document_set.name, asyncio.Lock())
    async with lock:
        if not path.exists():  # removed meanwhile, from another chat
            await progress.remove()
            await cl.Message(content=f"{name} is no longer in {in_quotes(document_set.title)}.").send()
            return await refresh_tables(document_set, assistant)
        aside = folder / ".removed"
        aside.mkdir(exist_ok=True)
        kept = aside / f"{time.time_ns()}-{Path(name).name}"
        path.replace(kept)
        timeout = settings_timeout()
        try:
            report = await cl.make_async(ingest_in_child)(document_set.settings, lambda _step: None, timeout)
        except UploadRefused as exc:
            kept.replace(path)  # the folder as it was: the index never changed
            await progress.remove()
            await cl.Message(content=f"{name} was not removed: {exc}.").send()
            return
        kept.unlink(missing_ok=True)
        await cl.make_async(assistant.retriever.refresh)()  # the next question reads the index without it
        await cl.make_async(prepare_ingest)()  # for the next change
        ledger = read_ledger(folder)
        ledger.pop(name, None)
        await cl.make_async(write_ledger)(folder, ledger)
    await progress.remove()
    await cl.Message(
        content=f"Removed {name} from {in_quotes(document_set.title)}: its {passages(gone)} gone; the set now has "
        f"{passages(report.passages_total)}."
    ).send()
    await refresh_tables(document_set, assistant)
    await offer_upload(document_set, user)  # the buttons again, below, as after an upload


async def _confirmed(question: str) -> bool:
    """Ask before a change that cannot be undone from the chat: Yes, or No (also when nobody answers)."""
    ask = cl.AskActionMessage(
        content=question,
        actions=[
            cl.Action(name="confirm", payload={"yes": True}, label="Yes, remove it"),
            cl.Action(name="confirm", payload={"yes": False}, label="No, keep it"),
        ],
        timeout=CONFIRM_SECONDS,
    )
    try:
        answer = await ask.send()
    finally:
        await cl.context.emitter.task_end()  # Chainlit marks the chat busy once the question is answered
    yes = bool(answer and (answer.get("payload") or {}).get("yes") is True)
    ask.content = f"{question}\n\n**{'Yes' if yes else 'No' if answer else 'No answer: kept'}.**"
    await ask.update()  # the question stays readable above its answer (Chainlit writes only "Selected: ...")
    return yes


def passages(n: int) -> str:
    """ "1 passage", "149 passages"."""
    return f"{n} passage" if n == 1 else f"{n} passages"


def settings_timeout(files: int = 0) -> float:
    """How long one ingest of a set may take before it is stopped."""
    return get_settings().convert_seconds * (files + 1) + 300


def settle_failed(folder: Path, name: str, backup: Path | None) -> None:
    """Undo one placed file after a failed ingest: its previous version back, or the file gone."""
    if backup is not None:
        backup.replace(folder / name)
    else:
        (folder / name).unlink(missing_ok=True)


class UploadSizeLimit:
    """ASGI middleware: a file upload larger than BOT_UPLOAD_MAX_MB is refused before Chainlit reads it into
    memory (it reads the whole body, then checks the size)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").endswith("/project/file"):
            return await self.app(scope, receive, send)
        limit = (get_settings().upload_max_mb + 1) * 2**20  # the form's own bytes besides the file
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _too_large(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge
            return message

        try:
            return await self.app(scope, counted, send)
        except _TooLarge:
            return await _too_large(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _too_large(scope, receive, send) -> None:
    detail = f"File too large: the limit is {get_settings().upload_max_mb} MB."
    await JSONResponse({"detail": detail}, status_code=413)(scope, receive, send)


def install_upload_limit() -> None:
    """Put the size limit in front of Chainlit's upload route (before Chainlit builds its middleware stack)."""
    server.user_middleware.append(Middleware(UploadSizeLimit))


# What a chat started by one of these buttons is called in the sidebar (Chainlit names it by the action's name).
_CHAT_NAMES = {UPLOAD_ACTION: "Add documents", MANAGE_ACTION: "Manage documents", REMOVE_ACTION: "Remove a document"}


def name_chats_by_their_buttons() -> None:
    """A chat whose first act is a click on "Add documents" is named so, not "add_documents": Chainlit names
    a new chat after its first interaction, which for a button is the action's name."""
    original = ChainlitEmitter.init_thread

    async def init_thread(self: ChainlitEmitter, interaction: str) -> None:
        await original(self, _CHAT_NAMES.get(interaction, interaction))

    ChainlitEmitter.init_thread = init_thread
