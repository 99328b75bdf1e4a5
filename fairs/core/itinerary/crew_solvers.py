"""The two exact solvers of the crew assignment (see :mod:`fairs.core.itinerary.crews`): a
min-cost flow that ignores seats, and an integer program (SCIP) for when its answer overfills
a bus."""

from __future__ import annotations

from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped,unused-ignore]
from ortools.linear_solver import pywraplp  # type: ignore[import-untyped,unused-ignore]

from fairs.core.itinerary.crew_problem import CrewChoice, CrewProblem


def solve_flow(problem: CrewProblem) -> CrewChoice:
    """The lexicographic optimum ignoring seats, by one min-cost flow: a relaxation, so when
    its crews fit in the seats (:func:`seats_respected`) it is the optimum of the model."""
    nodes: dict[tuple[object, ...], int] = {("source",): 0, ("sink",): 1}

    def node(*key: object) -> int:
        return nodes.setdefault(key, len(nodes))

    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []

    def arc(tail: int, head: int, cap: int, cost: int) -> int:
        tails.append(tail)
        heads.append(head)
        caps.append(cap)
        costs.append(cost)
        return len(tails) - 1

    riders = sorted({e for e, _, _ in problem.pairs})
    supply = sum(problem.day_limit[e] for e in riders)
    for e in riders:
        arc(0, node("enterprise", e), problem.day_limit[e], 0)
    same = problem.max_same_industry
    pair_arcs: list[tuple[int, int, int]] = []
    days_seen: set[tuple[int, int]] = set()
    for e, r, w in problem.pairs:
        d = problem.day[r]
        if (e, d) not in days_seen:
            days_seen.add((e, d))
            arc(node("enterprise", e), node("day", e, d), 1, 0)
        target = node("route", r) if same is None else node("mix", r, problem.enterprises[e].industry)
        pair_arcs.append((arc(node("day", e, d), target, 1, -problem.score(e, r, w)), e, r))
    if same is not None:
        for key in [k for k in nodes if k[0] == "mix"]:
            arc(nodes[key], node("route", key[1]), same, 0)
    for r in range(len(problem.routes)):
        if ("route", r) in nodes:
            arc(nodes[("route", r)], 1, problem.minimum[r], -problem.bonus)
            arc(nodes[("route", r)], 1, problem.booths[r] - problem.minimum[r], 0)
    arc(0, 1, supply, 0)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(np.array(tails, np.int32), np.array(heads, np.int32),
                                                np.array(caps, np.int64), np.array(costs, np.int64))
    solver.set_node_supply(0, supply)
    solver.set_node_supply(1, -supply)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"crew min-cost flow failed: {status}")
    flows = np.asarray(solver.flows(np.array([a for a, _, _ in pair_arcs], np.int32)))
    chosen = tuple((e, r) for (_, e, r), f in zip(pair_arcs, flows, strict=True) if f > 0)
    return CrewChoice(chosen, True)


def seats_respected(problem: CrewProblem, choice: CrewChoice) -> bool:
    """Whether every crew's staff fit in the bus's seats."""
    staff: dict[int, int] = {}
    for e, r in choice.pairs:
        staff[r] = staff.get(r, 0) + problem.enterprises[e].staff
    return all(s <= problem.seats for s in staff.values())


def solve_ilp(problem: CrewProblem, time_limit_s: float) -> CrewChoice:
    """The lexicographic optimum with seats, as an integer program solved by SCIP (through
    OR-Tools' linear solver wrapper); ``optimal`` is False if the time limit was hit."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        raise RuntimeError("OR-Tools was built without SCIP")
    x = {(e, r): solver.BoolVar(f"x{e}_{r}") for e, r, _ in problem.pairs}
    by_day: dict[tuple[int, int], list[Any]] = {}
    by_enterprise: dict[int, list[Any]] = {}
    by_route: dict[int, list[tuple[int, Any]]] = {}
    by_mix: dict[tuple[int, str], list[Any]] = {}
    for (e, r), var in x.items():
        by_day.setdefault((e, problem.day[r]), []).append(var)
        by_enterprise.setdefault(e, []).append(var)
        by_route.setdefault(r, []).append((e, var))
        by_mix.setdefault((r, problem.enterprises[e].industry), []).append(var)
    for group in by_day.values():
        if len(group) > 1:
            solver.Add(solver.Sum(group) <= 1)
    for e, group in by_enterprise.items():
        if len(group) > problem.day_limit[e]:
            solver.Add(solver.Sum(group) <= problem.day_limit[e])
    met = []
    for r, riders in by_route.items():
        crew = solver.Sum([var for _, var in riders])
        solver.Add(crew <= problem.booths[r])
        solver.Add(solver.Sum([problem.enterprises[e].staff * var for e, var in riders]) <= problem.seats)
        reached = solver.IntVar(0, problem.minimum[r], f"met{r}")
        solver.Add(reached <= crew)
        met.append(reached)
    if problem.max_same_industry is not None:
        for group in by_mix.values():
            if len(group) > problem.max_same_industry:
                solver.Add(solver.Sum(group) <= problem.max_same_industry)
    fit = {(e, r): problem.score(e, r, w) for e, r, w in problem.pairs}
    solver.Maximize(problem.bonus * solver.Sum(met) + solver.Sum([fit[k] * var for k, var in x.items()]))
    solver.SetTimeLimit(max(1, int(time_limit_s * 1000)))
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        raise RuntimeError(f"crew integer program failed: status {status}")
    chosen = tuple(sorted(k for k, var in x.items() if var.solution_value() > 0.5))
    return CrewChoice(chosen, status == pywraplp.Solver.OPTIMAL)
