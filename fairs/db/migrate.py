"""Apply migrations and tell whether any are pending (for /readyz)."""

from __future__ import annotations

import os

os.environ.setdefault("PICCOLO_CONF", "fairs.db.piccolo_conf")

from piccolo.apps.migrations.commands.base import BaseMigrationManager  # noqa: E402
from piccolo.apps.migrations.commands.forwards import run_forwards  # noqa: E402
from piccolo.apps.migrations.tables import Migration  # noqa: E402

APP = "fairs"


async def apply_migrations() -> None:
    """Run every migration not yet applied; raise if one fails."""
    result = await run_forwards(app_name=APP)
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def pending_migrations() -> list[str]:
    """IDs of the migrations in the code that the database has not run."""
    manager = BaseMigrationManager()
    app_config = manager.get_app_config(APP)
    known = manager.get_migration_ids(manager.get_migration_modules(app_config.migrations_folder_path))
    if not await Migration.table_exists():
        return known
    ran = set(await Migration.get_migrations_which_ran(app_name=APP))
    return [m for m in known if m not in ran]
