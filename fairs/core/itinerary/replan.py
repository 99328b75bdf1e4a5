"""Re-planning village routes after a change, changing as little as possible: the
**minimal-change contract** of :func:`replan_routes`.

Organizers publish a plan (:func:`~fairs.core.itinerary.plan_routes`), then the world moves: a
village is rained out on a date, a bus breaks down, a village is added or wants another stop.
:func:`replan_routes` takes the (possibly edited) campaign, the previous plan and a
:class:`PlanChange`, and returns a plan that keeps what is fixed and changes the least of the
rest. The rules, in order:

1. **The past is history.** Routes on days before ``today`` are kept verbatim, whatever the
   change or the campaign edit says (even if their village left the campaign). A rained-out
   stop or a broken bus dated before ``today`` is :class:`InvalidInput` (``change.rained_out`` /
   ``change.broken_buses``); a confirmed stop in the past is accepted (it is kept anyway).
2. **Rained out** ``(village, date)``: that date becomes a forbidden date of the village (for
   this re-plan), and its stop that day, if any, is taken off its route.
3. **Broken bus** ``(date, bus)``: the bus numbered ``bus`` (1…the day's count,
   ``fleet.buses_on(date)``) does not run: that date has one bus fewer, the bus's route is
   dropped and its stops are displaced; the number is never given to another route that day.
4. **Confirmed** ``(village, date)``: the organizer promised that stop. It must be in the
   previous plan and not rained out (else ``change.confirmed``). Its route is kept: the same
   stops, bus and times, except that stops taken off it (rule 2, 5) leave a gap — the schedule
   is recomputed (rule 6) and must still fit. A confirmed route on a broken bus keeps its stops
   and times on the lowest free bus number of its day; if none is free, the unconfirmed kept
   route with the highest number that day gives up its bus (its stops are displaced). A
   confirmed route that cannot be kept (every bus of its day carries a confirmed stop, its
   village left the campaign, the edited campaign no longer allows the stop or the schedule)
   is :class:`InvalidInput` on ``change.confirmed``: un-confirm it first.
5. **Edited campaign.** A stop is taken off its route when its village left the campaign, its
   date is no longer a campaign day or an allowed day of the village, or it no longer lies in
   the village's window with its duration; when a village now wants fewer stops than it has,
   its latest unconfirmed future stops go first. A route whose bus number no longer exists
   (fewer buses that day) is treated like a broken bus.
6. **Everything else stays.** A future route untouched by the above, whose schedule still
   holds with the campaign's travel times and working hours, is kept **verbatim** (same day,
   bus number, stops and times; only stop numbers are recounted). A route that lost some stops
   but not its bus keeps the others: the bus still calls at them in order, at their old start
   times where it can (it now waits instead; with a road-time matrix breaking the triangle
   inequality it may be later), leaving the depot at its old time if its first stop is
   unchanged, else just in time for the new first stop. If that schedule no longer fits the
   windows and working hours, the route is dropped and all its stops are displaced.
7. **Only displaced stops are routed again** — stops of dropped routes, stops taken off
   routes, stops unserved before, stops newly wanted — by :func:`plan_routes` on a
   sub-campaign: the villages that still need stops, each wanting the stops it still needs, on
   the campaign days from ``today`` on, minus its forbidden and rained-out dates and the days it
   already has a kept stop (so a village never gets two stops a day), with the buses left
   each day (the day's buses, minus broken ones, minus kept routes).
8. **Merge.** Kept routes keep their bus numbers; the new routes of a day take its free bus
   numbers, lowest first, never a broken one. Routes are sorted by day then bus; stop numbers
   are recounted per village in date order (past stops keep theirs; they come first), and
   the stops still unserved follow with their reasons as :func:`plan_routes` gives them.
   ``stops_wanted`` counts, per village, the larger of its wanted stops and the stops it
   keeps (past and confirmed stops are never dropped to meet a lower count), plus past stops
   of villages that left the campaign, so ``stops_served + len(unserved) == stops_wanted``.
9. **Second pass.** The repair keeps every untouched route, so a displaced stop can only go
   to a free bus. When it leaves stops unserved for want of buses (``allowed_days_full``) and
   ``full_replan_fallback`` is on, the whole non-fixed future (everything but past and
   confirmed routes) is routed again from scratch; that plan is taken only if it serves
   strictly more stops. Each pass has ``budget_s`` (so a re-plan takes at most twice it).

Guarantees: the merged plan keeps every guarantee of :func:`plan_routes` for the future days
(allowed days, windows, one stop per village a day, working hours, ``max_shift``,
``max_stops_per_bus``), bus numbers are unique per day and at most the day's buses left
(``fleet.buses_on(day)`` minus broken ones) run. Deterministic for a given ``seed`` when the
iteration limit ends the searches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

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
from fairs.core.itinerary.routing import STOP_PRIZE, plan_routes, validate_buses_by_date
from fairs.core.itinerary.travel import Seconds, campaign_travel_seconds
from fairs.core.itinerary.validation import validate_campaign

ProgressListener = Callable[[RoutingProgress], bool | None]


@dataclass(frozen=True)
class PlanChange:
    """What happened since the previous plan (see the module docstring for what each does).

    ``rained_out``: (village id, date) — no fair there that day; ``broken_buses``: (date, bus
    number) — that bus does not run that day; ``confirmed``: (village id, date) — stops of the
    previous plan the organizer promised, kept as they are."""

    rained_out: frozenset[tuple[int, date]] = frozenset()
    broken_buses: frozenset[tuple[date, int]] = frozenset()
    confirmed: frozenset[tuple[int, date]] = frozenset()


@dataclass(frozen=True)
class _Fixed:
    """What a pass keeps of the future: routes by day (bus numbers final)."""

    routes: dict[date, list[BusRoute]]
    confirmed_days: dict[date, set[int]]
    """Day → bus numbers of confirmed routes (never dropped)."""


def replan_routes(campaign: Campaign, previous: RoutePlan, change: PlanChange | None = None, *, today: date,
                  budget_s: float = 30.0, seed: int = 0, max_iterations: int | None = None,
                  progress: ProgressListener | None = None, full_replan_fallback: bool = True) -> RoutePlan:
    """Re-plan after ``change`` keeping the past, the confirmed stops and every untouched route;
    only displaced stops are routed again (the rules are the module docstring's contract).

    ``budget_s``, ``seed``, ``max_iterations`` and ``progress`` are those of each
    :func:`plan_routes` pass; ``progress`` sees the passes' ``model`` and ``search`` reports
    (figures of the displaced stops) and one final ``done`` with the merged plan's figures.

    Raises :class:`InvalidInput` for a campaign :func:`plan_routes` would refuse, a change
    dated in the past, naming an unknown village, day or bus, or a confirmed stop that cannot
    be kept (fields ``change.rained_out``, ``change.broken_buses``, ``change.confirmed``), or a
    previous plan with two routes for one bus-day (``previous.routes``).
    """
    started = time.perf_counter()
    change = change or PlanChange()
    validate_campaign(campaign)
    validate_buses_by_date(campaign)
    travel = campaign_travel_seconds(campaign)
    _check(campaign, previous, change, today)
    context = _Context(campaign, previous, change, today, travel)
    cancelled = False

    def relay(report: RoutingProgress) -> bool | None:
        nonlocal cancelled
        if progress is None or report.phase == "done":
            return None
        stop = progress(report)
        cancelled = cancelled or bool(stop)
        return stop

    plan = context.run(keep_unconfirmed=True, budget_s=budget_s, seed=seed, max_iterations=max_iterations,
                       progress=relay, started=started)
    if (full_replan_fallback and not cancelled and any(u.reason == "allowed_days_full" for u in plan.unserved)
            and context.has_unconfirmed_future()):
        again = context.run(keep_unconfirmed=False, budget_s=budget_s, seed=seed, max_iterations=max_iterations,
                            progress=relay, started=started)
        if again.stops_served > plan.stops_served:
            plan = replace(again, iterations=plan.iterations + again.iterations)
        else:
            plan = replace(plan, iterations=plan.iterations + again.iterations)
    plan = replace(plan, runtime_s=time.perf_counter() - started)
    if progress is not None:
        left_out = sum(1 for u in plan.unserved if u.reason == "allowed_days_full")
        progress(RoutingProgress("done", plan.runtime_s, plan.iterations, plan.travel_seconds + STOP_PRIZE * left_out,
                                 plan.stops_served, plan.stops_wanted))
    return plan


# --- checks ---------------------------------------------------------------------------------

def _check(campaign: Campaign, previous: RoutePlan, change: PlanChange, today: date) -> None:
    problems: list[FieldProblem] = []
    days = set(campaign.dates)
    villages = {v.village_id for v in campaign.villages}
    seen: set[tuple[date, int]] = set()
    for route in previous.routes:
        if (route.day, route.bus) in seen:
            problems.append(FieldProblem("previous.routes", f"bus {route.bus} on {route.day} has two routes"))
        seen.add((route.day, route.bus))
    for village, day in sorted(change.rained_out):
        where = "change.rained_out"
        if day < today:
            problems.append(FieldProblem(where, f"village {village} on {day}: {day} is before {today}; the past "
                                                "cannot change"))
        elif day not in days:
            problems.append(FieldProblem(where, f"village {village} on {day}: {day} is not a campaign day"))
        elif village not in villages:
            problems.append(FieldProblem(where, f"village {village} is not in the campaign"))
    for day, bus in sorted(change.broken_buses):
        where = "change.broken_buses"
        if day < today:
            problems.append(FieldProblem(where, f"bus {bus} on {day}: {day} is before {today}; the past cannot "
                                                "change"))
        elif day not in days:
            problems.append(FieldProblem(where, f"bus {bus} on {day}: {day} is not a campaign day"))
        elif not 1 <= bus <= campaign.fleet.buses_on(day):
            problems.append(FieldProblem(where, f"bus {bus} on {day}: that day has buses 1–"
                                                f"{campaign.fleet.buses_on(day)}"))
    stops = {(s.village_id, r.day) for r in previous.routes for s in r.stops}
    for village, day in sorted(change.confirmed):
        where = "change.confirmed"
        if (village, day) not in stops:
            problems.append(FieldProblem(where, f"the previous plan has no stop of village {village} on {day}"))
        elif (village, day) in change.rained_out:
            problems.append(FieldProblem(where, f"the stop of village {village} on {day} is both confirmed and "
                                                "rained out: un-confirm it first"))
        elif day >= today and village not in villages:
            problems.append(FieldProblem(where, f"village {village} on {day}: the village is no longer in the "
                                                "campaign: un-confirm its stop first"))
    if problems:
        raise InvalidInput(problems[0].message, problems[0].field, code="invalid_replan", problems=problems)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, "change.confirmed", code="invalid_replan")


# --- one pass -------------------------------------------------------------------------------

class _Context:
    """The inputs of a re-plan, checked, and one pass of it (:meth:`run`)."""

    def __init__(self, campaign: Campaign, previous: RoutePlan, change: PlanChange, today: date,
                 travel: Seconds) -> None:
        self.campaign, self.previous, self.change, self.today, self.travel = campaign, previous, change, today, travel
        self.zone = ZoneInfo(campaign.time_zone)
        rained: dict[int, set[date]] = {}
        for village_id, day in change.rained_out:
            rained.setdefault(village_id, set()).add(day)
        self.villages: dict[int, Village] = {
            v.village_id: replace(v, forbidden_dates=v.forbidden_dates | rained[v.village_id])
            if v.village_id in rained else v for v in campaign.villages}
        self.index = {v.village_id: i + 1 for i, v in enumerate(campaign.villages)}
        self.future_days = tuple(sorted(d for d in campaign.dates if d >= today))
        broken = change.broken_buses
        self.usable = {d: [b for b in range(1, campaign.fleet.buses_on(d) + 1) if (d, b) not in broken]
                       for d in self.future_days}
        self.past = [r for r in previous.routes if r.day < today]
        self.future = [r for r in previous.routes if r.day >= today]

    def has_unconfirmed_future(self) -> bool:
        return any((s.village_id, r.day) not in self.change.confirmed for r in self.future for s in r.stops)

    # -- keeping -------------------------------------------------------------------------------

    def _stop_allowed(self, stop: VillageStop, day: date) -> bool:
        village = self.villages.get(stop.village_id)
        if village is None or day not in self.usable:
            return False
        opens = datetime.combine(day, village.opens, tzinfo=self.zone)
        closes = datetime.combine(day, village.closes, tzinfo=self.zone)
        return (day.isoweekday() in village.weekdays and day not in village.forbidden_dates
                and opens <= stop.starts and stop.ends <= closes and stop.ends - stop.starts == village.stop_duration)

    def _fixed(self, keep_unconfirmed: bool) -> _Fixed:
        confirmed = self.change.confirmed
        remaining: dict[tuple[date, int], list[VillageStop]] = {}
        for route in self.future:
            is_confirmed = any((s.village_id, route.day) in confirmed for s in route.stops)
            if not is_confirmed and (not keep_unconfirmed or route.bus not in self.usable.get(route.day, ())):
                continue  # dropped: its stops are displaced
            kept = []
            for stop in route.stops:
                if self._stop_allowed(stop, route.day):
                    kept.append(stop)
                elif (stop.village_id, route.day) in confirmed:
                    raise _refuse(f"the confirmed stop of village {stop.village_id} on {route.day} no longer fits "
                                  "the campaign (its days or window changed): un-confirm it first")
            remaining[(route.day, route.bus)] = kept
        self._trim_excess(remaining)
        routes: dict[date, list[BusRoute]] = {}
        confirmed_days: dict[date, set[int]] = {}
        for route in self.future:
            stops = remaining.get((route.day, route.bus))
            if not stops:
                continue
            is_confirmed = any((s.village_id, route.day) in confirmed for s in stops)
            scheduled = self._schedule(route, stops)
            if scheduled is None:
                if is_confirmed:
                    raise _refuse(f"the route of bus {route.bus} on {route.day} with a confirmed stop no longer fits "
                                  "the villages' windows or the working hours: un-confirm it first")
                continue
            routes.setdefault(route.day, []).append(scheduled)
            if is_confirmed:
                confirmed_days.setdefault(route.day, set()).add(route.bus)
        self._renumber_confirmed(routes, confirmed_days)
        return _Fixed(routes, confirmed_days)

    def _trim_excess(self, remaining: dict[tuple[date, int], list[VillageStop]]) -> None:
        """A village keeping more stops than it now wants loses its latest unconfirmed future ones."""
        have: dict[int, int] = {}
        for route in self.past:
            for s in route.stops:
                have[s.village_id] = have.get(s.village_id, 0) + 1
        future: dict[int, list[tuple[date, int, VillageStop]]] = {}
        for (day, bus), stops in remaining.items():
            for s in stops:
                have[s.village_id] = have.get(s.village_id, 0) + 1
                if (s.village_id, day) not in self.change.confirmed:
                    future.setdefault(s.village_id, []).append((day, bus, s))
        for village_id, count in have.items():
            village = self.villages.get(village_id)
            if village is None:
                continue
            extra = count - village.required_stops
            for day, bus, stop in sorted(future.get(village_id, []), key=lambda x: x[0], reverse=True)[:max(extra, 0)]:
                remaining[(day, bus)].remove(stop)

    def _schedule(self, route: BusRoute, stops: list[VillageStop]) -> BusRoute | None:
        """The route with only ``stops``, timed as the module docstring says (verbatim when
        nothing changed and it still holds), or ``None`` if it no longer fits."""
        fleet = self.campaign.fleet
        if fleet.max_stops_per_bus is not None and len(stops) > fleet.max_stops_per_bus:
            return None
        day_starts = datetime.combine(route.day, fleet.starts, tzinfo=self.zone)
        day_ends = datetime.combine(route.day, fleet.ends, tzinfo=self.zone)
        first = self.index[stops[0].village_id]
        out = timedelta(seconds=int(self.travel[0, first]))
        if route.stops and route.stops[0].village_id == stops[0].village_id:
            leaves = route.leaves_depot
        else:
            leaves = stops[0].starts - out
        leaves = max(leaves, day_starts)
        at, where, moved, timed = leaves, 0, 0, []
        for stop in stops:
            village = self.villages[stop.village_id]
            leg = int(self.travel[where, self.index[stop.village_id]])
            arrives = at + timedelta(seconds=leg)
            opens = datetime.combine(route.day, village.opens, tzinfo=self.zone)
            starts = max(arrives, stop.starts, opens)
            ends = starts + village.stop_duration
            if ends > datetime.combine(route.day, village.closes, tzinfo=self.zone):
                return None
            timed.append(VillageStop(stop.village_id, stop.stop_number, arrives, starts, ends))
            at, where, moved = ends, self.index[stop.village_id], moved + leg
        back = int(self.travel[where, 0])
        returns = at + timedelta(seconds=back)
        if returns > day_ends or (fleet.max_shift is not None and returns - leaves > fleet.max_shift):
            return None
        return BusRoute(route.day, route.bus, leaves, returns, tuple(timed), moved + back)

    def _renumber_confirmed(self, routes: dict[date, list[BusRoute]], confirmed_days: dict[date, set[int]]) -> None:
        """Kept routes whose bus does not run (only confirmed ones get here) take the lowest free
        number of their day, pushing out an unconfirmed kept route if none is free."""
        for day, kept in routes.items():
            usable = self.usable[day]
            confirmed = confirmed_days.setdefault(day, set())
            stay = [r for r in kept if r.bus in usable]
            for route in [r for r in kept if r.bus not in usable]:  # confirmed: _fixed dropped the others
                taken = {r.bus for r in stay}
                free = [b for b in usable if b not in taken]
                if not free:
                    movable = [r for r in stay if r.bus not in confirmed]
                    if not movable:
                        raise _refuse(f"bus {route.bus} on {day} does not run and every other bus that day carries "
                                      "a confirmed stop: un-confirm one first")
                    pushed = max(movable, key=lambda r: r.bus)
                    stay.remove(pushed)
                    free = [pushed.bus]
                confirmed.discard(route.bus)
                confirmed.add(free[0])
                stay.append(replace(route, bus=free[0]))
            kept[:] = sorted(stay, key=lambda r: r.bus)

    # -- routing the rest ------------------------------------------------------------------------

    def run(self, *, keep_unconfirmed: bool, budget_s: float, seed: int, max_iterations: int | None,
            progress: ProgressListener, started: float) -> RoutePlan:
        fixed = self._fixed(keep_unconfirmed)
        kept_days: dict[int, set[date]] = {}
        for route in self.past:
            for s in route.stops:
                kept_days.setdefault(s.village_id, set()).add(route.day)
        for day, routes in fixed.routes.items():
            for route in routes:
                for s in route.stops:
                    kept_days.setdefault(s.village_id, set()).add(day)
        needs = {v.village_id: v.required_stops - len(kept_days.get(v.village_id, ()))
                 for v in self.campaign.villages}
        wanting = [replace(self.villages[v.village_id], required_stops=needs[v.village_id],
                           forbidden_dates=self.villages[v.village_id].forbidden_dates
                           | kept_days.get(v.village_id, set()))
                   for v in self.campaign.villages if needs[v.village_id] > 0]
        free = {d: len(self.usable[d]) - len(fixed.routes.get(d, ())) for d in self.future_days}
        sub_plan: RoutePlan | None = None
        first_plan_s: float | None = None
        if wanting and self.future_days:
            fleet = replace(self.campaign.fleet, buses_by_date=free)
            sub = replace(self.campaign, dates=self.future_days, villages=tuple(wanting), fleet=fleet)
            offset = time.perf_counter() - started
            sub_plan = plan_routes(sub, budget_s=budget_s, seed=seed, max_iterations=max_iterations,
                                   progress=progress)
            if sub_plan.first_plan_s is not None:
                first_plan_s = offset + sub_plan.first_plan_s
        return self._merge(fixed, sub_plan, wanting, kept_days, started, first_plan_s)

    def _merge(self, fixed: _Fixed, sub_plan: RoutePlan | None, wanting: list[Village],
               kept_days: dict[int, set[date]], started: float, first_plan_s: float | None) -> RoutePlan:
        by_day = {day: list(routes) for day, routes in fixed.routes.items()}
        for route in sub_plan.routes if sub_plan is not None else ():
            taken = {r.bus for r in by_day.get(route.day, [])}
            bus = next(b for b in self.usable[route.day] if b not in taken)
            by_day.setdefault(route.day, []).append(replace(route, bus=bus))
        future = sorted((r for routes in by_day.values() for r in routes), key=lambda r: (r.day, r.bus))
        past_numbers: dict[int, int] = {}
        for route in self.past:
            for s in route.stops:
                past_numbers[s.village_id] = max(past_numbers.get(s.village_id, 0), s.stop_number)
        counter = dict(past_numbers)
        numbered = []
        for route in future:
            stops = []
            for s in route.stops:
                counter[s.village_id] = counter.get(s.village_id, 0) + 1
                stops.append(replace(s, stop_number=counter[s.village_id]))
            numbered.append(replace(route, stops=tuple(stops)))
        unserved = self._unserved(sub_plan, wanting, counter)
        routes = tuple(sorted([*self.past, *numbered], key=lambda r: (r.day, r.bus)))
        served = sum(len(r.stops) for r in routes)
        kept = {v: len(days) for v, days in kept_days.items()}
        wanted = sum(max(v.required_stops, kept.get(v.village_id, 0)) for v in self.campaign.villages)
        wanted += sum(1 for r in self.past for s in r.stops if s.village_id not in self.villages)
        elapsed = time.perf_counter() - started
        return RoutePlan(routes, unserved, sum(r.travel_seconds for r in routes), wanted, served,
                         sub_plan.iterations if sub_plan is not None else 0, elapsed,
                         elapsed if first_plan_s is None else first_plan_s)

    def _unserved(self, sub_plan: RoutePlan | None, wanting: list[Village],
                  counter: dict[int, int]) -> tuple[UnservedStop, ...]:
        """The stops still wanted, numbered after each village's served stops."""
        out: list[UnservedStop] = []
        if sub_plan is not None:
            for u in sub_plan.unserved:
                counter[u.village_id] = counter.get(u.village_id, 0) + 1
                out.append(replace(u, stop_number=counter[u.village_id]))
        else:
            for village in wanting:
                for _ in range(village.required_stops):
                    counter[village.village_id] = counter.get(village.village_id, 0) + 1
                    out.append(UnservedStop(village.village_id, counter[village.village_id], "no_allowed_day",
                                            f"no campaign day is left from {self.today} on"))
        return tuple(sorted(out, key=lambda u: (u.village_id, u.stop_number)))
