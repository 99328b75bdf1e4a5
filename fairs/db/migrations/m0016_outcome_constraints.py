"""Outcomes: interview outcomes (a hire names its position and start date), follow-up kinds,
states and one task per interview or registration and kind, walk-in queue numbers (OUTCOMES)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import OUTCOMES
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-27T01:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outcome constraints"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(OUTCOMES)

    manager.add_raw(add_rules)
    return manager
