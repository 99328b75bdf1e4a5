"""Re-planning village tours after a change with the least change: buses by date, the
minimal-change contract of ``replan_routes``, sticky crews, and the plan diff — all through the
pure core."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fairs.bench.itinerary import synthetic_campaign, synthetic_enterprises
from fairs.core import itinerary as it
from fairs.core.errors import InvalidInput
from tests.support.itinerary_checks import check_plan

MONDAY = date(2027, 3, 1)
SEAT = (30.6, 114.3)
ZONE = ZoneInfo("Asia/Shanghai")
POOL = it.LabourPool({"manufacturing": 40, "care": 10}, {"welding": 5}, {"older_worker": 8})
QUICK: dict[str, Any] = {"budget_s": 2.0, "seed": 1, "max_iterations": 300}
"""Short, reproducible searches: the iteration limit ends them."""


def village(village_id: int, km_north: float = 10.0, **changes: object) -> it.Village:
    base = it.Village(village_id=village_id, location=(SEAT[0] + km_north / 111.19, SEAT[1]), labour_pool=POOL)
    return replace(base, **changes)  # type: ignore[arg-type]


def campaign(*villages: it.Village, days: int = 3, buses: int = 1, **fleet: object) -> it.Campaign:
    return it.Campaign(dates=tuple(MONDAY + timedelta(days=k) for k in range(days)), villages=villages,
                       fleet=it.Fleet(depot=SEAT, buses_per_day=buses, seats=30, **fleet),  # type: ignore[arg-type]
                       detour_factor=1.0, average_speed_kmh=60.0)


def firm(enterprise_id: int, industry: str = "manufacturing", days: int = 3, **changes: object) -> it.Enterprise:
    base = it.Enterprise(enterprise_id, industry, (it.Position(industry),),
                         frozenset(MONDAY + timedelta(days=k) for k in range(days)))
    return replace(base, **changes)  # type: ignore[arg-type]


def shape(route: it.BusRoute) -> tuple[object, ...]:
    """A route without its stop numbers (recounted on every re-plan)."""
    return (route.day, route.bus, route.leaves_depot, route.returns, route.travel_seconds,
            tuple((s.village_id, s.arrives, s.starts, s.ends) for s in route.stops))


def rides(plan: it.RoutePlan, crews: it.CrewAssignment) -> dict[int, set[tuple[date, int]]]:
    out: dict[int, set[tuple[date, int]]] = {}
    for crew in crews.crews:
        for e in crew.enterprise_ids:
            out.setdefault(e, set()).add((crew.day, crew.bus))
    return out


@dataclass(frozen=True)
class Base:
    campaign: it.Campaign
    plan: it.RoutePlan
    firms: list[it.Enterprise]
    crews: it.CrewAssignment
    today: date


@pytest.fixture(scope="module")
def base() -> Base:
    c = synthetic_campaign(24, 8, 3, seed=3)
    plan = it.plan_routes(c, **QUICK)
    firms = synthetic_enterprises(c, 30)
    crews = it.assign_crews(plan, c, firms)
    assert plan.unserved == () and crews.optimal
    return Base(c, plan, firms, crews, c.dates[2])


# --- buses by date --------------------------------------------------------------------------

def test_a_day_with_fewer_buses_gets_fewer_routes_and_a_day_without_none() -> None:
    c = campaign(*(village(v, km_north=5.0 * v, stop_duration=timedelta(hours=3)) for v in range(1, 5)),
                 days=3, buses=2)
    c = replace(c, fleet=replace(c.fleet, buses_by_date={MONDAY: 0, MONDAY + timedelta(days=1): 1}))
    plan = it.plan_routes(c, **QUICK)
    check_plan(c, plan)
    per_day = {d: sum(1 for r in plan.routes if r.day == d) for d in c.dates}
    assert per_day == {MONDAY: 0, MONDAY + timedelta(days=1): 1, MONDAY + timedelta(days=2): 2}
    assert plan.stops_served == 3  # a 3-hour stop in a 4-hour window: one stop a bus-day
    assert [u.reason for u in plan.unserved] == ["allowed_days_full"]


def test_a_village_whose_allowed_days_have_no_bus_is_reported() -> None:
    c = campaign(village(1, weekdays=frozenset({1})), village(2), days=3)
    c = replace(c, fleet=replace(c.fleet, buses_by_date={MONDAY: 0}))
    plan = it.plan_routes(c, **QUICK)
    check_plan(c, plan)
    assert [(u.village_id, u.reason, u.detail) for u in plan.unserved] == [
        (1, "allowed_days_full", "only 0 of its 1 allowed day(s) have a bus")]


@pytest.mark.parametrize(("buses", "message"), [
    ({MONDAY + timedelta(days=1): -1}, "must not be negative"),
    ({MONDAY + timedelta(days=9): 1}, "2027-03-10 is not a campaign day"),
])
def test_bad_buses_by_date_are_refused_naming_the_field(buses: dict[date, int], message: str) -> None:
    c = campaign(village(1))
    with pytest.raises(InvalidInput) as refused:
        it.plan_routes(replace(c, fleet=replace(c.fleet, buses_by_date=buses)), budget_s=1)
    day = next(iter(buses))
    assert refused.value.field == f"fleet.buses_by_date[{day.isoformat()}]"
    assert str(refused.value) == message


# --- the minimal-change contract --------------------------------------------------------------

def test_no_change_gives_the_same_plan_crews_and_an_empty_diff(base: Base) -> None:
    again = it.replan_routes(base.campaign, base.plan, it.PlanChange(), today=base.today, **QUICK)
    assert again.routes == base.plan.routes
    assert again.unserved == base.plan.unserved
    assert (again.stops_wanted, again.stops_served, again.travel_seconds) == (
        base.plan.stops_wanted, base.plan.stops_served, base.plan.travel_seconds)
    crews = it.assign_crews(again, base.campaign, base.firms, previous=base.crews, previous_plan=base.plan)
    assert crews.crews == base.crews.crews
    assert crews.kept_rides == sum(len(c.enterprise_ids) for c in base.crews.crews)
    diff = it.plan_diff(base.plan, base.crews, again, crews)
    assert diff.unchanged
    assert diff.affected_enterprises == frozenset() and diff.affected_villages == frozenset()


def _future_stop(base: Base, single: bool = True) -> tuple[it.BusRoute, it.VillageStop]:
    """A stop on a future route of several stops, of a village wanting one stop (a later day
    first: more of the campaign left to move it to)."""
    wants = {v.village_id: v.required_stops for v in base.campaign.villages}
    for route in sorted(base.plan.routes, key=lambda r: (-r.day.toordinal(), r.bus)):
        if route.day > base.today and len(route.stops) >= 2:
            for stop in route.stops:
                if not single or wants[stop.village_id] == 1:
                    return route, stop
    raise AssertionError("the generated plan has no such stop")


def test_a_rained_out_stop_moves_to_another_allowed_day_and_nothing_else_moves(base: Base) -> None:
    route, stop = _future_stop(base)
    v = stop.village_id
    change = it.PlanChange(rained_out=frozenset({(v, route.day)}))
    plan = it.replan_routes(base.campaign, base.plan, change, today=base.today, **QUICK)
    check_plan(base.campaign, plan, forbidden=change.rained_out)
    new_shapes = {shape(r) for r in plan.routes}
    for old in base.plan.routes:
        if old is not route:
            assert shape(old) in new_shapes, f"route of bus {old.bus} on {old.day} changed"
    # the rained route keeps its other stops, at their old times (the bus waits instead)
    (rest,) = [r for r in plan.routes if (r.day, r.bus) == (route.day, route.bus)]
    assert [(s.village_id, s.starts, s.ends) for s in rest.stops] == [
        (s.village_id, s.starts, s.ends) for s in route.stops if s.village_id != v]
    # the village gets its stop on another allowed day from today on (there are buses to spare)
    (moved,) = [(r.day, s) for r in plan.routes for s in r.stops if s.village_id == v]
    assert moved[0] != route.day and moved[0] >= base.today and plan.unserved == ()
    crews = it.assign_crews(plan, base.campaign, base.firms, previous=base.crews, previous_plan=base.plan)
    diff = it.plan_diff(base.plan, base.crews, plan, crews)
    assert [(c.village_id, c.old and c.old.day, c.new and c.new.day) for c in diff.stops_moved] == [
        (v, route.day, moved[0])]
    assert diff.stops_added == () and diff.stops_removed == ()
    assert {(c.day, c.bus) for c in diff.routes_changed} == {(route.day, route.bus)} | {
        (r.day, r.bus) for r in plan.routes if any(s.village_id == v for s in r.stops)}
    # whoever rode the rained bus and still does has a changed ride; riders of untouched routes
    # who kept their bus-days are not affected
    old_rides, new_rides = rides(base.plan, base.crews), rides(plan, crews)
    changed = {(c.day, c.bus) for c in diff.routes_changed}
    for e in {f.enterprise_id for f in base.firms}:
        before, after = old_rides.get(e, set()), new_rides.get(e, set())
        if before == after and not (before & changed):
            assert e not in diff.affected_enterprises
        if (route.day, route.bus) in before & after:
            assert e in diff.affected_enterprises
        if before != after:
            assert e in diff.affected_enterprises
    assert diff.affected_villages >= {v}


def test_a_broken_bus_moves_its_stops_and_keeps_every_other_route(base: Base) -> None:
    day = max(r.day for r in base.plan.routes if r.day > base.today)
    broken_route = max((r for r in base.plan.routes if r.day == day), key=lambda r: len(r.stops))
    change = it.PlanChange(broken_buses=frozenset({(day, broken_route.bus)}))
    plan = it.replan_routes(base.campaign, base.plan, change, today=base.today, **QUICK)
    check_plan(base.campaign, plan, broken=change.broken_buses)
    new_shapes = {shape(r) for r in plan.routes}
    assert all(shape(r) in new_shapes for r in base.plan.routes if r is not broken_route)
    assert sum(1 for r in plan.routes if r.day == day) <= base.campaign.fleet.buses_on(day) - 1
    served = {(s.village_id, r.day) for r in plan.routes for s in r.stops}
    for stop in broken_route.stops:
        moved = [d for (v, d) in served if v == stop.village_id and d >= base.today]
        listed = [u for u in plan.unserved if u.village_id == stop.village_id]
        assert moved or (listed and listed[0].reason and listed[0].detail)
    assert plan.stops_served == base.plan.stops_served  # three buses a day leave room for them


def test_a_broken_bus_without_room_elsewhere_leaves_its_stops_unserved_with_their_reason() -> None:
    c = campaign(village(1), village(2, km_north=-10.0, opens=time(13), closes=time(17)), days=1)
    plan = it.plan_routes(c, **QUICK)
    assert [len(r.stops) for r in plan.routes] == [2]
    again = it.replan_routes(c, plan, it.PlanChange(broken_buses=frozenset({(MONDAY, 1)})), today=MONDAY,
                             **QUICK)
    assert again.routes == ()
    assert [(u.village_id, u.stop_number, u.reason) for u in again.unserved] == [
        (1, 1, "allowed_days_full"), (2, 1, "allowed_days_full")]
    check_plan(c, again, broken=frozenset({(MONDAY, 1)}))


def test_the_past_never_changes_and_a_change_dated_in_the_past_is_refused(base: Base) -> None:
    past = [r for r in base.plan.routes if r.day < base.today]
    assert past
    stop = past[0].stops[0]
    for change, field in [
        (it.PlanChange(rained_out=frozenset({(stop.village_id, past[0].day)})), "change.rained_out"),
        (it.PlanChange(broken_buses=frozenset({(past[0].day, past[0].bus)})), "change.broken_buses"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            it.replan_routes(base.campaign, base.plan, change, today=base.today, **QUICK)
        assert refused.value.field == field
        assert "the past cannot change" in str(refused.value)
    # an edited campaign (a village gone, another's past day now forbidden, a window moved)
    # leaves the past routes as they were
    gone = stop.village_id
    other = next(s.village_id for r in past for s in r.stops if s.village_id != gone)
    villages = tuple(replace(v, forbidden_dates=v.forbidden_dates | {r.day for r in past},
                             opens=time(6)) if v.village_id == other else v
                     for v in base.campaign.villages if v.village_id != gone)
    edited = replace(base.campaign, villages=villages)
    plan = it.replan_routes(edited, base.plan, it.PlanChange(), today=base.today, **QUICK)
    assert [r for r in plan.routes if r.day < base.today] == past
    assert all(s.village_id != gone for r in plan.routes if r.day >= base.today for s in r.stops)
    assert plan.stops_served + len(plan.unserved) == plan.stops_wanted


def test_a_future_change_on_an_unknown_day_bus_or_village_is_refused(base: Base) -> None:
    late = base.campaign.dates[-1]
    cases = [
        (it.PlanChange(broken_buses=frozenset({(late, 4)})), "change.broken_buses", "that day has buses 1–3"),
        (it.PlanChange(rained_out=frozenset({(999, late)})), "change.rained_out", "village 999 is not in the"),
        (it.PlanChange(confirmed=frozenset({(999, late)})), "change.confirmed", "the previous plan has no stop"),
    ]
    for change, field, message in cases:
        with pytest.raises(InvalidInput) as refused:
            it.replan_routes(base.campaign, base.plan, change, today=base.today, **QUICK)
        assert refused.value.field == field and message in str(refused.value)


def test_an_enterprise_dropping_out_changes_only_the_crews_of_its_routes(base: Base) -> None:
    rules = it.AssignmentRules()
    villages = {v.village_id: v for v in base.campaign.villages}
    routes = {(r.day, r.bus): r for r in base.plan.routes}
    old = rides(base.plan, base.crews)
    size = {(c.day, c.bus): len(c.enterprise_ids) for c in base.crews.crews}

    def minimum(key: tuple[date, int]) -> int:
        return min(rules.min_enterprises_per_stop, *(villages[s.village_id].booth_capacity for s in routes[key].stops))

    # one whose leaving keeps every minimum met (so nobody has to move to cover for it)
    gone = next(e for e in sorted(old) if len(old[e]) >= 2 and all(size[k] > minimum(k) for k in old[e]))
    firms = [f for f in base.firms if f.enterprise_id != gone]
    plan = it.replan_routes(base.campaign, base.plan, it.PlanChange(), today=base.today, **QUICK)
    assert plan.routes == base.plan.routes
    crews = it.assign_crews(plan, base.campaign, firms, rules, previous=base.crews, previous_plan=base.plan)
    new = rides(plan, crews)
    assert crews.kept_rides == sum(len(r) for e, r in old.items() if e != gone)
    for e in {f.enterprise_id for f in firms}:
        assert old.get(e, set()) <= new.get(e, set()), f"enterprise {e} lost a ride"
        assert new.get(e, set()) - old.get(e, set()) <= old[gone], f"enterprise {e} joined another route"
    before = {(c.day, c.bus): c for c in base.crews.crews}
    for crew in crews.crews:
        if (crew.day, crew.bus) not in old[gone]:
            assert crew == before[(crew.day, crew.bus)]
    joined = {e for e in new if new[e] != old.get(e, set())}
    diff = it.plan_diff(base.plan, base.crews, plan, crews)
    assert diff.affected_enterprises == {gone} | joined
    assert len(diff.affected_enterprises) <= 1 + 3 * len(old[gone])  # a handful, not the whole list
    (gone_diff,) = [d for d in diff.enterprises if d.enterprise_id == gone]
    assert {(r.day, r.bus) for r in gone_diff.removed} == old[gone] and not gone_diff.added
    assert diff.affected_villages == {s.village_id for k in old[gone] for s in routes[k].stops}
    assert (diff.stops_added, diff.stops_removed, diff.stops_moved, diff.routes_changed) == ((), (), (), ())


def test_confirmed_stops_are_kept_even_on_a_rained_route_or_a_broken_bus(base: Base) -> None:
    route, stop = _future_stop(base, single=False)
    other = next(s for s in route.stops if s.village_id != stop.village_id)
    # confirmed + a rained-out neighbour: the route stays, minus the neighbour
    change = it.PlanChange(rained_out=frozenset({(other.village_id, route.day)}),
                           confirmed=frozenset({(stop.village_id, route.day)}))
    plan = it.replan_routes(base.campaign, base.plan, change, today=base.today, **QUICK)
    check_plan(base.campaign, plan, forbidden=change.rained_out)
    (kept,) = [r for r in plan.routes if (r.day, r.bus) == (route.day, route.bus)]
    assert [(s.village_id, s.starts) for s in kept.stops] == [
        (s.village_id, s.starts) for s in route.stops if s.village_id != other.village_id]
    # confirmed on a broken bus: the same stops and times, on the day's lowest free bus
    change = it.PlanChange(broken_buses=frozenset({(route.day, route.bus)}),
                           confirmed=frozenset({(stop.village_id, route.day)}))
    plan = it.replan_routes(base.campaign, base.plan, change, today=base.today, **QUICK)
    check_plan(base.campaign, plan, broken=change.broken_buses)
    (moved,) = [r for r in plan.routes if r.day == route.day and stop.village_id in {s.village_id for s in r.stops}]
    used = {r.bus for r in base.plan.routes if r.day == route.day and r is not route}
    assert moved.bus == min(b for b in range(1, 4) if b not in used and b != route.bus)
    assert shape(replace(moved, bus=route.bus)) == shape(route)
    # a confirmed stop cannot be rained out
    with pytest.raises(InvalidInput) as refused:
        it.replan_routes(base.campaign, base.plan, it.PlanChange(
            rained_out=frozenset({(stop.village_id, route.day)}), confirmed=frozenset({(stop.village_id, route.day)})),
            today=base.today, **QUICK)
    assert refused.value.field == "change.confirmed"


def _two_day_pairs() -> tuple[it.Campaign, it.RoutePlan]:
    """Four one-stop villages, one bus a day, two stops a bus: both days full."""
    c = campaign(*(village(v, km_north=k, stop_duration=timedelta(hours=1))
                   for v, k in [(1, 5.0), (2, 8.0), (3, -5.0), (4, -8.0)]), days=2, max_stops_per_bus=2)
    plan = it.plan_routes(c, **QUICK)
    assert [len(r.stops) for r in plan.routes] == [2, 2]
    return c, plan


def test_a_full_replan_serves_what_the_repair_cannot_and_confirmed_stops_bind_it() -> None:
    c, plan = _two_day_pairs()
    first = plan.routes[0]
    rained = first.stops[0].village_id
    change = it.PlanChange(rained_out=frozenset({(rained, MONDAY)}))
    repair = it.replan_routes(c, plan, change, today=MONDAY, full_replan_fallback=False, **QUICK)
    assert [(u.village_id, u.reason) for u in repair.unserved] == [(rained, "allowed_days_full")]
    assert repair.routes[1] == plan.routes[1]
    full = it.replan_routes(c, plan, change, today=MONDAY, **QUICK)
    check_plan(c, full, forbidden=change.rained_out)
    assert full.unserved == () and full.stops_served == 4
    # with both stops of the second day confirmed, nothing can make room
    both = frozenset((s.village_id, plan.routes[1].day) for s in plan.routes[1].stops)
    bound = it.replan_routes(c, plan, replace(change, confirmed=both), today=MONDAY, **QUICK)
    check_plan(c, bound, forbidden=change.rained_out)
    assert bound.routes[1] == plan.routes[1]
    assert [(u.village_id, u.reason) for u in bound.unserved] == [(rained, "allowed_days_full")]


def test_a_village_added_and_one_wanting_another_stop_are_routed_around_the_kept_routes(base: Base) -> None:
    first = base.campaign.villages[0]
    added = replace(first, village_id=100, name="village 100", required_stops=1)
    villages = (replace(first, required_stops=first.required_stops + 1), *base.campaign.villages[1:], added)
    edited = replace(base.campaign, villages=villages)
    plan = it.replan_routes(edited, base.plan, it.PlanChange(), today=base.today, **QUICK)
    check_plan(edited, plan)
    new_shapes = {shape(r) for r in plan.routes}
    assert all(shape(r) in new_shapes for r in base.plan.routes)
    assert plan.stops_wanted == base.plan.stops_wanted + 2 and plan.unserved == ()
    diff = it.plan_diff(base.plan, None, plan, None)
    assert sorted(c.village_id for c in diff.stops_added) == sorted([first.village_id, 100])
    assert diff.stops_removed == () and diff.stops_moved == ()


def test_the_same_seed_and_iterations_give_the_same_replan(base: Base) -> None:
    route, stop = _future_stop(base)
    change = it.PlanChange(rained_out=frozenset({(stop.village_id, route.day)}))
    runs = [it.replan_routes(base.campaign, base.plan, change, today=base.today, **QUICK)
            for _ in range(2)]
    assert runs[0].routes == runs[1].routes and runs[0].unserved == runs[1].unserved


def test_progress_ends_with_the_merged_plan(base: Base) -> None:
    seen: list[it.RoutingProgress] = []
    route, stop = _future_stop(base)
    change = it.PlanChange(rained_out=frozenset({(stop.village_id, route.day)}))
    plan = it.replan_routes(base.campaign, base.plan, change, today=base.today, progress=seen.append,
                            **QUICK)
    assert seen[0].phase == "model" and [p.phase for p in seen].count("done") == 1 and seen[-1].phase == "done"
    assert (seen[-1].stops_served, seen[-1].stops_wanted) == (plan.stops_served, plan.stops_wanted)


# --- sticky crews -----------------------------------------------------------------------------

def _two_routes() -> tuple[it.Campaign, it.RoutePlan]:
    strong = it.LabourPool({"manufacturing": 100})
    mixed = it.LabourPool({"manufacturing": 5, "care": 50})
    c = campaign(village(1, labour_pool=strong), village(2, km_north=-10.0, labour_pool=mixed), days=1, buses=2)
    at = datetime.combine(MONDAY, time(8), tzinfo=ZONE)

    def route(bus: int, v: int) -> it.BusRoute:
        stop = it.VillageStop(v, 1, at, at, at + timedelta(hours=2))
        return it.BusRoute(MONDAY, bus, at, at + timedelta(hours=3), (stop,), 1200)

    return c, it.RoutePlan((route(1, 1), route(2, 2)), (), 1200 * 2, 2, 2, 0, 0.0, None)


def test_a_kept_ride_comes_before_fit_and_after_shortfall() -> None:
    c, plan = _two_routes()
    welder = firm(1, days=1)
    free = it.AssignmentRules(min_enterprises_per_stop=0)
    assert it.assign_crews(plan, c, [welder], free).crews[0].enterprise_ids == (1,)  # fits village 1 best
    before = it.CrewAssignment((it.BusCrew(MONDAY, 1, (), 0, 0), it.BusCrew(MONDAY, 2, (1,), 2, 5)), (), 5, 100,
                               "flow", True)
    sticky = it.assign_crews(plan, c, [welder], free, previous=before, previous_plan=plan)
    assert [crew.enterprise_ids for crew in sticky.crews] == [(), (1,)] and sticky.kept_rides == 1
    # with a carer who fits only village 2, each stop can have one: meeting minimums wins
    carer = firm(2, "care", days=1)
    moved = it.assign_crews(plan, c, [welder, carer], it.AssignmentRules(min_enterprises_per_stop=1),
                            previous=before, previous_plan=plan)
    assert [crew.enterprise_ids for crew in moved.crews] == [(1,), (2,)]
    assert moved.shortfalls == () and moved.kept_rides == 0


def test_a_previous_assignment_needs_its_plan() -> None:
    c, plan = _two_routes()
    before = it.CrewAssignment((it.BusCrew(MONDAY, 3, (1,), 2, 5),), (), 5, 100, "flow", True)
    with pytest.raises(InvalidInput) as missing:
        it.assign_crews(plan, c, [firm(1, days=1)], previous=before)
    assert missing.value.field == "previous_plan"
    with pytest.raises(InvalidInput) as unknown:
        it.assign_crews(plan, c, [firm(1, days=1)], previous=before, previous_plan=plan)
    assert unknown.value.field == "previous.crews[0]"


# --- the diff ---------------------------------------------------------------------------------

def test_a_shifted_stop_time_affects_the_enterprises_on_that_bus_only() -> None:
    c, plan = _two_routes()
    crews = it.CrewAssignment((it.BusCrew(MONDAY, 1, (1,), 2, 100), it.BusCrew(MONDAY, 2, (2,), 2, 50)), (), 150,
                              150, "flow", True)
    first = plan.routes[0]
    later = replace(first, stops=(replace(first.stops[0], starts=first.stops[0].starts + timedelta(minutes=30),
                                          ends=first.stops[0].ends + timedelta(minutes=30)),))
    shifted = replace(plan, routes=(later, plan.routes[1]))
    diff = it.plan_diff(plan, crews, shifted, crews)
    assert not diff.unchanged
    assert diff.affected_enterprises == {1} and diff.affected_villages == {1}
    assert [(m.village_id, m.old and m.old.starts.hour, m.new and m.new.starts.minute) for m in diff.stops_moved] == [
        (1, 8, 30)]
    (change,) = diff.enterprises[0].changed
    assert change.old.stops[0][1] != change.new.stops[0][1]
    assert [(r.day, r.bus) for r in diff.routes_changed] == [(MONDAY, 1)]
    # a route dropped: its stop is removed and its riders lose the ride
    dropped = replace(plan, routes=(plan.routes[1],))
    gone = it.plan_diff(plan, crews, dropped, replace(crews, crews=(crews.crews[1],)))
    assert [s.village_id for s in gone.stops_removed] == [1] and gone.affected_enterprises == {1}
    assert [(r.day, r.bus, r.new) for r in gone.routes_changed] == [(MONDAY, 1, None)]


def test_a_confirmed_route_on_a_broken_bus_takes_a_bus_from_an_unconfirmed_one_or_is_refused() -> None:
    c = campaign(village(1, stop_duration=timedelta(hours=3)), village(2, km_north=-10.0,
                 stop_duration=timedelta(hours=3)), days=1, buses=2)
    plan = it.plan_routes(c, **QUICK)
    assert [(r.bus, len(r.stops)) for r in plan.routes] == [(1, 1), (2, 1)]
    promised = plan.routes[0].stops[0].village_id
    change = it.PlanChange(broken_buses=frozenset({(MONDAY, 1)}), confirmed=frozenset({(promised, MONDAY)}))
    again = it.replan_routes(c, plan, change, today=MONDAY, **QUICK)
    check_plan(c, again, broken=change.broken_buses)
    assert [shape(r) for r in again.routes] == [shape(replace(plan.routes[0], bus=2))]
    assert [(u.village_id, u.reason) for u in again.unserved] == [(plan.routes[1].stops[0].village_id,
                                                                   "allowed_days_full")]
    both = frozenset((r.stops[0].village_id, MONDAY) for r in plan.routes)
    with pytest.raises(InvalidInput) as refused:
        it.replan_routes(c, plan, replace(change, confirmed=both), today=MONDAY, **QUICK)
    assert refused.value.field == "change.confirmed" and "un-confirm one first" in str(refused.value)
