"""The worker's job wrapper: the enqueuing request's id in the job's logs, durations and
failures by function in the metrics."""

from __future__ import annotations

import logging

import pytest
from arq import Retry
from prometheus_client import REGISTRY

from fairs.observe import context
from fairs.observe.jobs import observed
from fairs.observe.logs import ContextFilter
from fairs.services.matching import job_id
from fairs.services.queue import RUN_MATCHING, ArqQueue
from workers.settings import WorkerSettings


def count(function: str, outcome: str) -> float:
    labels = {"function": function, "outcome": outcome}
    return REGISTRY.get_sample_value("fairs_job_duration_seconds_count", labels) or 0


def failures(function: str) -> float:
    return REGISTRY.get_sample_value("fairs_job_failures_total", {"function": function}) or 0


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.addFilter(ContextFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records():
    handler, root = Records(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.records
    root.removeHandler(handler)
    root.setLevel(level)


async def test_the_wrapper_pops_the_request_id_and_binds_it_with_the_job(records):
    seen = {}

    async def sample_job(ctx, number, **kwargs):
        seen.update(kwargs=kwargs, request_id=context.current_request_id(), job=context.job.get())
        logging.getLogger("fairs.test").info("working on %s", number)
        return number * 2

    job = observed(sample_job)
    assert job.__qualname__ == sample_job.__qualname__  # arq registers jobs by this name
    before = count("sample_job", "ok")
    assert await job({"job_id": "j-1"}, 21, _request_id="req-abcdef12") == 42
    assert seen == {"kwargs": {}, "request_id": "req-abcdef12", "job": ("j-1", "sample_job")}
    assert count("sample_job", "ok") == before + 1
    mine = [r for r in records if r.name == "fairs.test"]
    assert [(r.request_id, r.job_id, r.job) for r in mine] == [("req-abcdef12", "j-1", "sample_job")]
    assert context.current_request_id() is None and context.job.get() is None  # unbound afterwards

    await job({"job_id": "j-2"}, 1, _request_id="bad id!")  # not a valid id: none
    assert seen["request_id"] is None and seen["kwargs"] == {}
    assert observed(job) is job


async def test_failures_retries_and_give_ups_are_counted_by_function():
    async def flaky_job(ctx, how):
        if how == "raise":
            raise RuntimeError("boom")
        if how == "retry":
            raise Retry(defer=1)
        return {"failed": "RuntimeError"} if how == "give-up" else {"sent": 0, "failed": 2}

    job = observed(flaky_job)
    before = {outcome: count("flaky_job", outcome) for outcome in ("ok", "failed", "retry")}
    failed_before = failures("flaky_job")
    with pytest.raises(RuntimeError):
        await job({}, "raise")
    with pytest.raises(Retry):
        await job({}, "retry")
    await job({}, "give-up")
    await job({}, "counts")  # a count of failed messages is not a failed job
    assert count("flaky_job", "failed") == before["failed"] + 2
    assert count("flaky_job", "retry") == before["retry"] + 1
    assert count("flaky_job", "ok") == before["ok"] + 1
    assert failures("flaky_job") == failed_before + 2


def test_every_job_and_cron_job_of_the_worker_is_observed():
    for function in WorkerSettings.functions:
        coroutine = getattr(function, "coroutine", function)
        assert getattr(coroutine, "__fairs_observed__", False), function
    for cron_job in WorkerSettings.cron_jobs:
        assert getattr(cron_job.coroutine, "__fairs_observed__", False), cron_job.name


async def test_a_job_enqueued_during_a_request_runs_with_its_id(queue, run_worker, records):
    token = context.bind_request_id("req-from-api-1")
    try:
        await ArqQueue(queue.pool).enqueue(RUN_MATCHING, 999, job_id=job_id(999))
    finally:
        context.reset_request_id(token)
    before = count("run_matching", "ok")
    counts = await run_worker()
    assert counts["failed"] == 0
    assert count("run_matching", "ok") == before + 1
    in_job = [r for r in records if r.job == "run_matching"]
    assert in_job and {r.request_id for r in in_job} == {"req-from-api-1"}
    assert any(r.name == "fairs.worker" and "does not exist" in r.getMessage() for r in in_job)


async def test_jobs_enqueued_outside_a_request_carry_no_id(queue):
    from arq.jobs import Job

    await ArqQueue(queue.pool).enqueue(RUN_MATCHING, 998, job_id=job_id(998))
    info = await Job(job_id(998), queue.pool).info()
    assert info is not None and info.args == (998,) and info.kwargs == {}
