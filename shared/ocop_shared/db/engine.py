"""Async SQLAlchemy engines for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import BigInteger, Integer, MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from ..secrets import Secret

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Auto-incrementing big integer that SQLite also accepts as a rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, password: Secret | None = None, **kwargs: Any) -> AsyncEngine:
    """An engine for `url`; with `password`, each new connection logs in with its current value
    (read again from its file: a rotated password needs no restart)."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if password is not None:
        @event.listens_for(engine.sync_engine, "do_connect")
        def _current_password(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
            cparams["password"] = password.current()
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off so that BEGIN IMMEDIATE
    # below takes the write lock up front (no "database is locked" on upgrade).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


# Names of the tables a session's transaction wrote, in `session.info` (read by UnitOfWork).
WRITTEN_TABLES = "ocop.written_tables"


class TrackingSession(Session):
    """A session that notes which tables its INSERT, UPDATE and DELETE statements touch."""


@event.listens_for(TrackingSession, "do_orm_execute")
def _note_written_table(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            state.session.info.setdefault(WRITTEN_TABLES, set()).add(table.name)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=TrackingSession)


def upsert_insert(session: AsyncSession, table: Table) -> Any:
    """An INSERT of the session's dialect that can take ON CONFLICT (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (the result of one is a CursorResult, which
    `AsyncSession.execute`'s signature does not say)."""
    return cast(CursorResult[Any], result).rowcount
