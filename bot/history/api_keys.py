"""API keys and the answers given through the API, in the history database (`bot api-key`, `bot.web.api`).

A key is shown once, when it is made, and stored only as its SHA-256: a key is 256 random bits, so a fast
hash is as safe as a slow one and costs the server nothing per request. Each key has a name (logged, and
stored with every answer it got) and the document sets it may ask. The keys live in the history database
(SQLite under `data_dir`, or `database_url`) also when `history` is off: with no database there are no
keys, and the API is off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from bot.history.database import Database, database_location
from bot.history.schema import api_answers, api_keys, now

KEY_PREFIX = "bot-"  # every key starts with it, so that a key pasted into the wrong place is recognisable
NAME_MAX = 64


class KeyStoreUnavailable(RuntimeError):
    """The database holding the keys cannot be read now (its reason is in the text)."""


@dataclass(frozen=True)
class ApiKey:
    """A stored key (never the key itself): its name, the sets it may use, and whether it was revoked."""

    id: str
    name: str
    prefix: str
    sets: tuple[str, ...]
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _key(row) -> ApiKey:
    return ApiKey(
        row.id, row.name, row.prefix or "", tuple(json.loads(row.sets or "[]")), row.created_at, row.revoked_at
    )


def _store_call(method):
    """A database call whose failure is KeyStoreUnavailable (with the reason, noted as the history's are)."""

    @functools.wraps(method)
    async def call(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except (TimeoutError, sa.exc.SQLAlchemyError, OSError, ConnectionError) as exc:
            self.failed(exc)
            raise KeyStoreUnavailable(self.problem) from None

    return call


class ApiKeys(Database):
    """The key table and the API's answers on one database connection."""

    def __init__(self, url: str, where: str, sqlite_path=None):
        super().__init__(url, where)
        self.sqlite_path = sqlite_path

    def exists(self) -> bool:
        """Whether there is a database to read: a SQLite file that was never made holds no key (and stays unmade)."""
        return self.sqlite_path is None or self.sqlite_path.exists()

    async def _usable(self) -> None:
        if not await self.ready():
            raise KeyStoreUnavailable(self.problem or f"the database at {self.where} cannot be reached")

    @_store_call
    async def create(self, name: str, sets: list[str]) -> str:
        """Make a key named `name` for `sets`; return the key, which is not stored and cannot be shown again."""
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX:
            raise ValueError(f"A key's name is 1 to {NAME_MAX} characters, such as intranet or slack-bot.")
        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        await self._usable()
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        async with self.writing() as conn:
            taken = await conn.execute(
                sa.select(api_keys.c.id).where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
            )
            if taken.first():
                raise ValueError(f"A key named {name!r} exists already; revoke it first or choose another name.")
            await conn.execute(
                sa.insert(api_keys).values(
                    id=str(uuid.uuid4()),
                    name=name,
                    key_hash=key_hash(key),
                    prefix=key[: len(KEY_PREFIX) + 4],
                    sets=json.dumps(sorted(set(sets))),
                    created_at=now(),
                )
            )
        return key

    @_store_call
    async def keys(self) -> list[ApiKey]:
        """Every key made, revoked ones included, oldest first."""
        if not self.exists():
            return []
        await self._usable()
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sa.select(api_keys).order_by(api_keys.c.created_at))).all()
        return [_key(r) for r in rows]

    @_store_call
    async def revoke(self, name: str) -> int:
        """Revoke the active key(s) named `name`; how many were revoked."""
        if not self.exists():
            return 0
        await self._usable()
        async with self.writing() as conn:
            result = await conn.execute(
                sa.update(api_keys)
                .where(api_keys.c.name == " ".join(name.split()), api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now())
            )
        return result.rowcount

    @_store_call
    async def find(self, key: str) -> ApiKey | None:
        """The stored key `key` is (revoked or not), or None for a key never made here."""
        if not self.exists():
            return None
        await self._usable()
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(api_keys).where(api_keys.c.key_hash == key_hash(key)))).first()
        return _key(row) if row else None

    @_store_call
    async def any_active(self) -> bool:
        """Whether any key may be used: without one the API is off."""
        if not self.exists():
            return False
        await self._usable()
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(api_keys.c.id).where(api_keys.c.revoked_at.is_(None)).limit(1))).first()
        return row is not None

    @_store_call
    async def record_answer(self, key_name: str, model: str, record: dict) -> None:
        """Keep one answer the API gave, with the name of the key that asked."""
        await self._usable()
        async with self.writing() as conn:
            await conn.execute(
                sa.insert(api_answers).values(
                    id=str(uuid.uuid4()), key_name=key_name, model=model, created_at=now(), record=json.dumps(record)
                )
            )

    @_store_call
    async def answer_rows(self, since: str | None = None) -> list[dict]:
        """Stored API answers, oldest first: dicts with key_name, model, created_at and the record."""
        if not self.exists():
            return []
        await self._usable()
        query = sa.select(api_answers).order_by(api_answers.c.created_at)
        if since:
            query = query.where(api_answers.c.created_at >= since)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            {"answer_id": r.id, "key_name": r.key_name, "model": r.model, "created_at": r.created_at}
            | json.loads(r.record)
            for r in rows
        ]


def api_keys_for(settings) -> ApiKeys:
    """The key store of `settings`' history database (the SQLite file is made only when a key is)."""
    url, where, path = database_location(settings)
    return ApiKeys(url, where, path)
