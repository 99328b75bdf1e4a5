"""How far a long job has come — its phase and percent — kept in Redis.

A matching run does all its writes in one transaction, so nothing it writes to the database
can be seen before it ends; its progress goes to Redis instead, where the API (``GET
/match-runs/{id}``, the server-sent-events stream) and the CLI read it at once. Progress is a
courtesy: when Redis cannot take it the job carries on, and a reader falls back on the run's
status in the database.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

from fairs.services.context import Clock

log = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600
"""How long the last progress of a job stays readable after its last report."""

class Report(Protocol):
    """``await report(phase, percent)``, or with ``best``: the search's best objective so far."""

    async def __call__(self, phase: str, percent: int, best: int | None = None) -> None: ...


@dataclass(frozen=True)
class Progress:
    phase: str
    percent: int
    at: str
    """When it was reported (ISO 8601, UTC)."""
    best: int | None = None
    """A search's best objective so far (a tour plan's routing: travel seconds plus a penalty
    per stop left out; lower is better), when the job has one."""


def progress_key(kind: str, job: int) -> str:
    return f"fairs:progress:{kind}:{job}"


def reporter(redis: Any, kind: str, job: int, clock: Clock) -> Report:
    """A ``report(phase, percent)`` that stores the job's progress under :func:`progress_key`."""
    key = progress_key(kind, job)

    async def report(phase: str, percent: int, best: int | None = None) -> None:
        done = Progress(phase, max(0, min(100, int(percent))), clock.now().isoformat(), best)
        try:
            await redis.set(key, json.dumps(asdict(done)), ex=KEEP_SECONDS)
        except (RedisError, OSError) as error:
            log.warning("progress of %s %s not stored (%s)", kind, job, type(error).__name__)

    return report


async def no_report(phase: str, percent: int, best: int | None = None) -> None:
    """For callers that do not follow the progress (tests, the CLI run in-process)."""


async def read_progress(redis: Any, kind: str, job: int) -> Progress | None:
    """The last progress reported for the job, or ``None`` (none yet, expired, Redis down or
    not given)."""
    if redis is None:
        return None
    try:
        raw = await redis.get(progress_key(kind, job))
    except (RedisError, OSError):
        return None
    if raw is None:
        return None
    data = json.loads(raw)
    return Progress(str(data["phase"]), int(data["percent"]), str(data["at"]), data.get("best"))
