"""What a re-plan changes, for the organizer to see before publishing and to notify only those
it touches: :func:`plan_diff`.

Stops are compared by village, day, bus and times (``starts``–``ends``); stop numbers are
labels recounted on every re-plan and are not compared. Per village, stops identical in the
two plans are unchanged; of the rest, a stop on the same day in both is *moved* (its bus or
times changed), then the remaining ones pair up in date order as *moved* (to another day);
what is left is *added* or *removed*. A *ride* is what an enterprise's staff live: the day, the
bus, when it leaves the depot and returns, and the stops with their times; an enterprise rides
at most one bus a day, so its rides are compared day by day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fairs.core.itinerary.model import BusRoute, CrewAssignment, RoutePlan


@dataclass(frozen=True)
class StopPlace:
    """Where and when one stop is: ``day``, ``bus``, the fair's ``starts``–``ends``."""

    day: date
    bus: int
    starts: datetime
    ends: datetime


@dataclass(frozen=True)
class StopChange:
    """A stop added (``old`` is ``None``), removed (``new`` is ``None``) or moved (both)."""

    village_id: int
    old: StopPlace | None
    new: StopPlace | None


@dataclass(frozen=True)
class RouteChange:
    """A bus-day whose route differs: added (``old`` ``None``), removed (``new`` ``None``) or
    changed (stops, their order or times, depot times)."""

    day: date
    bus: int
    old: BusRoute | None
    new: BusRoute | None


@dataclass(frozen=True)
class Ride:
    """One enterprise's day on a bus: stops are (village id, starts, ends) in order."""

    day: date
    bus: int
    leaves_depot: datetime
    returns: datetime
    stops: tuple[tuple[int, datetime, datetime], ...]


@dataclass(frozen=True)
class RideChange:
    """A ride on the same day that differs in bus, stops or times."""

    old: Ride
    new: Ride


@dataclass(frozen=True)
class EnterpriseDiff:
    """How one enterprise's rides change (only enterprises with a change are listed)."""

    enterprise_id: int
    added: tuple[Ride, ...]
    removed: tuple[Ride, ...]
    changed: tuple[RideChange, ...]


@dataclass(frozen=True)
class PlanDiff:
    """Everything that differs between two plans and their crews.

    ``affected_enterprises``: enterprises whose own rides changed in any way (a ride added,
    removed, or on another bus, other stops or other times) — the employers to notify.
    ``affected_villages``: villages whose stops were added, removed or moved, or whose hosted
    enterprises changed (a crew change on a route stopping there). ``unchanged``: nothing at all
    differs (then the new plan need not be published)."""

    stops_added: tuple[StopChange, ...]
    stops_removed: tuple[StopChange, ...]
    stops_moved: tuple[StopChange, ...]
    routes_changed: tuple[RouteChange, ...]
    enterprises: tuple[EnterpriseDiff, ...]
    affected_enterprises: frozenset[int]
    affected_villages: frozenset[int]
    unchanged: bool


def plan_diff(old_plan: RoutePlan, old_crews: CrewAssignment | None, new_plan: RoutePlan,
              new_crews: CrewAssignment | None) -> PlanDiff:
    """The differences from (``old_plan``, ``old_crews``) to (``new_plan``, ``new_crews``)
    (crews ``None``: not assigned yet, no rides). Lists are sorted by village / day and bus /
    enterprise id."""
    added, removed, moved = _stop_changes(old_plan, new_plan)
    old_routes = {(r.day, r.bus): r for r in old_plan.routes}
    new_routes = {(r.day, r.bus): r for r in new_plan.routes}
    routes_changed = tuple(RouteChange(day, bus, old_routes.get((day, bus)), new_routes.get((day, bus)))
                           for day, bus in sorted(old_routes.keys() | new_routes.keys())
                           if _route_shape(old_routes.get((day, bus))) != _route_shape(new_routes.get((day, bus))))
    old_rides = _rides(old_plan, old_crews)
    new_rides = _rides(new_plan, new_crews)
    enterprises = []
    for enterprise_id in sorted(old_rides.keys() | new_rides.keys()):
        before, after = old_rides.get(enterprise_id, {}), new_rides.get(enterprise_id, {})
        gained = tuple(after[d] for d in sorted(after.keys() - before.keys()))
        lost = tuple(before[d] for d in sorted(before.keys() - after.keys()))
        changed = tuple(RideChange(before[d], after[d]) for d in sorted(before.keys() & after.keys())
                        if before[d] != after[d])
        if gained or lost or changed:
            enterprises.append(EnterpriseDiff(enterprise_id, gained, lost, changed))
    villages = {c.village_id for c in (*added, *removed, *moved)}
    old_hosts, new_hosts = _hosts(old_plan, old_crews), _hosts(new_plan, new_crews)
    villages |= {v for v in old_hosts.keys() | new_hosts.keys() if old_hosts.get(v) != new_hosts.get(v)}
    unchanged = not (added or removed or moved or routes_changed or enterprises or villages)
    return PlanDiff(added, removed, moved, routes_changed, tuple(enterprises),
                    frozenset(e.enterprise_id for e in enterprises), frozenset(villages), unchanged)


def _places(plan: RoutePlan) -> dict[int, list[StopPlace]]:
    out: dict[int, list[StopPlace]] = {}
    for route in plan.routes:
        for s in route.stops:
            out.setdefault(s.village_id, []).append(StopPlace(route.day, route.bus, s.starts, s.ends))
    return out


def _stop_changes(old_plan: RoutePlan, new_plan: RoutePlan,
                  ) -> tuple[tuple[StopChange, ...], tuple[StopChange, ...], tuple[StopChange, ...]]:
    old_places, new_places = _places(old_plan), _places(new_plan)
    added: list[StopChange] = []
    removed: list[StopChange] = []
    moved: list[StopChange] = []
    for village_id in sorted(old_places.keys() | new_places.keys()):
        old = [p for p in old_places.get(village_id, []) if p not in new_places.get(village_id, [])]
        new = [p for p in new_places.get(village_id, []) if p not in old_places.get(village_id, [])]
        for p in list(old):
            same_day = next((q for q in new if q.day == p.day), None)
            if same_day is not None:
                moved.append(StopChange(village_id, p, same_day))
                old.remove(p)
                new.remove(same_day)
        old.sort(key=lambda p: (p.day, p.starts))
        new.sort(key=lambda p: (p.day, p.starts))
        moved += [StopChange(village_id, p, q) for p, q in zip(old, new, strict=False)]
        removed += [StopChange(village_id, p, None) for p in old[len(new):]]
        added += [StopChange(village_id, None, q) for q in new[len(old):]]
    key = _change_order
    return tuple(sorted(added, key=key)), tuple(sorted(removed, key=key)), tuple(sorted(moved, key=key))


def _change_order(change: StopChange) -> tuple[int, date]:
    place = change.old or change.new
    assert place is not None
    return change.village_id, place.day


def _route_shape(route: BusRoute | None) -> object:
    if route is None:
        return None
    return (route.leaves_depot, route.returns, tuple((s.village_id, s.arrives, s.starts, s.ends) for s in route.stops))


def _ride(route: BusRoute) -> Ride:
    return Ride(route.day, route.bus, route.leaves_depot, route.returns,
                tuple((s.village_id, s.starts, s.ends) for s in route.stops))


def _rides(plan: RoutePlan, crews: CrewAssignment | None) -> dict[int, dict[date, Ride]]:
    """Enterprise id → day → its ride."""
    if crews is None:
        return {}
    routes = {(r.day, r.bus): r for r in plan.routes}
    out: dict[int, dict[date, Ride]] = {}
    for crew in crews.crews:
        route = routes.get((crew.day, crew.bus))
        if route is None:
            continue
        for enterprise_id in crew.enterprise_ids:
            out.setdefault(enterprise_id, {})[crew.day] = _ride(route)
    return out


def _hosts(plan: RoutePlan, crews: CrewAssignment | None) -> dict[int, dict[date, frozenset[int]]]:
    """Village id → day → the enterprises hosted at its stop that day."""
    if crews is None:
        return {}
    riders = {(c.day, c.bus): frozenset(c.enterprise_ids) for c in crews.crews}
    out: dict[int, dict[date, frozenset[int]]] = {}
    for route in plan.routes:
        for s in route.stops:
            out.setdefault(s.village_id, {})[route.day] = riders.get((route.day, route.bus), frozenset())
    return out
