"""A transaction that cannot begin, or whose rollback is cancelled, gives its pooled
connection back: otherwise each such failure keeps one connection for ever, the pool runs
dry and every request waits (in production after a PostgreSQL restart or a burst of
client disconnects; in the test suite, a session that hung at its end)."""

from __future__ import annotations

import asyncio

import pytest
from piccolo.engine.postgres import PostgresTransaction

from fairs.db.tables import Organization
from fairs.db.transactions import write_transaction
from tests.conftest import ENGINE

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="the connection pool is PostgreSQL's")


def _pool():  # type: ignore[no-untyped-def]
    return Organization._meta.db.pool


async def _still_serves() -> None:
    async with asyncio.timeout(5):
        async with write_transaction():
            assert await Organization.count() == 0


async def test_a_begin_that_fails_gives_its_connection_back(monkeypatch):
    async def dies(self):  # noqa: ANN001 - the backend went away between two requests
        raise ConnectionResetError("connection lost before BEGIN")

    monkeypatch.setattr(PostgresTransaction, "begin", dies)
    async with asyncio.timeout(10):  # a leaking pool would make the 21st wait for ever
        for _ in range(_pool().get_max_size() + 2):
            with pytest.raises(ConnectionResetError):
                async with write_transaction():
                    raise AssertionError("never entered")
    monkeypatch.undo()
    await _still_serves()


async def _cancelled_midway(monkeypatch, step: str, request) -> None:  # noqa: ANN001
    """Make the transaction's ``step`` hang, run ``request`` and cancel it there, more times
    than the pool has connections; then the pool must still serve."""
    reached = asyncio.Event()

    async def hangs(self):  # noqa: ANN001 - still in flight when the task is cancelled
        reached.set()
        await asyncio.sleep(30)

    monkeypatch.setattr(PostgresTransaction, step, hangs)
    for _ in range(_pool().get_max_size() + 2):
        reached.clear()
        task = asyncio.create_task(request())
        await asyncio.wait_for(reached.wait(), 5)  # a leaking pool: the 21st never gets a connection
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    monkeypatch.undo()
    await _still_serves()


async def test_a_rollback_cancelled_midway_gives_its_connection_back(monkeypatch):
    async def failing_request() -> None:
        async with write_transaction():
            await Organization.count()
            raise ValueError("the request failed")

    await _cancelled_midway(monkeypatch, "rollback", failing_request)


async def test_a_begin_cancelled_midway_gives_its_connection_back(monkeypatch):
    async def request() -> None:
        async with write_transaction():
            raise AssertionError("never entered")

    await _cancelled_midway(monkeypatch, "begin", request)
