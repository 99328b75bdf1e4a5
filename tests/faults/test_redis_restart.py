"""Redis restarted mid-run (the private one, nothing persisted): the queued matching job is
lost with it. The API reports not ready while Redis is away and ready again after, the worker
reconnects by itself, and the reconciler re-queues the run from the database: it ends with
one set of interviews."""

from __future__ import annotations

import asyncio
import signal
import time

import asyncpg
import httpx
import redis.asyncio

from fairs.services.matching import job_id
from tests.faults.conftest import FAULTS, kill_group

pytestmark = FAULTS


async def wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.2)


async def test_a_job_lost_with_redis_is_requeued_from_the_database_and_runs_once(stack):
    seeded = await stack.seed("matching")
    base = await stack.start_api(FAIRS_DB_POOL_SIZE="3")
    worker = stack.start_worker(FAIRS_STALE_RUN_AFTER_SECONDS="2")
    queue = redis.asyncio.Redis.from_url(stack.redis.url())
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        # the worker is up (its health-check key), then frozen so the job stays queued in Redis
        await wait_for(lambda: queue.keys("arq:health-check*"), 30, "the worker never started")
        kill_group(worker, signal.SIGSTOP)
        started = await client.post(f"/events/{seeded['event_id']}/match-runs", headers=seeded["organizer"])
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        assert await queue.exists(f"arq:job:{job_id(run_id)}") == 1  # queued in Redis, and only there
        await queue.aclose()

        stack.redis.kill()
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"]["ok"] is False
        assert (await client.get(f"/match-runs/{run_id}", headers=seeded["organizer"])).status_code == 200
        stack.redis.start()  # empty: the job is gone
        kill_group(worker, signal.SIGCONT)

        await wait_for(lambda: _ready(client), 15, "the API did not see Redis come back")
        run: dict = {}

        async def finished() -> bool:
            run.update((await client.get(f"/match-runs/{run_id}", headers=seeded["organizer"])).json())
            return run["status"] in ("succeeded", "failed")

        await wait_for(finished, 40, f"the run was not re-queued and run: {stack.log_tail('worker')}")
    assert run["status"] == "succeeded", run
    assert worker.poll() is None, "the worker stopped instead of reconnecting"
    connection = await asyncpg.connect(stack.url)
    try:
        slots = await connection.fetchval("SELECT count(*) FROM interview_slot")
        pairs = await connection.fetchval("SELECT count(DISTINCT (attendee, organization)) FROM interview_slot")
        runs = await connection.fetchval("SELECT count(*) FROM match_run")
    finally:
        await connection.close()
    assert slots == pairs == run["metrics"]["interviews_created"] > 0
    assert runs == 1


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200
