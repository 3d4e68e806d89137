"""The history database connection: engine, one writer at a time on SQLite, schema on first use, retention,
and the guard that turns history off (with its reason) while the database is unreachable, locked or damaged.

Every guarded call is skipped for `RETRY_SECONDS` after a failure, and `problem` says why in one line: the
chat keeps answering without history. `bot.history.store` builds Chainlit's data layer on this.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from bot.history.schema import (
    api_answers,
    async_url,
    describe_failure,
    elements,
    feedback_table,
    migrate,
    sqlite_pragmas,
    steps,
    threads,
)

log = logging.getLogger("bot.history.store")

RETRY_SECONDS = 30.0
PRUNE_EVERY_SECONDS = 3600.0  # retention runs at start and then hourly
MIGRATE_ATTEMPTS = 5


def guarded(default=None):
    """Run a data-layer call only while the database works; on failure note the problem and return `default`."""

    def wrap(method):
        @functools.wraps(method)
        async def call(self: Database, *args, **kwargs):
            if not await self.ready():
                return default() if callable(default) else default
            try:
                return await method(self, *args, **kwargs)
            except (TimeoutError, sa.exc.SQLAlchemyError, OSError, ConnectionError) as exc:
                self.failed(exc)
                return default() if callable(default) else default

        return call

    return wrap


class Database:
    """One SQLAlchemy database (SQLite or PostgreSQL) with its schema, failure state and retention."""

    def __init__(self, url: str, where: str, retention_days: float = 0):
        self.retention_days = retention_days
        self.where = where  # the file or server, for messages (never the password)
        self.problem: str | None = None
        self._retry_at = 0.0
        self._schema_ok = False
        self._lock = asyncio.Lock()
        url = async_url(url)
        self._write_lock = asyncio.Lock() if url.startswith("sqlite") else None
        if url.startswith("sqlite"):
            self.engine = create_async_engine(url, connect_args={"timeout": 5})
            sa.event.listen(self.engine.sync_engine, "connect", sqlite_pragmas)
        else:
            self.engine = create_async_engine(url, pool_pre_ping=True, connect_args={"timeout": 5})

    @contextlib.asynccontextmanager
    async def writing(self):
        """A write transaction. On SQLite one at a time: SQLite has one writer, and a second one waiting in
        its busy handler sleeps in steps of up to 100 ms, which under load costs more than queueing here."""
        async with self._write_lock or contextlib.nullcontext(), self.engine.begin() as conn:
            yield conn

    def failed(self, exc: BaseException) -> None:
        problem = describe_failure(exc, self.where)
        if problem != self.problem:
            log.warning("history is off: %s", problem)
        self.problem, self._retry_at = problem, time.monotonic() + RETRY_SECONDS

    async def ready(self) -> bool:
        """Whether the database may be used now: schema in place, and no failure in the last RETRY_SECONDS."""
        if self.problem and time.monotonic() < self._retry_at:
            return False
        if not self._schema_ok:
            async with self._lock:
                if not self._schema_ok:
                    try:
                        await self._migrate()
                        self._schema_ok = True
                        if self.retention_days > 0:
                            asyncio.get_running_loop().create_task(self._prune_loop())
                    except Exception as exc:  # noqa: BLE001 - any start-up failure turns history off, with its reason
                        self.failed(exc)
                        return False
        return True

    @guarded(default=False)
    async def probe(self) -> bool:
        """Whether the database answers now (one trivial query); a failure sets `problem`."""
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        self.mark_working()
        return True

    def mark_working(self) -> None:
        if self.problem:
            log.warning("history is back on: %s answers again", self.where)
        self.problem = None

    async def _migrate(self) -> None:
        for attempt in range(1, MIGRATE_ATTEMPTS + 1):
            started = time.monotonic()
            try:
                async with self.engine.begin() as conn:
                    await migrate(conn)
                break
            except sa.exc.SQLAlchemyError as exc:
                # Two connections to one database (the chat's history and the API's keys, or a `bot` command)
                # may create the same tables or version row at the same moment (SQLite runs each CREATE on its
                # own), and SQLite refuses one of two writers starting at once as "locked" without waiting:
                # the loser finds the tables made once the winner is done. A lock held by another program
                # fails after the busy timeout, and is not waited for again.
                text = str(exc).lower()
                raced = any(w in text for w in ("already exists", "unique", "duplicate"))
                refused_at_once = "locked" in text and time.monotonic() - started < 1.0
                if attempt == MIGRATE_ATTEMPTS or not (raced or refused_at_once):
                    raise
                await asyncio.sleep(0.05 * attempt)
        self.mark_working()

    async def _prune_loop(self) -> None:
        while True:
            removed = await self.prune(self.retention_days)
            if removed:
                log.info(
                    "removed %d conversation(s) untouched for %s days (BOT_HISTORY_DAYS)", removed, self.retention_days
                )
            await asyncio.sleep(PRUNE_EVERY_SECONDS)

    async def prune(self, days: float) -> int:
        """Delete conversations untouched for `days` (with their steps, elements and feedback), and API answers as
        old; how many conversations."""
        if days <= 0 or not await self.ready():
            return 0
        cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        try:
            async with self.writing() as conn:
                old = [r[0] for r in await conn.execute(sa.select(threads.c.id).where(threads.c.updated_at < cutoff))]
                await delete_threads(conn, old)
                await conn.execute(sa.delete(api_answers).where(api_answers.c.created_at < cutoff))  # kept as long
            return len(old)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            self.failed(exc)
            return 0

    async def close(self) -> None:
        await self.engine.dispose()


async def delete_threads(conn, ids: list[str]) -> None:
    """Delete the conversations `ids` with everything kept of them."""
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for table in (feedback_table, elements, steps):
            await conn.execute(sa.delete(table).where(table.c.thread_id.in_(chunk)))
        await conn.execute(sa.delete(threads).where(threads.c.id.in_(chunk)))


def database_location(settings) -> tuple[str, str, Path | None]:
    """(URL, where it is for messages without the password, the SQLite file or None) of the history database:
    BOT_DATABASE_URL, else SQLite at `data_dir/bot.db`."""
    if settings.database_url:
        url = settings.database_url.get_secret_value()
        return url, sa.engine.make_url(async_url(url)).render_as_string(hide_password=True), None
    path = Path(settings.data_dir) / "bot.db"
    return f"sqlite+aiosqlite:///{path.resolve()}", str(path), path
