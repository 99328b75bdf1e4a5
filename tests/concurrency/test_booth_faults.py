"""Connections killed mid-flight while employers rush for booths, clients retrying with their
Idempotency-Key: no double booking, no orphan holds, and every client ends with a definite
answer (201 with its reservation, or 409)."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg
import pytest

from fairs.db.tables import BoothReservation
from tests.concurrency.test_booth_contention import active_per_booth, crowd
from tests.conftest import DATABASE_URL

pytestmark = pytest.mark.postgres


async def kill_backends(stop: asyncio.Event, ready: asyncio.Event, rounds: int = 25) -> int:
    """Terminate the test database's other busy connections, ``rounds`` times, 10 ms apart
    (a bounded storm: after it, retries must converge). ``ready`` is set once the killer is
    connected: the rush waits for it (on a loaded machine the connection once took longer
    than the whole rush, and nothing was killed)."""
    killer = await asyncpg.connect(DATABASE_URL)
    ready.set()
    killed = 0
    try:
        for _ in range(rounds):
            if stop.is_set():
                break
            killed += await killer.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')")
            await asyncio.sleep(0.01)
    finally:
        await killer.close()
    return killed


async def test_killed_connections_and_retries_never_double_book_nor_orphan_a_hold(client):
    event_id, booth_ids, headers = await crowd(client, 60, 10)
    path = f"/events/{event_id}/reservations"

    async def employer(i: int, h: dict[str, str]) -> tuple[int, dict]:
        keyed = {**h, "Idempotency-Key": f"rush-{i:04d}-first-click"}
        for _attempt in range(100):
            answer = await client.post(path, headers=keyed, json={"booth_id": booth_ids[i % len(booth_ids)]})
            if answer.status_code in (201, 409):
                return answer.status_code, answer.json()
            assert answer.status_code == 503, answer.text  # a lost connection, never a 500
            await asyncio.sleep(0.01)
        raise AssertionError("no definite answer after 100 tries")

    stop, ready = asyncio.Event(), asyncio.Event()
    killer = asyncio.create_task(kill_backends(stop, ready))
    await asyncio.wait_for(ready.wait(), 30)
    try:
        answers = await asyncio.gather(*[employer(i, h) for i, h in enumerate(headers)])
    finally:
        stop.set()
        killed = await killer
    codes = Counter(code for code, _ in answers)
    assert codes == Counter({201: 10, 409: 50})
    assert await active_per_booth() == Counter({b: 1 for b in booth_ids})
    # no orphans: every active reservation is one that its client was told it has
    told = sorted(body["id"] for code, body in answers if code == 201)
    active = sorted(r["id"] for r in await BoothReservation.select(BoothReservation.id).where(
        BoothReservation.status.is_in(["held", "confirmed"])))
    assert active == told
    assert killed > 0, "the fault was not injected"
