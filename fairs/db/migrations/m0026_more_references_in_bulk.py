"""PostgreSQL: the rest of the foreign keys a matching run writes empty (an interview's hired
position and outcome recorder; a calendar item's booth reservation, training enrollment and
tour ride; an invitation's calendar item) checked per statement too (INTERVIEW_, CALENDAR_,
OUTBOX_REFERENCES_IN_BULK, which replace what m0024 made)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import CALENDAR_REFERENCES_IN_BULK, INTERVIEW_REFERENCES_IN_BULK, OUTBOX_REFERENCES_IN_BULK
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-27T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the empty references of a matching run's rows checked per statement"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(INTERVIEW_REFERENCES_IN_BULK)
        await apply_rules(CALENDAR_REFERENCES_IN_BULK)
        await apply_rules(OUTBOX_REFERENCES_IN_BULK)

    manager.add_raw(add_rules)
    return manager
