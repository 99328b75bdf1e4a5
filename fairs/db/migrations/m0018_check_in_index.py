"""Check-ins: the latest arrivals of an event, by time (CHECK_INS)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import CHECK_INS
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-27T01:31:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "check-in index"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(CHECK_INS)

    manager.add_raw(add_rules)
    return manager
