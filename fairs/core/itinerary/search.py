"""Running PyVRP's iterated local search under a time budget, with progress reports, an
iteration limit (for reproducible runs) and a way to stop early. Shared by the campaign
router and the VRPTW benchmark, so the benchmark measures the configuration the router uses."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pyvrp import ProblemData, Result, Solution, solve
from pyvrp.IteratedLocalSearch import IteratedLocalSearch, IteratedLocalSearchCallbacks, IteratedLocalSearchParams
from pyvrp.solve import SolveParams

INFEASIBLE = 1 << 62
"""PyVRP reports the cost of an infeasible solution as the largest int64; anything above this is."""
REPORT_EVERY_S = 1.0


@dataclass(frozen=True)
class SearchState:
    """What the search holds now: ``best`` is the best feasible solution (``None`` before the
    first), ``cost`` its objective."""

    elapsed_s: float
    iterations: int
    best: Solution | None
    cost: int | None


SearchListener = Callable[[SearchState], bool | None]
"""Called on every new best solution and about once a second; returning True stops the
search (the best solution so far is kept)."""


@dataclass(frozen=True)
class SearchOutcome:
    result: Result
    first_feasible_s: float | None
    """Seconds from the start of :func:`run_search` to the first feasible solution held."""


class _Watch(IteratedLocalSearchCallbacks):
    def __init__(self) -> None:
        self.best: Solution | None = None
        self.improved = False

    def on_start(self, ils: IteratedLocalSearch) -> None:
        self.best = ils.initial_solution
        self.improved = True

    def on_best(self, best: Solution) -> None:
        self.best = best
        self.improved = True


class _Stop:
    """PyVRP's stopping criterion, called once before every iteration with the best cost."""

    def __init__(self, started: float, budget_s: float, max_iterations: int | None, watch: _Watch,
                 listener: SearchListener | None) -> None:
        self.started, self.budget_s, self.max_iterations = started, budget_s, max_iterations
        self.watch, self.listener = watch, listener
        self.iterations = -1
        self.first_feasible_s: float | None = None
        self.last_report = -REPORT_EVERY_S
        self.cancelled = False

    def __call__(self, best_cost: int) -> bool:
        self.iterations += 1
        elapsed = time.perf_counter() - self.started
        feasible = best_cost < INFEASIBLE
        if feasible and self.first_feasible_s is None:
            self.first_feasible_s = elapsed
        if self.listener is not None and (self.watch.improved or elapsed - self.last_report >= REPORT_EVERY_S):
            self.watch.improved = False
            self.last_report = elapsed
            best = self.watch.best if feasible else None
            state = SearchState(elapsed, self.iterations, best, int(best_cost) if feasible else None)
            self.cancelled = bool(self.listener(state)) or self.cancelled
        if self.max_iterations is not None and self.iterations >= self.max_iterations:
            return True
        return self.cancelled or elapsed >= self.budget_s


def run_search(data: ProblemData, *, budget_s: float, seed: int = 0, max_iterations: int | None = None,
               listener: SearchListener | None = None, initial: Solution | None = None,
               started: float | None = None) -> SearchOutcome:
    """Solve ``data`` with PyVRP for at most ``budget_s`` seconds (counted from ``started``,
    a ``time.perf_counter()`` value, default now; setting up counts) and at most
    ``max_iterations`` iterations, from ``initial`` (a warm start, e.g. the previous plan's
    solution) or PyVRP's own start. Deterministic for a given seed whenever the iteration
    limit, not the clock, ends the search."""
    started = time.perf_counter() if started is None else started
    watch = _Watch()
    stop = _Stop(started, budget_s, max_iterations, watch, listener)
    params = SolveParams(ils=IteratedLocalSearchParams(callbacks=watch))  # PyVRP's defaults otherwise
    result = solve(data, stop=stop, seed=seed, collect_stats=False, display=False, params=params,
                   initial_solution=initial)
    return SearchOutcome(result, stop.first_feasible_s)
