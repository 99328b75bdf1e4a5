"""Ids drawn in bulk for rows written by COPY (``transactions.new_ids``): as many as asked,
all distinct, never one the table's own default hands out, also while another transaction
draws at the same time."""

from __future__ import annotations

import asyncio

from fairs.db.tables import Outbox
from fairs.db.transactions import copy_rows, new_ids, write_transaction
from tests.conftest import ENGINE


async def _write_with_drawn_ids(count: int, tag: str, drawn: asyncio.Event | None = None,
                                go_on: asyncio.Event | None = None) -> list[int]:
    async with write_transaction():
        ids = await new_ids(Outbox, count)
        if drawn and go_on:
            drawn.set()
            await go_on.wait()
        await copy_rows(Outbox, ("id", "idempotency_key", "channel"),
                        [(i, f"{tag}:{n}", "sms") for n, i in enumerate(ids)])
    return ids


async def test_drawn_ids_are_distinct_and_the_rows_keep_them():
    await Outbox(idempotency_key="before", channel="sms").save()
    ids = await _write_with_drawn_ids(3000, "bulk")
    assert len(ids) == 3000 and len(set(ids)) == 3000
    assert ids == sorted(ids)
    assert await new_ids(Outbox, 0) == []
    after = Outbox(idempotency_key="after", channel="sms")
    await after.save()
    rows = await Outbox.select(Outbox.id, Outbox.idempotency_key)
    by_key = {r["idempotency_key"]: r["id"] for r in rows}
    assert [by_key[f"bulk:{n}"] for n in range(3000)] == ids
    assert by_key["before"] < ids[0] and by_key["after"] > ids[-1]  # the default never hands out a drawn id


async def test_ids_drawn_while_another_transaction_draws_and_inserts_never_collide():
    if ENGINE != "postgres":  # SQLite's write transactions take turns: nothing runs beside one
        ids = await asyncio.gather(_write_with_drawn_ids(500, "a"), _write_with_drawn_ids(500, "b"))
        assert not set(ids[0]) & set(ids[1])
        return
    drawn, go_on = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(_write_with_drawn_ids(2000, "a", drawn, go_on))
    await drawn.wait()  # the first holds its ids, uncommitted; the second draws and commits
    second = await _write_with_drawn_ids(2000, "b")
    single = Outbox(idempotency_key="single", channel="sms")
    await single.save()
    go_on.set()
    ids = await first
    assert not set(ids) & set(second) and single.id not in set(ids) | set(second)
    assert await Outbox.count() == 4001
