"""What the worker puts around every job: the request id of the request that enqueued it (the
``_request_id`` keyword :class:`fairs.services.queue.ArqQueue` adds, popped here), the job's id
and function in the log records, and its duration and outcome in the metrics."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from arq import Retry

from fairs.observe import context, metrics

log = logging.getLogger("fairs.jobs")
Job = Callable[..., Awaitable[Any]]


def observed(function: Job, name: str | None = None) -> Job:
    """``function`` wrapped: same name (arq registers jobs by ``__qualname__``), same result."""
    if getattr(function, "__fairs_observed__", False):
        return function
    label = name or function.__name__

    @functools.wraps(function)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        request_id = context.valid_request_id(kwargs.pop(context.JOB_REQUEST_ID, None))
        bound_request = context.request_id.set(request_id)
        bound_job = context.job.set((str(ctx.get("job_id", "")), label))
        started = time.perf_counter()
        outcome = "failed"
        try:
            log.info("job %s started (try %s)", label, ctx.get("job_try", 1))
            result = await function(ctx, *args, **kwargs)
            # a job that gave up returns {"failed": "<error class>"} (run_matching, run_tour_plan);
            # deliver_outbox's {"failed": <count>} is a count of messages, not a failed job
            gave_up = isinstance(result, dict) and isinstance(result.get("failed"), str)
            outcome = "failed" if gave_up else "ok"
            return result
        except Retry:
            outcome = "retry"
            raise
        except (asyncio.CancelledError, TimeoutError):
            log.warning("job %s cancelled or timed out", label)
            raise
        except Exception as error:
            log.warning("job %s raised %s", label, type(error).__name__)
            raise
        finally:
            seconds = time.perf_counter() - started
            metrics.observe_job(label, outcome, seconds)
            log.info("job %s finished: %s in %.3fs", label, outcome, seconds,
                     extra={"outcome": outcome, "duration_ms": round(seconds * 1000, 1)})
            context.job.reset(bound_job)
            context.request_id.reset(bound_request)

    run.__fairs_observed__ = True  # type: ignore[attr-defined]
    return run


def observe_all(functions: list[Any]) -> list[Any]:
    """Wrap plain coroutine functions, and the coroutine of ``arq.worker.Function`` or
    ``arq.cron.CronJob`` objects (in place)."""
    wrapped = []
    for item in functions:
        if callable(item) and not hasattr(item, "coroutine"):
            wrapped.append(observed(item))
            continue
        item.coroutine = observed(item.coroutine, getattr(item, "name", None))
        wrapped.append(item)
    return wrapped
