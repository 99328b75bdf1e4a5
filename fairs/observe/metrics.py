"""Prometheus metrics.

Recorded as things happen (cheap: a lock and a bisect per observation):

- ``fairs_http_request_duration_seconds{route, method, status}``: time to the response's
  start, by route *template* (``/events/{event_id}/match-runs``, never the raw path), method
  and status class (``2xx``);
- ``fairs_job_duration_seconds{function, outcome}`` and ``fairs_job_failures_total{function}``
  (recorded in the worker process: :mod:`fairs.observe.jobs`).

Read from the database when ``/metrics`` is scraped (three small queries, see :func:`scrape`):

- ``fairs_outbox_messages{state}`` (queued, retrying, failed) and
  ``fairs_outbox_oldest_unsent_age_seconds``;
- ``fairs_webhook_deliveries{state}`` (pending, retrying, dead) and
  ``fairs_webhook_oldest_undelivered_age_seconds``;
- ``fairs_match_run_last_coverage``, ``…_priority_coverage``, ``…_duration_seconds`` and
  ``…_finished_timestamp_seconds`` of the last succeeded matching run.

Processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (``fairs serve --workers N``), each uvicorn
worker writes its values there and any of them answers ``/metrics`` for all of them
(prometheus_client's multiprocess mode; ``fairs serve`` empties the folder at start). Without
it, the process's own registry is exposed. The arq worker keeps its own registry and exposes it
on ``FAIRS_WORKER_METRICS_PORT`` when set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_DURATION = Histogram(
    "fairs_http_request_duration_seconds",
    "Time from the request to the start of its response, by route template, method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOB_DURATION = Histogram(
    "fairs_job_duration_seconds",
    "Duration of background jobs by function and outcome (ok, failed, retry).",
    ["function", "outcome"],
    buckets=(0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0),
)
JOB_FAILURES = Counter("fairs_job_failures", "Background jobs that failed (raised, timed out or gave up), by function.",
                       ["function"])


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    HTTP_DURATION.labels(route, method if method in METHODS else "OTHER", f"{status // 100}xx").observe(seconds)


def observe_job(function: str, outcome: str, seconds: float) -> None:
    JOB_DURATION.labels(function, outcome).observe(seconds)
    if outcome == "failed":
        JOB_FAILURES.labels(function).inc()


def reset_multiprocess_dir() -> None:
    """Remove the values a previous run left in PROMETHEUS_MULTIPROC_DIR (before the server
    starts its workers; counters would otherwise go on from the last run's)."""
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)


def _recorded() -> bytes:
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


class _Figures(Collector):
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self.families


async def database_figures(now: datetime) -> list[GaugeMetricFamily]:
    """The outbox backlog and the last matching run, read now (two small queries: the unsent
    rows through the ``outbox_unsent`` index, which holds only them, and the newest succeeded run by id)."""
    from fairs.db.tables import MatchRun, Outbox
    from fairs.services.outbox import MAX_ATTEMPTS

    rows = await Outbox.raw(
        "SELECT SUM(CASE WHEN attempts = 0 THEN 1 ELSE 0 END) AS queued, "
        "SUM(CASE WHEN attempts > 0 AND attempts < {} THEN 1 ELSE 0 END) AS retrying, "
        "SUM(CASE WHEN attempts >= {} THEN 1 ELSE 0 END) AS failed, "
        "MIN(CASE WHEN attempts < {} THEN created_at END) AS oldest "
        "FROM outbox WHERE sent_at IS NULL", MAX_ATTEMPTS, MAX_ATTEMPTS, MAX_ATTEMPTS)
    families = _backlog(rows, now, "fairs_outbox_messages", "Unsent outbox messages: queued (never tried), "
                        "retrying (failed, will be tried again), failed (given up).", ("queued", "retrying", "failed"),
                        "fairs_outbox_oldest_unsent_age_seconds",
                        "Age of the oldest message still to be delivered (0: none).")
    families += await _webhook_backlog(now)

    run: dict[str, Any] | None = await MatchRun.select(
        MatchRun.id, MatchRun.metrics, MatchRun.started_at, MatchRun.finished_at,
    ).where(MatchRun.status == "succeeded").order_by(MatchRun.id, ascending=False).output(load_json=True).first()
    if run is not None:
        metrics = run["metrics"] if isinstance(run["metrics"], dict) else {}
        seconds = metrics.get("seconds") or {}
        duration = sum(float(seconds.get(part, 0)) for part in ("load", "solve", "write"))
        if not duration and run["started_at"] and run["finished_at"]:
            duration = (run["finished_at"] - run["started_at"]).total_seconds()
        for name, help_text, value in (
            ("coverage", "Share of candidates given an interview by the last succeeded matching run.",
             metrics.get("coverage")),
            ("priority_coverage", "The same share among priority-group candidates.", metrics.get("priority_coverage")),
            ("duration_seconds", "How long the last succeeded matching run took (load, solve, write).", duration),
            ("finished_timestamp_seconds", "When the last succeeded matching run finished (Unix time).",
             run["finished_at"].timestamp() if run["finished_at"] else None),
        ):
            if value is not None:
                families.append(GaugeMetricFamily(f"fairs_match_run_last_{name}", help_text, value=float(value)))
    return families


async def _webhook_backlog(now: datetime) -> list[GaugeMetricFamily]:
    """Webhook deliveries not delivered, by state (through the ``webhook_delivery_due`` index)."""
    from fairs.db.tables import WebhookDelivery

    rows = await WebhookDelivery.raw(
        "SELECT SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending, "
        "SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS retrying, "
        "SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead, "
        "MIN(CASE WHEN status IN ('pending', 'failed') THEN created_at END) AS oldest "
        "FROM webhook_delivery WHERE status IN ('pending', 'failed', 'dead')")
    return _backlog(rows, now, "fairs_webhook_deliveries", "Webhook deliveries not delivered: pending (not "
                    "tried yet), retrying (failed, will be tried again), dead (given up).",
                    ("pending", "retrying", "dead"),
                    "fairs_webhook_oldest_undelivered_age_seconds",
                    "Age of the oldest webhook delivery still to be delivered (0: none).")


def _backlog(rows: list[dict[str, Any]], now: datetime, name: str, help_text: str, states: tuple[str, ...],
             age_name: str, age_help: str) -> list[GaugeMetricFamily]:
    """A backlog's count per state (columns named after the states) and the age of its oldest
    item (column ``oldest``), from one aggregate row."""
    backlog = rows[0] if rows else {}
    counts = GaugeMetricFamily(name, help_text, labels=["state"])
    for state in states:
        counts.add_metric([state], float(backlog.get(state) or 0))
    oldest = _timestamp(backlog.get("oldest"))
    age = GaugeMetricFamily(age_name, age_help,
                            value=max(0.0, now.timestamp() - oldest) if oldest is not None else 0.0)
    return [counts, age]


def _timestamp(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None


async def scrape(now: datetime) -> bytes:
    """The text exposition: what was recorded, then the figures read from the database."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(await database_figures(now)))
    return _recorded() + generate_latest(registry)
