"""Conversations kept in a real database: a Chainlit data layer of our own on SQLAlchemy (SQLite or PostgreSQL).

Why not Chainlit's SQLAlchemyDataLayer: it writes PostgreSQL-flavoured SQL (lists bound as arrays),
creates no schema and has no migrations, loads every step of every thread of a user to fill the
sidebar, and keeps elements only through a cloud storage client. This layer is SQLAlchemy Core that
runs unchanged on SQLite (aiosqlite, the default, a file under `data/`) and PostgreSQL (asyncpg,
`BOT_DATABASE_URL`); it creates its schema on first start and keeps the source panels' text in the
database so that a resumed chat can still open them.

Schema and migrations: `bot.history.schema` (additions only, so an upgrade keeps old conversations).

Every call is guarded: when the database is unreachable, locked or damaged, the chat keeps answering,
`problem` says why in one line, and calls are skipped for `RETRY_SECONDS` before the next attempt.

Longer than most modules on purpose: one class implements Chainlit's whole data-layer interface, and
each method's ownership rule is easiest to review beside the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from chainlit.data.base import BaseDataLayer
from chainlit.data.utils import queue_until_user_message
from chainlit.types import PageInfo, PaginatedResponse
from chainlit.user import PersistedUser

from bot.history.feedback import feedback_record, rated_answer
from bot.history.schema import (
    async_url,
    describe_failure,
    elements,
    feedback_table,
    migrate,
    now,
    sqlite_pragmas,
    steps,
    threads,
    users,
)

log = logging.getLogger("bot.history.store")

RETRY_SECONDS = 30.0
# User-session keys not worth saving with a thread: the answer records are in the steps already, and
# suggestion buttons are live objects of one connection.
SESSION_ONLY = {"records", "offered"}
PRUNE_EVERY_SECONDS = 3600.0  # retention runs at start and then hourly


class NotYours(Exception):
    """A request for something in a conversation the requester does not own."""


def guarded(default=None):
    """Run a data-layer call only while the database works; on failure note the problem and return `default`."""

    def wrap(method):
        @functools.wraps(method)
        async def call(self: HistoryLayer, *args, **kwargs):
            if not await self.ready():
                return default() if callable(default) else default
            try:
                return await method(self, *args, **kwargs)
            except (TimeoutError, sa.exc.SQLAlchemyError, OSError, ConnectionError) as exc:
                self.failed(exc)
                return default() if callable(default) else default

        return call

    return wrap


class HistoryLayer(BaseDataLayer):
    """Chainlit's data layer on one SQLAlchemy database: users, threads, steps, elements and feedback."""

    def __init__(self, url: str, where: str, retention_days: float = 0):
        from sqlalchemy.ext.asyncio import create_async_engine

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
        async with self.engine.begin() as conn:
            await migrate(conn)
        self.mark_working()

    # --- users ---------------------------------------------------------------------------------
    @guarded()
    async def get_user(self, identifier: str) -> PersistedUser | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(users).where(users.c.identifier == identifier))).first()
        self.mark_working()
        if row is None:
            return None
        return PersistedUser(
            id=row.id, identifier=row.identifier, createdAt=row.created_at, metadata=json.loads(row.metadata or "{}")
        )

    @guarded()
    async def create_user(self, user) -> PersistedUser | None:
        existing = await self.get_user(user.identifier)
        if existing:
            return existing
        async with self.writing() as conn:
            await conn.execute(
                sa.insert(users).values(
                    id=str(uuid.uuid4()),
                    identifier=user.identifier,
                    metadata=json.dumps(user.metadata),
                    created_at=now(),
                )
            )
        return await self.get_user(user.identifier)

    # --- threads -------------------------------------------------------------------------------
    @guarded(default="")
    async def get_thread_author(self, thread_id: str) -> str:
        """The owner's identifier; empty for an unknown thread and for one stored without a login."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(threads.c.user_identifier).where(threads.c.id == thread_id))).first()
        return (row[0] or "") if row else ""

    @guarded()
    async def get_thread(self, thread_id: str):
        async with self.engine.connect() as conn:
            thread = (await conn.execute(sa.select(threads).where(threads.c.id == thread_id))).first()
            if thread is None:
                return None
            step_rows = await conn.execute(sa.select(steps.c.data).where(steps.c.thread_id == thread_id))
            element_rows = await conn.execute(sa.select(elements.c.data).where(elements.c.thread_id == thread_id))
            notes = await conn.execute(sa.select(feedback_table).where(feedback_table.c.thread_id == thread_id))
            by_step = {
                f.step_id: {"id": f.id, "forId": f.step_id, "value": f.value, "comment": f.comment} for f in notes
            }
            step_list = sorted((json.loads(r[0]) for r in step_rows), key=lambda s: s.get("createdAt") or "")
            element_list = [json.loads(r[0]) for r in element_rows]
        # The page shows an answer's rating on the run step that gave it (and rates through that step).
        of_run = {s.get("parentId"): by_step[s["id"]] for s in step_list if s["id"] in by_step}
        for step in step_list:
            if step["id"] in by_step:
                step["feedback"] = by_step[step["id"]]
            elif step.get("type") == "run" and step["id"] in of_run:
                step["feedback"] = of_run[step["id"]]
        for element in element_list:  # served, after an ownership check, by bot.web.history
            element["url"], element["chainlitKey"] = f"/history/element/{element['id']}", None
        return _thread_dict(thread) | {"steps": step_list, "elements": element_list}

    @guarded()
    async def update_thread(self, thread_id, name=None, user_id=None, metadata=None, tags=None) -> None:
        async with self.writing() as conn:
            row = (await conn.execute(sa.select(threads).where(threads.c.id == thread_id))).first()
            values: dict = {"updated_at": now()}
            if name is not None:
                values["name"] = name[:255]
            if tags is not None:
                values["tags"] = json.dumps(tags)
            if metadata is not None:  # Chainlit saves the chat's user session here when it disconnects
                merged = json.loads(row.metadata or "{}") if row else {}
                kept = {k: v for k, v in metadata.items() if k not in SESSION_ONLY}
                values["metadata"] = json.dumps(merged | kept, default=str)
            if user_id is not None and (row is None or not row.user_id):  # a thread never changes owner
                owner = (await conn.execute(sa.select(users.c.identifier).where(users.c.id == user_id))).first()
                values |= {"user_id": user_id, "user_identifier": owner[0] if owner else None}
            if row is None:
                await conn.execute(sa.insert(threads).values(id=thread_id, created_at=now(), **values))
            else:
                await conn.execute(sa.update(threads).where(threads.c.id == thread_id).values(**values))
        self.mark_working()

    @guarded()
    async def delete_thread(self, thread_id: str) -> None:
        async with self.writing() as conn:
            await _delete_threads(conn, [thread_id])

    @guarded(default=lambda: PaginatedResponse(PageInfo(False, None, None), []))
    async def list_threads(self, pagination, filters) -> PaginatedResponse:
        if not filters.userId:  # without a login nobody lists anything
            return PaginatedResponse(PageInfo(False, None, None), [])
        query = sa.select(threads).where(threads.c.user_id == filters.userId)
        if filters.search:
            query = query.where(threads.c.name.ilike(f"%{filters.search}%"))
        async with self.engine.connect() as conn:
            if pagination.cursor:
                start = sa.select(threads.c.updated_at).where(threads.c.id == pagination.cursor).scalar_subquery()
                query = query.where(threads.c.updated_at < start)
            rows = (await conn.execute(query.order_by(threads.c.updated_at.desc()).limit(pagination.first + 1))).all()
        page = [_thread_dict(r) | {"steps": [], "elements": []} for r in rows[: pagination.first]]
        return PaginatedResponse(
            PageInfo(len(rows) > pagination.first, page[0]["id"] if page else None, page[-1]["id"] if page else None),
            page,
        )

    async def _prune_loop(self) -> None:
        while True:
            removed = await self.prune(self.retention_days)
            if removed:
                log.info(
                    "removed %d conversation(s) untouched for %s days (BOT_HISTORY_DAYS)", removed, self.retention_days
                )
            await asyncio.sleep(PRUNE_EVERY_SECONDS)

    async def prune(self, days: float) -> int:
        """Delete conversations untouched for `days` (with their steps, elements and feedback); how many."""
        if days <= 0 or not await self.ready():
            return 0
        cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        try:
            async with self.writing() as conn:
                old = [r[0] for r in await conn.execute(sa.select(threads.c.id).where(threads.c.updated_at < cutoff))]
                await _delete_threads(conn, old)
            return len(old)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            self.failed(exc)
            return 0

    # --- steps and elements ----------------------------------------------------------------------
    @queue_until_user_message()
    @guarded()
    async def create_step(self, step_dict) -> None:
        data = json.dumps(step_dict, default=str)
        # One statement, insert or update: Chainlit may save a step and its update at the same moment, and an
        # update-then-insert of both would collide on the key ("duplicate key ... steps_pkey").
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        row = insert(steps).values(
            id=step_dict["id"],
            thread_id=step_dict.get("threadId"),
            type=step_dict.get("type"),
            created_at=step_dict.get("createdAt") or now(),
            data=data,
        )
        async with self.writing() as conn:
            # A step id names a step of one conversation: a client that sends another chat's message id (ids
            # come from the page) must not overwrite that chat's message, so an update keeps to its own thread.
            await conn.execute(
                row.on_conflict_do_update(
                    index_elements=[steps.c.id],
                    set_={"data": row.excluded.data},
                    where=steps.c.thread_id.is_not_distinct_from(row.excluded.thread_id),
                )
            )
            if step_dict.get("threadId") and step_dict.get("type") == "user_message":  # activity, for retention
                await conn.execute(
                    sa.update(threads).where(threads.c.id == step_dict["threadId"]).values(updated_at=now())
                )
        self.mark_working()

    @queue_until_user_message()
    async def update_step(self, step_dict) -> None:
        await self.create_step(step_dict)

    @queue_until_user_message()
    @guarded()
    async def delete_step(self, step_id: str) -> None:
        async with self.writing() as conn:
            await conn.execute(sa.delete(steps).where(steps.c.id == step_id))
            await conn.execute(sa.delete(feedback_table).where(feedback_table.c.step_id == step_id))

    @queue_until_user_message()
    @guarded()
    async def create_element(self, element) -> None:
        content = element.content if isinstance(element.content, str) else None
        async with self.writing() as conn:
            await conn.execute(sa.delete(elements).where(elements.c.id == element.id))
            await conn.execute(
                sa.insert(elements).values(
                    id=element.id,
                    thread_id=element.thread_id,
                    content=content,
                    data=json.dumps(element.to_dict(), default=str),
                )
            )

    @guarded()
    async def get_element(self, thread_id: str, element_id: str):
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(elements).where(elements.c.id == element_id, elements.c.thread_id == thread_id)
                )
            ).first()
        return json.loads(row.data) | {"url": f"/history/element/{element_id}"} if row else None

    async def element_content(self, element_id: str) -> tuple[str, str] | None:
        """(thread id, text) of a stored element, or None."""
        if not await self.ready():
            return None
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(elements).where(elements.c.id == element_id))).first()
        return (row.thread_id, row.content or "") if row else None

    @queue_until_user_message()
    @guarded()
    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        async with self.writing() as conn:
            await conn.execute(sa.delete(elements).where(elements.c.id == element_id))

    # --- feedback ------------------------------------------------------------------------------
    @guarded(default="")
    async def upsert_feedback(self, feedback) -> str:  # Chainlit passes `feedback=`
        """Store a rating with what it rates: the question, the turns before, the answer, its sources, the answerer.

        The chat page rates an answer through its run step (`on_message`): the rating is kept on the answer
        that run gave. Refused (NotYours) for a message of a conversation the requester does not own."""
        rating = feedback
        from bot.web.history import request_thread, request_user

        async with self.writing() as conn:
            step = (await conn.execute(sa.select(steps).where(steps.c.id == rating.forId))).first()
            if step is None:
                raise NotYours("no such message in your conversations")  # the same words either way: no oracle
            owner = (
                await conn.execute(sa.select(threads.c.user_identifier).where(threads.c.id == step.thread_id))
            ).first()
            if (owner and owner[0] or None) != request_user.get():
                raise NotYours("no such message in your conversations")
            if request_user.get() is None and step.thread_id != request_thread.get():  # login off: this chat's only
                raise NotYours("no such message in your conversations")
            rows = await conn.execute(sa.select(steps.c.data).where(steps.c.thread_id == step.thread_id))
            thread_steps = [json.loads(r[0]) for r in rows]
            rated = rated_answer(json.loads(step.data), thread_steps)
            record = feedback_record(rated, thread_steps)
            # Also any rating kept on the run step itself (before ratings were moved onto the answer).
            on_either = feedback_table.c.step_id.in_([rated["id"], step.id])
            old = (await conn.execute(sa.select(feedback_table.c.id).where(on_either))).first()
            feedback_id = old[0] if old else str(uuid.uuid4())
            await conn.execute(sa.delete(feedback_table).where(on_either))
            await conn.execute(
                sa.insert(feedback_table).values(
                    id=feedback_id,
                    step_id=rated["id"],
                    thread_id=step.thread_id,
                    user_identifier=request_user.get(),
                    value=int(rating.value),
                    comment=(rating.comment or "")[:4000] or None,
                    created_at=now(),
                    record=json.dumps(record, ensure_ascii=False),
                )
            )
        return feedback_id

    @guarded(default=False)
    async def delete_feedback(self, feedback_id: str) -> bool:
        from bot.web.history import request_user

        async with self.writing() as conn:
            row = (await conn.execute(sa.select(feedback_table).where(feedback_table.c.id == feedback_id))).first()
            if row is None or row.user_identifier != request_user.get():
                raise NotYours("not your feedback")
            await conn.execute(sa.delete(feedback_table).where(feedback_table.c.id == feedback_id))
        return True

    async def feedback_rows(self, since: str | None = None, rating: int | None = None) -> list[dict]:
        """Stored feedback, oldest first: dicts with value, comment, created_at and the record."""
        query = sa.select(feedback_table).order_by(feedback_table.c.created_at)
        if since:
            query = query.where(feedback_table.c.created_at >= since)
        if rating is not None:
            query = query.where(feedback_table.c.value == rating)
        await self._migrate()
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            {"value": r.value, "comment": r.comment, "created_at": r.created_at} | json.loads(r.record) for r in rows
        ]

    async def get_favorite_steps(self, user_id: str) -> list:
        return []  # favourites are off (config.toml)

    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        await self.engine.dispose()


def _thread_dict(row) -> dict:
    return {
        "id": row.id,
        "createdAt": row.created_at,
        "name": row.name,
        "userId": row.user_id,
        "userIdentifier": row.user_identifier,
        "tags": json.loads(row.tags) if row.tags else None,
        "metadata": json.loads(row.metadata) if row.metadata else {},
    }


async def _delete_threads(conn, ids: list[str]) -> None:
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for table in (feedback_table, elements, steps):
            await conn.execute(sa.delete(table).where(table.c.thread_id.in_(chunk)))
        await conn.execute(sa.delete(threads).where(threads.c.id.in_(chunk)))


def layer_for(settings) -> HistoryLayer:
    """The data layer for `settings`: BOT_DATABASE_URL, else SQLite at `data_dir/bot.db` (folder made on demand)."""
    if settings.database_url:
        url = settings.database_url.get_secret_value()
        where = sa.engine.make_url(async_url(url)).render_as_string(hide_password=True)
        return HistoryLayer(url, where, settings.history_days)
    path = Path(settings.data_dir) / "bot.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return HistoryLayer(f"sqlite+aiosqlite:///{path.resolve()}", str(path), settings.history_days)
