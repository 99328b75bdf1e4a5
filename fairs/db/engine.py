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


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"
