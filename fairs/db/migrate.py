"""Apply migrations and tell whether any are pending (for /readyz)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

os.environ.setdefault("PICCOLO_CONF", "fairs.db.piccolo_conf")

from piccolo.apps.migrations.commands.base import BaseMigrationManager  # noqa: E402
from piccolo.apps.migrations.commands.forwards import run_forwards  # noqa: E402
from piccolo.apps.migrations.tables import Migration  # noqa: E402

APP = "fairs"


MIGRATION_LOCK = 0x66616972  # "fair": the advisory lock one `fairs migrate` holds at a time


async def apply_migrations() -> None:
    """Run every migration not yet applied; raise if one fails.

    On PostgreSQL one migration at a time: a session advisory lock, held on a connection of its
    own, makes a second ``fairs migrate`` started meanwhile (two deploys, a Job retried while
    the first still runs) wait, then find nothing left to do."""
    async with _one_migrator():
        result = await run_forwards(app_name=APP)
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


@asynccontextmanager
async def _one_migrator() -> AsyncIterator[None]:
    engine = Migration._meta.db
    if engine.engine_type != "postgres":
        yield  # SQLite: one file, its own write lock
        return
    import asyncpg

    connection = await asyncpg.connect(**engine.config)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield
    finally:
        await connection.close()  # the lock goes with the session


async def pending_migrations() -> list[str]:
    """IDs of the migrations in the code that the database has not run."""
    manager = BaseMigrationManager()
    app_config = manager.get_app_config(APP)
    known = manager.get_migration_ids(manager.get_migration_modules(app_config.migrations_folder_path))
    if not await Migration.table_exists():
        return known
    ran = set(await Migration.get_migrations_which_ran(app_name=APP))
    return [m for m in known if m not in ran]
