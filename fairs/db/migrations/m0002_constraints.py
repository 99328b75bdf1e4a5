"""Constraints, unique indexes and the interview no-overlap rule (see fairs/db/constraints.py).

Written as raw SQL per engine: Piccolo cannot declare partial indexes or exclusion
constraints, and its constraint migrations do not run on SQLite.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from fairs.db.constraints import FOUNDATION, RuleSet, postgres_statements, sqlite_statements

ID = "2026-11-26T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints"


async def apply_rules(rules: RuleSet) -> None:
    """Write ``rules`` for the engine in use (later migrations call this too)."""
    engine = engine_finder()
    assert engine is not None
    sqlite = engine.engine_type == "sqlite"
    for statement in sqlite_statements(rules) if sqlite else postgres_statements(rules):
        if statement.startswith("PRAGMA"):
            # journal_mode cannot change inside the migration's transaction.
            await engine._run_in_new_connection(statement)
        else:
            await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="fairs", description=DESCRIPTION)
    async def add_rules() -> None:  # add_raw awaits only coroutine functions, not lambdas returning one
        await apply_rules(FOUNDATION)

    manager.add_raw(add_rules)
    return manager
