"""The promises of the foundation's greedy assignment still hold now that matching is a
min-cost flow; the greedy itself lives on in ``fairs.bench.matching.greedy_rounds`` as the
baseline benchmarks compare against, and keeps the same hard rules."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from fairs.bench.matching import greedy_rounds
from fairs.core.matching import Booked, Candidate, MatchingInput, Opening, assign_interviews, fit
from tests.support.matching_ilp import objective, violations


def problem(seed: int, attendees: int = 60, employers: int = 6, slots: int = 5, k: int = 3) -> MatchingInput:
    rng = random.Random(seed)
    skills = ["welding", "driving", "cooking", "sewing"]
    industries = ["manufacturing", "logistics", "services"]
    candidates = [Candidate(i, i, frozenset(rng.sample(skills, rng.randint(0, 2))),
                            frozenset(rng.sample(industries, 1)),
                            frozenset(["older_worker"] if rng.random() < 0.3 else []))
                  for i in range(1, attendees + 1)]
    openings = [Opening(100 + e * 10 + j, e, rng.choice(industries), frozenset(rng.sample(skills, 1)),
                        rng.random() < 0.7)
                for e in range(1, employers + 1) for j in range(2)]
    return MatchingInput(candidates, openings, {e: rng.randint(1, 3) for e in range(1, employers + 1)}, slots, k)


@pytest.mark.parametrize("seed", range(20))
def test_no_attendee_is_double_booked_and_no_booth_is_overfilled(seed):
    p = problem(seed)
    result = assign_interviews(p)
    by_attendee_slot = Counter((r.attendee_id, r.slot_index) for r in result)
    by_pair = Counter((r.attendee_id, r.organization_id) for r in result)
    per_attendee = Counter(r.attendee_id for r in result)
    load = Counter((r.organization_id, r.slot_index) for r in result)
    assert max(by_attendee_slot.values(), default=1) == 1
    assert max(by_pair.values(), default=1) == 1
    assert max(per_attendee.values(), default=0) <= p.per_attendee
    assert all(n <= p.interviewers[org] for (org, _), n in load.items())
    candidates = {c.attendee_id: c for c in p.candidates}
    openings = {o.position_id: o for o in p.openings}
    assert all(fit(candidates[r.attendee_id], openings[r.position_id]) is not None for r in result)
    assert assign_interviews(p) == result  # deterministic


def test_an_older_worker_never_meets_a_position_closed_to_older_workers():
    older = Candidate(1, 1, frozenset({"welding"}), frozenset({"manufacturing"}), frozenset({"older_worker"}))
    closed = Opening(10, 1, "manufacturing", frozenset({"welding"}), accepts_older_workers=False)
    assert fit(older, closed) is None
    assert assign_interviews(MatchingInput([older], [closed], {1: 5}, 4)) == []


def test_the_greedy_baseline_keeps_the_hard_rules_and_never_beats_the_flow():
    for seed in range(20):
        p = problem(seed)
        greedy = greedy_rounds(p)
        assert violations(p, greedy) == []
        assert objective(p, greedy) <= objective(p, assign_interviews(p))


def test_priority_attendees_are_served_first_when_places_are_scarce():
    everyone = [Candidate(i, i, frozenset({"welding"}), frozenset(),
                          frozenset({"veteran"}) if i > 2 else frozenset()) for i in range(1, 5)]
    one_place = MatchingInput(everyone, [Opening(10, 1, "x", frozenset({"welding"}))], {1: 1}, slot_count=2)
    assert sorted(r.attendee_id for r in assign_interviews(one_place)) == [3, 4]


def test_everyone_gets_a_first_interview_before_anyone_gets_a_second():
    people = [Candidate(i, i, frozenset({"welding"})) for i in (1, 2)]
    openings = [Opening(10 + e, e, "x", frozenset({"welding"})) for e in (1, 2)]
    result = assign_interviews(MatchingInput(people, openings, {1: 1, 2: 1}, slot_count=1, per_attendee=2))
    assert sorted(r.attendee_id for r in result) == [1, 2]


def test_booked_and_declined_interviews_are_respected():
    person = Candidate(1, 1, frozenset({"welding"}))
    openings = [Opening(10 + e, e, "x", frozenset({"welding"})) for e in (1, 2, 3)]
    p = MatchingInput([person], openings, {1: 1, 2: 1, 3: 1}, slot_count=3, per_attendee=3,
                      booked=[Booked(1, 1, 0)], declined=[(1, 2)])
    assert [(r.organization_id, r.slot_index) for r in assign_interviews(p)] == [(3, 1)]


def test_slots_taken_at_another_event_are_avoided_without_counting_against_the_limit():
    person = Candidate(1, 1, frozenset({"welding"}))
    openings = [Opening(10 + e, e, "x", frozenset({"welding"})) for e in (1, 2)]
    p = MatchingInput([person], openings, {1: 1, 2: 1}, slot_count=3, per_attendee=2, busy=[(1, 0), (1, 1)])
    assert [(r.organization_id, r.slot_index) for r in assign_interviews(p)] == [(1, 2)]
