"""Conversations kept in a real database: a Chainlit data layer of our own on SQLAlchemy (SQLite or PostgreSQL).

Why not Chainlit's SQLAlchemyDataLayer: it writes PostgreSQL-flavoured SQL (lists bound as arrays),
creates no schema and has no migrations, loads every step of every thread of a user to fill the
sidebar, and keeps elements only through a cloud storage client. This layer is SQLAlchemy Core that
runs unchanged on SQLite (aiosqlite, the default, a file under `data/`) and PostgreSQL (asyncpg,
`BOT_DATABASE_URL`); it creates its schema on first start and keeps the source panels' text in the
database so that a resumed chat can still open them.

Where a change goes: the connection, its failure guard and retention in `bot.history.database`; ratings and
their ownership checks in `bot.history.ratings`; tables and migrations in `bot.history.schema` (additions
only, so an upgrade keeps old conversations); users, conversations, messages and source panels here.
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from chainlit.data.base import BaseDataLayer
from chainlit.data.utils import queue_until_user_message
from chainlit.types import PageInfo, PaginatedResponse
from chainlit.user import PersistedUser
from sqlalchemy.dialects import postgresql, sqlite

from bot.history.database import database_location, delete_threads, guarded
from bot.history.ratings import NotYours, Ratings
from bot.history.schema import elements, feedback_table, now, steps, threads, users

__all__ = ["HistoryLayer", "NotYours", "layer_for"]

# User-session keys not worth saving with a thread: the answer records are in the steps already, and
# suggestion buttons are live objects of one connection.
SESSION_ONLY = {"records", "offered"}


class HistoryLayer(Ratings, BaseDataLayer):
    """Chainlit's data layer on one SQLAlchemy database: users, threads, steps, elements and feedback."""

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
            if row is None and name is None and user_id is None and tags is None:
                # Chainlit saves a chat's session on every disconnect, also of a chat nobody has written in yet:
                # stored, that thread had no owner until its first message, and a reconnect to it in between was
                # refused ("Authorization for the thread failed"), leaving the chat unable to send (a CI run).
                return
            if row is None:
                await conn.execute(sa.insert(threads).values(id=thread_id, created_at=now(), **values))
            else:
                await conn.execute(sa.update(threads).where(threads.c.id == thread_id).values(**values))
        self.mark_working()

    @guarded()
    async def delete_thread(self, thread_id: str) -> None:
        async with self.writing() as conn:
            await delete_threads(conn, [thread_id])

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

    # --- steps and elements ----------------------------------------------------------------------
    @queue_until_user_message()
    @guarded()
    async def create_step(self, step_dict) -> None:
        data = json.dumps(step_dict, default=str)
        # One statement, insert or update: Chainlit may save a step and its update at the same moment, and an
        # update-then-insert of both would collide on the key ("duplicate key ... steps_pkey").
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
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

    async def get_favorite_steps(self, user_id: str) -> list:
        return []  # favourites are off (config.toml)

    async def build_debug_url(self) -> str:
        return ""


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


def layer_for(settings) -> HistoryLayer:
    """The data layer for `settings`: BOT_DATABASE_URL, else SQLite at `data_dir/bot.db` (folder made on demand)."""
    url, where, path = database_location(settings)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return HistoryLayer(url, where, settings.history_days)
