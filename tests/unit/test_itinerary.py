"""Village tour itineraries: travel times, input checks, routing over campaign days, and the
crew assignment's exactness (against brute force), all through the pure core."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pyvrp import read

from fairs.bench.itinerary import best_known, synthetic_campaign, synthetic_enterprises
from fairs.core import itinerary as it
from fairs.core.errors import InvalidInput
from tests.support import itinerary_checks as checks

MONDAY = date(2027, 3, 1)
SEAT = (30.6, 114.3)
ZONE = ZoneInfo("Asia/Shanghai")
POOL = it.LabourPool({"manufacturing": 40, "care": 10}, {"welding": 5}, {"older_worker": 8})
DATA = Path(__file__).resolve().parents[1] / "data" / "vrptw"
"""Solomon C101 and its best-known solution, copied from ../shared/data/vrptw so the suite
needs nothing outside the repository (the benchmark reads the whole set there)."""


def village(village_id: int, km_north: float = 10.0, **changes: object) -> it.Village:
    base = it.Village(village_id=village_id, location=(SEAT[0] + km_north / 111.19, SEAT[1]), labour_pool=POOL)
    return replace(base, **changes)  # type: ignore[arg-type]


def campaign(*villages: it.Village, days: int = 3, buses: int = 1, **fleet: object) -> it.Campaign:
    return it.Campaign(dates=tuple(MONDAY + timedelta(days=k) for k in range(days)), villages=villages,
                       fleet=it.Fleet(depot=SEAT, buses_per_day=buses, seats=30, **fleet),  # type: ignore[arg-type]
                       detour_factor=1.0, average_speed_kmh=60.0)


# --- travel times ---------------------------------------------------------------------------

def test_one_degree_of_latitude_is_111_km_and_takes_its_time_at_the_average_speed() -> None:
    assert it.great_circle_km((30.0, 114.0), (31.0, 114.0)) == pytest.approx(111.195, abs=0.001)
    seconds = it.estimated_seconds([(30.0, 114.0), (31.0, 114.0), (30.0, 115.0)], 1.3, 40.0)
    assert seconds[0, 1] == 13_010  # ceil(111.1949 km × 1.3 / 40 km/h × 3600 s/h = 13009.8)
    assert seconds[0, 1] == seconds[1, 0]
    assert [seconds[i, i] for i in range(3)] == [0, 0, 0]
    assert seconds[0, 2] < seconds[0, 1]  # a degree of longitude is shorter at 30° N


def test_long_matrix_reads_minutes_as_seconds_with_zero_on_the_diagonal() -> None:
    text = "from,to,minutes\ndepot,7,30\n7,depot,31.5\n"
    assert it.read_travel_matrix(text) == {("depot", "7"): 1800, ("7", "depot"): 1890, ("depot", "depot"): 0,
                                           ("7", "7"): 0}


def test_square_matrix_reads_its_labels_and_unit() -> None:
    text = "seconds,depot,7,8\ndepot,0,600,700\n7,610,0,100\n8,705,95,0\n"
    pairs = it.read_travel_matrix(text)
    assert pairs[("7", "8")] == 100
    assert pairs[("8", "depot")] == 705
    assert len(pairs) == 9


def test_missing_pairs_are_refused_by_name() -> None:
    with pytest.raises(InvalidInput) as square:
        it.read_travel_matrix(",depot,7,8\ndepot,,10,12\n7,11,,\n8,12,3,\n")
    assert square.value.field == "travel_matrix"
    assert str(square.value) == "the travel-time matrix misses 1 pair(s): 7→8"
    with pytest.raises(InvalidInput) as long:
        it.read_travel_matrix("from,to,minutes\ndepot,7,10\n7,depot,10\ndepot,8,10\n")
    assert long.value.extra["missing"] == ["7→8", "8→depot", "8→7"]


@pytest.mark.parametrize(("text", "message"), [
    ("from,to,minutes\ndepot,7,ten\n", "line 2: 'ten' is not a number"),
    ("from,to,minutes\ndepot,7,-1\n", "line 2: '-1' must be a non-negative number"),
    ("from,to,minutes\ndepot,7,1\ndepot,7,2\n7,depot,1\n", "line 3: depot→7 is given twice with different times"),
    ("", "the travel-time matrix is empty"),
])
def test_bad_matrices_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        it.read_travel_matrix(text)
    assert (str(error.value), error.value.field) == (message, "travel_matrix")


def test_a_campaign_matrix_missing_a_village_names_the_pairs() -> None:
    pairs = it.read_travel_matrix("from,to,minutes\ndepot,1,20\n1,depot,20\n")
    with pytest.raises(InvalidInput) as error:
        it.plan_routes(_with_matrix(campaign(village(1), village(2)), pairs), budget_s=1)
    assert error.value.field == "travel_matrix"
    assert str(error.value) == "the travel-time matrix misses 4 pair(s): depot→2, 1→2, 2→depot, 2→1"


def _with_matrix(c: it.Campaign, pairs: dict[tuple[str, str], int]) -> it.Campaign:
    return replace(c, travel_seconds=pairs)


def test_a_given_matrix_sets_the_times_of_the_plan() -> None:
    pairs = it.read_travel_matrix("from,to,minutes\ndepot,1,45\n1,depot,50\n")
    plan = it.plan_routes(_with_matrix(campaign(village(1), days=1), pairs), budget_s=1, max_iterations=50)
    [route] = plan.routes
    assert route.stops[0].starts == datetime(2027, 3, 1, 8, tzinfo=ZONE)
    assert route.leaves_depot == datetime(2027, 3, 1, 7, 15, tzinfo=ZONE)
    assert route.returns == datetime(2027, 3, 1, 10, 50, tzinfo=ZONE)
    assert route.travel_seconds == 95 * 60


# --- validation -----------------------------------------------------------------------------

def test_a_window_ending_before_it_starts_is_refused_naming_the_field() -> None:
    bad = campaign(village(1), village(2, opens=time(12), closes=time(8)), village(3, closes=time(9)))
    with pytest.raises(InvalidInput) as error:
        it.plan_routes(bad, budget_s=1)
    assert error.value.field == "villages[1].closes"
    assert str(error.value) == "the window ends (08:00) before it starts (12:00)"
    assert [(p.field, p.message) for p in error.value.problems] == [
        ("villages[1].closes", "the window ends (08:00) before it starts (12:00)"),
        ("villages[2].stop_duration", "a 02:00 stop does not fit in the window 08:00–09:00"),
    ]


@pytest.mark.parametrize(("bad", "field"), [
    (campaign(village(1), starts=time(19), ends=time(7)), "fleet.ends"),
    (campaign(village(1), village(1)), "villages[1].village_id"),
    (campaign(village(1, required_stops=0)), "villages[0].required_stops"),
    (campaign(village(1, weekdays=frozenset({0}))), "villages[0].weekdays"),
    (campaign(village(1, booth_capacity=0)), "villages[0].booth_capacity"),
    (campaign(village(1), buses=0), "fleet.buses_per_day"),
    (campaign(village(1), days=0), "dates"),
])
def test_broken_rules_are_refused_naming_the_field(bad: it.Campaign, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        it.validate_campaign(bad)
    assert error.value.field == field


def firm(enterprise_id: int, industry: str = "manufacturing", days: int = 3, **changes: object) -> it.Enterprise:
    base = it.Enterprise(enterprise_id, industry, (it.Position(industry, frozenset({"welding"})),),
                         frozenset(MONDAY + timedelta(days=k) for k in range(days)))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_village_no_enterprise_fits_is_refused() -> None:
    lonely = village(2, labour_pool=it.LabourPool({"agriculture": 50}))
    c = campaign(village(1), lonely)
    plan = it.plan_routes(c, budget_s=1, max_iterations=50)
    with pytest.raises(InvalidInput) as error:
        it.assign_crews(plan, c, [firm(1), firm(2)])
    assert error.value.field == "villages[1].labour_pool"
    assert str(error.value) == "no enterprise's positions fit the labour pool of village 2"


def test_enterprises_breaking_rules_are_refused_naming_the_field() -> None:
    c = campaign(village(1))
    plan = it.plan_routes(c, budget_s=1, max_iterations=50)
    with pytest.raises(InvalidInput) as error:
        it.assign_crews(plan, c, [firm(1), firm(2, staff=31)])
    assert (error.value.field, str(error.value)) == ("enterprises[1].staff", "31 staff do not fit in a bus of 30 seats")
    with pytest.raises(InvalidInput) as rules:
        it.assign_crews(plan, c, [firm(1)], it.AssignmentRules(max_same_industry=0))
    assert (rules.value.field, str(rules.value)) == ("rules.max_same_industry", "must be at least 1")


def test_the_minimum_is_capped_by_the_booths() -> None:
    c = campaign(village(1, booth_capacity=2), days=1)
    plan = it.plan_routes(c, budget_s=1, max_iterations=20)
    result = it.assign_crews(plan, c, [firm(1), firm(2, "care"), firm(3, "retail", positions=(
        it.Position("retail", frozenset({"welding"})),))], it.AssignmentRules(min_enterprises_per_stop=5))
    assert (result.crews[0].enterprise_ids, result.shortfalls) == ((1, 2), ())


# --- routing --------------------------------------------------------------------------------

def check_plan(c: it.Campaign, plan: it.RoutePlan) -> None:
    """Every rule of :func:`plan_routes`, recomputed from the campaign."""
    checks.check_plan(c, plan, merged=False)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_campaigns_are_routed_within_every_rule(seed: int) -> None:
    c = synthetic_campaign(24, 6, 2, seed=seed)
    plan = it.plan_routes(c, budget_s=5, seed=seed, max_iterations=400)
    check_plan(c, plan)
    assert plan.unserved == ()
    assert plan.first_plan_s is not None and plan.first_plan_s < 2


def test_each_unservable_stop_is_reported_with_its_reason() -> None:
    c = campaign(
        village(1, weekdays=frozenset({6, 7})),  # the campaign runs Monday–Wednesday
        village(2, km_north=300.0),  # 5 h away
        village(3, required_stops=3, forbidden_dates=frozenset({MONDAY})),
        village(4, km_north=-40.0), village(5, km_north=40.0, opens=time(9), closes=time(11)),
        days=3, max_stops_per_bus=1)
    plan = it.plan_routes(c, budget_s=3, seed=1, max_iterations=300)
    check_plan(c, plan)
    reasons = [(u.village_id, u.stop_number, u.reason) for u in plan.unserved]
    assert reasons[:3] == [(1, 1, "no_allowed_day"), (2, 1, "unreachable_in_window"),
                           (3, 3, "too_few_allowed_days")]
    # three days × one bus with one stop each: of the four stops left (3, 3, 4, 5), one waits
    assert [r for _, _, r in reasons[3:]] == ["allowed_days_full"]
    assert plan.stops_served == 3


def test_the_same_seed_and_iterations_give_the_same_plan() -> None:
    c = synthetic_campaign(30, 6, 3, seed=5)
    first = it.plan_routes(c, budget_s=30, seed=4, max_iterations=300)
    second = it.plan_routes(c, budget_s=30, seed=4, max_iterations=300)
    assert first.routes == second.routes
    assert first.unserved == second.unserved


def test_progress_reports_phases_and_can_stop_the_search() -> None:
    seen: list[it.RoutingProgress] = []

    def listen(progress: it.RoutingProgress) -> bool:
        seen.append(progress)
        return progress.phase == "search" and progress.iterations >= 20  # reports come on improvements

    c = synthetic_campaign(30, 6, 3, seed=5)
    plan = it.plan_routes(c, budget_s=30, seed=1, progress=listen)
    assert seen[0].phase == "model" and seen[-1].phase == "done"
    assert {p.phase for p in seen[1:-1]} == {"search"}
    stopper = seen[-2]
    assert stopper.iterations >= 20 and all(p.iterations < 20 for p in seen[1:-2])
    assert plan.iterations == stopper.iterations  # stopped right there
    assert seen[-1].objective == plan.travel_seconds
    objectives = [p.objective for p in seen[1:-1] if p.objective is not None]
    assert objectives == sorted(objectives, reverse=True)


# --- crews ----------------------------------------------------------------------------------

def tiny_assignment(rng: random.Random, seats: int) -> tuple[it.RoutePlan, it.Campaign, list[it.Enterprise],
                                                                it.AssignmentRules]:
    """Two days, two buses a day over four villages, five enterprises that mostly fit and
    mostly travel: dense enough that routes compete for enterprises."""
    industries = ["care", "retail", "logistics"]
    pools = [it.LabourPool({ind: rng.randint(0, 20) for ind in industries}, {"driving": rng.randint(1, 6)},
                           {"older_worker": rng.randint(0, 5)}) for _ in range(4)]
    villages = [village(i, labour_pool=pool, booth_capacity=rng.randint(2, 3)) for i, pool in enumerate(pools, 1)]
    c = _with_seats(campaign(*villages, days=2, buses=2), seats)
    routes = []
    for d in range(2):
        stops = rng.sample(villages, 4)
        cut = rng.randint(1, 3)
        for bus, chunk in enumerate((stops[:cut], stops[cut:]), start=1):
            day = MONDAY + timedelta(days=d)
            noon = datetime.combine(day, time(12), tzinfo=ZONE)
            routes.append(it.BusRoute(day, bus, noon, noon, tuple(
                it.VillageStop(v.village_id, 1, noon, noon, noon) for v in chunk), 0))
    plan = it.RoutePlan(tuple(routes), (), 0, 8, 8, 0, 0.0, None)
    firms = []
    for e in range(1, 6):
        ind = rng.choice(industries)
        skills = frozenset({"driving"}) if rng.random() < 0.7 else frozenset()
        welcomes = frozenset({"older_worker"}) if rng.random() < 0.5 else frozenset()
        firms.append(it.Enterprise(e, ind, (it.Position(ind, skills, welcomes),),
                                   frozenset(MONDAY + timedelta(days=d) for d in range(2) if rng.random() < 0.9),
                                   staff=rng.randint(1, 3), max_stops_per_day=rng.randint(2, 3),
                                   max_days=rng.choice([None, None, 1])))
    return plan, c, firms, it.AssignmentRules(min_enterprises_per_stop=2, max_same_industry=rng.choice([1, 1, 2, None]))


def _with_seats(c: it.Campaign, seats: int) -> it.Campaign:
    return replace(c, fleet=replace(c.fleet, seats=seats))


def brute_force(plan: it.RoutePlan, c: it.Campaign, firms: list[it.Enterprise],
                rules: it.AssignmentRules) -> tuple[int, int]:
    """(minimum met, total fit) of the lexicographic optimum, by trying every choice of one
    route or none per enterprise and day; rules restated from the docstring."""
    villages = {v.village_id: v for v in c.villages}
    days = sorted({r.day for r in plan.routes})
    fit: dict[tuple[int, int], int] = {}
    for e, f in enumerate(firms):
        for r, route in enumerate(plan.routes):
            fits = [it.stop_fit(f, villages[s.village_id].labour_pool) for s in route.stops]
            if route.day in f.travel_dates and len(route.stops) <= f.max_stops_per_day and min(fits) > 0:
                fit[e, r] = sum(fits)
    keys = [(e, day) for e in range(len(firms)) for day in days]
    options = [[None] + [r for r, route in enumerate(plan.routes) if route.day == day and (e, r) in fit]
               for e, day in keys]
    best = (-1, -1)
    for choice in itertools.product(*options):
        rides = [0] * len(firms)
        crew: dict[int, list[int]] = {r: [] for r in range(len(plan.routes))}
        for (e, _), r in zip(keys, choice, strict=True):
            if r is not None:
                rides[e] += 1
                crew[r].append(e)
        if any(f.max_days is not None and n > f.max_days for f, n in zip(firms, rides, strict=True)):
            continue
        met, ok = 0, True
        for r, members in crew.items():
            booths = min(villages[s.village_id].booth_capacity for s in plan.routes[r].stops)
            industries = [firms[e].industry for e in members]
            same = max(map(industries.count, industries), default=0)
            if (len(members) > booths or sum(firms[e].staff for e in members) > c.fleet.seats
                    or (rules.max_same_industry is not None and same > rules.max_same_industry)):
                ok = False
                break
            met += min(len(members), rules.min_enterprises_per_stop, booths)
        if ok:
            best = max(best, (met, sum(fit[e, r] for r, members in crew.items() for e in members)))
    return best


@pytest.mark.parametrize("seed", range(16))
def test_crews_are_lexicographically_optimal_as_brute_force_finds(seed: int) -> None:
    rng = random.Random(seed)
    seats = 3 if seed % 2 else 30  # tight seats often push the flow's answer over: the integer program
    plan, c, firms, rules = tiny_assignment(rng, seats)
    result = it.assign_crews(plan, c, firms, rules)
    problem = it.crew_problem(plan, c, firms, rules)
    met = sum(min(len(crew.enterprise_ids), m) for crew, m in zip(result.crews, problem.minimum, strict=True))
    assert (met, result.total_fit) == brute_force(plan, c, firms, rules)
    assert result.optimal
    staff = {f.enterprise_id: f.staff for f in firms}
    for crew, booths in zip(result.crews, problem.booths, strict=True):
        assert crew.seats_used == sum(staff[e] for e in crew.enterprise_ids) <= c.fleet.seats
        assert len(crew.enterprise_ids) <= booths
    assert result.total_fit <= result.fit_upper_bound


def test_meeting_the_minimum_everywhere_comes_before_fit() -> None:
    """A fits both villages, far better the first; B fits only the first. Fit alone would send
    both to the first bus (240); the minimum of one per stop sends A to the second (120)."""
    first = village(1, labour_pool=it.LabourPool({"care": 200, "retail": 1}))
    second = village(2, labour_pool=it.LabourPool({"care": 100}))
    c = campaign(first, second, days=1, buses=2)
    noon = datetime.combine(MONDAY, time(12), tzinfo=ZONE)
    routes = tuple(it.BusRoute(MONDAY, bus, noon, noon, (it.VillageStop(v, 1, noon, noon, noon),), 0)
                   for bus, v in ((1, 1), (2, 2)))
    plan = it.RoutePlan(routes, (), 0, 2, 2, 0, 0.0, None)
    firms = [it.Enterprise(1, "care", (it.Position("care"),), frozenset({MONDAY})),
             it.Enterprise(2, "retail", (it.Position("retail", frozenset({"x"})),), frozenset({MONDAY}))]
    for (a, b) in ((firms[0], firms[1]), (firms[1], firms[0])):  # whatever the order
        result = it.assign_crews(plan, c, [a, b], it.AssignmentRules(min_enterprises_per_stop=1))
        assert [crew.enterprise_ids for crew in result.crews] == [(2,), (1,)]
        assert (result.total_fit, result.shortfalls, result.fit_upper_bound) == (101, (), 301)


def test_the_integer_program_takes_over_when_the_flow_overfills_a_bus() -> None:
    c = _with_seats(campaign(village(1), days=1), 5)
    plan = it.plan_routes(c, budget_s=1, max_iterations=20)
    firms = [firm(1, staff=3), firm(2, "care", staff=3), firm(3, "welding", staff=2)]
    roomy = it.assign_crews(plan, _with_seats(c, 30), firms)
    tight = it.assign_crews(plan, c, firms)
    assert (roomy.method, roomy.crews[0].enterprise_ids) == ("flow", (1, 2, 3))
    assert (tight.method, tight.crews[0].enterprise_ids, tight.crews[0].seats_used) == ("ilp", (1, 3), 5)


def test_generated_campaign_crews_keep_every_rule() -> None:
    c = synthetic_campaign(24, 6, 2, seed=2)
    firms = synthetic_enterprises(c, 30)
    plan = it.plan_routes(c, budget_s=5, seed=1, max_iterations=300)
    rules = it.AssignmentRules()
    result = it.assign_crews(plan, c, firms, rules)
    by_id = {f.enterprise_id: f for f in firms}
    villages = {v.village_id: v for v in c.villages}
    rides: dict[tuple[int, date], int] = {}
    routes = [r for r in plan.routes if r.stops]
    for crew, route in zip(result.crews, routes, strict=True):
        assert (crew.day, crew.bus) == (route.day, route.bus)
        assert crew.seats_used <= c.fleet.seats
        assert len(crew.enterprise_ids) <= min(villages[s.village_id].booth_capacity for s in route.stops)
        industries = [by_id[e].industry for e in crew.enterprise_ids]
        assert max(map(industries.count, industries), default=0) <= (rules.max_same_industry or 99)
        for e in crew.enterprise_ids:
            f = by_id[e]
            assert route.day in f.travel_dates and len(route.stops) <= f.max_stops_per_day
            assert all(it.stop_fit(f, villages[s.village_id].labour_pool) > 0 for s in route.stops)
            rides[(e, route.day)] = rides.get((e, route.day), 0) + 1
        if len(crew.enterprise_ids) < rules.min_enterprises_per_stop:
            assert {s.village_id for s in result.shortfalls if (s.day, s.bus) == (route.day, route.bus)} == {
                s.village_id for s in route.stops}
    assert set(rides.values()) <= {1}
    for f in firms:
        assert f.max_days is None or sum(1 for (e, _) in rides if e == f.enterprise_id) <= f.max_days
    assert 0 < result.total_fit <= result.fit_upper_bound


def test_stop_fit_counts_interest_skills_and_welcomed_groups() -> None:
    pool = it.LabourPool({"care": 10, "retail": 4}, {"driving": 3}, {"older_worker": 7, "veteran": 2})
    carer = it.Enterprise(1, "care", (it.Position("care", frozenset({"driving"}), frozenset({"older_worker"})),
                                      it.Position("care")), frozenset())
    assert it.stop_fit(carer, pool) == 10 + 3 + 7
    assert it.stop_fit(carer, pool, priority_weight=2) == 10 + 3 + 14
    welcomer = it.Enterprise(2, "mining", (it.Position("mining", welcomes=frozenset({"veteran"})),), frozenset())
    assert it.stop_fit(welcomer, pool) == 0


# --- a published instance -------------------------------------------------------------------

def test_c101_is_solved_within_one_percent_of_its_best_known_distance() -> None:
    instance = DATA / "solomon" / "C101.vrp"
    data = read(instance, round_func="dimacs")
    outcome = it.run_search(data, budget_s=2, seed=1)
    assert outcome.result.is_feasible()
    distance = outcome.result.best.distance() / 10
    assert distance <= 1.01 * best_known(DATA / "solomon" / "C101.sol")
