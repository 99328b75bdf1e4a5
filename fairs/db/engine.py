"""Which database the tables talk to, built from ``FAIRS_DATABASE_URL``."""

from __future__ import annotations

from pathlib import Path

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

LOCK_TIMEOUT_MS = 3000


def engine_for(url: str) -> Engine:
    """A Piccolo engine for ``url`` (``sqlite:///path`` or ``postgresql://…``)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: how long a writer waits for the write lock before "database is locked".
        return SQLiteEngine(path=str(path), timeout=30)
    # A lock wait longer than this is answered "busy, try again" (409), never a hung request.
    return PostgresEngine(config={"dsn": url.replace("postgres://", "postgresql://", 1),
                                  "server_settings": {"lock_timeout": str(LOCK_TIMEOUT_MS)}})


async def open_pool(engine: Engine, min_size: int, max_size: int) -> None:
    """Start the PostgreSQL engine's connection pool (connections are reset with
    :func:`_keep_session` when they go back to it)."""
    await engine.start_connection_pool(min_size=min_size, max_size=max_size, reset=_keep_session)


async def _keep_session(connection: object) -> None:
    """What a pooled connection is reset with when it goes back to the pool: nothing more
    than asyncpg's own clean-up (any open transaction rolled back). asyncpg's default also
    sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` — a round trip after
    every query — for session state fairs never creates: its advisory locks are
    transaction-scoped, it opens no cursors outside transactions, listens to nothing, and sets
    its one setting (``lock_timeout``) at connection start-up."""


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"
