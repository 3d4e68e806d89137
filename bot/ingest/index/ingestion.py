"""Ingest: bring the index in line with the corpus in a new generation (copy, embed, validate, switch, retire).

This module reads what changed, has `generation` build and validate the new generation, then switches
to it and retires the old ones; the live generation is never written to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.ingest.convert import SUFFIXES
from bot.ingest.convert.isolated import IsolatedConverter
from bot.ingest.corpus import Article, read_article
from bot.ingest.files import CorpusError, check_file, corpus_files, file_sha256, printable, readme_files
from bot.ingest.index.calibration import Calibration
from bot.ingest.index.embedding import export_query_encoder
from bot.ingest.index.errors import IndexUnavailable
from bot.ingest.index.generation import build_generation, show_progress
from bot.ingest.index.manifest import signature_changes
from bot.ingest.index.report import README_NOTE, IngestReport
from bot.ingest.index.store import IndexBackend, index_backend, new_generation_name
from bot.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

    from bot.ingest.convert.base import Converted


def ingest(
    settings: Settings,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
    wait_seconds: float = 0,
    step: Callable[[str], None] | None = None,
) -> IngestReport:
    """Bring the index in line with the corpus folder and report what changed. `step(text)` hears each step
    as it starts ("Reading handbook.pdf", "Embedding passages: 48 of 120"), for a progress line.

    Holds a file lock so that two ingests never write at once: a second ingest waits up to
    `wait_seconds`, then stops with a clear message.
    """
    # lazy: start-up time
    from filelock import FileLock, Timeout

    settings.index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.index_dir / ".ingest.lock"))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise IndexUnavailable("Another ingest is running on this index; try again when it has finished.") from None
    try:
        return _ingest_locked(settings, progress, log or (lambda _msg: None), step or (lambda _msg: None))
    finally:
        lock.release()


def _ingest_locked(
    settings: Settings, progress: bool | None, log: Callable[[str], None], step: Callable[[str], None]
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport(readmes=readme_files(settings.corpus_dir))
    paths = corpus_files(settings.corpus_dir)
    if not paths:
        readmes = "".join(f"\n  not indexed: {name}: {README_NOTE}" for name in report.readmes)
        raise IndexUnavailable(
            f"No documents in {settings.corpus_dir.resolve()} (supported: {', '.join(sorted(SUFFIXES))}).{readmes}"
        )

    backend = index_backend(settings)
    current = backend.read_manifest()
    reusable = current if current and not signature_changes(settings, current) else None
    report.rebuilt = current is not None and reusable is None
    previous_files = reusable.files if reusable else {}
    files, fresh, unreadable = _read_changed(settings, paths, previous_files, report, progress, log, step)
    for source, sha in previous_files.items():
        if source in files:
            continue
        if source in unreadable:
            files[source] = sha  # keep the last good version of a file that is now unreadable
        else:
            report.removed.append(source)
    if not files:
        raise IndexUnavailable(
            f"No readable documents in {settings.corpus_dir.resolve()}:\n"
            + "\n".join(f"  skipped: {err}" for err in report.errors)
        )
    report.generation = current.generation if current else ""
    if reusable and not report.changed and Calibration.from_dict(reusable.calibration):
        report.passages_total = reusable.passages
        report.seconds = time.perf_counter() - started
        return report  # nothing to do: the model is not even loaded

    carried = [s for s in files if s in previous_files and previous_files[s] == files[s]]
    report.generation = new_generation_name()
    try:
        manifest, report.passages_written = build_generation(
            settings, backend, report.generation, reusable, carried, fresh, files, progress, log, report, step
        )
    except BaseException:
        backend.drop(report.generation)  # never leave a half-built generation behind
        raise
    backend.write_manifest(manifest)
    backend.release(report.generation)
    _retire_old_generations(backend, keep={report.generation, current.generation if current else ""})
    # The model is loaded now: export it for the question path once (skipped when current). An
    # ingest that changed nothing returned above without it; `ensure_index` makes a missing export.
    began = time.perf_counter()
    export_query_encoder(settings, log)
    report.timed("exporting the query encoder", time.perf_counter() - began)
    report.passages_total = manifest.passages
    report.seconds = time.perf_counter() - started
    return report


def _read_changed(
    settings: Settings,
    paths: list[Path],
    previous_files: dict[str, str],
    report: IngestReport,
    progress: bool | None,
    log: Callable[[str], None],
    step: Callable[[str], None] = lambda _msg: None,
) -> tuple[dict[str, str], list[Article], set[str]]:
    """Hash every file and convert only those new or changed since the index was built.

    Returns the hash of every readable file, the articles to embed, and the names of the files that
    could not be read (an indexed file that turns unreadable keeps its last good version).
    """
    # lazy: start-up time
    from tqdm import tqdm

    files: dict[str, str] = {}
    fresh: list[Article] = []
    unreadable: set[str] = set()
    max_bytes = settings.max_file_mb * 2**20
    # started at its first file
    converter = IsolatedConverter(settings.convert_seconds, settings.convert_memory_mb, settings.convert_max_pages)
    with converter, tqdm(paths, desc="Reading files", unit="file", disable=not show_progress(progress)) as bar:
        for path in bar:
            name = printable(path.relative_to(settings.corpus_dir).as_posix())
            bar.set_postfix_str(name[-40:], refresh=False)
            try:
                name = check_file(path, settings.corpus_dir, max_bytes)
                sha = file_sha256(path, name)
                old = previous_files.get(name)
                if old == sha:
                    files[name] = sha
                    report.unchanged.append(name)
                    continue
                step(f"Reading {name}")
                began = time.perf_counter()
                article = read_article(path, settings.corpus_dir, max_bytes, _converter(converter, name, step))
                report.timed("converting", time.perf_counter() - began)
            except (CorpusError, OSError) as exc:  # OSError: a file replaced or truncated while it was read
                reason = str(exc) if isinstance(exc, CorpusError) else f"{name}: changed while it was read ({exc})"
                report.errors.append(reason)
                unreadable.add(name)
                log(f"skipped: {reason}")
                continue
            files[name] = article.sha256
            (report.updated if old else report.added).append(name)
            fresh.append(article)
    return files, fresh, unreadable


def _converter(
    converter: IsolatedConverter, name: str, step: Callable[[str], None]
) -> Callable[[str, bytes], Converted]:
    """`converter.convert` telling `step` each page it reads of `name` ("Reading handbook.pdf: page 12 of 40")."""

    def convert(suffix: str, data: bytes) -> Converted:
        return converter.convert(suffix, data, lambda page, pages: step(f"Reading {name}: page {page} of {pages}"))

    return convert


def _retire_old_generations(backend: IndexBackend, keep: set[str]) -> None:
    """Delete generations older than the previous one (a running app may still read the previous one)."""
    for generation in backend.generations():
        if generation not in keep:
            backend.drop(generation)
