"""Matching runs: an organizer starts one, a worker job carries it out.

The job is idempotent: a run that already succeeded is not run again, and a run only adds
interviews that do not exist yet, so re-running after new registrations adds only what is new.
All of a run's writes (interviews, calendar items, outbox messages, the run's result) are one
transaction: a crash leaves either all of them or none.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

from fairs.core import matching, states
from fairs.core.errors import Conflict, NotFound
from fairs.db.tables import Event, InterviewSlot, MatchRun
from fairs.db.transactions import after_commit, lock_rows, write_transaction
from fairs.runtime import cyclic_collection_paused
from fairs.services import scope, webhooks
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.fairs_setup import require_organizer
from fairs.services.matching_data import load_problem
from fairs.services.matching_writes import write_run
from fairs.services.progress import Report, no_report, read_progress
from fairs.services.queue import RUN_MATCHING, JobQueue

log = logging.getLogger(__name__)
ACTIVE_RUN = ("queued", "running")


def job_id(run_id: int) -> str:
    return f"match-run-{run_id}"


async def start_match_run(actor: Actor, event_id: int, queue: JobQueue,
                          clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Create a queued run for the event and enqueue its job. One active run per event:
    asking again while one is queued or running answers 409 with that run's id."""
    require_organizer(actor)
    async with write_transaction():
        event = await Event.select(Event.status).where(
            Event.id == event_id, scope.writable(actor, Event.area)).first()
        if event is None:
            raise NotFound("no such event", field="event_id")
        await lock_rows(Event, [event_id])
        if event["status"] not in ("published", "closed"):
            raise Conflict("publish the event before matching", field="event_id", code="event_not_published")
        active = await MatchRun.select(MatchRun.id).where(
            MatchRun.event == event_id, MatchRun.status.is_in(list(ACTIVE_RUN))).first()
        if active is not None:
            raise Conflict("a matching run for this event is already queued or running", field="event_id",
                           code="match_run_active", extra={"match_run_id": active["id"]})
        run = MatchRun(event=event_id, status="queued", parameters={"algorithm": "min-cost-flow"},
                       metrics={}, requested_by=actor.account_id, created_at=clock.now())
        await run.save()
        run_id = int(run.id)
        after_commit(lambda: _enqueue_or_leave_queued(queue, run_id))
    return await get_match_run(actor, run_id)


BACKFILL_DELAY = timedelta(minutes=2)
"""How long a backfill run waits after the decline that asked for it: declines in a burst
(a bus that did not come) are served by one run."""


async def request_backfill(event_id: int, queue: JobQueue | None, clock: Clock = SYSTEM_CLOCK) -> int | None:
    """Call in the transaction of a declined interview: queue a run that gives the freed
    interview to the next best attendee (existing interviews are kept as they are; whoever
    gets a new one is invited). Nothing when a run is already queued (it will see the
    decline) or running, or the event is over. Returns the new run's id."""
    await lock_rows(Event, [event_id])
    event = await Event.select(Event.status, Event.ends_at).where(Event.id == event_id).first()
    if event is None or event["status"] not in ("published", "closed") or event["ends_at"] <= clock.now():
        return None
    if await MatchRun.exists().where(MatchRun.event == event_id, MatchRun.status.is_in(list(ACTIVE_RUN))):
        return None
    run = MatchRun(event=event_id, status="queued", parameters={"algorithm": "min-cost-flow", "trigger": "backfill"},
                   metrics={}, requested_by=None, created_at=clock.now())
    await run.save()
    run_id = int(run.id)
    if queue is not None:
        after_commit(lambda: _enqueue_or_leave_queued(queue, run_id, BACKFILL_DELAY))
    return run_id


async def _enqueue_or_leave_queued(queue: JobQueue, run_id: int, delay: timedelta | None = None) -> None:
    """The run is committed as queued; if Redis cannot take the job now, the cron job
    ``requeue_stale_match_runs`` enqueues it later, so the request still succeeds."""
    try:
        later = datetime.now(UTC) + delay if delay else None  # arq defers by the real clock
        await queue.enqueue(RUN_MATCHING, run_id, job_id=job_id(run_id), defer_until=later)
    except (OSError, RedisError) as error:
        log.warning("could not enqueue matching run %s (%s); it will be re-queued", run_id, type(error).__name__)


async def get_match_run(actor: Actor, run_id: int) -> dict[str, Any]:
    require_organizer(actor)
    run = await MatchRun.select().where(
        MatchRun.id == run_id, MatchRun.event.is_in(scope.events_of_area(actor))).output(load_json=True).first()
    if run is None:
        raise NotFound("no such matching run", field="match_run_id")
    return run


FINISHED_RUN = ("succeeded", "failed")


async def with_progress(run: dict[str, Any], queue: Any) -> dict[str, Any]:
    """The run with its ``progress``: from Redis while it is queued or running (see
    :mod:`fairs.services.progress`), else ``done``/``failed``."""
    if run["status"] == "succeeded":
        progress: dict[str, Any] = {"phase": "done", "percent": 100, "at": None}
    else:
        last = await read_progress(getattr(queue, "pool", None), "match-run", run["id"]) if queue else None
        progress = asdict(last) if last else {"phase": run["status"], "percent": 0, "at": None}
        if run["status"] == "failed":
            progress["phase"] = "failed"
    return {**run, "progress": progress}


UNCOVERED_REASONS = {
    "no_fitting_position": ("没有适合的岗位", "no position of the fair fits (skills, age, certificates, distance)"),
    "excluded": ("适合的企业均已谢绝、被排除或已约", "every fitting employer was declined, banned or already booked"),
    "unavailable": ("时间对不上", "no free slot in common with any fitting employer, or no interview left"),
    "capacity": ("名额不足", "the fitting employers' interviewers were all needed for others"),
}


async def unmatched(actor: Actor, event_id: int) -> dict[str, Any]:
    """The attendees the event's last successful run left without an interview, and why."""
    require_organizer(actor)
    if not await Event.exists().where(Event.id == event_id, scope.writable(actor, Event.area)):
        raise NotFound("no such event", field="event_id")
    run = await MatchRun.select(MatchRun.id, MatchRun.metrics).where(
        MatchRun.event == event_id, MatchRun.status == "succeeded").order_by(MatchRun.id, ascending=False).output(
        load_json=True).first()
    if run is None:
        return {"match_run": None, "attendees": []}
    found = (run["metrics"] or {}).get("uncovered", {})
    people = [{"attendee_id": int(a), "reason": reason, "zh": UNCOVERED_REASONS.get(reason, ("", ""))[0],
               "en": UNCOVERED_REASONS.get(reason, ("", reason))[1]}
              for reason, ids in sorted(found.items()) for a in ids]
    return {"match_run": run["id"], "attendees": sorted(people, key=lambda p: p["attendee_id"])}


async def requeue_stale_runs(queue: JobQueue, older_than: datetime) -> list[int]:
    """Enqueue again runs still queued since before ``older_than`` (Redis lost the job, or the
    enqueue after commit failed). The job id deduplicates a job that is in fact still there."""
    rows = await MatchRun.select(MatchRun.id).where(
        MatchRun.status.is_in(list(ACTIVE_RUN)), MatchRun.created_at < older_than)
    for row in rows:
        await queue.enqueue(RUN_MATCHING, row["id"], job_id=job_id(row["id"]))
    return [row["id"] for row in rows]


async def run_match(run_id: int, clock: Clock = SYSTEM_CLOCK, report: Report = no_report) -> dict[str, Any]:
    """Carry out one run (the worker job's body), telling ``report`` how far it has come.
    Returns the run's metrics."""
    with cyclic_collection_paused():  # its 800,000 objects walked at every full collection: 2 s
        async with write_transaction():
            await lock_rows(MatchRun, [run_id])
            run = await MatchRun.select(MatchRun.status, MatchRun.event, MatchRun.metrics, MatchRun.parameters).where(
                MatchRun.id == run_id).output(load_json=True).first()
            if run is None:
                raise NotFound("no such matching run", field="match_run_id")
            if run["status"] in ("succeeded", "failed"):
                return dict(run["metrics"] or {})
            event_id = run["event"]
            await lock_rows(Event, [event_id])
            states.move("match_run", run["status"], "running")
            started_at = clock.now()
            timer = time.perf_counter()
            event = await Event.select().where(Event.id == event_id).first()
            assert event is not None
            await report("loading", 0)
            loaded = await load_problem(event)
            loaded_at = time.perf_counter()
            await report("pairing", 15)
            # in a thread: the worker's event loop goes on (heartbeats, other jobs) for the seconds it takes
            result = await asyncio.to_thread(matching.solve_matching, loaded.problem, clock=time.perf_counter)
            solved_at = time.perf_counter()
            await report("writing", 70)
            written = await write_run(loaded, result.interviews, event, run_id, clock.now())
            metrics = _metrics(loaded.problem, result, written)
            metrics["seconds"] = {"load": round(loaded_at - timer, 3), "solve": round(solved_at - loaded_at, 3),
                                  "write": round(time.perf_counter() - solved_at, 3),
                                  **{k: round(v, 3) for k, v in result.phase_seconds.items()}}
            await MatchRun.update({
                MatchRun.status: "succeeded", MatchRun.metrics: metrics, MatchRun.finished_at: clock.now(),
                MatchRun.started_at: started_at,
            }).where(MatchRun.id == run_id)
            await webhooks.emit("interviews.scheduled", run_id, {
                "match_run_id": run_id, "event_id": event_id, "trigger": run_trigger(run),
                "finished_at": clock.now(), **{k: metrics[k] for k in SCHEDULED_FIGURES},
            }, fair_event_id=event_id, clock=clock)
    return metrics


SCHEDULED_FIGURES = ("candidates", "attendees_with_interview", "coverage", "priority_attendees",
                     "priority_attendees_with_interview", "priority_coverage", "interviews_created",
                     "interviews_kept", "openings", "slots", "total_fit", "fit_upper_bound", "pins", "pins_met")
"""The figures of a finished run an ``interviews.scheduled`` webhook carries (no attendee ids)."""


def run_trigger(run: dict[str, Any]) -> str:
    """``organizer`` (asked for) or ``backfill`` (a declined interview's place given again)."""
    parameters = run.get("parameters") or {}
    return str(parameters.get("trigger", "organizer")) if isinstance(parameters, dict) else "organizer"


async def mark_failed(run_id: int, reason: str, clock: Clock = SYSTEM_CLOCK) -> None:
    """The job gave up on the run (its last try failed): the run is failed, so the event can be
    matched again. ``reason`` is an error class name, never personal data."""
    async with write_transaction():
        await MatchRun.update({MatchRun.status: "failed", MatchRun.error: reason, MatchRun.finished_at: clock.now()}
                              ).where(MatchRun.id == run_id, MatchRun.status.is_in(list(ACTIVE_RUN)))


def _metrics(problem: matching.MatchingInput, result: matching.MatchingResult, created: int) -> dict[str, Any]:
    figures = matching.matching_metrics(problem, result)
    uncovered: dict[str, list[int]] = defaultdict(list)
    for attendee_id, reason in sorted(figures.uncovered.items()):
        uncovered[reason].append(attendee_id)
    return {
        "algorithm": "min-cost-flow",
        "candidates": figures.attendees,
        "openings": len(problem.openings),
        "slots": problem.slot_count,
        "interviews_created": created,
        "interviews_kept": len(problem.booked),
        "attendees_with_interview": figures.covered,
        "coverage": round(figures.covered / figures.attendees, 4) if figures.attendees else 1.0,
        "priority_attendees": figures.priority_attendees,
        "priority_attendees_with_interview": figures.priority_covered,
        "priority_coverage": (round(figures.priority_covered / figures.priority_attendees, 4)
                              if figures.priority_attendees else 1.0),
        "total_fit": figures.total_fit,
        "fit_upper_bound": figures.fit_upper_bound,
        "fit_vs_upper_bound": round(figures.total_fit / figures.fit_upper_bound, 4) if figures.fit_upper_bound else 1.0,
        "slots_lost": figures.slots_lost,
        "proven_optimal": result.proven_optimal,
        "pins": figures.pins,
        "pins_met": figures.pins_met,
        "unmet_pins": [{"attendee": u.attendee_id, "organization": u.organization_id, "reason": u.reason}
                       for u in result.unmet_pins],
        "uncovered": dict(uncovered),
    }


async def fit_scores(actor: Actor, run_id: int) -> list[int]:
    """The fit score of every interview the run made (for its distribution), one query."""
    run = await get_match_run(actor, run_id)
    rows = await InterviewSlot.select(InterviewSlot.fit_score).where(
        InterviewSlot.match_run == run["id"], InterviewSlot.event == run["event"])
    return [int(r["fit_score"]) for r in rows]
