"""Which database the tables talk to, built from ``FAIRS_DATABASE_URL``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

LOCK_TIMEOUT_MS = 3000


def engine_for(url: str, statement_cache_size: int = 100) -> Engine:
    """A Piccolo engine for ``url`` (``sqlite:///path`` or ``postgresql://…``).
    ``statement_cache_size``: asyncpg's prepared statements kept per connection (0 behind
    PgBouncer in transaction pooling, where the next transaction may find another server
    connection)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: how long a writer waits for the write lock before "database is locked".
        return SQLiteEngine(path=str(path), timeout=30)
    # A lock wait longer than this is answered "busy, try again" (409), never a hung request.
    return PostgresEngine(config={"dsn": url.replace("postgres://", "postgresql://", 1),
                                  "server_settings": {"lock_timeout": str(LOCK_TIMEOUT_MS)},
                                  "statement_cache_size": statement_cache_size})


async def open_pool(engine: Engine, min_size: int, max_size: int, db_timeout: float | None = None) -> None:
    """Start the PostgreSQL engine's connection pool (connections are reset with
    :func:`_keep_session` when they go back to it).

    ``db_timeout`` (seconds; the API's ``FAIRS_DB_TIMEOUT_SECONDS``): how long a statement may
    take (asyncpg's ``command_timeout``) and how long taking a connection from the pool may
    wait. Either raises :class:`TimeoutError`, answered 503 with Retry-After, so a slow
    database makes requests fail fast instead of piling up. Workers pass none: their jobs
    may legitimately run long statements."""
    options: dict[str, object] = {"command_timeout": db_timeout} if db_timeout else {}
    await engine.start_connection_pool(min_size=min_size, max_size=max_size, reset=_keep_session, **options)
    if db_timeout:  # Piccolo acquires with ``pool.acquire()``, without a timeout
        _acquire_within(engine.pool, db_timeout)


def _acquire_within(pool: Any, seconds: float) -> None:
    """Make ``pool.acquire()`` wait at most ``seconds`` unless told otherwise (asyncpg's pool
    has slots: its class is swapped for a subclass that only changes that default)."""
    base = type(pool)

    def acquire(self: Any, *, timeout: float | None = None) -> Any:
        return base.acquire(self, timeout=seconds if timeout is None else timeout)

    pool.__class__ = type("PoolWithAcquireTimeout", (base,), {"__slots__": (), "acquire": acquire})


async def _keep_session(connection: object) -> None:
    """What a pooled connection is reset with when it goes back to the pool: nothing more
    than asyncpg's own clean-up (any open transaction rolled back). asyncpg's default also
    sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` — a round trip after
    every query — for session state fairs never creates: its advisory locks are
    transaction-scoped, it opens no cursors outside transactions, listens to nothing, and sets
    its one setting (``lock_timeout``) at connection start-up."""


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"
