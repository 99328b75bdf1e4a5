"""Training: cohort and enrollment states, one active enrollment per person and cohort, one
calendar item per enrollment (TRAINING)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import TRAINING
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-26T23:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "training constraints"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(TRAINING)

    manager.add_raw(add_rules)
    return manager
