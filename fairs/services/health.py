"""What /readyz checks: the database answers, migrations are applied, Redis answers."""

from __future__ import annotations

from typing import Any

from fairs.db.migrate import pending_migrations
from fairs.db.tables import Organization


async def readiness(queue: Any) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    try:
        await Organization.raw("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as error:  # noqa: BLE001 - reported, not raised
        checks["database"] = {"ok": False, "error": type(error).__name__}
    try:
        pending = await pending_migrations()
        checks["migrations"] = {"ok": not pending, "pending": pending}
    except Exception as error:  # noqa: BLE001
        checks["migrations"] = {"ok": False, "error": type(error).__name__}
    try:
        await queue.pool.ping()
        checks["redis"] = {"ok": True}
    except Exception as error:  # noqa: BLE001
        checks["redis"] = {"ok": False, "error": type(error).__name__}
    return checks
