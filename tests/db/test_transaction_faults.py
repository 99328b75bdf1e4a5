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


async def test_a_rollback_cancelled_midway_gives_its_connection_back(monkeypatch):
    rolling_back = asyncio.Event()

    async def slow_rollback(self):  # noqa: ANN001 - a rollback still in flight when the task is cancelled
        rolling_back.set()
        await asyncio.sleep(30)

    monkeypatch.setattr(PostgresTransaction, "rollback", slow_rollback)

    async def failing_request() -> None:
        async with write_transaction():
            await Organization.count()
            raise ValueError("the request failed")

    for _ in range(_pool().get_max_size() + 2):
        rolling_back.clear()
        task = asyncio.create_task(failing_request())
        await asyncio.wait_for(rolling_back.wait(), 5)  # a leaking pool: the 21st never gets a connection
        task.cancel()
        with pytest.raises((asyncio.CancelledError, ValueError)):
            await task
    monkeypatch.undo()
    await _still_serves()


async def test_a_begin_cancelled_midway_gives_its_connection_back(monkeypatch):
    beginning = asyncio.Event()
    real_begin = PostgresTransaction.begin

    async def slow_begin(self):  # noqa: ANN001
        beginning.set()
        await asyncio.sleep(30)
        await real_begin(self)

    monkeypatch.setattr(PostgresTransaction, "begin", slow_begin)

    async def request() -> None:
        async with write_transaction():
            raise AssertionError("never entered")

    for _ in range(_pool().get_max_size() + 2):
        beginning.clear()
        task = asyncio.create_task(request())
        await asyncio.wait_for(beginning.wait(), 5)  # a leaking pool: the 21st never gets a connection
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    monkeypatch.undo()
    await _still_serves()
