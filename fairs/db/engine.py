"""Which database the tables talk to, built from ``FAIRS_DATABASE_URL``."""

from __future__ import annotations

from pathlib import Path

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine


def engine_for(url: str) -> Engine:
    """A Piccolo engine for ``url`` (``sqlite:///path`` or ``postgresql://…``)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: how long a writer waits for the write lock before "database is locked".
        return SQLiteEngine(path=str(path), timeout=30)
    return PostgresEngine(config={"dsn": url.replace("postgres://", "postgresql://", 1)})


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"
