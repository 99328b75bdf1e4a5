"""Planning a village tour: a job routes the buses and seats the enterprises, writes the plan
(bus-days, stops, riders: the manifests) and what changed against the published plan; the
organizer looks at the diff and publishes, which brings the village-stop events, their
booths and every rider's calendar entry in line with the plan, telling only those affected.

A plan's life (``tour_plan.status``)::

    queued → running → ready → published → superseded
                     ↘ failed

Re-planning after a change (a village rained out, a bus broken, an enterprise dropped out)
starts from the published plan and keeps what is fixed — days before today, confirmed stops —
and as much of the rest as the change allows (see :mod:`fairs.core.itinerary.replan`).

While no plan is published, the newest ready plan is *applied* at once: its stops are the
campaign's village-stop events as drafts (with their booths and riders' calendar entries,
not sent), so organizers can see them in the event lists before publishing.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError

from fairs.core import itinerary as it
from fairs.core import states
from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Campaign, TourBusDay, TourPlan, TourRider, TourStop
from fairs.db.transactions import after_commit, copy_rows, lock_rows, new_ids, write_transaction
from fairs.services import scope
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.progress import Report, no_report, read_progress
from fairs.services.queue import JobQueue
from fairs.services.tour_apply import apply_plan
from fairs.services.tour_rows import diff_json, stored_plan
from fairs.services.tours import LoadedTour, load_tour, tour_campaign

log = logging.getLogger(__name__)
RUN_TOUR_PLAN = "run_tour_plan"
ACTIVE_PLAN = ("queued", "running")
PROGRESS_KIND = "tour-plan"
DEFAULT_BUDGET_S = 20.0
MAX_BUDGET_S = 600.0


def job_id(plan_id: int) -> str:
    return f"tour-plan-{plan_id}"


@dataclass(frozen=True)
class PlanRequest:
    """What the organizer asks for: a time budget for the routing search, its seed, and — for
    a re-plan — the change since the published plan."""

    budget_s: float = DEFAULT_BUDGET_S
    seed: int = 0
    rained_out: list[tuple[int, str]] = field(default_factory=list)
    """(tour village id, date): no fair there that day."""
    broken_buses: list[tuple[str, int]] = field(default_factory=list)
    """(date, bus number of the published plan): that bus does not run that day."""
    confirmed: list[tuple[int, str]] = field(default_factory=list)
    """(tour village id, date): stops of the published plan to keep as they are."""
    fresh: bool = False
    """Route from scratch instead of changing the published plan as little as possible (the
    diff is still against the published plan; riders still keep their rides where they can)."""

    @property
    def is_replan(self) -> bool:
        return bool(self.rained_out or self.broken_buses or self.confirmed)


def check_tour(tour: LoadedTour) -> None:
    """Refuse a tour that cannot be planned, naming what is wrong (422): a rule broken by the
    campaign or a village (e.g. a window shorter than the fair), a travel matrix missing
    pairs, enterprises that break a rule, a village no enterprise fits."""
    it.validate_campaign(tour.campaign)
    it.campaign_travel_seconds(tour.campaign)
    it.validate_enterprises(tour.enterprises, tour.campaign.fleet.seats)
    if not tour.enterprises:
        raise InvalidInput("no enterprise has joined the tour yet", "enterprises", code="no_enterprises")
    it.check_villages_fit(tour.campaign, tour.enterprises)


async def published_plan_id(campaign_id: int) -> int | None:
    row = await TourPlan.select(TourPlan.id).where(TourPlan.campaign == campaign_id,
                                                   TourPlan.status == "published").first()
    return None if row is None else int(row["id"])


async def start_plan(actor: Actor, campaign_id: int, request: PlanRequest, queue: JobQueue,
                     clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Check the tour and the change, create a queued plan and enqueue its job. One plan job at
    a time per campaign: asking again while one is queued or running answers 409."""
    await tour_campaign(actor, campaign_id)
    if not 1.0 <= request.budget_s <= MAX_BUDGET_S:
        raise InvalidInput(f"must be between 1 and {MAX_BUDGET_S:.0f} seconds", "budget_s")
    tour = await load_tour(campaign_id)
    check_tour(tour)
    base = await published_plan_id(campaign_id)
    if request.is_replan:
        if base is None:
            raise InvalidInput("nothing to re-plan: no plan of this tour is published yet", "change",
                               code="no_published_plan")
        await _check_change(request, tour, base, clock)
    parameters = {"budget_s": request.budget_s, "seed": request.seed, "fresh": request.fresh,
                  "change": {"rained_out": request.rained_out, "broken_buses": request.broken_buses,
                             "confirmed": request.confirmed}}
    async with write_transaction():
        await lock_rows(Campaign, [campaign_id])
        active = await TourPlan.select(TourPlan.id).where(TourPlan.campaign == campaign_id,
                                                          TourPlan.status.is_in(list(ACTIVE_PLAN))).first()
        if active is not None:
            raise Conflict("a plan of this tour is already queued or running", field="campaign_id",
                           code="tour_plan_active", extra={"tour_plan_id": active["id"]})
        row = TourPlan(campaign=campaign_id, based_on=base, status="queued", parameters=json.dumps(parameters),
                       requested_by=actor.account_id, created_at=clock.now())
        await row.save()
        plan_id = int(row.id)
        after_commit(lambda: _enqueue_or_leave_queued(queue, plan_id))
    return await get_plan(actor, plan_id)


async def _check_change(request: PlanRequest, tour: LoadedTour, base: int, clock: Clock) -> None:
    today = clock.now().astimezone(ZoneInfo(tour.campaign.time_zone)).date()
    days = {d.isoformat() for d in tour.campaign.dates}
    for name, pairs in (("rained_out", request.rained_out), ("confirmed", request.confirmed)):
        for i, (village, day) in enumerate(pairs):
            if village not in tour.villages:
                raise InvalidInput("no such village on this tour", f"{name}[{i}].village_id")
            if day not in days:
                raise InvalidInput(f"{day} is not a day of the tour", f"{name}[{i}].date")
            if name == "rained_out" and date.fromisoformat(day) < today:
                raise InvalidInput("the past cannot change", f"{name}[{i}].date", code="date_in_past")
    buses = {(r["day"], r["bus"]) for r in await TourBusDay.select(TourBusDay.day, TourBusDay.bus).where(
        TourBusDay.plan == base)}
    for i, (day, bus) in enumerate(request.broken_buses):
        if (day, bus) not in buses:
            raise InvalidInput(f"the published plan has no bus {bus} on {day}", f"broken_buses[{i}]")
        if date.fromisoformat(day) < today:
            raise InvalidInput("the past cannot change", f"broken_buses[{i}].date", code="date_in_past")


async def _enqueue_or_leave_queued(queue: JobQueue, plan_id: int) -> None:
    """The plan is committed as queued; if Redis cannot take the job now, the cron job
    ``requeue_stale_tour_plans`` enqueues it later."""
    try:
        await queue.enqueue(RUN_TOUR_PLAN, plan_id, job_id=job_id(plan_id))
    except (OSError, RedisError) as error:
        log.warning("could not enqueue tour plan %s (%s); it will be re-queued", plan_id, type(error).__name__)


async def requeue_stale_plans(queue: JobQueue, older_than: datetime) -> list[int]:
    rows = await TourPlan.select(TourPlan.id).where(TourPlan.status.is_in(list(ACTIVE_PLAN)),
                                                    TourPlan.created_at < older_than)
    for row in rows:
        await queue.enqueue(RUN_TOUR_PLAN, row["id"], job_id=job_id(row["id"]))
    return [row["id"] for row in rows]


PLAN_COLUMNS = (TourPlan.id, TourPlan.campaign, TourPlan.based_on, TourPlan.status, TourPlan.parameters,
                TourPlan.metrics, TourPlan.unserved, TourPlan.shortfalls, TourPlan.diff, TourPlan.applied,
                TourPlan.error, TourPlan.created_at, TourPlan.started_at, TourPlan.finished_at,
                TourPlan.published_at)


async def get_plan(actor: Actor, plan_id: int) -> dict[str, Any]:
    if not actor.is_organizer:
        raise NotFound("no such tour plan", field="tour_plan_id")
    row = await TourPlan.select(*PLAN_COLUMNS).where(
        TourPlan.id == plan_id, scope.writable(actor, TourPlan.campaign.area)).output(load_json=True).first()
    if row is None:
        raise NotFound("no such tour plan", field="tour_plan_id")
    return row


async def list_plans(actor: Actor, campaign_id: int) -> list[dict[str, Any]]:
    await tour_campaign(actor, campaign_id)
    return await TourPlan.select(*PLAN_COLUMNS).where(TourPlan.campaign == campaign_id).order_by(
        TourPlan.id, ascending=False).output(load_json=True)


async def with_progress(plan: dict[str, Any], queue: Any) -> dict[str, Any]:
    """The plan with its ``progress``: phase, percent and the routing search's best objective
    so far (from Redis while it runs), else its final state."""
    if plan["status"] in ("ready", "published", "superseded"):
        progress: dict[str, Any] = {"phase": "done", "percent": 100, "at": None}
    else:
        last = await read_progress(getattr(queue, "pool", None), PROGRESS_KIND, plan["id"]) if queue else None
        progress = asdict(last) if last else {"phase": plan["status"], "percent": 0, "at": None}
        if plan["status"] == "failed":
            progress["phase"] = "failed"
    return {**plan, "progress": progress}


# ---------------------------------------------------------------- the job


async def run_plan(plan_id: int, clock: Clock = SYSTEM_CLOCK, report: Report = no_report) -> dict[str, Any]:
    """Carry out one plan (the worker job's body). Routing runs outside any transaction (it
    takes its whole time budget); everything it decides is written in one transaction at the
    end, after checking the plan is still to be done, so a retried job writes it once."""
    async with write_transaction():
        await lock_rows(TourPlan, [plan_id])
        plan = await TourPlan.select(TourPlan.status, TourPlan.campaign, TourPlan.parameters, TourPlan.based_on,
                                     TourPlan.metrics).where(TourPlan.id == plan_id).output(load_json=True).first()
        if plan is None:
            raise NotFound("no such tour plan", field="tour_plan_id")
        if plan["status"] not in ACTIVE_PLAN:
            return dict(plan["metrics"] or {})
        if plan["status"] == "queued":
            states.move("tour_plan", "queued", "running")
            await TourPlan.update({TourPlan.status: "running", TourPlan.started_at: clock.now()}).where(
                TourPlan.id == plan_id)
    timer = time.perf_counter()
    await report("loading", 0)
    tour = await load_tour(plan["campaign"])
    check_tour(tour)
    parameters = plan["parameters"]
    budget_s = float(parameters.get("budget_s", DEFAULT_BUDGET_S))
    loaded_at = time.perf_counter()
    best: dict[str, Any] = {}
    reports: list[tuple[str, int, int | None]] = []

    def listen(progress: it.RoutingProgress) -> None:
        if progress.objective is not None and "first_feasible_s" not in best and progress.stops_served:
            best["first_feasible_s"] = round(time.perf_counter() - timer, 3)
        reports.append(("routing", min(80, int(80 * progress.elapsed_s / budget_s)), progress.objective))

    base = None
    if plan["based_on"] is not None:
        base = await stored_plan(plan["based_on"], tour)
    await report("routing", 1)
    routes, crews = await _solve(tour, parameters, base, budget_s, listen, clock, report, reports)
    solved_at = time.perf_counter()
    await report("writing", 90)
    async with write_transaction():
        await lock_rows(TourPlan, [plan_id])
        current = await TourPlan.select(TourPlan.status, TourPlan.metrics).where(TourPlan.id == plan_id).output(
            load_json=True).first()
        assert current is not None
        if current["status"] not in ACTIVE_PLAN:
            return dict(current["metrics"] or {})
        await write_plan(plan_id, tour, routes, crews)
        diff = _diff(base, routes, crews)
        applied = False
        if await published_plan_id(plan["campaign"]) is None:
            await TourPlan.update({TourPlan.applied: False}).where(TourPlan.campaign == plan["campaign"])
            await apply_plan(plan_id, tour, clock, publish=False)
            applied = True
        metrics = _metrics(tour, routes, crews)
        metrics["first_feasible_s"] = best.get("first_feasible_s")
        metrics["seconds"] = {"load": round(loaded_at - timer, 3), "route": round(routes.runtime_s, 3),
                              "solve": round(solved_at - loaded_at, 3),
                              "write": round(time.perf_counter() - solved_at, 3)}
        await TourPlan.update({
            TourPlan.status: "ready", TourPlan.metrics: json.dumps(metrics), TourPlan.diff: json.dumps(diff),
            TourPlan.unserved: json.dumps([asdict(u) for u in routes.unserved]),
            TourPlan.shortfalls: json.dumps([{**asdict(s), "day": s.day.isoformat()} for s in crews.shortfalls]),
            TourPlan.applied: applied, TourPlan.finished_at: clock.now(),
        }).where(TourPlan.id == plan_id)
    metrics["seconds"]["job"] = round(time.perf_counter() - timer, 3)
    await report("done", 100)
    return metrics


async def _solve(tour: LoadedTour, parameters: dict[str, Any], base: Any, budget_s: float, listen: Any, clock: Clock,
                 report: Report, reports: list[tuple[str, int, int | None]]) -> tuple[it.RoutePlan, it.CrewAssignment]:
    """Route (or re-route from ``base``) and seat the riders. The search runs in a thread so
    the progress reports reach Redis while it works."""
    import asyncio

    seed = int(parameters.get("seed", 0))
    change = parameters.get("change") or {}
    loop = asyncio.get_running_loop()

    def route() -> it.RoutePlan:
        if base is None or parameters.get("fresh"):
            return it.plan_routes(tour.campaign, budget_s=budget_s, seed=seed, progress=listen)
        plan_change = it.PlanChange(
            rained_out=frozenset((int(v), date.fromisoformat(d)) for v, d in change.get("rained_out", [])),
            broken_buses=frozenset((date.fromisoformat(d), int(b)) for d, b in change.get("broken_buses", [])),
            confirmed=frozenset((int(v), date.fromisoformat(d)) for v, d in change.get("confirmed", [])))
        today = clock.now().astimezone(ZoneInfo(tour.campaign.time_zone)).date()
        return it.replan_routes(tour.campaign, base.routes, plan_change, today=today, budget_s=budget_s, seed=seed,
                             progress=listen)

    task = loop.run_in_executor(None, route)
    sent = 0
    while not task.done():
        await asyncio.sleep(0.25)
        if len(reports) > sent:
            sent = len(reports)
            await report(*reports[-1])
    routes = await task
    await report("riders", 85)
    if base is None:
        crews = it.assign_crews(routes, tour.campaign, tour.enterprises, tour.rules)
    else:
        crews = it.assign_crews(routes, tour.campaign, tour.enterprises, tour.rules, previous=base.crews,
                                previous_plan=base.routes)
    return routes, crews


async def write_plan(plan_id: int, tour: LoadedTour, routes: it.RoutePlan, crews: it.CrewAssignment) -> None:
    """The plan's bus-days, stops and riders, in bulk."""
    crew_of = {(c.day, c.bus): c for c in crews.crews}
    ids = await new_ids(TourBusDay, len(routes.routes))
    bus_days, stops, riders = [], [], []
    for bus_day_id, route in zip(ids, routes.routes, strict=True):
        crew = crew_of.get((route.day, route.bus))
        bus_days.append((bus_day_id, plan_id, route.day.isoformat(), route.bus, route.leaves_depot, route.returns,
                         route.travel_seconds, crew.seats_used if crew else 0, crew.fit if crew else 0))
        for position, stop in enumerate(route.stops, start=1):
            stops.append((plan_id, bus_day_id, stop.village_id, position, stop.stop_number, stop.arrives,
                          stop.starts, stop.ends))
        for enterprise in crew.enterprise_ids if crew else ():
            riders.append((plan_id, bus_day_id, enterprise, tour.riders[enterprise]["staff"]))
    await copy_rows(TourBusDay, ("id", "plan", "day", "bus", "leaves_at", "returns_at", "travel_seconds",
                                 "seats_used", "fit"), bus_days)
    await copy_rows(TourStop, ("plan", "bus_day", "village", "position", "stop_number", "arrives_at", "starts_at",
                               "ends_at"), stops)
    await copy_rows(TourRider, ("plan", "bus_day", "organization", "staff"), riders)


def _diff(base: Any, routes: it.RoutePlan, crews: it.CrewAssignment) -> dict[str, Any]:
    if base is None:
        return {"first_plan": True}
    return diff_json(it.plan_diff(base.routes, base.crews, routes, crews))


def _metrics(tour: LoadedTour, routes: it.RoutePlan, crews: it.CrewAssignment) -> dict[str, Any]:
    stops_of: dict[int, int] = {v.village_id: 0 for v in tour.campaign.villages}
    hosted: list[int] = []
    crew_of = {(c.day, c.bus): c for c in crews.crews}
    for route in routes.routes:
        crew = crew_of.get((route.day, route.bus))
        for stop in route.stops:
            stops_of[stop.village_id] += 1
            hosted.append(len(crew.enterprise_ids) if crew else 0)
    wanting = [v for v in tour.campaign.villages if v.required_stops > 0]
    return {
        "villages": len(tour.campaign.villages), "days": len(tour.campaign.dates),
        "buses_per_day": tour.campaign.fleet.buses_per_day, "enterprises": len(tour.enterprises),
        "stops_wanted": routes.stops_wanted, "stops_served": routes.stops_served,
        "villages_uncovered": sum(1 for v in wanting if stops_of[v.village_id] == 0),
        "villages_short_of_stops": sum(1 for v in wanting if stops_of[v.village_id] < v.required_stops),
        "min_stops_per_village": min((stops_of[v.village_id] for v in wanting), default=0),
        "min_enterprises_per_stop": min(hosted, default=0),
        "bus_days": len(routes.routes), "travel_hours": round(routes.travel_seconds / 3600, 1),
        "total_fit": crews.total_fit, "fit_upper_bound": crews.fit_upper_bound,
        "fit_ratio": round(crews.fit_ratio, 4), "assignment": crews.method, "assignment_optimal": crews.optimal,
        "shortfalls": len(crews.shortfalls), "iterations": routes.iterations,
    }


async def mark_failed(plan_id: int, reason: str, clock: Clock = SYSTEM_CLOCK) -> None:
    """The job gave up (its last try failed): the plan is failed so the tour can be planned
    again. ``reason`` is an error class name or the message of bad input, never personal data."""
    async with write_transaction():
        await TourPlan.update({TourPlan.status: "failed", TourPlan.error: reason[:500],
                               TourPlan.finished_at: clock.now()}).where(
            TourPlan.id == plan_id, TourPlan.status.is_in(list(ACTIVE_PLAN)))


# ---------------------------------------------------------------- publishing


async def publish_plan(actor: Actor, plan_id: int, queue: JobQueue | None, clock: Clock = SYSTEM_CLOCK
                       ) -> dict[str, Any]:
    """Make a ready plan the tour's plan: events, booths and rides follow it, and only the
    people whose stop or ride changed are told (everyone, the first time). A plan made on top
    of a plan that is no longer the published one is stale: re-plan instead (409)."""
    plan = await get_plan(actor, plan_id)
    campaign_id = plan["campaign"]
    async with write_transaction():
        await lock_rows(Campaign, [campaign_id])
        await lock_rows(TourPlan, [plan_id])
        current = await TourPlan.select(TourPlan.status).where(TourPlan.id == plan_id).first()
        assert current is not None
        if current["status"] != "ready":
            raise Conflict(f"the plan is {current['status']}; only a ready plan can be published",
                           field="tour_plan_id", code="tour_plan_not_ready")
        published = await published_plan_id(campaign_id)
        if published != plan["based_on"]:
            raise Conflict("another plan was published since this one was made: re-plan from it",
                           field="tour_plan_id", code="tour_plan_stale", extra={"published_plan_id": published})
        tour = await load_tour(campaign_id)
        told = await apply_plan(plan_id, tour, clock, publish=True, everyone=published is None)
        await TourPlan.update({TourPlan.applied: False}).where(TourPlan.campaign == campaign_id)
        if published is not None:
            states.move("tour_plan", "published", "superseded")
            await TourPlan.update({TourPlan.status: "superseded"}).where(TourPlan.id == published)
        states.move("tour_plan", "ready", "published")
        await TourPlan.update({TourPlan.status: "published", TourPlan.applied: True,
                               TourPlan.published_at: clock.now()}).where(TourPlan.id == plan_id)
        if queue is not None and told:
            after_commit(lambda: _deliver_soon(queue, plan_id))
    return {**await get_plan(actor, plan_id), "told": told}


async def _deliver_soon(queue: JobQueue, plan_id: int) -> None:
    try:
        await queue.enqueue("deliver_outbox", job_id=f"deliver-after-tour-plan-{plan_id}",
                            defer_until=datetime.now(UTC) + timedelta(seconds=1))
    except (OSError, RedisError) as error:  # the outbox cron sends them anyway
        log.warning("could not enqueue delivery after tour plan %s (%s)", plan_id, type(error).__name__)
