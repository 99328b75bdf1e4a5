"""The outbox's indexes, and PostgreSQL's index of interviews by outcome, hold only the rows
their queries read (LEANER_INDEXES): a new invitation or interview needs fewer entries."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import LEANER_INDEXES
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-27T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox and interview-outcome indexes only for the rows read through them"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(LEANER_INDEXES)

    manager.add_raw(add_rules)
    return manager
