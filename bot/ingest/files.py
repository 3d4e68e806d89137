"""The corpus folder's files: which are documents, and the checks each passes before it is read.

Refused with a reason (`CorpusError`): a link leading outside the folder or to a folder, an
unsupported type, anything but a regular file, a file over the size limit, a file that cannot be read.
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.ingest.convert import SUFFIXES


class CorpusError(ValueError):
    """A corpus file that cannot be read as text."""


MAX_FILE_BYTES = 32 * 1024 * 1024  # default cap on one file; `Settings.max_file_mb` overrides it


def _supported() -> str:
    return ", ".join(sorted(SUFFIXES))


@contextmanager
def reading_file(name: str) -> Iterator[None]:
    """An operating-system error while reading a file (permissions, a file gone) as a CorpusError naming it."""
    try:
        yield
    except OSError as exc:
        raise CorpusError(f"{name}: cannot be read ({exc.strerror or exc})") from exc


def printable(name: str) -> str:
    """A file name as it may be shown in a report, a log line or the page: control and format characters
    (ANSI escapes, BEL, a newline that would forge a report line) written as escapes, the rest as it is."""
    return "".join(
        ch if unicodedata.category(ch)[0] != "C" else ch.encode("unicode_escape").decode("ascii") for ch in name
    )


def check_file(path: Path, root: Path | None = None, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's name in the corpus (`printable`), once it passes the checks that need no reading; else
    CorpusError.

    Refused here: a link leading outside the corpus (or to a folder), an unsupported type, anything but a
    regular file (a named pipe would block the reader for ever) and a file over `max_bytes`.
    """
    name = printable(path.relative_to(root).as_posix() if root else path.name)
    if root is not None and path.is_symlink():
        check_inside(path, root)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CorpusError(f"{name}: unsupported type {suffix or '(no extension)'}; supported: {_supported()}")
    with reading_file(name):
        status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise CorpusError(f"{name}: not a regular file (a pipe, socket or device); refused")
    size = status.st_size
    if size > max_bytes:
        raise CorpusError(
            f"{name}: too large ({size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB, "
            "set by BOT_MAX_FILE_MB)"
        )
    return name


def file_sha256(path: Path, name: str) -> str:
    """Hash of a file's bytes, read in pieces (the index keys unchanged files by it); CorpusError if unreadable."""
    digest = hashlib.sha256()
    with reading_file(name), path.open("rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


SET_FILE = "set.toml"  # a document set's title, welcome, starters and users (`bot.ingest.sets`)


def _skipped_by_name(path: Path) -> bool:
    """Hidden files, editor leftovers, README files and a document set's `set.toml` describe the folder; they
    are not documents."""
    name = path.name
    return name.startswith((".", "~$")) or name.endswith("~") or path.stem.lower() == "readme" or name == SET_FILE


def _walk(corpus_dir: Path) -> Iterator[Path]:
    # os.walk does not follow links to folders, so a link can never make the walk loop or leave the corpus.
    for folder, dirs, names in os.walk(corpus_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            yield Path(folder) / name
        for name in dirs:
            if (Path(folder) / name).is_symlink():
                yield Path(folder) / name


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every candidate file below `corpus_dir` (links included, hidden and README files not), in a stable order."""
    if not corpus_dir.is_dir():
        return []
    return sorted((p for p in _walk(corpus_dir) if not _skipped_by_name(p)), key=lambda p: p.as_posix())


def readme_files(corpus_dir: Path) -> list[str]:
    """The README files of the folder (relative names): set aside as describing it, which the ingest says."""
    if not corpus_dir.is_dir():
        return []
    found = (p for p in _walk(corpus_dir) if p.stem.lower() == "readme" and not p.name.startswith("."))
    return sorted(p.relative_to(corpus_dir).as_posix() for p in found)


def check_inside(path: Path, corpus_dir: Path) -> None:
    """Refuse a link that leads outside the corpus folder, or to a folder: only the folder's own files are read."""
    name = path.relative_to(corpus_dir).as_posix()
    target = path.resolve()
    if not target.is_relative_to(corpus_dir.resolve()):
        raise CorpusError(f"{name}: a link to a file outside the corpus folder; refused")
    if target.is_dir():
        raise CorpusError(f"{name}: a link to a folder; refused (put the files themselves in the corpus)")
    if not target.exists():
        raise CorpusError(f"{name}: a broken link")
