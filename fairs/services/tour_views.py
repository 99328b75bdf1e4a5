"""A tour plan as people look at it: the bus-days with stops and riders (the API's routes),
the route map and the timeline (SVG, from :mod:`fairs.core.itinerary.drawing`), and the
printable bus manifest."""

from __future__ import annotations

from datetime import date
from typing import Any

from fairs.core import itinerary as it
from fairs.core.errors import InvalidInput
from fairs.db.tables import Organization
from fairs.services.context import Actor
from fairs.services.tour_plans import get_plan
from fairs.services.tour_rows import StoredPlan, plan_rows, stored_plan
from fairs.services.tours import LoadedTour, load_tour


async def _plan(actor: Actor, plan_id: int) -> tuple[dict[str, Any], LoadedTour, StoredPlan]:
    plan = await get_plan(actor, plan_id)
    if plan["status"] not in ("ready", "published", "superseded"):
        raise InvalidInput(f"the plan is {plan['status']}: it has no routes", "tour_plan_id",
                           code="tour_plan_not_ready")
    tour = await load_tour(plan["campaign"])
    return plan, tour, await stored_plan(plan_id, tour)


def _day(day: str | None) -> date | None:
    return None if day is None else date.fromisoformat(day)


def _only(stored: StoredPlan, day: date | None) -> it.RoutePlan:
    if day is None:
        return stored.routes
    routes = tuple(r for r in stored.routes.routes if r.day == day)
    return it.RoutePlan(routes, stored.routes.unserved, sum(r.travel_seconds for r in routes),
                        stored.routes.stops_wanted, sum(len(r.stops) for r in routes), stored.routes.iterations,
                        stored.routes.runtime_s, stored.routes.first_plan_s)


async def _enterprise_names(organizations: set[int]) -> dict[int, str]:
    return {o["id"]: o["name"] for o in await Organization.select(Organization.id, Organization.name).where(
        Organization.id.is_in(sorted(organizations) or [-1]))}


def _village_names(tour: LoadedTour) -> dict[int, str]:
    return {v: row["name"] for v, row in tour.villages.items()}


async def bus_days(actor: Actor, plan_id: int, day: str | None) -> list[dict[str, Any]]:
    plan = await get_plan(actor, plan_id)
    tour = await load_tour(plan["campaign"])
    days, stops, riders = await plan_rows(plan_id)
    names = await _enterprise_names({r["organization"] for r in riders})
    out: dict[int, dict[str, Any]] = {}
    for b in days:
        if day is None or b["day"] == day:
            out[b["id"]] = {**b, "seats": tour.campaign.fleet.seats, "stops": [], "riders": []}
    for s in stops:
        if s["bus_day"] in out:
            out[s["bus_day"]]["stops"].append({
                "village_id": s["village"], "village": tour.villages[s["village"]]["name"],
                "stop_number": s["stop_number"], "arrives_at": s["arrives_at"], "starts_at": s["starts_at"],
                "ends_at": s["ends_at"], "event_id": s["event"]})
    for r in riders:
        if r["bus_day"] in out:
            out[r["bus_day"]]["riders"].append({"organization_id": r["organization"],
                                                "name": names.get(r["organization"], ""), "staff": r["staff"]})
    return list(out.values())


async def route_map(actor: Actor, plan_id: int, day: str | None, language: str) -> str:
    _, tour, stored = await _plan(actor, plan_id)
    return it.route_map_svg(tour.campaign, stored.routes, day=_day(day), language="en" if language == "en" else "zh",
                            village_names=_village_names(tour))


async def timeline(actor: Actor, plan_id: int, day: str | None, language: str) -> str:
    _, tour, stored = await _plan(actor, plan_id)
    names = await _enterprise_names({e for c in stored.crews.crews for e in c.enterprise_ids})
    return it.timeline_svg(_only(stored, _day(day)), language="en" if language == "en" else "zh",
                           village_names=_village_names(tour), crews=stored.crews, enterprise_names=names)


async def manifest(actor: Actor, plan_id: int, day: str | None, language: str) -> dict[str, Any]:
    plan, tour, stored = await _plan(actor, plan_id)
    _, _, riders = await plan_rows(plan_id)
    staff = {r["organization"]: r["staff"] for r in riders}
    names = await _enterprise_names(set(staff))
    days = it.manifest_rows(_only(stored, _day(day)), stored.crews, enterprise_names=names,
                            village_names=_village_names(tour), staff_of=staff, seats=tour.campaign.fleet.seats)
    en = language == "en"
    return {"plan": plan, "days": days, "campaign": tour.setup.get("campaign_name", ""),
            "depot": " ".join(p for p in (tour.setup["depot_name"], tour.setup["depot_address"]) if p),
            "day_heading": lambda d: it.day_heading(d, "en" if en else "zh", year=True),
            "bus_label": lambda b: it.bus_label(b, "en" if en else "zh")}
