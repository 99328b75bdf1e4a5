"""Village tour routing: PyVRP as the router configures it (:func:`fairs.core.itinerary.run_search`)
on the published VRPTW instances, and whole generated campaigns through the pure core.

- ``solomon``: the 56 Solomon instances (100 customers), ``FAIRS_BENCH_SOLOMON_S`` seconds each
  (default 5). Distances on the DIMACS convention of the ``.sol`` files: each edge truncated
  to one decimal (PyVRP's ``round_func="dimacs"``: coordinates ×10, truncated), compared
  with the best-known distance in the ``.sol`` file.
- ``gh200``: the six Gehring–Homberger 200-customer instances ``{C1,C2,R1,R2,RC1,RC2}_2_1``,
  ``FAIRS_BENCH_GH_S`` seconds each (default 60).
- ``campaigns``: generated campaigns (100 villages × 20 days × 8 buses × 100 enterprises and
  300 × 10 × 10 × 200), each a whole plan job on PostgreSQL (:mod:`fairs.bench.tour_job`:
  load, route, seat the enterprises, write stops, manifests, draft events, booths, rides and
  calendar items), database from ``FAIRS_DATABASE_URL`` (default ``fairs_bench_itinerary``;
  rebuilt from scratch). Routing budgets: ``FAIRS_BENCH_CAMPAIGN_S`` (default 20 s for the
  first, 45 s for the second, inside their 30 s and 60 s job targets).
  ``FAIRS_BENCH_CAMPAIGNS=core`` routes them through the pure core only, without a database.

``FAIRS_VRPTW_DATA`` is the data folder (default ``../shared/data/vrptw`` from the repository
root). ``FAIRS_BENCH_SOLOMON`` / ``FAIRS_BENCH_GH``: comma-separated instance names, ``all``
or ``none``; ``FAIRS_BENCH_CAMPAIGNS=none`` skips the campaigns. ``size`` > 0 is a quick run:
the first ``size`` Solomon instances of a class-interleaved order, no GH, 10 s campaigns.
The machine has few cores and other work may run: the load average is reported before/after.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import numpy as np
from pyvrp import read

from fairs.bench.common import machine
from fairs.core import itinerary as it

INDUSTRIES = ["manufacturing", "logistics", "services", "construction", "agriculture", "retail", "care",
              "catering", "cleaning", "security", "textiles", "electronics", "food_processing", "hospitality",
              "automotive", "chemicals", "printing", "furniture", "livestream", "property", "transport",
              "warehousing", "healthcare", "education"]
SKILLS_PER_INDUSTRY = 6
GROUPS = ["older_worker", "rural_labour", "low_skill", "laid_off", "disabled", "veteran", "new_graduate"]
COUNTY_SEAT = (30.6, 114.3)
FIRST_DAY = date(2027, 3, 1)  # a Monday
GH_INSTANCES = ["C1_2_1", "C2_2_1", "R1_2_1", "R2_2_1", "RC1_2_1", "RC2_2_1"]
CAMPAIGNS = [(100, 20, 8, 100, 20.0), (300, 10, 10, 200, 45.0)]
"""villages, days, buses, enterprises, routing budget in seconds."""
REPO_ROOT = Path(__file__).resolve().parents[2]


def synthetic_campaign(villages: int, days: int, buses: int, seed: int = 7, two_stops: bool = False) -> it.Campaign:
    """Villages scattered over a county around its seat (radius 30 km for 100 villages, growing
    with the square root of their number), consecutive campaign days from a Monday. Windows:
    40 % market mornings 07:30–12:00, 20 % afternoons 14:00–18:00, 40 % all day 08:30–17:30;
    35 % hold fairs only on three market weekdays, 20 % have a forbidden date; stops of 1.5 or
    2 hours, 4–10 booths; 1 stop wanted (2 or 3 for some; ``two_stops``: 2, 3 for a quarter), or 1
    (2 for a tenth) when the campaign is dense.
    30-seat buses, 07:00–19:00, at most 3 stops a day (4 when the campaign is dense: more than
    1.5 villages per bus-day)."""
    rng = np.random.default_rng(seed)
    radius = 30.0 * (villages / 100) ** 0.5
    angle = rng.uniform(0, 2 * np.pi, villages)
    dist = radius * np.sqrt(rng.uniform(0.01, 1, villages))
    dates = tuple(FIRST_DAY + timedelta(days=k) for k in range(days))
    dense = villages / (days * buses) > 1.5
    out = []
    for i in range(villages):
        lat = COUNTY_SEAT[0] + dist[i] * np.sin(angle[i]) / 111.0
        lon = COUNTY_SEAT[1] + dist[i] * np.cos(angle[i]) / (111.0 * np.cos(np.radians(COUNTY_SEAT[0])))
        kind = rng.random()
        opens, closes = ((clock(7, 30), clock(12)) if kind < 0.4 else
                         (clock(14), clock(18)) if kind < 0.6 else (clock(8, 30), clock(17, 30)))
        weekdays = it.ALL_WEEKDAYS if rng.random() >= 0.35 else frozenset(
            int(d) + 1 for d in rng.choice(7, 3, replace=False))
        forbidden = frozenset([dates[int(rng.integers(0, days))]]) if rng.random() < 0.2 else frozenset()
        if dense:
            stops = int(rng.choice([1, 2], p=[0.9, 0.1]))
        elif two_stops:
            stops = int(rng.choice([2, 3], p=[0.75, 0.25]))
        else:
            stops = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
        out.append(it.Village(
            village_id=i + 1, location=(float(lat), float(lon)), labour_pool=_labour_pool(rng),
            opens=opens, closes=closes, stop_duration=timedelta(minutes=int(rng.choice([90, 120]))),
            booth_capacity=int(rng.integers(4, 11)), required_stops=stops, weekdays=weekdays,
            forbidden_dates=forbidden, name=f"village {i + 1}"))
    fleet = it.Fleet(depot=COUNTY_SEAT, buses_per_day=buses, seats=30, max_stops_per_bus=4 if dense else 3)
    return it.Campaign(dates=dates, villages=tuple(out), fleet=fleet)


def _labour_pool(rng: np.random.Generator) -> it.LabourPool:
    people = int(rng.integers(200, 1500))
    wanted = rng.choice(len(INDUSTRIES), int(rng.integers(10, 19)), replace=False)
    shares = rng.dirichlet(np.ones(len(wanted)))
    industries = {INDUSTRIES[int(i)]: max(1, int(people * 0.3 * s)) for i, s in zip(wanted, shares, strict=True)}
    skills = {f"{INDUSTRIES[int(i)]}_skill_{int(k)}": int(rng.integers(1, 30))
              for i in wanted for k in rng.choice(SKILLS_PER_INDUSTRY, 2, replace=False)}
    groups = {g: int(people * rng.uniform(0.02, 0.3)) for g in GROUPS if rng.random() < 0.6}
    return it.LabourPool(industries, skills, groups)


def synthetic_enterprises(campaign: it.Campaign, count: int, seed: int = 11) -> list[it.Enterprise]:
    """Enterprises of a random industry with 1–4 positions (mostly in their industry, 1–2
    skills), travelling on about 70 % of the days, 2–4 staff, 2–4 stops a day, a third of them
    at most 5–10 days."""
    rng = np.random.default_rng(seed)
    out = []
    for e in range(count):
        industry = int(rng.integers(0, len(INDUSTRIES)))
        positions = []
        for _ in range(int(rng.integers(1, 5))):
            own = industry if rng.random() < 0.8 else int(rng.integers(0, len(INDUSTRIES)))
            skills = frozenset(f"{INDUSTRIES[own]}_skill_{int(k)}"
                               for k in rng.choice(SKILLS_PER_INDUSTRY, int(rng.integers(1, 3)), replace=False))
            welcomes = frozenset(str(g) for g in rng.choice(GROUPS, int(rng.integers(0, 3)), replace=False))
            positions.append(it.Position(INDUSTRIES[own], skills, welcomes))
        travel = frozenset(d for d in campaign.dates if rng.random() < 0.7)
        out.append(it.Enterprise(
            enterprise_id=e + 1, industry=INDUSTRIES[industry], positions=tuple(positions), travel_dates=travel,
            staff=int(rng.integers(2, 5)), max_stops_per_day=int(rng.integers(2, 5)),
            max_days=int(rng.integers(5, 11)) if rng.random() < 0.33 else None, name=f"enterprise {e + 1}"))
    return out


def bench_campaign(villages: int, days: int, buses: int, enterprises: int, budget_s: float,
                   seed: int = 1) -> dict[str, Any]:
    campaign = synthetic_campaign(villages, days, buses, two_stops=True)
    firms = synthetic_enterprises(campaign, enterprises)
    first: list[it.RoutingProgress] = []

    def watch(progress: it.RoutingProgress) -> None:
        if progress.objective is not None and not first:
            first.append(progress)

    started = time.perf_counter()
    plan = it.plan_routes(campaign, budget_s=budget_s, seed=seed, progress=watch)
    route_s = time.perf_counter() - started
    started = time.perf_counter()
    crews = it.assign_crews(plan, campaign, firms)
    assign_s = time.perf_counter() - started
    served: dict[int, int] = {v.village_id: 0 for v in campaign.villages}
    for route in plan.routes:
        for stop in route.stops:
            served[stop.village_id] += 1
    hosted = [len(c.enterprise_ids) for c, r in zip(crews.crews, [r for r in plan.routes if r.stops], strict=True)
              for _ in r.stops]
    return {
        "villages": villages, "days": days, "buses": buses, "enterprises": enterprises,
        "route_budget_s": budget_s, "route_s": round(route_s, 2),
        "first_feasible_s": None if plan.first_plan_s is None else round(plan.first_plan_s, 3),
        "first_plan_stops_served": first[0].stops_served if first else 0,
        "stops_wanted": plan.stops_wanted, "stops_served": plan.stops_served,
        "villages_uncovered": sum(1 for n in served.values() if n == 0),
        "villages_short_of_stops": sum(1 for v in campaign.villages if served[v.village_id] < v.required_stops),
        "min_stops_per_village": min(served.values()),
        "bus_days_used": len(plan.routes), "travel_hours": round(plan.travel_seconds / 3600, 1),
        "assign_s": round(assign_s, 2), "assign_method": crews.method, "assign_optimal": crews.optimal,
        "min_enterprises_per_stop": min(hosted) if hosted else 0,
        "stops_short_of_enterprises": len(crews.shortfalls),
        "fit_ratio": round(crews.fit_ratio, 4),
    }


def best_known(solution_file: Path) -> float:
    match = re.search(r"Cost\s+([0-9.]+)", solution_file.read_text())
    if match is None:
        raise ValueError(f"{solution_file}: no Cost line")
    return float(match.group(1))


def bench_vrptw(folder: Path, names: list[str], budget_s: float, seed: int = 1) -> list[dict[str, Any]]:
    """Each instance solved once with :func:`fairs.core.itinerary.run_search`."""
    rows = []
    for name in names:
        data = read(folder / f"{name}.vrp", round_func="dimacs")
        known = best_known(folder / f"{name}.sol")
        outcome = it.run_search(data, budget_s=budget_s, seed=seed)
        best = outcome.result.best
        feasible = best.is_feasible()
        distance = best.distance() / 10 if feasible else None
        rows.append({"instance": name, "vehicles": best.num_routes(), "distance": distance, "best_known": known,
                     "gap_pct": None if distance is None else round(100 * (distance - known) / known, 3),
                     "iterations": outcome.result.num_iterations})
    return rows


def _names(variable: str, folder: Path, default: list[str]) -> list[str]:
    value = os.environ.get(variable, "").strip()
    if value == "none":
        return []
    if value == "all" or (not value and default == ["*"]):
        return sorted(p.stem for p in folder.glob("*.vrp"))
    return [n.strip() for n in value.split(",") if n.strip()] if value else default


def _interleaved(names: list[str]) -> list[str]:
    """Solomon names ordered so any prefix mixes the classes: C101, C201, R101, R201, RC101, …"""
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(n[:-2], []).append(n)
    ordered = [sorted(g) for _, g in sorted(groups.items())]
    return [g[k] for k in range(max(map(len, ordered), default=0)) for g in ordered if k < len(g)]


def _summary(rows: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
    if len(gaps) < len(rows) or not gaps:
        return None, None
    return round(statistics.fmean(gaps), 3), round(max(gaps), 3)


def _campaigns(quick: bool) -> list[dict[str, Any]]:
    how = os.environ.get("FAIRS_BENCH_CAMPAIGNS", "job")
    if how == "none":
        return []
    budget = os.environ.get("FAIRS_BENCH_CAMPAIGN_S") or ("10" if quick else "")
    out = []
    for villages, days, buses, enterprises, default_s in CAMPAIGNS:
        budget_s = float(budget) if budget else default_s
        if how == "core":
            out.append(bench_campaign(villages, days, buses, enterprises, budget_s))
        else:
            from fairs.bench.tour_job import DEFAULT_URL, bench_tour_job

            url = os.environ.get("FAIRS_DATABASE_URL") or DEFAULT_URL
            out.append(bench_tour_job(villages, days, buses, enterprises, budget_s, url))
    return out


def bench_itinerary(size: int) -> dict[str, Any]:
    data = Path(os.environ.get("FAIRS_VRPTW_DATA", REPO_ROOT.parent / "shared" / "data" / "vrptw"))
    quick = size > 0
    result: dict[str, Any] = {"load_avg_before": os.getloadavg(), **machine()}
    solomon_s = float(os.environ.get("FAIRS_BENCH_SOLOMON_S", "5"))
    names = _interleaved(_names("FAIRS_BENCH_SOLOMON", data / "solomon", ["*"]))
    if quick and not os.environ.get("FAIRS_BENCH_SOLOMON"):
        names = names[:size]
    result["solomon_budget_s"] = solomon_s
    result["solomon"] = bench_vrptw(data / "solomon", names, solomon_s)
    result["solomon_mean_gap_pct"], result["solomon_worst_gap_pct"] = _summary(result["solomon"])
    gh_s = float(os.environ.get("FAIRS_BENCH_GH_S", "60"))
    gh_names = _names("FAIRS_BENCH_GH", data / "gh200", [] if quick else GH_INSTANCES)
    result["gh200_budget_s"] = gh_s
    result["gh200"] = bench_vrptw(data / "gh200", gh_names, gh_s)
    result["gh200_mean_gap_pct"], result["gh200_worst_gap_pct"] = _summary(result["gh200"])
    result["campaigns"] = _campaigns(quick)
    result["load_avg_after"] = os.getloadavg()
    return result
