"""Adding files to a document set from the browser: the server-side checks, the ledger of who added what, and
the set's ingest in a child process that reports its steps.

The ingest is `bot ingest`'s own (the same checks, conversion in its own child process with the time and
memory limits, the same per-file report), run in a separate process so that embedding never holds up the
server's answers; the set switches to the new index generation atomically when it is complete.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.ingest.files import printable
from bot.ingest.index import IngestReport, ingest
from bot.settings import Settings

LEDGER = ".uploads.json"  # hidden: corpus_files never reads it as a document
INGEST_WAIT_SECONDS = 600  # another upload's ingest of the same set may hold the lock this long


class UploadRefused(ValueError):
    """A file the server will not take; the text names it and says why, for the user."""


@dataclass(frozen=True)
class Upload:
    """One received file: its name as the user gave it, where the server keeps it for now, its size."""

    name: str
    path: Path
    size: int


def checked_name(name: str, settings: Settings) -> str:
    """The file name to store an upload under, or UploadRefused: a plain name of an allowed type."""
    base = printable(Path(name.replace("\\", "/")).name).strip()
    if not base or base.startswith(".") or base != name.strip() or len(base) > 120:
        raise UploadRefused(f"{printable(name)[:120]}: not a plain file name")
    suffix = Path(base).suffix.lower()
    allowed = [t.lower() if t.startswith(".") else f".{t.lower()}" for t in settings.upload_types]
    if suffix not in allowed:
        raise UploadRefused(f"{base}: type {suffix or '(none)'} is not accepted here (accepted: {', '.join(allowed)})")
    return base


def check_uploads(uploads: list[Upload], settings: Settings) -> tuple[list[tuple[Upload, str]], list[str]]:
    """([(upload, stored name)] to add, [reason] for each refused), by the upload settings: count, size, type."""
    accepted: list[tuple[Upload, str]] = []
    refused: list[str] = []
    for i, upload in enumerate(uploads):
        if i >= settings.upload_max_files:
            refused.append(f"{printable(upload.name)}: more than {settings.upload_max_files} files at once")
            continue
        try:
            name = checked_name(upload.name, settings)
            if upload.size > settings.upload_max_mb * 2**20:
                raise UploadRefused(f"{name}: larger than {settings.upload_max_mb} MB")
            if name in {n for _u, n in accepted}:
                raise UploadRefused(f"{name}: sent twice")
        except UploadRefused as exc:
            refused.append(str(exc))
            continue
        accepted.append((upload, name))
    return accepted, refused


def read_ledger(folder: Path) -> dict[str, dict]:
    """Who added each file of a set from the browser, and when: {name: {"by": user, "at": ISO time}}."""
    try:
        data = json.loads((folder / LEDGER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_ledger(folder: Path, ledger: dict[str, dict]) -> None:
    staged = folder / f"{LEDGER}.{os.getpid()}"
    staged.write_text(json.dumps(ledger, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(staged, folder / LEDGER)


def place_files(folder: Path, accepted: list[tuple[Upload, str]]) -> dict[str, Path | None]:
    """Copy the accepted files into the set's folder; {name: backup of the file it replaced, or None}."""
    backups: dict[str, Path | None] = {}
    aside = folder / ".replaced"
    for upload, name in accepted:
        target = folder / name
        backup = None
        if target.exists():
            aside.mkdir(exist_ok=True)
            backup = aside / f"{time.time_ns()}-{name}"
            shutil.copy2(target, backup)
        staged = folder / f".{name}.uploading"
        shutil.copyfile(upload.path, staged)
        os.replace(staged, target)
        backups[name] = backup
    return backups


def settle(folder: Path, backups: dict[str, Path | None], report: IngestReport, user: str) -> None:
    """After the ingest: a file it could not read is taken back out of the folder (a replaced one gets its
    previous version back, which the index kept), so that nothing indexed is lost; the rest go in the ledger."""
    bad = {reason.split(":", 1)[0] for reason in report.errors}
    ledger = read_ledger(folder)
    for name, backup in backups.items():
        if name in bad:
            if backup is not None:
                os.replace(backup, folder / name)
            else:
                (folder / name).unlink(missing_ok=True)
            continue
        ledger[name] = {"by": user, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if backup is not None:
            backup.unlink(missing_ok=True)
    write_ledger(folder, ledger)


def _own_cpu_share() -> None:
    """Put this process in a session of its own, and end it when the server that started it ends.

    Linux shares the CPU fairly between sessions first (autogroups), then between the threads of each:
    inside the server's session, fifty chats' answers left the ingest a third of a core, and embedding a
    40-page PDF took 18 s instead of 7. In its own session it gets its fair share, and so do the answers.
    A signal to the server's process group no longer reaches it, so it watches the server instead.
    """
    parent = os.getppid()
    try:
        os.setsid()
    except OSError:  # already a session leader: nothing to gain
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # the server is gone: nobody waits for this index (the next ingest drops what it left)

    threading.Thread(target=watch, name="watch-server", daemon=True).start()


def _preload() -> None:
    """Import what an upload's ingest runs on (chromadb, onnxruntime), while no upload waits. Not torch: the ingest
    embeds and pools with the ONNX export and numpy (torch loads only when there is no export yet)."""
    for name in ("chromadb", "onnxruntime", "bot.ingest.index.generation", "bot.ingest.convert.isolated"):
        try:
            __import__(name)
        except ImportError:  # an optional one missing: the ingest says so itself, when it needs it
            pass


def _child(jobs, messages) -> None:
    """An ingest process: its imports done first, then the one ingest it is sent (settings on `jobs`); each step
    and the final report (or the error) go to `messages`."""
    _own_cpu_share()
    _preload()
    settings = jobs.get()
    cpu = time.process_time()
    try:
        report = ingest(
            settings, progress=False, wait_seconds=INGEST_WAIT_SECONDS, step=lambda m: messages.put(("step", m))
        )
        # Beside the steps' wall times: how much of the time was work, and how much waiting for a core.
        report.timed("CPU (all steps)", time.process_time() - cpu)
        messages.put(("done", report))
    except Exception as exc:  # an empty folder, a lock held too long: said to the editor as it is
        messages.put(("failed", str(exc) or type(exc).__name__))


_spare_lock = threading.Lock()
_spare: tuple | None = None  # (process, jobs, messages): an ingest process started ahead, waiting for its job


def _start_child() -> tuple:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copy of the server's threads
    jobs, messages = context.Queue(), context.Queue()
    child = context.Process(target=_child, args=(jobs, messages))  # not a daemon: it starts the converter
    child.start()
    return child, jobs, messages


def prepare_ingest() -> None:
    """Start an ingest process ahead of the next upload (none if one waits already): its interpreter and
    imports cost seconds of CPU, which no editor then waits for. It waits for its job, and ends with the server."""
    global _spare
    with _spare_lock:
        if _spare is None or not _spare[0].is_alive():
            if _spare is None:
                atexit.register(_stop_spare)  # before multiprocessing's own exit, which would wait for it
            _spare = _start_child()


def _stop_spare() -> None:
    global _spare
    with _spare_lock:
        if _spare is not None and _spare[0].is_alive():
            _spare[0].terminate()
            _spare[0].join(timeout=10)
        _spare = None


def _take_child() -> tuple:
    """The waiting ingest process if there is one, else a new one."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and spare[0].is_alive():
        return spare
    return _start_child()


def ingest_in_child(settings: Settings, on_step: Callable[[str], None], timeout: float) -> IngestReport:
    """Ingest a set's folder in a process of its own (the one `prepare_ingest` started, if any), calling
    `on_step(text)` as each step starts; the report.

    Raises UploadRefused with the reason when the ingest fails or takes longer than `timeout` (then the
    child is stopped and the set keeps the index it had)."""
    child, jobs, messages = _take_child()
    jobs.put(settings)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                kind, value = messages.get(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise UploadRefused(f"indexing took longer than {timeout:.0f} s and was stopped") from None
                if not child.is_alive():
                    raise UploadRefused("indexing stopped unexpectedly (the server log may say why)") from None
                continue
            if kind == "step":
                on_step(value)
            elif kind == "done":
                return value
            else:
                raise UploadRefused(value)
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=10)
