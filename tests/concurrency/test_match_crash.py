"""A matching worker killed with SIGKILL in the middle of writing a festival's interviews:
the run's one transaction leaves nothing behind, and once arq hands the job to another
worker the run ends with exactly one set of slots and one invitation per slot."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fairs.db.tables import CalendarItem, InterviewSlot, MatchRun, Outbox
from fairs.services.matching import job_id
from fairs.services.progress import progress_key
from fairs.services.queue import RUN_MATCHING
from tests.conftest import DATABASE_URL, ENGINE, REDIS_URL

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="kills a real worker writing with COPY: PostgreSQL")


def start_worker(tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
    env.update({"FAIRS_DATABASE_URL": DATABASE_URL, "FAIRS_REDIS_URL": REDIS_URL, "FAIRS_VAR_DIR": str(tmp_path),
                "PICCOLO_CONF": "fairs.db.piccolo_conf", "FAIRS_LOG_LEVEL": "WARNING"})
    return subprocess.Popen([sys.executable, "-m", "fairs", "worker"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


async def phase_of(pool, run_id: int) -> str | None:
    raw = await pool.get(progress_key("match-run", run_id))
    return json.loads(raw)["phase"] if raw else None


async def test_a_worker_killed_while_writing_leaves_nothing_and_the_retry_writes_once(queue, tmp_path):
    from fairs.bench.matching import synthetic_matching
    from fairs.bench.matching_job import _write_festival

    await _write_festival(DATABASE_URL, synthetic_matching(6000, 120, 16), 16)  # match run 1, queued
    pool = queue.pool
    await pool.enqueue_job(RUN_MATCHING, 1, _job_id=job_id(1))
    worker = start_worker(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while await phase_of(pool, 1) != "writing":
            assert time.monotonic() < deadline, "the run never reached its writing phase"
            assert worker.poll() is None, "the worker stopped by itself"
            await asyncio.sleep(0.01)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    await asyncio.sleep(0.5)  # PostgreSQL notices the dead connection and rolls its transaction back
    assert (await MatchRun.select(MatchRun.status).first())["status"] == "queued"
    assert await InterviewSlot.count() == 0 and await CalendarItem.count() == 0 and await Outbox.count() == 0

    # arq gives a job to another worker once the dead one's in-progress mark runs out
    # (job timeout + 10 s); here the mark is removed instead of waiting for it.
    await pool.delete(f"arq:in-progress:{job_id(1)}")
    again = start_worker(tmp_path)
    try:
        deadline = time.monotonic() + 120
        while (await MatchRun.select(MatchRun.status).first())["status"] != "succeeded":
            assert time.monotonic() < deadline, "the retried run did not finish"
            assert again.poll() is None, "the second worker stopped"
            await asyncio.sleep(0.2)
    finally:
        os.killpg(again.pid, signal.SIGTERM)
        again.wait(20)
    metrics = (await MatchRun.select(MatchRun.metrics).output(load_json=True).first())["metrics"]
    slots = await InterviewSlot.count()
    assert slots == metrics["interviews_created"] > 1000
    pairs = await InterviewSlot.raw("SELECT count(DISTINCT (attendee, organization)) AS n FROM interview_slot")
    assert pairs[0]["n"] == slots
    assert await CalendarItem.count() == slots
    assert await Outbox.count().where(Outbox.idempotency_key.like("interview-invite:%")) == slots
