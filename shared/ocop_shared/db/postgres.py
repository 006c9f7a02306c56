"""Connections of the deploy tooling and the tests to PostgreSQL as its administrator (who
creates each service's database, owned by the service's role); services never use these."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from ..settings import Settings


def admin_dsn(settings: Settings, database: str | None = "postgres") -> str:
    """An asyncpg DSN of the administrator in OCOP_POSTGRES_URL, with its password (without
    a database when `database` is None: callers append "/<name>")."""
    url = make_url(settings.postgres_url.rstrip("/")).set(drivername="postgresql", database=database)
    password = settings.postgres_admin_password()
    if password is not None:
        url = url.set(password=password.current())
    return url.render_as_string(hide_password=False)


def role_of(settings: Settings, service: str) -> str:
    return settings.database_user or service


async def create_service_database(settings: Settings, service: str, database: str) -> None:
    """`database`, owned by the service's role, that no other role may connect to."""
    import asyncpg

    conn = await asyncpg.connect(admin_dsn(settings), timeout=10)
    try:
        role = role_of(settings, service)
        await conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
        await conn.execute(f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC')
    finally:
        await conn.close()


async def drop_database(settings: Settings, database: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_dsn(settings), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()
