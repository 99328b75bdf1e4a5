"""Village routes over the campaign days: the multi-day VRP with time windows, solved by PyVRP.

The model (see the package docstring for why):

- time is seconds of the local day; every campaign day with a bus is a PyVRP *vehicle type*
  with that day's buses (``fleet.buses_on(day)``: ``buses_per_day`` unless ``buses_by_date``
  says otherwise), the fleet's working hours as its time window and its own routing *profile*;
  a day without a bus is left out, and no stop is planned on it;
- a village wanting ``r`` stops on its ``A`` allowed days (weekdays minus forbidden dates,
  days with a bus) becomes ``n = min(r, |A|)`` optional clients ("stop copies"), copy ``k`` restricted to the
  ``k``-th of ``n`` contiguous, near-equal parts of those days, so two stops of one village are
  always on different days and spread over the campaign;
- a copy's window is the village window shortened by the stop (the fair runs wholly inside);
- in the profile of a day outside a copy's part, every travel time into and out of the copy is
  ten days, so serving it there always breaks a time window and is never feasible;
- travel seconds are the cost; every copy carries a prize far above any detour, so the search
  serves every stop it can and leaves out only those it cannot fit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, Route, Solution, VehicleType

from fairs.core.errors import FieldProblem, InvalidInput
from fairs.core.itinerary.model import (
    BusRoute,
    Campaign,
    RoutePlan,
    RoutingProgress,
    UnservedStop,
    Village,
    VillageStop,
)
from fairs.core.itinerary.search import SearchState, run_search
from fairs.core.itinerary.travel import Seconds, campaign_travel_seconds
from fairs.core.itinerary.validation import seconds_of_day, validate_campaign

STOP_PRIZE = 10_000_000
"""Prize per stop, in travel seconds: far above any detour a single stop can cause."""
FORBIDDEN_SECONDS = 10 * 86_400
"""Travel time into or out of a stop copy on a day outside its part: a sure time-window break."""

ProgressListener = Callable[[RoutingProgress], bool | None]


@dataclass(frozen=True)
class StopCopy:
    """One wanted stop of a village as the solver sees it."""

    village: int
    """Index in ``campaign.villages``."""
    days: tuple[int, ...]
    """Indexes in the sorted campaign dates on which it may be served."""


@dataclass(frozen=True)
class RoutingModel:
    """The campaign cut down to what PyVRP is given, with the stops already known unservable."""

    dates: tuple[date, ...]
    copies: tuple[StopCopy, ...]
    unserved: tuple[UnservedStop, ...]
    travel: Seconds
    data: ProblemData | None
    """``None`` when no stop can be served at all."""
    vehicle_days: tuple[int, ...] = ()
    """PyVRP vehicle type → index of its day in ``dates`` (days without a bus have none)."""


def allowed_days(village: Village, dates: tuple[date, ...]) -> list[int]:
    """Indexes of ``dates`` on the village's weekdays and not forbidden."""
    return [d for d, day in enumerate(dates) if day.isoweekday() in village.weekdays
            and day not in village.forbidden_dates]


def reachable(village: Village, index: int, campaign: Campaign, travel: Seconds) -> bool:
    """Whether one bus can leave the depot in working hours, hold the fair wholly inside the
    village window and be back by the end of working hours (and within the maximum shift)."""
    fleet = campaign.fleet
    out, back = int(travel[0, index + 1]), int(travel[index + 1, 0])
    stop = int(village.stop_duration.total_seconds())
    starts = max(seconds_of_day(fleet.starts) + out, seconds_of_day(village.opens))
    fits_window = starts + stop <= seconds_of_day(village.closes)
    back_in_time = starts + stop + back <= seconds_of_day(fleet.ends)
    shift_ok = fleet.max_shift is None or out + stop + back <= fleet.max_shift.total_seconds()
    return fits_window and back_in_time and shift_ok


def split_days(days: list[int], parts: int) -> list[tuple[int, ...]]:
    """``days`` cut into ``parts`` contiguous runs whose sizes differ by at most one."""
    return [tuple(days[k * len(days) // parts:(k + 1) * len(days) // parts]) for k in range(parts)]


def validate_buses_by_date(campaign: Campaign) -> None:
    """Raise :class:`InvalidInput` (field ``fleet.buses_by_date[2027-03-02]``) for a count
    that is negative or a date that is not a campaign day."""
    days = set(campaign.dates)
    problems = []
    for day, count in sorted(campaign.fleet.buses_by_date.items()):
        at = f"fleet.buses_by_date[{day.isoformat()}]"
        if day not in days:
            problems.append(FieldProblem(at, f"{day.isoformat()} is not a campaign day"))
        elif count < 0:
            problems.append(FieldProblem(at, "must not be negative"))
    if problems:
        raise InvalidInput(problems[0].message, problems[0].field, code="invalid_itinerary_input", problems=problems)


def build_model(campaign: Campaign) -> RoutingModel:
    """Validate the campaign and translate it for PyVRP (see the module docstring)."""
    validate_campaign(campaign)
    validate_buses_by_date(campaign)
    dates = tuple(sorted(campaign.dates))
    travel = campaign_travel_seconds(campaign)
    with_bus = {d for d, day in enumerate(dates) if campaign.fleet.buses_on(day) > 0}
    copies: list[StopCopy] = []
    unserved: list[UnservedStop] = []
    for i, village in enumerate(campaign.villages):
        allowed = allowed_days(village, dates)
        days = [d for d in allowed if d in with_bus]
        wanted = village.required_stops
        if not allowed:
            unserved += [UnservedStop(village.village_id, k, "no_allowed_day",
                                      "its weekdays and forbidden dates leave no campaign day")
                         for k in range(1, wanted + 1)]
        elif not reachable(village, i, campaign, travel):
            unserved += [UnservedStop(village.village_id, k, "unreachable_in_window",
                                      f"no bus can leave the depot after {campaign.fleet.starts:%H:%M}, hold a "
                                      f"{_hours(village)} fair within {village.opens:%H:%M}–{village.closes:%H:%M} and "
                                      f"be back by {campaign.fleet.ends:%H:%M}")
                         for k in range(1, wanted + 1)]
        else:
            parts = min(wanted, len(allowed), len(days))
            copies += [StopCopy(i, part) for part in split_days(days, parts)] if parts else []
            lacking = min(wanted, len(allowed)) - parts
            unserved += [UnservedStop(village.village_id, k, "allowed_days_full",
                                      f"only {len(days)} of its {len(allowed)} allowed day(s) have a bus")
                         for k in range(parts + 1, parts + lacking + 1)]
            unserved += [UnservedStop(village.village_id, k, "too_few_allowed_days",
                                      f"{wanted} stops wanted on {len(allowed)} allowed day(s)")
                         for k in range(parts + lacking + 1, wanted + 1)]
    vehicle_days = tuple(sorted(with_bus))
    data = _problem_data(campaign, dates, copies, travel, vehicle_days) if copies else None
    return RoutingModel(dates, tuple(copies), tuple(unserved), travel, data, vehicle_days)


def _hours(village: Village) -> str:
    minutes = int(village.stop_duration.total_seconds()) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def _problem_data(campaign: Campaign, dates: tuple[date, ...], copies: list[StopCopy],
                  travel: Seconds, vehicle_days: tuple[int, ...]) -> ProblemData:
    fleet = campaign.fleet
    villages = campaign.villages
    where = np.array([0] + [c.village + 1 for c in copies], np.int64)
    base = np.ascontiguousarray(travel[np.ix_(where, where)])
    locations = [Location(x=fleet.depot[1], y=fleet.depot[0], name="depot")]
    locations += [Location(x=villages[c.village].location[1], y=villages[c.village].location[0],
                           name=f"{villages[c.village].village_id}#{n}") for n, c in enumerate(copies)]
    loads = [1] if fleet.max_stops_per_bus is not None else []
    clients = []
    for n, copy in enumerate(copies):
        village = villages[copy.village]
        stop = int(village.stop_duration.total_seconds())
        clients.append(Client(location=n + 1, delivery=loads, service_duration=stop,
                              tw_early=seconds_of_day(village.opens), tw_late=seconds_of_day(village.closes) - stop,
                              prize=STOP_PRIZE, required=False, name=locations[n + 1].name))
    starts, ends = seconds_of_day(fleet.starts), seconds_of_day(fleet.ends)
    shift = int(fleet.max_shift.total_seconds()) if fleet.max_shift is not None else ends - starts
    capacity = [fleet.max_stops_per_bus] if fleet.max_stops_per_bus is not None else []
    vehicle_types = [VehicleType(num_available=fleet.buses_on(dates[d]), capacity=capacity, tw_early=starts,
                                 tw_late=ends, shift_duration=shift, profile=p, name=dates[d].isoformat())
                     for p, d in enumerate(vehicle_days)]
    durations: list[Any] = []  # PyVRP's stubs type matrices as ndarray[int]
    for d in vehicle_days:
        banned = [n + 1 for n, c in enumerate(copies) if d not in c.days]
        matrix = base.copy()
        matrix[banned, :] = FORBIDDEN_SECONDS
        matrix[:, banned] = FORBIDDEN_SECONDS
        np.fill_diagonal(matrix, 0)
        durations.append(matrix)
    return ProblemData(locations, clients, [Depot(location=0)], vehicle_types,
                       [cast(Any, base)] * len(vehicle_days), durations)


def plan_routes(campaign: Campaign, *, budget_s: float = 30.0, seed: int = 0, max_iterations: int | None = None,
                progress: ProgressListener | None = None) -> RoutePlan:
    """Route the buses over the campaign days so that every village gets its stops, on distinct
    allowed days, inside its window and the buses' working hours, for the least travel time.

    Guarantees: every returned stop is on an allowed day of its village, the fair runs wholly
    inside the village window, every route leaves the depot and returns within working hours
    (and ``max_shift``, ``max_stops_per_bus``), no village has two stops on one day, and each
    wanted stop is either served or listed in ``unserved`` with its reason. Among plans, the
    search prefers more stops served, then less travel; it is a heuristic (PyVRP's iterated
    local search) stopped after ``budget_s`` seconds (setting up included) or
    ``max_iterations`` iterations, whichever comes first. Deterministic for a given ``seed``
    when the iteration limit ends the search. ``progress`` is called with the phase, elapsed
    time and the best objective so far (on each improvement and about once a second); if it
    returns True the search stops and the best plan so far is returned.

    Raises :class:`~fairs.core.errors.InvalidInput` for a campaign that breaks a rule (see
    :func:`~fairs.core.itinerary.validate_campaign`) or a travel matrix missing pairs.
    """
    started = time.perf_counter()
    model = build_model(campaign)
    wanted = sum(v.required_stops for v in campaign.villages)
    if progress is not None:
        progress(RoutingProgress("model", time.perf_counter() - started, 0, None, 0, wanted))
    if model.data is None:
        plan = _plan(campaign, model, None, 0, time.perf_counter() - started, None)
    else:
        def listen(state: SearchState) -> bool | None:
            served = state.best.num_clients() if state.best is not None else 0
            return progress(RoutingProgress("search", state.elapsed_s, state.iterations, state.cost, served, wanted)) \
                if progress is not None else None

        outcome = run_search(model.data, budget_s=budget_s, seed=seed, max_iterations=max_iterations,
                             listener=listen, started=started)
        best = outcome.result.best if outcome.result.is_feasible() else None
        plan = _plan(campaign, model, best, outcome.result.num_iterations, time.perf_counter() - started,
                     outcome.first_feasible_s)
    if progress is not None:
        left_out = sum(1 for u in plan.unserved if u.reason == "allowed_days_full")
        progress(RoutingProgress("done", plan.runtime_s, plan.iterations, plan.travel_seconds + STOP_PRIZE * left_out,
                                 plan.stops_served, wanted))
    return plan


def _plan(campaign: Campaign, model: RoutingModel, best: Solution | None, iterations: int, runtime_s: float,
          first_plan_s: float | None) -> RoutePlan:
    zone = ZoneInfo(campaign.time_zone)
    routes: list[tuple[int, int, int, Route]] = []
    if best is not None:
        for route in best.routes():
            first = route.schedule()[1].idx if len(route) else 0
            routes.append((model.vehicle_days[route.vehicle_type()], route.start_time(), first, route))
    routes.sort(key=lambda r: r[:3])
    served = {c: 0 for c in range(len(model.copies))}
    stop_times: list[tuple[int, int, list[tuple[int, int, int, int]]]] = []
    for day, _, _, route in routes:
        visits = []
        for activity in route.schedule():
            if activity.is_client():
                served[activity.idx] = 1
                arrives = activity.start_time - activity.wait_duration
                visits.append((activity.idx, arrives, activity.start_time, activity.end_time))
        stop_times.append((day, route.travel_duration(), visits))
    numbers = _stop_numbers(model, served, stop_times)
    out: list[BusRoute] = []
    bus_of_day: dict[int, int] = {}
    for (day, _, _, route), (_, travel, visits) in zip(routes, stop_times, strict=True):
        bus_of_day[day] = bus_of_day.get(day, 0) + 1
        midnight = datetime.combine(model.dates[day], datetime.min.time(), tzinfo=zone)

        def at(seconds: int, midnight: datetime = midnight) -> datetime:
            return midnight + timedelta(seconds=seconds)

        stops = tuple(VillageStop(campaign.villages[model.copies[c].village].village_id, numbers[c], at(a), at(s),
                                  at(e)) for c, a, s, e in visits)
        out.append(BusRoute(model.dates[day], bus_of_day[day], at(route.start_time()), at(route.end_time()), stops,
                            travel))
    unserved = list(model.unserved)
    for c, copy in enumerate(model.copies):
        if not served[c]:
            village = campaign.villages[copy.village]
            since, until = model.dates[copy.days[0]], model.dates[copy.days[-1]]
            unserved.append(UnservedStop(village.village_id, numbers[c], "allowed_days_full",
                                         f"no bus could fit it on its allowed days {since}–{until}"))
    unserved.sort(key=lambda u: (u.village_id, u.stop_number))
    wanted = sum(v.required_stops for v in campaign.villages)
    return RoutePlan(tuple(out), tuple(unserved), sum(r.travel_seconds for r in out), wanted,
                     sum(served.values()), iterations, runtime_s, first_plan_s)


def _stop_numbers(model: RoutingModel, served: dict[int, int],
                  stop_times: list[tuple[int, int, list[tuple[int, int, int, int]]]]) -> dict[int, int]:
    """Stop numbers per copy: a village's served stops 1…m in date order, then its copies left
    out; the stops unservable before solving take the numbers after those."""
    day_of: dict[int, int] = {c: day for day, _, visits in stop_times for c, _, _, _ in visits}
    by_village: dict[int, list[int]] = {}
    for c, copy in enumerate(model.copies):
        by_village.setdefault(copy.village, []).append(c)
    numbers: dict[int, int] = {}
    for cs in by_village.values():
        ordered = sorted(cs, key=lambda c: (not served[c], day_of.get(c, 0), c))
        numbers.update({c: k for k, c in enumerate(ordered, start=1)})
    return numbers
