"""Which enterprises ride which bus on which day, for given routes.

The model
=========

A *crew* is the set of enterprises riding one bus on one day; every enterprise of a crew
attends every stop of that route (one booth each). So, for a route ``r`` on day ``d``:

- an enterprise may ride it only if ``d`` is one of its travel dates, the route has at most
  its ``max_stops_per_day`` stops, and it *fits* every stop (:func:`stop_fit` > 0); riding
  earns the sum of its fits at the route's stops;
- the crew is at most the smallest booth capacity among the route's villages, and its staff
  fill at most the bus's seats;
- at most ``max_same_industry`` enterprises of one industry (the mix rule);
- an enterprise rides at most one bus a day, and on at most ``max_days`` days;
- every stop should host at least ``min_enterprises_per_stop`` enterprises (capped by its
  booth capacity).

The minimum is soft: the result is **lexicographically optimal** — first the least total
shortfall below the minimum over all routes, then the largest total fit. When the minimum can
be met everywhere this is exactly "meet every minimum (a lower bound), then maximise fit".

Re-assigning after a re-plan (stickiness)
=========================================

Given the ``previous`` assignment and the ``previous_plan`` it was made for, a ride is *kept*
when an enterprise rides a route that is the same as one it rode before: the same day and the
same villages in the same order (:func:`~fairs.core.itinerary.crew_problem.ride_key`; the bus
number is a label and a re-plan only renumbers a route in the rare case of a broken bus under a
confirmed stop). The order becomes: least shortfall, then **most kept rides**, then most fit.
Shortfall stays first because a stop without its enterprises fails the villagers it was
planned for, whereas moving an enterprise costs one notification; kept rides come before fit
because a small gain in fit is not worth telling an employer its day changed. Enterprises
that dropped out are simply absent from ``enterprises``. Hard rules always hold: a previous
ride that now breaks one (new travel dates, a stop it no longer fits) is not kept.

How
===

Without seats this is a min-cost flow: source → enterprise (capacity ``max_days``) →
(enterprise, day) (capacity 1: one bus a day) → (route, industry) (cost −fit) → route
(capacity ``max_same_industry``) → sink, by two arcs: ``min(minimum, booths)`` units at cost
``−B`` and the remaining booths at cost 0; a zero-cost source → sink arc makes riding optional.
``B`` exceeds the largest total fit any assignment can reach, so one more unit of minimum met
outweighs any fit: the flow optimum is the lexicographic optimum (OR-Tools
``SimpleMinCostFlow``, integral). With stickiness a kept ride's arc also earns ``K`` (more than
any total fit) and ``B`` exceeds ``K`` × the most rides that can be kept plus any fit, so the
three goals stay lexicographic in one flow. The soft lower bound by a bonus is the standard demand
transformation made forgiving: where every minimum can be met, both give the same optimum.

Seats weigh each enterprise by its staff, which no flow can express. The flow without seats
is a relaxation: when its crews fit in the seats (usual: booths are few, buses big) it is
optimal. Otherwise the same model, seats included, is solved as an integer program by SCIP
through OR-Tools (exact unless its time limit is hit: ``optimal=False``). The same weights
make its single objective lexicographic.
"""

from __future__ import annotations

from collections.abc import Sequence

from fairs.core.itinerary.crew_problem import CrewChoice, CrewProblem, crew_problem, fit_upper_bound
from fairs.core.itinerary.crew_solvers import seats_respected, solve_flow, solve_ilp
from fairs.core.itinerary.model import (
    AssignmentRules,
    BusCrew,
    Campaign,
    CrewAssignment,
    Enterprise,
    RoutePlan,
    StopShortfall,
)


def assign_crews(plan: RoutePlan, campaign: Campaign, enterprises: Sequence[Enterprise],
                 rules: AssignmentRules | None = None, *, ilp_time_limit_s: float = 30.0,
                 previous: CrewAssignment | None = None, previous_plan: RoutePlan | None = None) -> CrewAssignment:
    """Assign enterprises to the plan's bus-days, lexicographically optimal as the module
    docstring states: least shortfall below the per-stop minimum, then the largest total fit.
    With ``previous`` and ``previous_plan`` (both or neither, else :class:`InvalidInput`
    naming the missing one), most kept rides come between the two (``kept_rides`` counts them).

    Crews are listed in the plan's route order, enterprise ids ascending; shortfalls by day,
    bus, then stop order. Deterministic: the same input gives the same crews (both solvers are
    deterministic single-threaded codes).

    Raises :class:`InvalidInput` for enterprises or rules that break a rule (field named, e.g.
    ``enterprises[2].staff``, ``rules.max_same_industry``), or a village that no enterprise
    fits at all (``villages[i].labour_pool``).
    """
    problem = crew_problem(plan, campaign, enterprises, rules or AssignmentRules(), previous, previous_plan)
    choice, method = solve_flow(problem), "flow"
    if not seats_respected(problem, choice):
        choice, method = solve_ilp(problem, ilp_time_limit_s), "ilp"
    return _assignment(problem, choice, method)


def _assignment(problem: CrewProblem, choice: CrewChoice, method: str) -> CrewAssignment:
    fit = {(e, r): w for e, r, w in problem.pairs}
    riders: dict[int, list[int]] = {r: [] for r in range(len(problem.routes))}
    for e, r in choice.pairs:
        riders[r].append(e)
    crews = []
    shortfalls = []
    for r, route in enumerate(problem.routes):
        chosen = sorted(riders[r], key=lambda e: problem.enterprises[e].enterprise_id)
        crews.append(BusCrew(route.day, route.bus, tuple(problem.enterprises[e].enterprise_id for e in chosen),
                             sum(problem.enterprises[e].staff for e in chosen), sum(fit[e, r] for e in chosen)))
        if len(chosen) < problem.minimum[r]:
            shortfalls += [StopShortfall(s.village_id, route.day, route.bus, len(chosen), problem.minimum[r])
                           for s in route.stops]
    return CrewAssignment(tuple(crews), tuple(shortfalls), sum(c.fit for c in crews), fit_upper_bound(problem),
                          "ilp" if method == "ilp" else "flow", choice.optimal,
                          sum(1 for pair in choice.pairs if pair in problem.sticky))
