"""Village tours: plan, enterprise and ride states, one active plan job per campaign, one row
per village, enterprise, bus-day, stop, rider and ride, one calendar item per ride (TOURS);
booth reservations made by a tour plan (source ``tour``)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import TOURS
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-27T00:37:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "village tour constraints"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(TOURS)

    manager.add_raw(add_rules)
    return manager
