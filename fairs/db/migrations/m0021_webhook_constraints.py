"""Webhooks: delivery states, an event once per endpoint, endpoint URLs, and the indexes that
find an area's endpoints, the deliveries due and an endpoint's log (WEBHOOKS)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from fairs.db.constraints import WEBHOOKS
from fairs.db.migrations.m0002_constraints import apply_rules

ID = "2026-11-27T03:57:11:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook constraints"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)

    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(WEBHOOKS)

    manager.add_raw(add_rules)
    return manager
