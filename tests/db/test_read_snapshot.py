"""``read_snapshot``: hot reads on SQLite go through kept read-only connections.

The rules a kept connection must keep: it sees every commit made before the snapshot starts
(never a stale snapshot from an earlier use), it refuses writes, a failing read leaves it
usable, readers at once each get their own, and no more than ``READERS_KEPT`` are kept.
On PostgreSQL it is a no-op (pooled connections); the same reads must give the same rows.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from fairs.db.engine import READERS_KEPT, close_readers, is_sqlite, kept_readers, read_snapshot
from fairs.db.tables import Area

T0 = datetime(2027, 3, 1, tzinfo=UTC)


def _engine():
    return Area._meta.db


def _kept() -> list:
    return kept_readers(_engine())


async def _add_area(code: str) -> None:
    await Area(code=code, name=f"区{code[-3:]}", level="city", path=code, created_at=T0).save()


async def _codes() -> list[str]:
    return [row["code"] for row in await Area.raw("SELECT code FROM area ORDER BY code")]


async def test_a_snapshot_sees_what_was_committed_before_it_each_time() -> None:
    await close_readers(_engine())
    await _add_area("430200000001")
    async with read_snapshot(_engine()):
        assert await _codes() == ["430200000001"]
    await _add_area("430200000002")  # committed between two uses of the same kept connection
    async with read_snapshot(_engine()):
        assert await _codes() == ["430200000001", "430200000002"]
    if is_sqlite(_engine()):
        assert len(_kept()) == 1


async def test_inside_a_snapshot_a_commit_made_meanwhile_is_not_seen() -> None:
    if not is_sqlite(_engine()):
        pytest.skip("PostgreSQL reads outside a transaction: one statement, one snapshot")
    await _add_area("430200000001")
    async with read_snapshot(_engine()):
        assert await _codes() == ["430200000001"]
        await asyncio.create_task(_add_area_elsewhere("430200000002"))
        assert await _codes() == ["430200000001"]
    async with read_snapshot(_engine()):
        assert await _codes() == ["430200000001", "430200000002"]


async def _add_area_elsewhere(code: str) -> None:
    """A write from another task (its own context: not inside the snapshot)."""
    from contextvars import copy_context

    engine = _engine()
    context = copy_context()
    context.run(engine.current_transaction.set, None)
    await asyncio.get_running_loop().create_task(_add_area(code), context=context)


async def test_a_kept_connection_refuses_writes() -> None:
    if not is_sqlite(_engine()):
        pytest.skip("SQLite only")
    with pytest.raises(Exception, match="readonly|read-only|query_only"):
        async with read_snapshot(_engine()):
            await _add_area("430200000009")
    assert await _codes() == []
    async with read_snapshot(_engine()):  # and stays usable
        assert await _codes() == []


async def test_a_failing_read_leaves_the_connection_usable() -> None:
    await _add_area("430200000001")
    with pytest.raises(LookupError):
        async with read_snapshot(_engine()):
            assert await _codes() == ["430200000001"]
            raise LookupError("not found")
    async with read_snapshot(_engine()):
        assert await _codes() == ["430200000001"]


async def test_readers_at_once_each_have_a_connection_and_few_are_kept() -> None:
    if not is_sqlite(_engine()):
        pytest.skip("SQLite only")
    await close_readers(_engine())
    await _add_area("430200000001")
    held = asyncio.Event()
    inside = 0

    async def reader() -> list[str]:
        nonlocal inside
        async with read_snapshot(_engine()):
            inside += 1
            if inside == READERS_KEPT + 2:
                held.set()
            await held.wait()  # every reader is inside before any leaves
            connection = _engine().current_transaction.get().connection
            return [id(connection), *await _codes()]

    answers = await asyncio.wait_for(asyncio.gather(*(reader() for _ in range(READERS_KEPT + 2))), 10)
    assert len({answer[0] for answer in answers}) == READERS_KEPT + 2
    assert all(answer[1:] == ["430200000001"] for answer in answers)
    assert len(_kept()) == READERS_KEPT
    await close_readers(_engine())
    assert _kept() == []


async def test_inside_a_write_transaction_it_reads_that_transaction() -> None:
    async with _engine().transaction():
        await _add_area("430200000001")
        async with read_snapshot(_engine()):
            assert await _codes() == ["430200000001"]
