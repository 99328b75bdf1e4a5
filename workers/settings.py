"""arq worker: thin, idempotent jobs that call fairs.services, and the cron jobs.

Run with ``fairs worker`` (which builds these settings from the environment).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import Any

from arq import Retry, cron

from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.engine import open_pool
from fairs.db.migrate import pending_migrations
from fairs.observe.jobs import observe_all
from fairs.runtime import limit_malloc_arenas
from fairs.services import allocation, booths, data_rights, matching, outbox, outcomes, tour_plans, waitlist, webhooks
from fairs.services.context import SYSTEM_CLOCK
from fairs.services.delivery import senders_from
from fairs.services.progress import reporter
from fairs.services.queue import ArqQueue, redis_settings
from fairs.settings import get_settings
from workers import reminders as reminder_jobs

log = logging.getLogger("fairs.worker")
STALE_TOUR_PLAN_AFTER = timedelta(minutes=15)
"""Longer than the largest time budget (10 min) plus loading and writing."""


async def startup(ctx: dict[str, Any]) -> None:
    from fairs.db.tables import Organization

    limit_malloc_arenas()  # matching scores on threads (fairs/runtime.py)
    settings = get_settings()
    pending = await pending_migrations()
    if pending:
        # Exit and let the supervisor restart us once `fairs migrate` has run.
        raise RuntimeError(f"the database lacks migrations {pending}; run `fairs migrate` first")
    ctx["settings"] = settings
    _serve_metrics(settings.worker_metrics_port, settings.host)
    ctx["clock"] = SYSTEM_CLOCK
    ctx["sender"] = senders_from(settings)  # SMTP / SMS gateway when configured, else files under var/outbox
    waitlist.use_queue(ArqQueue(ctx["redis"]))
    webhooks.use_queue(ArqQueue(ctx["redis"]))
    engine = Organization._meta.db
    ctx["owns_pool"] = engine.engine_type == "postgres" and engine.pool is None
    if ctx["owns_pool"]:
        await open_pool(engine, 1, settings.db_pool_size)


_metrics_served = False


def _serve_metrics(port: int, host: str) -> None:
    """FAIRS_WORKER_METRICS_PORT: this worker's job metrics, for Prometheus (once per process)."""
    global _metrics_served
    if port and not _metrics_served:
        from prometheus_client import start_http_server

        start_http_server(port, addr=host)
        _metrics_served = True


async def shutdown(ctx: dict[str, Any]) -> None:
    from fairs.db.tables import Organization

    if ctx.get("owns_pool"):
        await Organization._meta.db.close_connection_pool()


async def run_matching(ctx: dict[str, Any], run_id: int) -> dict[str, Any]:
    """Carry out matching run ``run_id``; a run already done is left as it is."""
    try:
        metrics = await matching.run_match(run_id, ctx["clock"], reporter(ctx["redis"], "match-run", run_id,
                                                                          ctx["clock"]))
    except NotFound:
        log.warning("matching run %s does not exist; nothing to do", run_id)
        return {}
    except Exception as error:
        if ctx.get("job_try", 1) >= WorkerSettings.max_tries:
            await matching.mark_failed(run_id, type(error).__name__, ctx["clock"])
            return {"failed": type(error).__name__}
        raise Retry(defer=ctx.get("job_try", 1) * 5) from error
    await ArqQueue(ctx["redis"]).enqueue("deliver_outbox", job_id=f"deliver-after-run-{run_id}")
    return metrics


async def run_tour_plan(ctx: dict[str, Any], plan_id: int) -> dict[str, Any]:
    """Plan (or re-plan) a village tour; a plan already made is left as it is. Input that
    became bad since the plan was asked for (a village edited meanwhile) fails the plan at
    once with the reason; other errors are retried."""
    try:
        return await tour_plans.run_plan(plan_id, ctx["clock"],
                                         reporter(ctx["redis"], tour_plans.PROGRESS_KIND, plan_id, ctx["clock"]))
    except NotFound:
        log.warning("tour plan %s does not exist; nothing to do", plan_id)
        return {}
    except (InvalidInput, Conflict) as error:
        await tour_plans.mark_failed(plan_id, f"{error.field}: {error}", ctx["clock"])
        return {"failed": "InvalidInput"}
    except Exception as error:
        if ctx.get("job_try", 1) >= WorkerSettings.max_tries:
            await tour_plans.mark_failed(plan_id, type(error).__name__, ctx["clock"])
            return {"failed": type(error).__name__}
        raise Retry(defer=ctx.get("job_try", 1) * 5) from error


async def requeue_stale_tour_plans(ctx: dict[str, Any]) -> list[int]:
    older_than = ctx["clock"].now() - STALE_TOUR_PLAN_AFTER
    return await tour_plans.requeue_stale_plans(ArqQueue(ctx["redis"]), older_than)


async def create_follow_ups(ctx: dict[str, Any]) -> int:
    """Follow-up calls due within a week: hires at 1, 3 and 6 months, and people who came and
    got no offer (fairs.services.outcomes)."""
    return await outcomes.create_due_follow_ups(ctx["clock"], ctx["settings"].timezone)


async def purge_expired_data(ctx: dict[str, Any]) -> dict[str, int]:
    """Anonymise people idle longer than FAIRS_RETENTION_DAYS; delete old messages and logs."""
    return await data_rights.purge_expired(timedelta(days=ctx["settings"].retention_days), ctx["clock"])


async def deliver_outbox(ctx: dict[str, Any]) -> dict[str, int]:
    return await outbox.deliver_pending(ctx["sender"], ctx["clock"],
                                        organizer_mailbox=ctx["settings"].organizer_mailbox,
                                        lease=timedelta(seconds=ctx["settings"].outbox_lease_seconds))


async def deliver_webhooks(ctx: dict[str, Any]) -> dict[str, int]:
    """POST the webhook deliveries that are due (signed; failures retried with back-off)."""
    return await webhooks.deliver_due(ctx["clock"])


async def run_allocation(ctx: dict[str, Any], run_id: int) -> dict[str, Any]:
    """Allocate the booths of an application-mode event; a finished run is left as it is."""
    try:
        return await allocation.run(run_id, ctx["clock"])
    except NotFound:
        log.warning("allocation run %s does not exist; nothing to do", run_id)
        return {}


async def close_application_windows(ctx: dict[str, Any]) -> list[int]:
    """Start the allocation of every event whose application window has closed."""
    return await allocation.close_windows(ArqQueue(ctx["redis"]), ctx["clock"].now())


async def expire_booth_offer(ctx: dict[str, Any], reservation_id: int) -> list[int]:
    """An offered booth's deadline: release it if still unconfirmed (and offer it to the next)."""
    return await booths.release_expired_holds(ctx["clock"], reservation_id)


async def expire_seat_offer(ctx: dict[str, Any], registration_id: int) -> list[int]:
    return await waitlist.expire_seat_offers(ctx["clock"], registration_id)


async def expire_seat_offers(ctx: dict[str, Any]) -> list[int]:
    return await waitlist.expire_seat_offers(ctx["clock"])


async def release_expired_holds(ctx: dict[str, Any]) -> list[int]:
    """Cancel booth holds whose time is up (their booths become free)."""
    return await booths.release_expired_holds(ctx["clock"])


async def requeue_stale_match_runs(ctx: dict[str, Any]) -> list[int]:
    """Runs still queued or running after FAIRS_STALE_RUN_AFTER_SECONDS are enqueued again
    (Redis lost the job: restarted without persistence, or the enqueue after commit failed)."""
    older_than = ctx["clock"].now() - timedelta(seconds=ctx["settings"].stale_run_after_seconds)
    return await matching.requeue_stale_runs(ArqQueue(ctx["redis"]), older_than)


class WorkerSettings:
    # every job runs inside fairs.observe.jobs.observed: the enqueuing request's id and the job
    # in its log records, its duration and outcome in the metrics
    functions = observe_all([run_matching, run_tour_plan, deliver_outbox, deliver_webhooks, run_allocation,
                             expire_booth_offer, expire_seat_offer, *reminder_jobs.FUNCTIONS])
    cron_jobs = observe_all([
        # every 10 s: one cheap query each; a message whose lease ran out (its worker died
        # mid-send) and a run whose job Redis lost are picked up again within seconds
        cron(deliver_outbox, second=set(range(0, 60, 10)), run_at_startup=True, unique=True),
        cron(requeue_stale_match_runs, second=set(range(5, 60, 10)), unique=True),
        cron(requeue_stale_tour_plans, minute=set(range(0, 60, 5)), second={20}, unique=True),
        cron(create_follow_ups, hour={2}, minute={10}, second={0}, unique=True),
        cron(purge_expired_data, hour={3}, minute={20}, second={0}, unique=True),
        cron(release_expired_holds, second={5, 35}, unique=True),
        cron(close_application_windows, second={25}, unique=True),
        cron(deliver_webhooks, second={2, 32}, unique=True),
        cron(expire_seat_offers, second={45}, unique=True),
        *reminder_jobs.CRON_JOBS,
    ])
    on_startup = startup
    on_shutdown = shutdown
    job_timeout = 900
    max_tries = 5
    health_check_interval = 15
    keep_result = 3600


def health_check_key() -> str:
    """One health-check key per worker (host name and FAIRS_WORKER_ID), so one worker's
    check neither passes for a dead one nor fails when another stops."""
    worker = os.environ.get("FAIRS_WORKER_ID", "")
    return f"arq:health-check:{socket.gethostname()}{'-' + worker if worker else ''}"


def worker_settings(redis_url: str) -> dict[str, Any]:
    """Keyword arguments for ``arq.worker.Worker`` built from these settings."""
    return {
        "functions": WorkerSettings.functions,
        "cron_jobs": WorkerSettings.cron_jobs,
        "on_startup": WorkerSettings.on_startup,
        "on_shutdown": WorkerSettings.on_shutdown,
        "job_timeout": WorkerSettings.job_timeout,
        "max_tries": WorkerSettings.max_tries,
        "health_check_interval": WorkerSettings.health_check_interval,
        "keep_result": WorkerSettings.keep_result,
        "redis_settings": redis_settings(redis_url),
        "health_check_key": health_check_key(),
    }
