"""``fairs bench matching``: the whole matching job on PostgreSQL at festival scale.

A synthetic festival (:func:`fairs.bench.matching.synthetic_matching`) is written to the
database with ``COPY`` — homes and workplaces go to village areas (their coordinates are what
the database keeps) — then one matching run is carried out in this process exactly as the
worker does it (load, solve, slot colouring, write interviews, calendar items and outbox
rows). The quality bounds are computed afterwards, independently, on the problem as the job
loaded it from the database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import resource
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from fairs.bench.common import machine, wipeable_postgres
from fairs.bench.matching import coverage_bounds, synthetic_matching
from fairs.runtime import limit_malloc_arenas

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/fairs_bench_matching"
T0 = datetime(2027, 3, 1, tzinfo=UTC)
EVENT_STARTS = datetime(2027, 3, 11, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
VILLAGES = 3000
"""Homes and workplaces are snapped to this many village areas (about 200 m apart in a city
of 80 km): the database keeps a place's coordinates on its area."""


def bench_matching_job(attendees: int, employers: int, slots: int) -> dict[str, Any]:
    url = wipeable_postgres("matching", os.environ.get("FAIRS_DATABASE_URL") or DEFAULT_URL)
    limit_malloc_arenas()  # as the worker does (workers/settings.py)
    return asyncio.run(_run(url, attendees, employers, slots))


async def _run(url: str, attendees: int, employers: int, slots: int) -> dict[str, Any]:
    from fairs.bench.booths import _fresh_schema
    from fairs.core import matching
    from fairs.db.engine import open_pool
    from fairs.db.tables import Event, Organization
    from fairs.services import matching as matching_service
    from fairs.services.matching_data import load_problem

    await _fresh_schema(url)
    # The festival is generated and written by a child process, so this process's peak memory
    # is the job's (and the bounds' afterwards), not the generator's.
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        generated, written = child.submit(_generate_and_write, url, attendees, employers, slots).result()

    engine = Organization._meta.db
    await open_pool(engine, 1, 4)
    try:
        started = time.perf_counter()
        metrics = await matching_service.run_match(1)
        job = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        event = await Event.select().where(Event.id == 1).first()
        assert event is not None
        loaded = await load_problem(event)  # the same problem, read again (its interviews now booked)
        fresh = matching.MatchingInput(**{**loaded.problem.__dict__, "booked": ()})
        network = matching.matching_network(fresh)
        max_coverage, max_priority = coverage_bounds(network)
        unconstrained = matching.flow_optimum(network, coverage_rule=False).total_fit
        counts = {table: (await Organization.raw(f"SELECT count(*) AS n FROM {table}"))[0]["n"]
                  for table in _WRITTEN}
        bare = await _bare_write_seconds(engine)
    finally:
        await engine.close_connection_pool()
    seconds = metrics["seconds"]
    solve = sum(seconds.get(phase, 0.0) for phase in ("pairs", "flow", "slots"))
    people = metrics["candidates"] or 1
    priority = metrics["priority_attendees"] or 1
    return {
        "benchmark": "matching", "attendees": attendees, "employers": employers, "slots": slots,
        "job_s": round(job, 3), "solve_s": round(solve, 3), "job_vs_solve": round(job / solve, 2) if solve else None,
        "load_s": seconds["load"], "write_s": seconds["write"],
        "min_cost_flow_s": round(seconds.get("min_cost_flow", 0.0), 3), "write_bare_tables_s": round(bare, 3),
        "seconds": seconds,
        "coverage": round(metrics["attendees_with_interview"] / people, 4),
        "max_coverage": round(max_coverage / people, 4),
        "priority_coverage": round(metrics["priority_attendees_with_interview"] / priority, 4),
        "max_priority_coverage": round(max_priority / priority, 4),
        "fit_vs_unconstrained": round(metrics["total_fit"] / unconstrained, 4) if unconstrained else 1.0,
        "total_fit": metrics["total_fit"], "fit_unconstrained": unconstrained,
        "slots_lost": metrics["slots_lost"], "proven_optimal": metrics["proven_optimal"],
        "interviews": counts["interview_slot"], "calendar_items": counts["calendar_item"],
        "outbox_rows": counts["outbox"], "peak_rss_mb": round(peak, 1),
        "generate_s": round(generated, 2), "database_load_s": round(written, 2),
        **machine(),
    }


_WRITTEN = ("interview_slot", "calendar_item", "outbox")


async def _bare_write_seconds(engine: Any) -> float:
    """PostgreSQL's own part of the write with nothing to keep up: the run's rows inserted
    again into copies of its three tables without indexes, constraints or triggers
    (``CREATE TABLE … (LIKE …)``, logged as the real ones; in a transaction rolled back). What
    the real write costs beyond it is the indexes and the checks, and the client's encoding."""
    async with engine.pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        try:
            for table in _WRITTEN:
                await connection.execute(f"CREATE TABLE bare_{table} (LIKE {table})")
            started = time.perf_counter()
            for table in _WRITTEN:
                await connection.execute(f"INSERT INTO bare_{table} SELECT * FROM {table}")
            return time.perf_counter() - started
        finally:
            await transaction.rollback()


def _generate_and_write(url: str, attendees: int, employers: int, slots: int) -> tuple[float, float]:
    started = time.perf_counter()
    problem = synthetic_matching(attendees, employers, slots)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    asyncio.run(_write_festival(url, problem, slots))
    return generated, time.perf_counter() - started


def _village_of(points: np.ndarray, villages: np.ndarray) -> np.ndarray:
    """The index of the nearest village for each point (in chunks, to bound memory)."""
    nearest = np.empty(len(points), np.int64)
    for start in range(0, len(points), 20000):
        chunk = points[start:start + 20000]
        distances = ((chunk[:, None, :] - villages[None, :, :]) ** 2).sum(axis=2)
        nearest[start:start + 20000] = distances.argmin(axis=1)
    return nearest


async def _write_festival(url: str, problem: Any, slots: int) -> None:
    import asyncpg

    rng = np.random.default_rng(11)
    homes = np.array([c.home for c in problem.candidates], dtype=float)
    sites = np.array([o.work_location for o in problem.openings], dtype=float)
    everything = np.concatenate([homes, sites])
    villages = everything[rng.choice(len(everything), min(VILLAGES, len(everything)), replace=False)]
    home_village = _village_of(homes, villages) + 2  # area ids: 1 is the city
    site_village = _village_of(sites, villages) + 2
    year = EVENT_STARTS.year
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.copy_records_to_table("area", records=[
            (1, "430200000000", "株洲市", "city", None, "430200000000", None, None, T0)] + [
            (n + 2, f"4302{n + 1:08d}", f"村{n}", "village", 1, f"4302000000004302{n + 1:08d}", float(lat), float(lon),
             T0)
            for n, (lat, lon) in enumerate(villages)],
            columns=["id", "code", "name", "level", "parent", "path", "latitude", "longitude", "created_at"])
        await connection.execute("INSERT INTO campaign (id, name, kind, area, description, created_at) "
                                 "VALUES (1, '311就业服务节', 'festival', 1, '', $1)", T0)
        await connection.execute("INSERT INTO venue (id, name, area, created_at) VALUES (1, '体育中心', 1, $1)", T0)
        organizations = sorted(problem.interviewers)
        await connection.copy_records_to_table("booth", records=[
            (o, 1, f"B{o:05d}", "manufacturing", []) for o in organizations],
            columns=["id", "venue", "code", "zone", "features"])
        await connection.copy_records_to_table("event", records=[(
            1, 1, 1, 1, "onsite_fair", "311就业服务节", EVENT_STARTS, EVENT_STARTS + timedelta(minutes=20 * slots),
            "Asia/Shanghai", "published", "", 20, problem.per_attendee, "direct", None, 1, "[]", T0)], columns=[
            "id", "campaign", "venue", "area", "kind", "title", "starts_at", "ends_at", "timezone", "status",
            "online_url", "interview_slot_minutes", "interviews_per_attendee", "booth_mode",
            "applications_close_at", "booths_per_organization", "interview_blocks", "created_at"])
        await connection.copy_records_to_table("organization", records=[
            (o, f"企业{o}", f"91430200{o:09d}X"[:18], "manufacturing", f"联系人{o}", "", "", T0)
            for o in organizations],
            columns=["id", "name", "credit_code", "industry", "contact_name", "contact_phone", "contact_email",
                     "created_at"])
        await connection.copy_records_to_table("participation", records=[
            (o, 1, o, "approved", 0, [], [], "", T0, T0) for o in organizations], columns=[
            "id", "event", "organization", "status", "priority", "documents", "flags", "reason", "created_at",
            "decided_at"])
        await connection.copy_records_to_table("booth_reservation", records=[
            (o, o, 1, o, "confirmed", None, problem.interviewers[o], "hold", T0, T0) for o in organizations],
            columns=["id", "booth", "event", "organization", "status", "hold_expires_at", "interviewers", "source",
                     "created_at", "confirmed_at"])
        await connection.copy_records_to_table("position", records=[(
            p.position_id, p.organization_id, f"岗位{p.position_id}", p.industry, 5, sorted(p.skills),
            int(site_village[i]), p.min_age, p.max_age, sorted(p.required_certificates), p.provides_food_and_lodging,
            p.accepts_older_workers, p.part_time, True, T0) for i, p in enumerate(problem.openings)], columns=[
            "id", "organization", "title", "industry", "headcount", "skills", "work_area", "min_age", "max_age",
            "required_certificates", "provides_food_lodging", "accepts_older_workers", "part_time", "active",
            "created_at"])
        await connection.copy_records_to_table("attendee", records=[(
            c.attendee_id, f"求职者{c.attendee_id}", f"1{c.attendee_id:010d}", "", int(home_village[i]),
            sorted(c.skills), sorted(c.desired_industries), sorted(c.priority_groups),
            year - c.age if c.age else None, sorted(c.certificates),
            int(c.max_commute_km) if c.max_commute_km is not None else None, c.needs_food_and_lodging,
            c.wants_part_time, "zh", "v1", T0, T0) for i, c in enumerate(problem.candidates)], columns=[
            "id", "name", "phone", "email", "home_area", "skills", "desired_industries", "priority_groups",
            "birth_year", "certificates", "max_commute_km", "needs_food_lodging", "wants_part_time", "language",
            "consent_version", "consent_at", "created_at"])
        await connection.copy_records_to_table("registration", records=[
            (c.attendee_id, c.attendee_id, 1, "registered", "self", list(c.ranked_organizations), None, T0)
            for c in problem.candidates], columns=[
            "id", "attendee", "event", "status", "channel", "ranked_organizations", "available_blocks",
            "created_at"])
        await connection.execute("INSERT INTO match_run (id, event, status, parameters, metrics, error, created_at) "
                                 "VALUES (1, 1, 'queued', $1, '{}', '', $2)",
                                 json.dumps({"algorithm": "min-cost-flow"}), T0)
        for table in ("area", "campaign", "venue", "booth", "event", "organization", "participation",
                      "booth_reservation", "position", "attendee", "registration", "match_run"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
