"""Calendar: outbox methods, one fair item per event, one live feed per account (CALENDAR)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import CALENDAR
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-26T22:59:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "calendar constraints"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(CALENDAR)

    manager.add_raw(add_rules)
    return manager
