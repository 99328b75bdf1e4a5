"""Real processes against real services. Helpers shared by the PostgreSQL-only tests here."""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit, urlunsplit


def database_beside_the_suites(name: str) -> str:
    """The URL of database ``name`` on the suite's PostgreSQL (never the suite's own database)."""
    base = urlsplit(os.environ["FAIRS_TEST_DATABASE_URL"].replace("postgres://", "postgresql://", 1))
    return urlunsplit(base._replace(path=f"/{name}"))


def as_admin(sql: str) -> None:
    """Run ``sql`` on the suite's PostgreSQL server, connected to its ``postgres`` database
    (CREATE / DROP DATABASE)."""
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(database_beside_the_suites("postgres"), timeout=5)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())
