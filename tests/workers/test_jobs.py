"""Jobs run at least once: running them again, or at the same time, changes nothing."""

from __future__ import annotations

import asyncio

from fairs.db.tables import InterviewSlot, MatchRun, Outbox
from fairs.services import matching, outbox
from fairs.services.matching import job_id
from fairs.services.queue import RUN_MATCHING
from tests.support import factories as f


async def test_two_workers_running_the_same_run_at_once_write_it_once(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=4)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    results = await asyncio.gather(*[matching.run_match(run["id"], clock) for _ in range(4)])
    assert all(r == results[0] for r in results)
    assert await InterviewSlot.count() == 4
    assert await Outbox.count().where(Outbox.idempotency_key.like("interview-invite:%")) == 4
    assert (await MatchRun.select(MatchRun.status).first())["status"] == "succeeded"


async def test_a_job_for_a_run_that_does_not_exist_completes_without_effect(client, run_worker):
    await client.app.state.queue.pool.enqueue_job(RUN_MATCHING, 999, _job_id=job_id(999))
    counts = await run_worker()
    assert counts["failed"] == 0
    assert await InterviewSlot.count() == 0


async def test_a_run_whose_job_was_lost_is_requeued_from_the_database(client, run_worker, clock):
    ready = await f.fair_ready_for_matching(client, attendees=2)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    pool = client.app.state.queue.pool
    await pool.flushdb()  # Redis restarted without persistence: the job is gone
    clock.advance(minutes=5)
    assert await matching.requeue_stale_runs(client.app.state.queue, clock.now()) == [run["id"]]
    await run_worker()
    assert (await MatchRun.select(MatchRun.status).first())["status"] == "succeeded"
    assert await InterviewSlot.count() == 2


class FlakySender:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    async def send(self, message: dict) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append(message["idempotency_key"])


async def test_outbox_messages_are_retried_after_a_failure_and_sent_once(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=2)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    await matching.run_match(run["id"], clock)
    sender = FlakySender(failures=1)
    total = await Outbox.count()  # the invitations, and the booth and participation notices before them
    assert await outbox.deliver_pending(sender, clock) == {"sent": total - 1, "failed": 1}
    assert await outbox.deliver_pending(sender, clock) == {"sent": 0, "failed": 0}  # backing off: 1 minute
    clock.advance(seconds=61)
    assert await outbox.deliver_pending(sender, clock) == {"sent": 1, "failed": 0}
    assert await outbox.deliver_pending(sender, clock) == {"sent": 0, "failed": 0}
    assert sorted(sender.sent) == sorted(o["idempotency_key"] for o in await Outbox.select(Outbox.idempotency_key))
    failed_once = await Outbox.select(Outbox.attempts, Outbox.last_error).where(Outbox.last_error != "")
    assert failed_once == [{"attempts": 2, "last_error": "ConnectionError"}]


class SlowSender:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message: dict) -> None:
        await asyncio.sleep(0.01)
        self.sent.append(message["idempotency_key"])


async def test_two_deliverers_at_once_send_each_message_once(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=4)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    await matching.run_match(run["id"], clock)
    sender = SlowSender()
    results = await asyncio.gather(outbox.deliver_pending(sender, clock), outbox.deliver_pending(sender, clock))
    assert sum(r["sent"] for r in results) == await Outbox.count()
    assert sorted(sender.sent) == sorted(o["idempotency_key"] for o in await Outbox.select(Outbox.idempotency_key))
