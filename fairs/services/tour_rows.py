"""A stored tour plan read back: as the itinerary core's routes and crews (to re-plan from it,
diff against it, draw it) and as plain rows (the API's routes and manifests)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fairs.core import itinerary as it
from fairs.db.tables import TourBusDay, TourPlan, TourRider, TourStop
from fairs.services.tours import LoadedTour


@dataclass(frozen=True)
class StoredPlan:
    routes: it.RoutePlan
    crews: it.CrewAssignment


async def plan_rows(plan_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Bus-days (by day and bus), stops (by bus-day and position) and riders of a plan."""
    bus_days = await TourBusDay.select().where(TourBusDay.plan == plan_id).order_by(TourBusDay.day).order_by(
        TourBusDay.bus)
    stops = await TourStop.select().where(TourStop.plan == plan_id).order_by(TourStop.bus_day).order_by(
        TourStop.position)
    riders = await TourRider.select().where(TourRider.plan == plan_id).order_by(TourRider.bus_day).order_by(
        TourRider.organization)
    return bus_days, stops, riders


async def stored_plan(plan_id: int, tour: LoadedTour) -> StoredPlan:
    """The plan as the core's :class:`~fairs.core.itinerary.RoutePlan` and
    :class:`~fairs.core.itinerary.CrewAssignment` (times in the tour's zone)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tour.campaign.time_zone)
    plan = await TourPlan.select(TourPlan.metrics, TourPlan.unserved, TourPlan.shortfalls).where(
        TourPlan.id == plan_id).output(load_json=True).first()
    assert plan is not None
    bus_days, stops, riders = await plan_rows(plan_id)
    stops_of: dict[int, list[it.VillageStop]] = {}
    for s in stops:
        stops_of.setdefault(s["bus_day"], []).append(it.VillageStop(
            s["village"], s["stop_number"], s["arrives_at"].astimezone(zone), s["starts_at"].astimezone(zone),
            s["ends_at"].astimezone(zone)))
    riders_of: dict[int, list[int]] = {}
    for r in riders:
        riders_of.setdefault(r["bus_day"], []).append(r["organization"])
    routes, crews = [], []
    for b in bus_days:
        day = date.fromisoformat(b["day"])
        routes.append(it.BusRoute(day, b["bus"], b["leaves_at"].astimezone(zone), b["returns_at"].astimezone(zone),
                                  tuple(stops_of.get(b["id"], ())), b["travel_seconds"]))
        crews.append(it.BusCrew(day, b["bus"], tuple(sorted(riders_of.get(b["id"], ()))), b["seats_used"], b["fit"]))
    metrics = plan["metrics"] or {}
    unserved = tuple(it.UnservedStop(**u) for u in plan["unserved"] or [])
    shortfalls = tuple(it.StopShortfall(**{**s, "day": date.fromisoformat(s["day"])}) for s in plan["shortfalls"] or [])
    route_plan = it.RoutePlan(tuple(routes), unserved, sum(r.travel_seconds for r in routes),
                              int(metrics.get("stops_wanted", 0)), sum(len(r.stops) for r in routes),
                              int(metrics.get("iterations", 0)), 0.0, None)
    crew_assignment = it.CrewAssignment(tuple(crews), shortfalls, int(metrics.get("total_fit", 0)),
                                        int(metrics.get("fit_upper_bound", 0)), metrics.get("assignment", "flow"),
                                        bool(metrics.get("assignment_optimal", True)))
    return StoredPlan(route_plan, crew_assignment)


def plain(value: Any) -> Any:
    """Dataclasses, sets, dates and times as JSON-ready values (sets sorted)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return sorted((plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def diff_json(diff: Any) -> dict[str, Any]:
    out = plain(diff)
    assert isinstance(out, dict)
    return out
