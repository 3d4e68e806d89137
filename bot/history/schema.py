"""The history database's tables and their migrations, shared by SQLite and PostgreSQL (see `bot.history.store`).

Migrations: the `meta` table holds the schema version. At start, missing tables are created (never
dropped), then each step of `MIGRATIONS` above the stored version runs, in the same transaction, and the
version is raised. A step may only add (columns, indexes): a new column goes into its table below *and*
into a step here, so a fresh database gets it from `create_all` and an old one from the step. An
upgrade therefore keeps every old conversation; a database from a newer version is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

SCHEMA_VERSION = 1
# version -> SQL that brings the schema from version-1 to it (additions only). Version 1 is create_all.
MIGRATIONS: dict[int, list[str]] = {}

meta = sa.MetaData()
sa.Table("meta", meta, sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text))
users = sa.Table(
    "users",
    meta,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("identifier", sa.String(255), unique=True, nullable=False),
    sa.Column("metadata", sa.Text),
    sa.Column("created_at", sa.String(32)),
)
threads = sa.Table(
    "threads",
    meta,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("user_id", sa.String(36), index=True),
    sa.Column("user_identifier", sa.String(255)),
    sa.Column("tags", sa.Text),
    sa.Column("metadata", sa.Text),
    sa.Column("created_at", sa.String(32), index=True),
    sa.Column("updated_at", sa.String(32), index=True),
)
steps = sa.Table(
    "steps",
    meta,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("thread_id", sa.String(64), index=True),
    sa.Column("type", sa.String(32)),
    sa.Column("created_at", sa.String(32)),
    sa.Column("data", sa.Text),  # the whole step as Chainlit gives it, JSON
)
elements = sa.Table(
    "elements",
    meta,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("thread_id", sa.String(64), index=True),
    sa.Column("content", sa.Text),
    sa.Column("data", sa.Text),
)
feedback_table = sa.Table(
    "feedback",
    meta,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("step_id", sa.String(64), index=True),
    sa.Column("thread_id", sa.String(64), index=True),
    sa.Column("user_identifier", sa.String(255)),
    sa.Column("value", sa.Integer),
    sa.Column("comment", sa.Text),
    sa.Column("created_at", sa.String(32), index=True),
    sa.Column("record", sa.Text),  # question, turns, answer, sources, answerer: JSON (see bot.history.ratings)
)

# The OpenAI-compatible API (`bot.history.api_keys`): keys, stored as their SHA-256 only, and the answers given.
# New tables need no migration step: `create_all` adds a missing table to an older database.
api_keys = sa.Table(
    "api_keys",
    meta,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(255), index=True, nullable=False),
    sa.Column("key_hash", sa.String(64), unique=True, nullable=False),
    sa.Column("prefix", sa.String(16)),  # the key's first characters, to tell keys apart in `bot api-key list`
    sa.Column("sets", sa.Text),  # JSON list of the document sets the key may use
    sa.Column("created_at", sa.String(32)),
    sa.Column("revoked_at", sa.String(32)),
)
api_answers = sa.Table(
    "api_answers",
    meta,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("key_name", sa.String(255), index=True),
    sa.Column("model", sa.String(255)),  # the document set asked
    sa.Column("created_at", sa.String(32), index=True),
    sa.Column("record", sa.Text),  # question, turns, answer, sources, answerer: JSON (bot.history.transcript)
)


def now() -> str:
    """UTC time as ISO text: sorts as text, reads the same on SQLite and PostgreSQL."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def async_url(url: str) -> str:
    """The SQLAlchemy URL with an async driver: `postgresql://` gets asyncpg, `sqlite://` aiosqlite."""
    for plain, driver in (("postgresql://", "postgresql+asyncpg://"), ("postgres://", "postgresql+asyncpg://")):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url.replace("sqlite://", "sqlite+aiosqlite://", 1) if url.startswith("sqlite://") else url


def describe_failure(exc: BaseException, where: str) -> str:
    """One line for the user and the log: what is wrong with the database, naming the file or server."""
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
    low = text.lower()
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return f"{where} is damaged or not a SQLite database ({text}); move it away and a new one is made."
    if "locked" in low:
        return f"{where} is locked by another program ({text})."
    if "unable to open" in low or "readonly" in low or "read-only" in low:
        return f"{where} cannot be opened for writing ({text})."
    return f"the database at {where} cannot be reached ({type(exc).__name__}: {text})."


def sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL: readers never wait for the writer, and a killed process loses at most the write in flight.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


async def migrate(conn) -> None:
    """Create missing tables, then bring an older schema up to `SCHEMA_VERSION` (additions only)."""
    await conn.run_sync(meta.create_all)
    version_table = meta.tables["meta"]
    row = (await conn.execute(sa.select(version_table.c.value).where(version_table.c.key == "schema"))).first()
    version = int(row[0]) if row else None
    if version is None:
        await conn.execute(sa.insert(version_table).values(key="schema", value=str(SCHEMA_VERSION)))
        return
    if version > SCHEMA_VERSION:
        raise sa.exc.DatabaseError(
            f"schema version {version} is newer than this app's {SCHEMA_VERSION}", None, Exception("newer")
        )
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS.get(step, []):
            await conn.execute(sa.text(statement))
    if version < SCHEMA_VERSION:
        await conn.execute(
            sa.update(version_table).where(version_table.c.key == "schema").values(value=str(SCHEMA_VERSION))
        )
