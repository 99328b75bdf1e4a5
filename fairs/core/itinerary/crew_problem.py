"""The assignment of enterprises to bus-days as the solvers see it, built and checked from the
plan, the campaign and the enterprises; and the fit upper bound."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fairs.core.errors import FieldProblem, InvalidInput
from fairs.core.itinerary.fit import check_villages_fit, stop_fit
from fairs.core.itinerary.model import (
    AssignmentRules,
    BusRoute,
    Campaign,
    CrewAssignment,
    Enterprise,
    RoutePlan,
)
from fairs.core.itinerary.validation import validate_enterprises


@dataclass(frozen=True)
class CrewProblem:
    """The assignment as the solvers see it; routes and enterprises by index."""

    routes: tuple[BusRoute, ...]
    enterprises: tuple[Enterprise, ...]
    day: tuple[int, ...]
    """Route → index of its date among the plan's dates."""
    booths: tuple[int, ...]
    """Route → the most enterprises it may carry (smallest booth capacity of its stops)."""
    minimum: tuple[int, ...]
    """Route → the wanted minimum, capped by ``booths``."""
    pairs: tuple[tuple[int, int, int], ...]
    """(enterprise, route, fit) for every enterprise that may ride the route."""
    seats: int
    max_same_industry: int | None
    day_limit: tuple[int, ...]
    """Enterprise → the most days it may ride."""
    bonus: int
    """Weight of one unit of minimum met: more than any assignment's total fit plus kept rides."""
    sticky: frozenset[tuple[int, int]] = frozenset()
    """(enterprise, route) pairs that keep a ride of the previous assignment (see
    :func:`ride_key`)."""
    keep_weight: int = 0
    """Weight of one kept ride: more than any assignment's total fit (0 without stickiness)."""

    def score(self, enterprise: int, route: int, fit: int) -> int:
        """What riding earns in the solvers' objective: its fit, plus ``keep_weight`` if kept."""
        return fit + (self.keep_weight if (enterprise, route) in self.sticky else 0)


@dataclass(frozen=True)
class CrewChoice:
    """A solver's answer: the chosen (enterprise, route) pairs, and whether it is proven optimal."""

    pairs: tuple[tuple[int, int], ...]
    optimal: bool


def _validate_rules(rules: AssignmentRules) -> None:
    problems = []
    if rules.min_enterprises_per_stop < 0:
        problems.append(FieldProblem("rules.min_enterprises_per_stop", "must not be negative"))
    if rules.max_same_industry is not None and rules.max_same_industry < 1:
        problems.append(FieldProblem("rules.max_same_industry", "must be at least 1"))
    if rules.priority_weight < 0:
        problems.append(FieldProblem("rules.priority_weight", "must not be negative"))
    if problems:
        raise InvalidInput(problems[0].message, problems[0].field, problems=problems)


def ride_key(route: BusRoute) -> tuple[date, tuple[int, ...]]:
    """What makes a ride "the same" for stickiness: its day and the villages it stops at, in
    order (a village has at most one stop a day, so this names one route of a plan; the bus
    number is only a label and times may shift a little)."""
    return route.day, tuple(s.village_id for s in route.stops)


def _previous_rides(previous: CrewAssignment | None, previous_plan: RoutePlan | None,
                    ) -> dict[tuple[date, tuple[int, ...]], set[int]]:
    """Ride key → the enterprise ids that rode it in the previous assignment."""
    if previous is None and previous_plan is None:
        return {}
    if previous is None or previous_plan is None:
        field = "previous_plan" if previous_plan is None else "previous"
        raise InvalidInput("a previous assignment needs the plan it was made for, and the other way round", field,
                           code="invalid_itinerary_input")
    routes = {(r.day, r.bus): r for r in previous_plan.routes}
    rides: dict[tuple[date, tuple[int, ...]], set[int]] = {}
    for i, crew in enumerate(previous.crews):
        route = routes.get((crew.day, crew.bus))
        if route is None:
            raise InvalidInput(f"bus {crew.bus} on {crew.day.isoformat()} is not in the previous plan",
                               f"previous.crews[{i}]", code="invalid_itinerary_input")
        rides.setdefault(ride_key(route), set()).update(crew.enterprise_ids)
    return rides


def crew_problem(plan: RoutePlan, campaign: Campaign, enterprises: Sequence[Enterprise],
                 rules: AssignmentRules, previous: CrewAssignment | None = None,
                 previous_plan: RoutePlan | None = None) -> CrewProblem:
    """Validate and build the assignment for the plan's routes (routes without stops dropped);
    with a previous assignment and its plan, the rides it kept are marked sticky."""
    validate_enterprises(enterprises, campaign.fleet.seats)
    rode = _previous_rides(previous, previous_plan)
    _validate_rules(rules)
    check_villages_fit(campaign, enterprises)
    villages = {v.village_id: v for v in campaign.villages}
    routes = tuple(r for r in plan.routes if r.stops)
    dates: list[date] = sorted({r.day for r in routes})
    day_index = {d: k for k, d in enumerate(dates)}
    booths = tuple(min(villages[s.village_id].booth_capacity for s in r.stops) for r in routes)
    pairs = []
    for e, enterprise in enumerate(enterprises):
        for r, route in enumerate(routes):
            if route.day not in enterprise.travel_dates or len(route.stops) > enterprise.max_stops_per_day:
                continue
            fits = [stop_fit(enterprise, villages[s.village_id].labour_pool, rules.priority_weight)
                    for s in route.stops]
            if all(f > 0 for f in fits):
                pairs.append((e, r, sum(fits)))
    best_by_day: dict[tuple[int, int], int] = {}
    for e, r, w in pairs:
        key = (e, day_index[routes[r].day])
        best_by_day[key] = max(best_by_day.get(key, 0), w)
    day_limit = tuple(len(dates) if x.max_days is None else min(x.max_days, len(dates)) for x in enterprises)
    by_enterprise: dict[int, list[int]] = {}
    for (e, _), w in best_by_day.items():
        by_enterprise.setdefault(e, []).append(w)
    most_fit = sum(sum(sorted(ws, reverse=True)[:day_limit[e]]) for e, ws in by_enterprise.items())
    keys = [ride_key(r) for r in routes]
    sticky = frozenset((e, r) for e, r, _ in pairs if enterprises[e].enterprise_id in rode.get(keys[r], ()))
    keep_weight = most_fit + 1 if sticky else 0
    most_kept = len({(e, day_index[routes[r].day]) for e, r in sticky})
    return CrewProblem(
        routes=routes, enterprises=tuple(enterprises), day=tuple(day_index[r.day] for r in routes), booths=booths,
        minimum=tuple(min(rules.min_enterprises_per_stop, b) for b in booths), pairs=tuple(pairs),
        seats=campaign.fleet.seats, max_same_industry=rules.max_same_industry, day_limit=day_limit,
        bonus=keep_weight * most_kept + most_fit + 1, sticky=sticky, keep_weight=keep_weight)


def fit_upper_bound(problem: CrewProblem) -> int:
    """An upper bound on the total fit for these routes: every route filled to its booths with
    the enterprises that fit it best among those that may ride it, as if each enterprise
    could ride every bus of every day and seats and the mix rule did not exist."""
    by_route: dict[int, list[int]] = {}
    for _, r, w in problem.pairs:
        by_route.setdefault(r, []).append(w)
    return sum(sum(sorted(ws, reverse=True)[:problem.booths[r]]) for r, ws in by_route.items())
