"""A slow database link (the asyncio proxy of tests/faults/proxy.py adding 2 s per chunk):
requests answer 503 with Retry-After within FAIRS_DB_TIMEOUT_SECONDS plus a margin instead of
piling up, the API never opens more connections than its pool, and once the link is quick
again requests succeed."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx

from tests.faults.conftest import FAULTS
from tests.faults.proxy import SlowProxy

pytestmark = FAULTS
BACKENDS = {"most": 0}
POOL = 3
TIMEOUT = 1.0


async def test_a_slow_database_answers_503_quickly_and_the_api_recovers(stack):
    seeded = await stack.seed("booths")
    proxy = SlowProxy(stack.postgres.port)
    port = await proxy.start()
    try:
        base = await stack.start_api(database_url=f"postgresql://postgres@127.0.0.1:{port}/{stack.database}",
                                     FAIRS_DB_POOL_SIZE=str(POOL), FAIRS_DB_TIMEOUT_SECONDS=str(TIMEOUT))
        path = f"/events/{seeded['event_id']}/booths"
        async with httpx.AsyncClient(base_url=base, timeout=20) as client:
            assert (await client.get(path)).status_code == 200

            async def timed(call):
                started = time.monotonic()
                answer = await call
                return answer, time.monotonic() - started

            proxy.delay = 2.0
            sampling = asyncio.create_task(most_backends(stack))
            slow = await asyncio.gather(*[timed(client.get(path)) for _ in range(20)],
                                        *[timed(client.post(f"/events/{seeded['event_id']}/reservations",
                                                            headers=h, json={"booth_id": seeded["booth_ids"][0]}))
                                          for h in seeded["employers"][:5]])
            codes = sorted({answer.status_code for answer, _ in slow})
            assert codes == [503], [(a.status_code, a.text[:200]) for a, _ in slow if a.status_code != 503]
            assert all(answer.headers["Retry-After"] for answer, _ in slow)
            assert {answer.json()["type"].rsplit("/", 1)[-1] for answer, _ in slow} <= {
                "database_timeout", "database_unavailable"}
            longest = max(seconds for _, seconds in slow)
            assert longest < TIMEOUT * 2 + 4.5, longest  # a statement or a wait, then the clean-up: no pile-up
            sampling.cancel()
            assert 0 < BACKENDS["most"] <= POOL, BACKENDS  # the pool's connections, never more

            proxy.delay = 0.0
            deadline = time.monotonic() + 20
            while (await client.get(path)).status_code != 200:
                assert time.monotonic() < deadline, "the API did not recover once the database was quick again"
                await asyncio.sleep(0.2)
            answers = await asyncio.gather(*[client.get(path) for _ in range(20)])
            assert [a.status_code for a in answers] == [200] * 20
            held = await client.post(f"/events/{seeded['event_id']}/reservations", headers=seeded["employers"][0],
                                     json={"booth_id": seeded["booth_ids"][0]})
            assert held.status_code in (201, 409), held.text
    finally:
        await proxy.close()


async def most_backends(stack) -> None:
    """The most server connections the API's pool holds to its database at once (sampled
    directly, not through the proxy), into BACKENDS until cancelled. Not counted: the one
    connection that listens for account changes (fairs/services/known_actors.py), and the
    short one that sends it a probe when it (re)connects."""
    BACKENDS["most"] = 0
    connection = await asyncpg.connect(stack.postgres.url())
    try:
        while True:
            count = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' "
                "AND query NOT LIKE 'LISTEN %' AND query NOT LIKE 'SELECT pg_notify(%'", stack.database)
            BACKENDS["most"] = max(BACKENDS["most"], count)
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
