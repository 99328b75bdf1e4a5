"""Interview matching is lexicographically optimal, keeps every hard rule, and explains itself.

The reference is an exact integer program solved with HiGHS (tests/support/matching_ilp.py),
which shares nothing with the flow but the documented ``fit``.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairs.bench.matching import coverage_bounds, greedy_rounds, synthetic_matching
from fairs.core.errors import InvalidInput
from fairs.core.matching import (
    Booked,
    Candidate,
    FitScore,
    MatchingInput,
    Opening,
    ProposedInterview,
    UnmetPin,
    candidate_pairs,
    colour_bipartite,
    fit,
    flow_optimum,
    haversine_km,
    matching_metrics,
    matching_network,
    solve_matching,
)
from tests.support.matching_ilp import (
    Objective,
    best_position,
    heuristic_gap,
    ilp_optimum,
    objective,
    random_problem,
    violations,
)

HOME = (30.0, 114.0)


def north(km: float) -> tuple[float, float]:
    """A point ``km`` north of HOME (1° of latitude is 111.195 km on our sphere)."""
    return (HOME[0] + km / 111.19492664455873, HOME[1])


def welder(attendee_id: int = 1, **changes) -> Candidate:
    return Candidate(attendee_id, attendee_id, frozenset({"welding"}), **changes)


def welding(position_id: int = 10, organization_id: int = 1, **changes) -> Opening:
    return Opening(position_id, organization_id, "manufacturing", frozenset({"welding"}), **changes)


# --- optimality against the exact ILP --------------------------------------------------------


def test_the_flow_reaches_the_ilp_optimum_on_200_random_festivals():
    mismatches = []
    for seed in range(200):
        problem = random_problem(seed)
        result = solve_matching(problem)
        got, best = objective(problem, result.interviews), ilp_optimum(problem).objective
        if got != best or violations(problem, result.interviews) or not result.proven_optimal:
            mismatches.append((seed, got, best, result.proven_optimal))
    assert mismatches == []


def test_the_random_festivals_exercise_every_level_of_the_objective():
    levels = Counter()
    for seed in range(200):
        problem = random_problem(seed)
        levels["pins"] += bool(problem.pinned)
        levels["scarce"] += objective(problem, solve_matching(problem).interviews).covered < len(problem.candidates)
        levels["blocks"] += bool(problem.blocks)
    assert min(levels.values()) >= 40, levels


def test_restricted_festivals_keep_every_rule_and_never_beat_the_optimum():
    problems = []
    for seed in range(1000, 1150):
        problem = random_problem(seed, restricted=True)
        result = solve_matching(problem)
        got, best = objective(problem, result.interviews), ilp_optimum(problem).objective
        assert violations(problem, result.interviews) == [], seed
        assert got <= best, seed
        if result.proven_optimal:
            assert got == best, seed
        problems.append(bool(problem.booked) and bool(problem.busy))
    assert sum(problems) >= 50


def test_the_per_slot_heuristic_lands_close_to_the_optimum():
    gap = heuristic_gap(range(2000, 2100))
    assert gap.optimal >= 80, gap
    assert gap.behind["pins"] + gap.behind["priority_covered"] + gap.behind["covered"] <= 3, gap
    assert gap.fit_lost <= 0.03 * gap.fit_optimum, gap


def test_the_greedy_baseline_falls_short_where_the_flow_is_optimal():
    # A fits both employers and prefers the first; B fits only the first. Greedy lets A, who
    # registered first, take the first employer's only slot, so B gets nothing.
    a = Candidate(1, 1, frozenset({"welding", "driving"}), frozenset({"manufacturing"}))
    b = Candidate(2, 2, frozenset({"welding"}))
    openings = [welding(10, 1), Opening(20, 2, "logistics", frozenset({"driving"}))]
    problem = MatchingInput([a, b], openings, {1: 1, 2: 1}, slot_count=1, per_attendee=1)
    assert objective(problem, greedy_rounds(problem)) == Objective(0, 0, 1, 5)
    assert objective(problem, solve_matching(problem).interviews) == ilp_optimum(problem).objective == Objective(
        0, 0, 2, 6)

    behind = 0
    for seed in range(60):
        problem = random_problem(seed)
        problem.pinned = []
        greedy = greedy_rounds(problem)
        assert violations(problem, greedy) == []
        best = ilp_optimum(problem).objective
        assert objective(problem, solve_matching(problem).interviews) == best
        behind += objective(problem, greedy) < best
    assert behind >= 5


# --- festival scale ----------------------------------------------------------------------------


def test_twenty_thousand_attendees_and_five_hundred_employers():
    problem = synthetic_matching(20_000, 500, seed=3, half_days=True)
    result = solve_matching(problem)
    assert violations(problem, result.interviews) == []
    assert result.slots_lost == 0 and result.proven_optimal
    metrics = matching_metrics(problem, result)
    network = matching_network(problem)
    assert (metrics.covered, metrics.priority_covered) == coverage_bounds(network)
    assert metrics.total_fit <= flow_optimum(network, coverage_rule=False).total_fit
    assert metrics.total_fit <= metrics.fit_upper_bound
    assert metrics.covered > 0.8 * metrics.attendees
    assert set(metrics.uncovered.values()) <= {"no_fitting_position", "excluded", "unavailable", "capacity"}


# --- the fit score ---------------------------------------------------------------------------


def test_each_part_of_the_fit_score():
    person = Candidate(
        1, 1, frozenset({"welding", "driving", "a", "b", "c", "d"}), frozenset({"manufacturing"}),
        ranked_organizations=(7, 1), home=HOME, needs_food_and_lodging=True, wants_part_time=True)
    opening = Opening(10, 1, "manufacturing", frozenset({"welding", "driving", "a", "b", "c", "d", "e"}),
                      work_location=north(10), provides_food_and_lodging=True, part_time=True)
    score = fit(person, opening)
    assert score == FitScore(skills=15, industry_wish=2, commute=2, conditions=3, own_ranking=4)
    assert score.total == 26
    assert score.parts() == {"skills": 15, "industry_wish": 2, "commute": 2, "conditions": 3, "own_ranking": 4}


@pytest.mark.parametrize(("km", "points"), [(4.9, 3), (5.0, 3), (5.2, 2), (15.0, 2), (29.0, 1), (31.0, 0)])
def test_commute_points_by_distance(km, points):
    assert haversine_km(HOME, north(km)) == pytest.approx(km, abs=0.002)
    assert fit(welder(home=HOME), welding(work_location=north(km))).commute == points


@pytest.mark.parametrize(("ranked", "points"), [((1,), 5), ((9, 1), 4), ((9, 8, 7, 6, 5, 1), 1), ((9,), 0)])
def test_own_ranking_points(ranked, points):
    assert fit(welder(ranked_organizations=ranked), welding()).own_ranking == points


def test_conditions_count_only_when_wished_and_offered():
    assert fit(welder(needs_food_and_lodging=True), welding()).conditions == 0
    assert fit(welder(), welding(provides_food_and_lodging=True, part_time=True)).conditions == 0
    assert fit(welder(wants_part_time=True), welding(part_time=True)).conditions == 1
    assert fit(welder(needs_food_and_lodging=True), welding(provides_food_and_lodging=True)).conditions == 2


def test_an_older_worker_never_meets_a_position_closed_to_older_workers():
    older = welder(priority_groups=frozenset({"older_worker"}))
    assert fit(older, welding(accepts_older_workers=False)) is None
    assert fit(older, welding()) is not None
    assert fit(welder(), welding(accepts_older_workers=False)) is not None


@pytest.mark.parametrize(("age", "fits"), [(17, False), (18, True), (45, True), (46, False), (None, True)])
def test_age_limits(age, fits):
    assert (fit(welder(age=age), welding(min_age=18, max_age=45)) is not None) == fits


def test_required_certificates():
    opening = welding(required_certificates=frozenset({"forklift_licence", "health"}))
    assert fit(welder(certificates=frozenset({"forklift_licence"})), opening) is None
    assert fit(welder(certificates=frozenset({"forklift_licence", "health", "crane"})), opening) is not None


def test_commute_limit_excludes_only_with_both_places_and_a_limit_known():
    far = welding(work_location=north(20))
    assert fit(welder(home=HOME, max_commute_km=19.9), far) is None
    assert fit(welder(home=HOME, max_commute_km=20.1), far) is not None
    assert fit(welder(home=HOME), far) is not None
    assert fit(welder(max_commute_km=1.0), far) is not None
    assert fit(welder(home=HOME, max_commute_km=1.0), welding()) is not None


def test_skills_asked_need_one_shared_skill_or_a_wished_industry():
    opening = Opening(10, 1, "logistics", frozenset({"forklift"}))
    assert fit(Candidate(1, 1, frozenset({"welding"})), opening) is None
    assert fit(Candidate(1, 1, frozenset({"welding"}), frozenset({"logistics"})), opening) == FitScore(0, 2)
    assert fit(Candidate(1, 1), Opening(11, 1, "logistics")) == FitScore(0, 0)


def test_the_vectorised_pairs_agree_with_fit_everywhere():
    for seed in range(40):
        problem = random_problem(seed + 500, restricted=seed % 2 == 1)
        pairs = candidate_pairs(problem)
        got = {(problem.candidates[a].attendee_id, o): (p, s) for a, o, p, s in zip(
            pairs.attendee.tolist(), pairs.organization.tolist(), pairs.position.tolist(), pairs.score.tolist(),
            strict=True)}
        banned = {(b.attendee_id, b.organization_id) for b in problem.booked} | set(problem.declined) | set(
            problem.forbidden)
        expected = {}
        for candidate in problem.candidates:
            for org in problem.interviewers:
                best = best_position(problem, candidate, org)
                if best is not None and (candidate.attendee_id, org) not in banned:
                    expected[(candidate.attendee_id, org)] = best
        assert got == expected, seed


def test_pairs_are_found_through_map_cells_without_missing_any_within_reach():
    rng = random.Random(5)
    people = [Candidate(i, i, frozenset({"welding"}), home=(30 + rng.uniform(-1, 1), 114 + rng.uniform(-1, 1)),
                        max_commute_km=rng.choice([3.0, 10.0, 40.0, 150.0])) for i in range(300)]
    openings = [Opening(p, p, "x", frozenset({"welding"} if p % 3 else set()),
                        work_location=(30 + rng.uniform(-1, 1), 114 + rng.uniform(-1, 1))) for p in range(1, 200)]
    problem = MatchingInput(people, openings, {o.organization_id: 1 for o in openings}, 4)
    pairs = candidate_pairs(problem)
    got = set(zip(pairs.attendee.tolist(), pairs.organization.tolist(), strict=True))
    expected = {(i, o.organization_id) for i, c in enumerate(people) for o in openings if fit(c, o) is not None}
    assert got == expected
    assert 0 < len(got) < len(people) * len(openings) // 2


def test_a_workplace_at_the_commute_limit_after_rounding_is_found():
    person = welder(home=HOME, max_commute_km=1.0)
    openings = [welding(10 * o, o, work_location=north(km)) for o, km in ((1, 1.0004), (2, 1.0006), (3, 0.2))]
    problem = MatchingInput([person], openings, {1: 1, 2: 1, 3: 1}, slot_count=3)
    assert candidate_pairs(problem).organization.tolist() == [1, 3]
    assert fit(person, openings[0]) is not None and fit(person, openings[1]) is None


# --- the slot step -----------------------------------------------------------------------------


def regular_multigraph(n: int, degree: int, seed: int) -> list[tuple[int, int]]:
    """A ``degree``-regular bipartite multigraph on n + n vertices: a union of random perfect
    matchings (parallel edges included), its edges shuffled."""
    rng = random.Random(seed)
    edges = []
    for _ in range(degree):
        right = list(range(n))
        rng.shuffle(right)
        edges.extend(zip(range(n), right, strict=True))
    rng.shuffle(edges)
    return edges


def assert_proper(edges, colours, count):
    assert all(c is not None and 0 <= c < count for c in colours)
    assert len(set(zip([u for u, _ in edges], colours, strict=True))) == len(edges)
    assert len(set(zip([v for _, v in edges], colours, strict=True))) == len(edges)


@pytest.mark.parametrize(("n", "degree", "seed"), [(50, 16, 1), (200, 16, 2), (30, 5, 3), (8, 8, 4), (1, 16, 5)])
def test_a_regular_bipartite_multigraph_with_degree_equal_to_the_slots_is_fully_coloured(n, degree, seed):
    edges = regular_multigraph(n, degree, seed)
    assert_proper(edges, colour_bipartite(edges, degree), degree)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=60), st.integers(1, 8))
def test_any_bipartite_multigraph_within_the_degree_is_fully_coloured(edges, colours):
    degree = Counter(u for u, _ in edges) | Counter(("r", v) for _, v in edges)
    edges = [e for e in edges if degree[e[0]] <= colours and degree[("r", e[1])] <= colours]
    assert_proper(edges, colour_bipartite(edges, colours), colours)


def test_restricted_colours_can_leave_an_edge_out():
    # both left vertices may only use colour 0 and share their right vertex
    assert sorted(colour_bipartite([(1, 9), (2, 9)], 2, left_allowed={1: 0b01, 2: 0b01}),
                  key=str) == [0, None]


def test_a_completely_full_festival_loses_no_pair_in_the_slot_step():
    # 12 attendees each meeting 4 of 6 employers in 4 slots; every interviewer-slot is used
    people = [welder(i) for i in range(1, 13)]
    openings = [welding(10 * o, o) for o in range(1, 7)]
    problem = MatchingInput(people, openings, {o: 2 for o in range(1, 7)}, slot_count=4, per_attendee=4)
    result = solve_matching(problem)
    assert len(result.interviews) == 48 and result.slots_lost == 0
    assert violations(problem, result.interviews) == []


# --- overrides, booked interviews, availability ----------------------------------------------


def test_a_pin_wins_over_priority_coverage_and_fit():
    veteran = Candidate(1, 1, frozenset({"welding"}), frozenset({"manufacturing"}), frozenset({"veteran"}))
    other = Candidate(2, 2, frozenset({"welding"}))
    problem = MatchingInput([veteran, other], [welding()], {1: 1}, slot_count=1, pinned=[(2, 1)])
    result = solve_matching(problem)
    assert result.interviews == (ProposedInterview(2, 1, 10, 0, 3, pinned=True),)
    assert result.unmet_pins == () and result.proven_optimal


def test_pins_that_cannot_be_honoured_say_why():
    people = [welder(1), welder(2, available_blocks=frozenset({1})), welder(3), Candidate(4, 4), welder(5),
              welder(6)]
    problem = MatchingInput(
        people, [welding(10, 1), welding(20, 2)], {1: 1, 2: 1}, slot_count=2, per_attendee=1,
        blocks=[(0, 1), (1, 2)], organization_blocks={1: frozenset({0})},
        declined=[(5, 1)], forbidden=[(3, 1)],
        pinned=[(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (99, 1), (1, 98)])
    result = solve_matching(problem)
    assert result.unmet_pins == (
        UnmetPin(2, 1, "unavailable"), UnmetPin(3, 1, "forbidden"), UnmetPin(4, 1, "no_fitting_position"),
        UnmetPin(5, 1, "declined"), UnmetPin(6, 1, "capacity"), UnmetPin(99, 1, "unknown_attendee"),
        UnmetPin(1, 98, "unknown_organization"))
    assert [(i.attendee_id, i.organization_id, i.pinned) for i in result.interviews if i.organization_id == 1] == [
        (1, 1, True)]
    assert not result.proven_optimal  # the pins conflict: only (0) and then P + C are promised


def test_as_many_conflicting_pins_as_possible_are_honoured():
    people = [welder(i) for i in range(1, 6)]
    problem = MatchingInput(people, [welding()], {1: 1}, slot_count=3, pinned=[(i, 1) for i in range(1, 6)])
    result = solve_matching(problem)
    assert len(result.interviews) == 3 and all(i.pinned for i in result.interviews)
    assert Counter(p.reason for p in result.unmet_pins) == {"capacity": 2}


def test_forbidden_and_declined_pairs_are_never_proposed():
    people = [welder(1), welder(2), welder(3)]
    problem = MatchingInput(people, [welding(10, 1), welding(20, 2)], {1: 3, 2: 3}, slot_count=3,
                            declined=[(1, 1)], forbidden=[(2, 2), (3, 1), (3, 2)])
    result = solve_matching(problem)
    assert sorted((i.attendee_id, i.organization_id) for i in result.interviews) == [(1, 2), (2, 1)]
    assert result.unreachable == {3: "excluded"}


def test_booked_interviews_are_kept_and_count_against_every_limit():
    people = [welder(1), welder(2)]
    openings = [welding(10 * o, o) for o in (1, 2, 3)]
    booked = [Booked(1, 1, 0), Booked(2, 2, 1)]
    problem = MatchingInput(people, openings, {1: 1, 2: 1, 3: 1}, slot_count=3, per_attendee=2, booked=booked)
    result = solve_matching(problem)
    assert violations(problem, result.interviews) == []
    made = {(i.attendee_id, i.organization_id, i.slot_index) for i in result.interviews}
    assert len(made) == 2
    assert not {(1, 1), (2, 2)} & {(a, o) for a, o, _ in made}
    assert (1, 0) not in {(a, s) for a, _, s in made} and (2, 1) not in {(a, s) for a, _, s in made}
    assert matching_metrics(problem, result).covered == 2


def test_busy_slots_are_avoided_without_counting_against_the_limit():
    problem = MatchingInput([welder(1)], [welding(10, 1), welding(20, 2)], {1: 1, 2: 1}, slot_count=3,
                            per_attendee=2, busy=[(1, 0), (1, 1)])
    result = solve_matching(problem)
    assert [i.slot_index for i in result.interviews] == [2]


def test_blocks_and_slot_availability_are_respected():
    people = [welder(1, available_blocks=frozenset({0})), welder(2, available_blocks=frozenset({1})),
              welder(3, available_slots=frozenset({5})), welder(4)]
    openings = [welding(10, 1), welding(20, 2)]
    problem = MatchingInput(people, openings, {1: 2, 2: 2}, slot_count=8, per_attendee=2, blocks=[(0, 4), (4, 8)],
                            organization_blocks={1: frozenset({0}), 2: frozenset({1})})
    result = solve_matching(problem)
    assert violations(problem, result.interviews) == []
    where = {(i.attendee_id, i.organization_id): i.slot_index for i in result.interviews}
    assert set(where) == {(1, 1), (2, 2), (3, 2), (4, 1), (4, 2)}
    assert where[(1, 1)] < 4 <= where[(2, 2)] and where[(3, 2)] == 5
    assert result.proven_optimal


def test_blocks_must_cover_the_slots_in_order():
    with pytest.raises(InvalidInput) as raised:
        solve_matching(MatchingInput([welder()], [welding()], {1: 1}, 8, blocks=[(0, 4), (5, 8)]))
    assert raised.value.field == "blocks"
    with pytest.raises(InvalidInput):
        solve_matching(MatchingInput([welder(1), welder(1)], [welding()], {1: 1}, 8))


# --- metrics, explanations, determinism --------------------------------------------------------


def test_metrics_count_coverage_fit_and_why_people_are_left_out():
    people = [welder(1, priority_groups=frozenset({"veteran"})), welder(2), welder(3),
              Candidate(4, 4, frozenset({"sewing"})), welder(5, available_blocks=frozenset({1}))]
    problem = MatchingInput(people, [welding(10, 1), welding(20, 2)], {1: 1, 2: 1}, slot_count=2, per_attendee=2,
                            blocks=[(0, 1), (1, 2)], organization_blocks={1: frozenset({0}), 2: frozenset({0})},
                            booked=[Booked(3, 2, 0)])
    result = solve_matching(problem)
    metrics = matching_metrics(problem, result)
    # employer 2's only interviewer-slot is booked by attendee 3; employer 1 has one slot left
    assert result.interviews == (ProposedInterview(1, 1, 10, 0, 3),)
    assert (metrics.attendees, metrics.covered, metrics.priority_attendees, metrics.priority_covered) == (5, 2, 1, 1)
    assert metrics.interviews == 1 and metrics.total_fit == 3 and metrics.slots_lost == 0
    assert metrics.fit_upper_bound == 3 + 3  # attendees 1 and 2 could each meet employer 1
    assert metrics.uncovered == {2: "capacity", 4: "no_fitting_position", 5: "unavailable"}


def test_an_interview_can_be_explained_by_its_parts():
    problem = MatchingInput([welder(1, ranked_organizations=(1,))], [welding(10, 1), welding(11, 1, part_time=True)],
                            {1: 1}, slot_count=1)
    interview = solve_matching(problem).interviews[0]
    assert interview.position_id == 10  # equal fit: the lower position id
    assert fit(problem.candidates[0], problem.openings[0]).parts() == {
        "skills": 3, "industry_wish": 0, "commute": 0, "conditions": 0, "own_ranking": 5}
    assert interview.score == 8


def test_the_same_input_gives_the_same_result_in_a_stable_order():
    problem = synthetic_matching(600, 15, seed=11)
    first, second = solve_matching(problem), solve_matching(problem)
    assert first.interviews == second.interviews
    keys = [(problem.candidates[i.attendee_id - 1].order, i.attendee_id, i.slot_index) for i in first.interviews]
    assert keys == sorted(keys)


def test_the_solver_reports_its_phases_when_given_a_clock():
    ticks = iter(np.arange(0.0, 100.0, 0.5))
    result = solve_matching(random_problem(3), clock=lambda: float(next(ticks)))
    assert set(result.phase_seconds) == {"pairs", "flow", "slots", "min_cost_flow"}
    assert all(v > 0 for v in result.phase_seconds.values())
    assert result.phase_seconds["min_cost_flow"] < result.phase_seconds["flow"]  # OR-Tools' part of it
