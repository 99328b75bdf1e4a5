"""Checks of village-tour plans shared by the itinerary tests: every rule, recomputed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fairs.core import itinerary as it

ZONE = ZoneInfo("Asia/Shanghai")


def check_plan(c: it.Campaign, plan: it.RoutePlan, broken: frozenset[tuple[date, int]] = frozenset(),
               forbidden: frozenset[tuple[int, date]] = frozenset(), *, merged: bool = True) -> None:
    """Every guarantee of ``plan_routes``, recomputed from the campaign. Bus numbers are unique
    per day and within the day's running buses; a plan straight from ``plan_routes``
    (``merged=False``) numbers them 1…n, a re-plan may leave gaps."""
    travel = it.campaign_travel_seconds(c)
    index = {v.village_id: i + 1 for i, v in enumerate(c.villages)}
    villages = {v.village_id: v for v in c.villages}
    days_of: dict[int, list[date]] = {v: [] for v in villages}
    numbers: dict[int, list[int]] = {v: [] for v in villages}
    buses: dict[date, list[int]] = {}
    for route in plan.routes:
        buses.setdefault(route.day, []).append(route.bus)
        assert (route.day, route.bus) not in broken
        midnight = datetime.combine(route.day, time(0), tzinfo=ZONE)
        assert route.leaves_depot >= midnight + timedelta(hours=c.fleet.starts.hour, minutes=c.fleet.starts.minute)
        assert route.returns <= midnight + timedelta(hours=c.fleet.ends.hour, minutes=c.fleet.ends.minute)
        assert 1 <= len(route.stops) <= (c.fleet.max_stops_per_bus or 99)
        at, where, moved = route.leaves_depot, 0, 0
        for stop in route.stops:
            v = villages[stop.village_id]
            leg = int(travel[where, index[v.village_id]])
            assert stop.arrives == at + timedelta(seconds=leg)
            assert stop.arrives <= stop.starts
            assert stop.starts >= datetime.combine(route.day, v.opens, tzinfo=ZONE)
            assert stop.ends == stop.starts + v.stop_duration
            assert stop.ends <= datetime.combine(route.day, v.closes, tzinfo=ZONE)
            assert route.day.isoweekday() in v.weekdays and route.day not in v.forbidden_dates
            assert (v.village_id, route.day) not in forbidden
            days_of[v.village_id].append(route.day)
            numbers[v.village_id].append(stop.stop_number)
            at, where, moved = stop.ends, index[v.village_id], moved + leg
        assert route.returns == at + timedelta(seconds=int(travel[where, 0]))
        assert route.travel_seconds == moved + int(travel[where, 0])
    for day, numbers_of_day in buses.items():
        running = [b for b in range(1, c.fleet.buses_on(day) + 1) if (day, b) not in broken]
        assert len(set(numbers_of_day)) == len(numbers_of_day), f"two routes for one bus on {day}"
        assert set(numbers_of_day) <= set(running), f"a bus that does not run is used on {day}"
        if not merged:
            assert sorted(numbers_of_day) == list(range(1, len(numbers_of_day) + 1))
    for u in plan.unserved:
        numbers[u.village_id].append(u.stop_number)
    for village_id, days in days_of.items():
        assert len(set(days)) == len(days), f"village {village_id} twice on one day"
        assert sorted(numbers[village_id]) == list(range(1, villages[village_id].required_stops + 1))
        stops = sorted((day, n) for day, n in zip(days, numbers[village_id], strict=False))
        assert [n for _, n in stops] == list(range(1, len(stops) + 1)), "stop numbers follow the dates"
    assert plan.stops_served == sum(len(r.stops) for r in plan.routes)
    assert plan.stops_served + len(plan.unserved) == plan.stops_wanted
    assert plan.travel_seconds == sum(r.travel_seconds for r in plan.routes)
