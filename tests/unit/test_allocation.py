"""Booth allocation at the close of the window: random serial dictatorship with priority tiers."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairs.core.allocation import (
    AllocationResult,
    Application,
    Assignment,
    BoothOption,
    Preference,
    Unassigned,
    allocate,
)
from fairs.core.errors import InvalidInput


def booth(booth_id: int, code: str, zone: str) -> BoothOption:
    return BoothOption(booth_id, code, zone)


def wish(*choices: int | str) -> tuple[Preference, ...]:
    """Ranked preferences: an int is a booth id, a str a zone."""
    return tuple(Preference(booth_id=c) if isinstance(c, int) else Preference(zone=c) for c in choices)


def app(org: int, *choices: int | str, priority: int = 0, allowed: set[str] | None = None, max_booths: int = 1,
        applied_order: int = 0) -> Application:
    return Application(org, priority, wish(*choices), None if allowed is None else frozenset(allowed), max_booths,
                       applied_order)


def holders(result: AllocationResult) -> dict[int, int]:
    return {a.booth_id: a.organization_id for a in result.assignments}


def booths_of(result: AllocationResult) -> dict[int, list[str]]:
    got: dict[int, list[str]] = {}
    for a in result.assignments:
        got.setdefault(a.organization_id, []).append(a.booth_code)
    return got


HALL = [booth(11, "A01", "manufacturing"), booth(12, "A02", "manufacturing"), booth(13, "A03", "manufacturing"),
        booth(21, "S01", "services"), booth(22, "S02", "services"),
        booth(31, "L01", "livestream")]


# --- order and reproducibility ---------------------------------------------------------------


def test_the_same_seed_and_input_give_the_identical_result():
    applications = [app(org, 11, "services", priority=org % 2) for org in range(1, 9)]
    assert allocate(HALL, applications, seed=42) == allocate(HALL, applications, seed=42)


def test_permuting_the_input_or_changing_applied_order_gives_the_identical_result():
    applications = [app(org, 11, "services", 31, priority=org % 3, max_booths=2, applied_order=org)
                    for org in range(1, 12)]
    expected = allocate(HALL, applications, seed=7)
    rng = random.Random(0)
    for _ in range(20):
        shuffled_booths = rng.sample(HALL, len(HALL))
        reapplied = [app(a.organization_id, 11, "services", 31, priority=a.priority, max_booths=2,
                         applied_order=rng.randint(0, 1000)) for a in rng.sample(applications, len(applications))]
        assert allocate(shuffled_booths, reapplied, seed=7) == expected


def test_different_seeds_can_give_different_lottery_orders_and_winners():
    applications = [app(org, 11) for org in range(1, 11)]
    results = [allocate(HALL, applications, seed=s) for s in range(10)]
    assert len({r.order for r in results}) > 1
    assert len({holders(r)[11] for r in results}) > 1


def test_the_order_is_priority_tiers_highest_first_then_a_seeded_lottery_over_sorted_ids():
    applications = [app(org, priority=org % 3) for org in (9, 4, 7, 1, 3, 8, 2, 6, 5)]
    expected: list[int] = []
    for priority in (2, 1, 0):
        tier = sorted(a.organization_id for a in applications if a.priority == priority)
        random.Random(f"123:{priority}").shuffle(tier)
        expected.extend(tier)
    assert allocate(HALL, applications, seed=123).order == tuple(expected)


def test_the_lottery_for_a_seed_is_fixed_across_runs_and_python_versions():
    # String seeds use version-2 (SHA-512) seeding: a published seed must replay the same draw forever.
    result = allocate([], [app(org) for org in range(1, 11)], seed=7)
    assert result.order == (4, 10, 2, 9, 3, 8, 5, 6, 7, 1)


# --- who gets what -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_a_higher_priority_gets_its_first_choice_before_any_lower_one_is_considered(seed):
    applications = [app(org, 11, 12, priority=0) for org in range(1, 9)] + [app(99, 11, priority=2)]
    result = allocate(HALL, applications, seed=seed)
    assert result.order[0] == 99
    assert result.assignments[0] == Assignment(
        99, 11, "A01", 1, "priority 2, lottery position 1 of 1 in that tier; got its 1st choice A01")
    assert holders(result)[12] == result.order[1]  # the lottery's winner among the rest gets the next best


@pytest.mark.parametrize("seed", range(10))
def test_everyone_gets_a_first_booth_before_anyone_gets_a_second(seed):
    applications = [app(1, "manufacturing", max_booths=3), app(2, "manufacturing"), app(3, "manufacturing")]
    result = allocate(HALL, applications, seed=seed)
    assert sorted(len(codes) for codes in booths_of(result).values()) == [1, 1, 1]
    assert [a.organization_id for a in result.assignments] == list(result.order)
    assert [a.booth_code for a in result.assignments] == ["A01", "A02", "A03"]
    assert result.unassigned == ()


def test_a_large_employer_takes_further_booths_in_later_rounds_from_its_preferences():
    applications = [app(1, "manufacturing", max_booths=3), app(2, 11, priority=1)]
    result = allocate(HALL, applications, seed=0)
    assert result.order == (2, 1)
    assert [(a.organization_id, a.booth_code, a.choice) for a in result.assignments] == [
        (2, "A01", 1), (1, "A02", 1), (1, "A03", 1)]  # the zone has no third booth left for it
    assert result.assignments[2].explanation == (
        "priority 0, lottery position 1 of 1 in that tier; booth 2 of at most 3, round 2; "
        "got its 1st choice (zone manufacturing), booth A03")


def test_extra_booths_beyond_the_first_come_only_from_preferences_never_from_the_fallback():
    result = allocate(HALL, [app(1, 11, 21, max_booths=4)], seed=0)
    assert [(a.booth_code, a.choice) for a in result.assignments] == [("A01", 1), ("S01", 2)]
    assert result.assignments[1].explanation == (
        "priority 0, lottery position 1 of 1 in that tier; booth 2 of at most 4, round 2; "
        "got its 2nd choice S01; its 1st choice A01 is already its booth")


def test_a_zone_preference_gives_the_best_free_booth_of_that_zone_in_code_order():
    hall = [booth(5, "B03", "services"), booth(6, "B01", "services"), booth(7, "B02", "services")]
    result = allocate(hall, [app(1, 6, priority=1), app(2, "services")], seed=0)
    assert [(a.organization_id, a.booth_code, a.choice) for a in result.assignments] == [(1, "B01", 1), (2, "B02", 1)]
    assert result.assignments[1].explanation == (
        "priority 0, lottery position 1 of 1 in that tier; got its 1st choice (zone services), booth B02")


def test_a_lower_choice_names_the_better_choices_and_why_they_were_not_available():
    applications = [app(1, 11, priority=1), app(2, 11, "livestream", "services", allowed={"services", "manufacturing"})]
    result = allocate(HALL, applications, seed=0)
    assert result.assignments[1] == Assignment(
        2, 21, "S01", 3,
        "priority 0, lottery position 1 of 1 in that tier; got its 3rd choice (zone services), booth S01; "
        "its 1st choice A01 was taken by an applicant ahead of it; "
        "its 2nd choice zone livestream is outside its allowed zones")


def test_zoning_is_respected_even_for_a_booth_the_organization_listed_by_name():
    result = allocate(HALL, [app(1, 31, allowed={"services"})], seed=0)
    assert result.assignments == (Assignment(
        1, 21, "S01", None,
        "priority 0, lottery position 1 of 1 in that tier; its only choice could not be served, so it got S01, "
        "the best free booth in its allowed zones (services); its 1st choice L01 is outside its allowed zones"),)


def test_the_fallback_gives_the_best_free_booth_in_zone_name_then_code_order():
    # zones in name order: livestream, manufacturing, services
    applications = [app(1, 31, priority=1), app(2, 31)]
    result = allocate(HALL, applications, seed=0)
    assert result.assignments[1] == Assignment(
        2, 11, "A01", None,
        "priority 0, lottery position 1 of 1 in that tier; its only choice could not be served, so it got A01, "
        "the best free booth in any zone; its 1st choice L01 was taken by an applicant ahead of it")


def test_without_the_fallback_an_organization_whose_choices_are_taken_stays_unassigned():
    applications = [app(1, 31, priority=1), app(2, 31, "livestream")]
    result = allocate(HALL, applications, seed=0, fallback_to_any=False)
    assert result.assignments == (
        Assignment(1, 31, "L01", 1, "priority 1, lottery position 1 of 1 in that tier; got its 1st choice L01"),)
    assert result.unassigned == (Unassigned(
        2, "priority 0, lottery position 1 of 1 in that tier; the 1 booth it asked for was taken by an applicant "
           "ahead of it; falling back to any free booth is switched off"),)


def test_an_empty_preference_list_means_any_allowed_booth_even_without_the_fallback():
    result = allocate(HALL, [app(1, allowed={"services"}, max_booths=2)], seed=0, fallback_to_any=False)
    assert result.assignments == (Assignment(
        1, 21, "S01", None,
        "priority 0, lottery position 1 of 1 in that tier; listed no preferences, so it got S01, "
        "the best free booth in its allowed zones (services)"),)
    assert result.unassigned == ()


def test_an_organization_that_got_nothing_is_told_that_everything_it_could_use_was_taken():
    hall = [booth(1, "A01", "a"), booth(2, "A02", "a"), booth(3, "B01", "b")]
    applications = [app(org, "a", priority=1) for org in (1, 2)] + [app(3, "a", allowed={"a"})]
    result = allocate(hall, applications, seed=0)
    assert result.unassigned == (Unassigned(
        3, "priority 0, lottery position 1 of 1 in that tier; all 2 booths it could use were taken by applicants "
           "ahead of it"),)


def test_an_organization_allowed_only_in_zones_without_booths_is_told_so():
    result = allocate(HALL, [app(1, "stage", allowed={"stage"})], seed=0)
    assert result.assignments == ()
    assert result.unassigned == (Unassigned(
        1, "priority 0, lottery position 1 of 1 in that tier; no booth is in its allowed zones (stage)"),)


def test_an_organization_that_listed_only_booths_outside_its_zones_is_told_so_when_there_is_no_fallback():
    result = allocate(HALL, [app(1, 11, "livestream", allowed={"services"})], seed=0, fallback_to_any=False)
    assert result.unassigned == (Unassigned(
        1, "priority 0, lottery position 1 of 1 in that tier; every choice it listed is outside its allowed zones "
           "(services); falling back to any free booth is switched off"),)


def test_explanations_name_the_tier_the_lottery_position_the_choice_and_the_booth():
    applications = [app(org, 11, 12, 13, 21, 22, 31, priority=0) for org in range(1, 9)]
    result = allocate(HALL, applications, seed=3)
    for position, assignment in enumerate(result.assignments, start=1):
        assert assignment.explanation.startswith(
            f"priority 0, lottery position {result.order.index(assignment.organization_id) + 1} of 8 in that tier; ")
        assert assignment.booth_code in assignment.explanation
        assert assignment.choice == position
        ordinal = ["1st", "2nd", "3rd", "4th", "5th", "6th"][position - 1]
        assert f"got its {ordinal} choice {assignment.booth_code}" in assignment.explanation
    assert len(result.assignments) == 6 and len(result.unassigned) == 2
    for missing in result.unassigned:
        place = result.order.index(missing.organization_id) + 1
        assert missing.explanation == (f"priority 0, lottery position {place} of 8 in that tier; all 6 booths it "
                                       "could use were taken by applicants ahead of it")


def test_a_long_list_of_better_choices_is_cut_short_in_the_explanation():
    hall = [booth(i, f"A{i:02d}", "a") for i in range(1, 9)]
    applications = [app(org, *range(1, 8), priority=1) for org in range(1, 8)] + [app(8, *range(1, 9))]
    last = allocate(hall, applications, seed=0).assignments[-1]
    assert (last.organization_id, last.booth_code, last.choice) == (8, "A08", 8)
    assert last.explanation.endswith("its 5th choice A05 was taken by an applicant ahead of it; "
                                     "2 more better choices were not available either")


# --- invalid input -----------------------------------------------------------------------------


@pytest.mark.parametrize(("booths", "applications", "field", "message"), [
    (HALL + [booth(11, "Z01", "x")], [], "booths[6].booth_id", "booth id 11 appears twice"),
    (HALL, [app(1), app(2), app(1)], "applications[2].organization_id", "organization 1 applies twice"),
    (HALL, [app(1), app(2, 11, 404)], "applications[1].preferences[1].booth_id", "no booth with id 404"),
    (HALL, [app(1, max_booths=0)], "applications[0].max_booths", "must be at least 1"),
    (HALL, [Application(1, 0, (Preference(11, "services"),))], "applications[0].preferences[0]",
     "must name exactly one of booth_id or zone"),
    (HALL, [Application(1, 0, (Preference(),))], "applications[0].preferences[0]",
     "must name exactly one of booth_id or zone"),
])
def test_invalid_input_is_rejected_naming_the_field(booths, applications, field, message):
    with pytest.raises(InvalidInput) as raised:
        allocate(booths, applications, seed=0)
    assert (raised.value.field, raised.value.detail) == (field, message)
    assert [(p.field, p.message) for p in raised.value.problems] == [(field, message)]


def test_every_invalid_field_is_reported_at_once():
    with pytest.raises(InvalidInput) as raised:
        allocate(HALL, [app(1, 404, max_booths=0), app(1)], seed=0)
    assert [p.field for p in raised.value.problems] == [
        "applications[0].max_booths", "applications[0].preferences[0].booth_id", "applications[1].organization_id"]


# --- properties on any input -----------------------------------------------------------------

ZONES = ("a", "b", "c")


@st.composite
def allocation_problems(draw: st.DrawFn) -> tuple[list[BoothOption], list[Application], int, bool]:
    ids = draw(st.lists(st.integers(1, 200), unique=True, max_size=14))
    booths = []
    for booth_id in ids:
        zone = draw(st.sampled_from(ZONES))
        booths.append(BoothOption(booth_id, f"{zone.upper()}{draw(st.integers(1, 20)):02d}", zone))  # codes may repeat
    choice = st.sampled_from(ZONES + ("d",)).map(lambda z: Preference(zone=z))
    if ids:
        choice = st.one_of(choice, st.sampled_from(ids).map(lambda b: Preference(booth_id=b)))
    orgs = draw(st.lists(st.integers(1, 60), unique=True, max_size=12))
    applications = [
        Application(
            org,
            draw(st.integers(0, 2)),
            tuple(draw(st.lists(choice, max_size=4))),
            draw(st.none() | st.frozensets(st.sampled_from(ZONES + ("d",)))),
            draw(st.integers(1, 3)),
            draw(st.integers(0, 100)),
        )
        for org in orgs
    ]
    return booths, applications, draw(st.integers(0, 2**32)), draw(st.booleans())


def check_allocation(booths: list[BoothOption], applications: list[Application], fallback: bool,
                     result: AllocationResult) -> None:
    by_id = {b.booth_id: b for b in booths}
    by_org = {a.organization_id: a for a in applications}
    position = {org: i for i, org in enumerate(result.order)}
    allowed = {a.organization_id: (lambda z, a=a: a.allowed_zones is None or z in a.allowed_zones)
               for a in applications}

    # the order: every applicant once, higher tiers first
    assert sorted(result.order) == sorted(by_org)
    assert [by_org[o].priority for o in result.order] == sorted((a.priority for a in applications), reverse=True)

    # every application is assigned or unassigned, exactly once
    assigned = {a.organization_id for a in result.assignments}
    unassigned = [u.organization_id for u in result.unassigned]
    assert len(unassigned) == len(set(unassigned))
    assert assigned.isdisjoint(unassigned) and assigned | set(unassigned) == set(by_org)

    # no booth twice, nobody over its limit, zoning respected, codes right
    assert max(Counter(a.booth_id for a in result.assignments).values(), default=1) == 1
    count = Counter(a.organization_id for a in result.assignments)
    assert all(n <= by_org[org].max_booths for org, n in count.items())
    assert all(allowed[a.organization_id](by_id[a.booth_id].zone) for a in result.assignments)
    assert all(a.booth_code == by_id[a.booth_id].code for a in result.assignments)

    # rounds: everyone's k-th booth before anyone's (k+1)-th, each round in lottery order
    seen: Counter[int] = Counter()
    turns = []
    for a in result.assignments:
        seen[a.organization_id] += 1
        turns.append((seen[a.organization_id], position[a.organization_id]))
    assert turns == sorted(turns)

    # replay: at each turn the organization got the best thing still free for it, and nothing better was free
    taken: set[int] = set()

    def serves(org: int, preference: Preference) -> list[BoothOption]:
        if preference.booth_id is not None:
            candidates = [by_id[preference.booth_id]]
        else:
            candidates = [b for b in booths if b.zone == preference.zone]
        return sorted((b for b in candidates if b.booth_id not in taken and allowed[org](b.zone)),
                      key=lambda b: (b.code, b.booth_id))

    first_index: dict[int, int] = {}
    for index, a in enumerate(result.assignments):
        org, preferences = a.organization_id, by_org[a.organization_id].preferences
        first_index.setdefault(org, index)
        better = len(preferences) if a.choice is None else a.choice - 1
        assert all(serves(org, p) == [] for p in preferences[:better])
        if a.choice is None:
            assert first_index[org] == index and (fallback or not preferences)
            free = [b for b in booths if b.booth_id not in taken and allowed[org](b.zone)]
            assert a.booth_id == min(free, key=lambda b: (b.zone, b.code, b.booth_id)).booth_id
        else:
            assert a.booth_id == serves(org, preferences[a.choice - 1])[0].booth_id
        tier = [o for o in result.order if by_org[o].priority == by_org[org].priority]
        assert a.explanation.startswith(
            f"priority {by_org[org].priority}, lottery position {tier.index(org) + 1} of {len(tier)} in that tier; ")
        taken.add(a.booth_id)

    # priorities: a feasible preference better than what an organization got first was held by someone ahead
    # of it, of higher or equal priority, who took it before that organization's turn
    holder = {a.booth_id: (a.organization_id, i) for i, a in enumerate(result.assignments)}
    for org, application in by_org.items():
        first = result.assignments[first_index[org]] if org in first_index else None
        better = application.preferences if first is None or first.choice is None else \
            application.preferences[:first.choice - 1]
        for preference in better:
            wanted = [by_id[preference.booth_id]] if preference.booth_id is not None else \
                [b for b in booths if b.zone == preference.zone]
            for b in wanted:
                if not allowed[org](b.zone):
                    continue
                assert b.booth_id in holder
                other, when = holder[b.booth_id]
                assert position[other] < position[org]
                assert by_org[other].priority >= application.priority
                assert first is None or when < first_index[org]
        if first is None and (fallback or not application.preferences):
            assert all(b.booth_id in holder for b in booths if allowed[org](b.zone))


@settings(max_examples=400, deadline=None)
@given(allocation_problems())
def test_any_allocation_keeps_every_promise(problem):
    booths, applications, seed, fallback = problem
    result = allocate(booths, applications, seed, fallback_to_any=fallback)
    check_allocation(booths, applications, fallback, result)
    assert allocate(booths, applications, seed, fallback_to_any=fallback) == result
    assert allocate(booths[::-1], applications[::-1], seed, fallback_to_any=fallback) == result
    assert result.seed == seed


def test_a_festival_of_3000_employers_over_1200_booths_is_allocated():
    rng = random.Random(2027)
    zones = ["manufacturing", "services", "livestream", "priority"]
    booths = [BoothOption(i, f"{zones[i % 4][0].upper()}{i:04d}", zones[i % 4]) for i in range(1, 1201)]
    applications = []
    for org in range(1, 3001):
        choices = tuple(Preference(booth_id=rng.randint(1, 1200)) if rng.random() < 0.6
                        else Preference(zone=rng.choice(zones)) for _ in range(5))
        applications.append(Application(org, rng.choice([0, 0, 0, 1, 2]), choices,
                                         frozenset(rng.sample(zones, 2)) if rng.random() < 0.2 else None,
                                         rng.choice([1, 1, 1, 2, 3]), applied_order=org))
    result = allocate(booths, applications, seed=99)
    assert len(result.assignments) == 1200  # every booth is given: every booth is allowed for some fallback
    assert len({a.booth_id for a in result.assignments}) == 1200
    assert len({a.organization_id for a in result.assignments}) + len(result.unassigned) == 3000
