"""Constraints of booth allocation (fairs/db/constraints.py: BOOTHS), per engine."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import BOOTHS
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-26T20:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "booth constraints"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)
    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(BOOTHS)

    manager.add_raw(add_rules)
    return manager
