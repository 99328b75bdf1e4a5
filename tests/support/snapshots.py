"""The whole database as plain data, to prove that a refused request wrote nothing."""

from __future__ import annotations

from typing import Any

from fairs.db.tables import TABLES


async def database_snapshot() -> dict[str, list[dict[str, Any]]]:
    return {t._meta.tablename: await t.select().order_by(t._meta.primary_key) for t in TABLES}
