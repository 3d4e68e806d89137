"""Conversion in a child process with a wall-time and a memory limit.

A client's folder is whatever they hand over: a 52 KB Word file holding 5 MB of XML took 120 s to convert,
a 383 KB PowerPoint file grew past 1.75 GB, and a small PDF whose pages share one big content stream never
finished. In-process, one such file held the whole ingest (and a fresh server's start) for minutes. Here
each file is converted by a child process that is killed when it takes too long, and that cannot take more
memory than its limit; the file is named with the reason and the ingest goes on with the next one.

One child serves a whole ingest (starting one costs about a second); a killed child is replaced for the
next file.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from typing import Any

from bot.ingest.convert import convert
from bot.ingest.convert.base import ConversionError, Converted

PAGES_EVERY_SECONDS = 0.1  # the converter reports a PDF's pages read at most this often


def _serve(conn: Any, memory_mb: int, max_pages: int | None) -> None:
    """The child: convert what the parent sends, one file at a time, under the memory limit."""

    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sent = {"at": 0.0}

    def page_read(page: int, pages: int) -> None:
        # The first page, the last, and at most ten a second between: a 10,000-page PDF must not flood the pipe.
        now = time.monotonic()
        if page in (1, pages) or now - sent["at"] >= PAGES_EVERY_SECONDS:
            sent["at"] = now
            conn.send(("page", (page, pages)))

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        suffix, data = request
        try:
            reply: tuple[str, Any] = ("ok", convert(suffix, data, page_read, max_pages))
        except MemoryError:
            reply = ("memory", "")
        except ConversionError as exc:
            reply = ("refused", str(exc))
        except Exception as exc:  # a converter library's own bug: named, and the next file goes on
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        del data
        conn.send(reply)


class IsolatedConverter:
    """`convert(suffix, data)` in a child process: a ConversionError names a file over either limit."""

    def __init__(self, seconds: float, memory_mb: int, max_pages: int | None = None):
        self.seconds = seconds
        self.memory_mb = memory_mb
        self.max_pages = max_pages
        self._process = None
        self._conn = None

    def __enter__(self) -> IsolatedConverter:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _start(self) -> None:
        # "spawn": the parent may hold torch's threads, which a forked child must not inherit.
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self.memory_mb, self.max_pages), daemon=True)
        self._process.start()
        child.close()
        self._conn = parent

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def close(self) -> None:
        if self._process is not None and self._process.is_alive():
            try:
                self._conn.send(None)
                self._process.join(timeout=5)
            except OSError:
                pass
        self._kill()

    def convert(self, suffix: str, data: bytes, progress: Callable[[int, int], None] | None = None) -> Converted:
        """The file's Markdown; ConversionError when it is refused, too slow or too big to convert.
        `progress(page, pages)` hears a PDF's pages as they are read (not every one: a few a second)."""
        if self._process is None or not self._process.is_alive():
            self._start()
        deadline = time.monotonic() + self.seconds
        try:
            self._conn.send((suffix, data))
            while True:
                if not self._conn.poll(max(0.0, deadline - time.monotonic())):
                    self._kill()
                    raise ConversionError(
                        f"converting took longer than {self.seconds:g} s (the limit, BOT_CONVERT_SECONDS); not indexed"
                    )
                kind, value = self._conn.recv()
                if kind != "page":
                    break
                if progress is not None:
                    progress(*value)
        except (EOFError, OSError) as exc:  # the child died: the memory limit, or a crash in a native library
            self._kill()
            raise ConversionError(
                f"the converter stopped on this file (over {self.memory_mb} MB, BOT_CONVERT_MEMORY_MB, or a crash); "
                "not indexed"
            ) from exc
        match kind:
            case "ok":
                return value
            case "memory":
                self._kill()  # what is left of the child after a MemoryError is not worth keeping
                raise ConversionError(
                    f"converting needed more than {self.memory_mb} MB (the limit, BOT_CONVERT_MEMORY_MB); not indexed"
                )
            case "refused":
                raise ConversionError(value)
            case _:
                raise ConversionError(f"could not be converted ({value})")
