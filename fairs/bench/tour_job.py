"""A whole village-tour plan job on PostgreSQL: a generated campaign
(:func:`fairs.bench.itinerary.synthetic_campaign` / ``synthetic_enterprises``) is written to
the database with ``COPY`` — village areas with their coordinates, each village's square as a
venue with its booths, the tour set-up, the enterprises with their positions — then one plan
is made in this process exactly as the worker does it: load, route (PyVRP within the time
budget), seat the enterprises, write the bus-days, stops and riders, and, no plan being
published yet, the draft village-stop events with their booths, participations, rides and
calendar items. ``job_s`` is that whole call; ``first_feasible_s`` is from its start to the
routing search's first complete plan."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

from fairs.bench.common import wipeable_postgres
from fairs.core import itinerary as it

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/fairs_bench_itinerary"
T0 = datetime(2027, 2, 1, tzinfo=UTC)
CITY_PATH = "430200000000"


def bench_tour_job(villages: int, days: int, buses: int, enterprises: int, budget_s: float, url: str) -> dict[str, Any]:
    url = wipeable_postgres("itinerary campaign", url)
    return asyncio.run(_run(url, villages, days, buses, enterprises, budget_s))


async def _run(url: str, villages: int, days: int, buses: int, enterprises: int, budget_s: float) -> dict[str, Any]:
    from fairs.bench.booths import _fresh_schema
    from fairs.bench.itinerary import synthetic_campaign, synthetic_enterprises
    from fairs.db.engine import open_pool
    from fairs.db.tables import Organization
    from fairs.services import tour_plans
    from fairs.services.context import Actor

    await _fresh_schema(url)
    campaign = synthetic_campaign(villages, days, buses, two_stops=True)  # dense ones want 1 anyway
    firms = synthetic_enterprises(campaign, enterprises)
    written = time.perf_counter()
    await _write_campaign(url, campaign, firms, budget_s)
    written_s = time.perf_counter() - written
    engine = Organization._meta.db
    await open_pool(engine, 1, 4)
    try:
        started = time.perf_counter()
        metrics = await tour_plans.run_plan(1)
        job_s = time.perf_counter() - started
        organizer = Actor(account_id=1, role="organizer", area_path=CITY_PATH)
        started = time.perf_counter()
        published = await tour_plans.publish_plan(organizer, 1, None)
        publish_s = time.perf_counter() - started
        counts = {table: (await Organization.raw(f"SELECT count(*) AS n FROM {table}"))[0]["n"]
                  for table in ("event", "booth_reservation", "tour_rider", "tour_ride", "calendar_item", "outbox")}
    finally:
        await engine.close_connection_pool()
    seconds = metrics["seconds"]
    return {
        "villages": villages, "days": days, "buses": buses, "enterprises": enterprises, "route_budget_s": budget_s,
        "job_s": round(job_s, 2), "first_feasible_s": metrics["first_feasible_s"],
        "load_s": seconds["load"], "route_s": seconds["route"], "solve_s": seconds["solve"],
        "write_s": seconds["write"], "publish_s": round(publish_s, 2), "told": published["told"],
        "villages_uncovered": metrics["villages_uncovered"],
        "villages_short_of_stops": metrics["villages_short_of_stops"],
        "min_stops_per_village": metrics["min_stops_per_village"],
        "min_enterprises_per_stop": metrics["min_enterprises_per_stop"],
        "stops_wanted": metrics["stops_wanted"], "stops_served": metrics["stops_served"],
        "stops_short_of_enterprises": metrics["shortfalls"], "fit_ratio": metrics["fit_ratio"],
        "assignment": metrics["assignment"], "bus_days": metrics["bus_days"],
        "rows": counts, "database_load_s": round(written_s, 2),
    }


async def _write_campaign(url: str, campaign: it.Campaign, firms: list[it.Enterprise], budget_s: float) -> None:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(
            "INSERT INTO area (id, code, name, level, parent, path, created_at) VALUES (1, $1, '县', 'city', NULL, $1, "
            "$2)", CITY_PATH, T0)
        await connection.copy_records_to_table("area", records=[
            (v.village_id + 1, f"4302{v.village_id:08d}", f"村{v.village_id}", "village", 1,
             f"{CITY_PATH}4302{v.village_id:08d}", v.location[0], v.location[1], T0) for v in campaign.villages],
            columns=["id", "code", "name", "level", "parent", "path", "latitude", "longitude", "created_at"])
        await connection.execute("INSERT INTO account (id, login, password_hash, role, display_name, email, area, "
                                 "departments, created_at) VALUES (1, 'organizer', '-', 'organizer', '组织者', "
                                 "'organizer@hr.example.org', 1, '{}', $1)", T0)
        await connection.execute("INSERT INTO campaign (id, name, kind, area, description, created_at) "
                                 "VALUES (1, '百企进百村', 'village_tour', 1, '', $1)", T0)
        fleet = campaign.fleet
        await connection.execute(
            "INSERT INTO tour_setup (campaign, timezone, dates, depot_name, depot_address, depot_latitude, "
            "depot_longitude, buses_per_day, seats, day_starts, day_ends, max_stops_per_bus, detour_factor, "
            "average_speed_kmh, travel_matrix, min_enterprises_per_stop, max_same_industry, updated_at) "
            "VALUES (1, $1, $2, '县人力资源服务中心', '', $3, $4, $5, $6, $7, $8, $9, $10, $11, '', 3, 2, $12)",
            campaign.time_zone, json.dumps([d.isoformat() for d in campaign.dates]), fleet.depot[0], fleet.depot[1],
            fleet.buses_per_day, fleet.seats, fleet.starts.strftime("%H:%M"), fleet.ends.strftime("%H:%M"),
            fleet.max_stops_per_bus, campaign.detour_factor, campaign.average_speed_kmh, T0)
        await connection.copy_records_to_table("venue", records=[
            (v.village_id, f"村{v.village_id}村委会广场", v.village_id + 1, f"村{v.village_id}", v.location[0],
             v.location[1], campaign.time_zone, T0) for v in campaign.villages],
            columns=["id", "name", "area", "address", "latitude", "longitude", "timezone", "created_at"])
        await connection.copy_records_to_table("booth", records=[
            (v.village_id, f"V{k}", "village", []) for v in campaign.villages for k in range(1, v.booth_capacity + 1)],
            columns=["venue", "code", "zone", "features"])
        await connection.copy_records_to_table("tour_village", records=[(
            v.village_id, 1, v.village_id + 1, v.village_id, v.opens.strftime("%H:%M"), v.closes.strftime("%H:%M"),
            int(v.stop_duration.total_seconds() // 60), v.booth_capacity, v.required_stops,
            json.dumps(sorted(v.weekdays)), json.dumps(sorted(d.isoformat() for d in v.forbidden_dates)),
            json.dumps({"industries": dict(v.labour_pool.industries), "skills": dict(v.labour_pool.skills),
                        "priority_groups": dict(v.labour_pool.priority_groups)}), T0)
            for v in campaign.villages], columns=[
            "id", "campaign", "area", "venue", "opens", "closes", "stop_minutes", "booth_capacity", "required_stops",
            "weekdays", "forbidden_dates", "labour_estimate", "created_at"])
        await connection.copy_records_to_table("organization", records=[
            (e.enterprise_id, f"企业{e.enterprise_id}", f"91430200{e.enterprise_id:09d}X"[:18], e.industry,
             f"人事{e.enterprise_id}", "", f"hr{e.enterprise_id}@corp.example.org", T0) for e in firms],
            columns=["id", "name", "credit_code", "industry", "contact_name", "contact_phone", "contact_email",
                     "created_at"])
        await connection.copy_records_to_table("position", records=[
            (e.enterprise_id, f"岗位{e.enterprise_id}-{n}", p.industry, 3, sorted(p.skills),
             "older_worker" in p.welcomes, True, T0)
            for e in firms for n, p in enumerate(e.positions)], columns=[
            "organization", "title", "industry", "headcount", "skills", "accepts_older_workers", "active",
            "created_at"])
        await connection.copy_records_to_table("tour_enterprise", records=[
            (1, e.enterprise_id, json.dumps(sorted(d.isoformat() for d in e.travel_dates)), e.staff,
             e.max_stops_per_day, e.max_days, "joined", T0) for e in firms], columns=[
            "campaign", "organization", "travel_dates", "staff", "max_stops_per_day", "max_days", "status",
            "created_at"])
        await connection.execute(
            "INSERT INTO tour_plan (id, campaign, status, parameters, metrics, unserved, shortfalls, diff, applied, "
            "error, requested_by, created_at) VALUES (1, 1, 'queued', $1, '{}', '[]', '[]', '{}', false, '', 1, $2)",
            json.dumps({"budget_s": budget_s, "seed": 1, "change": {}}), T0)
        for table in ("area", "account", "campaign", "venue", "booth", "tour_village", "organization", "position",
                      "tour_enterprise", "tour_setup", "tour_plan"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
