"""Accounts and areas notify the API processes when they change (ACTOR_NOTICES)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import ACTOR_NOTICES
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-27T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "account and area changes notify the API processes"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(ACTOR_NOTICES)

    manager.add_raw(add_rules)
    return manager
