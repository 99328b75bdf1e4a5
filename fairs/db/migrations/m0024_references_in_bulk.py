"""Interviews and their calendar items: the references a matching run writes checked per statement on
PostgreSQL (INTERVIEW_REFERENCES_IN_BULK, CALENDAR_REFERENCES_IN_BULK)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import CALENDAR_REFERENCES_IN_BULK, INTERVIEW_REFERENCES_IN_BULK
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-27T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "interview and calendar item references checked per statement"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(INTERVIEW_REFERENCES_IN_BULK)
        await apply_rules(CALENDAR_REFERENCES_IN_BULK)

    manager.add_raw(add_rules)
    return manager
