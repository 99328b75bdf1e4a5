"""An exact reference for interview matching: the whole problem as one integer program.

Variables x[a, o, s] (attendee a meets organization o in slot s) and y[a] (a has an interview),
solved with HiGHS for the lexicographic objective of ``fairs.core.matching`` — pins, then
priority attendees covered, then attendees covered, then total fit — by weights that make each
level dominate everything below it (exact for the small instances used here). Nothing of the
flow, the colouring or the vectorised pair building is reused: eligibility comes from the
documented scalar ``fit`` and the rules are re-implemented from their statement, so the two
can disagree.

Also here: a checker of every hard rule, a generator of small random instances (with or
without the slot restrictions the flow cannot see), the greedy baseline's objective, and
:func:`heuristic_gap`, which measures how far the per-slot heuristic lands from the optimum.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from fairs.core.matching import (
    Booked,
    Candidate,
    MatchingInput,
    Opening,
    ProposedInterview,
    fit,
    solve_matching,
)


@dataclass(frozen=True, order=True)
class Objective:
    pins: int
    priority_covered: int
    covered: int
    total_fit: int


@dataclass(frozen=True)
class Optimum:
    objective: Objective
    interviews: tuple[tuple[int, int, int], ...]
    """(attendee, organization, slot) of the optimal schedule found."""


def eligible_pairs(problem: MatchingInput) -> dict[tuple[int, int], tuple[int, int]]:
    """(attendee, organization) → (best position, its score), for pairs that may meet."""
    banned = {(b.attendee_id, b.organization_id) for b in problem.booked}
    banned |= set(problem.declined) | set(problem.forbidden)
    best: dict[tuple[int, int], tuple[int, int]] = {}
    for candidate in problem.candidates:
        for opening in problem.openings:
            pair = (candidate.attendee_id, opening.organization_id)
            if problem.interviewers.get(opening.organization_id, 0) <= 0 or pair in banned:
                continue
            score = fit(candidate, opening)
            if score is None:
                continue
            known = best.get(pair)
            if known is None or (score.total, -opening.position_id) > (known[1], -known[0]):
                best[pair] = (opening.position_id, score.total)
    return best


def block_of_slots(problem: MatchingInput) -> list[int]:
    blocks = list(problem.blocks) or [(0, problem.slot_count)]
    return [b for b, (first, stop) in enumerate(blocks) for _ in range(first, stop)]


def free_slots(problem: MatchingInput) -> dict[int, set[int]]:
    blocks = block_of_slots(problem)
    out = {}
    for c in problem.candidates:
        slots = set(range(problem.slot_count))
        if c.available_slots is not None:
            slots &= set(c.available_slots)
        if c.available_blocks is not None:
            slots = {s for s in slots if blocks[s] in c.available_blocks}
        out[c.attendee_id] = slots
    for attendee, slot in problem.busy:
        out.get(attendee, set()).discard(slot)
    for b in problem.booked:
        out.get(b.attendee_id, set()).discard(b.slot_index)
    return out


def capacity(problem: MatchingInput) -> dict[tuple[int, int], int]:
    blocks = block_of_slots(problem)
    load = Counter((b.organization_id, b.slot_index) for b in problem.booked)
    out = {}
    for org, n in problem.interviewers.items():
        attends = problem.organization_blocks.get(org)
        for s in range(problem.slot_count):
            if attends is None or blocks[s] in attends:
                out[(org, s)] = max(0, n - load[(org, s)])
    return out


def allowed(problem: MatchingInput) -> dict[int, int]:
    booked = Counter(b.attendee_id for b in problem.booked)
    return {c.attendee_id: max(0, problem.per_attendee - booked[c.attendee_id]) for c in problem.candidates}


def objective(problem: MatchingInput, interviews: Iterable[ProposedInterview]) -> Objective:
    interviews = list(interviews)
    ids = {c.attendee_id for c in problem.candidates}
    priority = {c.attendee_id for c in problem.candidates if c.is_priority}
    served = ({b.attendee_id for b in problem.booked} | {i.attendee_id for i in interviews}) & ids
    met = {(i.attendee_id, i.organization_id) for i in interviews} | {
        (b.attendee_id, b.organization_id) for b in problem.booked}
    return Objective(len(set(problem.pinned) & met), len(served & priority), len(served),
                     sum(i.score for i in interviews))


def best_position(problem: MatchingInput, candidate: Candidate, org: int,
                  openings_of: dict[int, list[Opening]] | None = None) -> tuple[int, int] | None:
    """(position, score) of the organization's best position for the candidate, or None."""
    best = None
    for opening in (openings_of or {}).get(org, None) or [o for o in problem.openings if o.organization_id == org]:
        score = fit(candidate, opening)
        if score is not None and (best is None or (score.total, -opening.position_id) > (best[1], -best[0])):
            best = (opening.position_id, score.total)
    return best


def violations(problem: MatchingInput, interviews: Sequence[ProposedInterview]) -> list[str]:
    """Every hard rule the interviews break (empty: none). Cost: linear in the interviews."""
    found = []
    banned = {(b.attendee_id, b.organization_id) for b in problem.booked}
    banned |= set(problem.declined) | set(problem.forbidden)
    candidates = {c.attendee_id: c for c in problem.candidates}
    openings_of: dict[int, list[Opening]] = {}
    for opening in problem.openings:
        openings_of.setdefault(opening.organization_id, []).append(opening)
    free = free_slots(problem)
    room = capacity(problem)
    limit = allowed(problem)
    pins = set(problem.pinned)
    for i in interviews:
        pair = (i.attendee_id, i.organization_id)
        best = best_position(problem, candidates[i.attendee_id], i.organization_id, openings_of) if (
            i.attendee_id in candidates and problem.interviewers.get(i.organization_id, 0) > 0) else None
        if pair in banned or best is None:
            found.append(f"{pair} may not meet")
        elif best != (i.position_id, i.score):
            found.append(f"{pair} is not proposed for its best position {best}: {i}")
        if i.slot_index not in free.get(i.attendee_id, set()):
            found.append(f"{i} is in a slot the attendee is not free")
        if i.pinned != (pair in pins):
            found.append(f"{i} has the wrong pin mark")
    for (attendee, slot), n in Counter((i.attendee_id, i.slot_index) for i in interviews).items():
        if n > 1:
            found.append(f"attendee {attendee} has {n} interviews in slot {slot}")
    for pair, n in Counter((i.attendee_id, i.organization_id) for i in interviews).items():
        if n > 1:
            found.append(f"{pair} meets {n} times")
    for attendee, n in Counter(i.attendee_id for i in interviews).items():
        if n > limit.get(attendee, 0):
            found.append(f"attendee {attendee} gets {n} > {limit.get(attendee, 0)} new interviews")
    for (org, slot), n in Counter((i.organization_id, i.slot_index) for i in interviews).items():
        if n > room.get((org, slot), 0):
            found.append(f"organization {org} has {n} > {room.get((org, slot), 0)} interviews in slot {slot}")
    return found


def ilp_optimum(problem: MatchingInput) -> Optimum:
    pairs = eligible_pairs(problem)
    free = free_slots(problem)
    room = capacity(problem)
    limit = allowed(problem)
    pinned = set(problem.pinned)
    priority = {c.attendee_id for c in problem.candidates if c.is_priority}
    already = {b.attendee_id for b in problem.booked} & {c.attendee_id for c in problem.candidates}
    columns = [(a, o, s) for (a, o) in sorted(pairs) for s in sorted(free[a]) if room.get((o, s), 0) > 0]
    uncovered = sorted({c.attendee_id for c in problem.candidates} - already)
    n_att = len(problem.candidates)
    fit_bound = sum(sum(sorted((v[1] for (a, _o), v in pairs.items() if a == c.attendee_id), reverse=True)
                        [:limit[c.attendee_id]]) for c in problem.candidates)
    w_cover = fit_bound + 1
    w_priority = (n_att + 1) * w_cover
    w_pin = 2 * (n_att + 1) * w_priority
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    n = len(columns) + len(uncovered)
    if n == 0:
        return Optimum(objective(problem, []), ())
    h.addVars(n, np.zeros(n), np.ones(n))
    costs = [pairs[(a, o)][1] + (w_pin if (a, o) in pinned else 0) for a, o, _s in columns]
    costs += [w_cover + (w_priority if a in priority else 0) for a in uncovered]
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(costs, np.float64))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.ones(n, np.uint8))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def row(upper: float, lower: float, cols: list[int], values: list[float]) -> None:
        if cols:
            h.addRow(lower, upper, len(cols), np.array(cols, np.int32), np.array(values, np.float64))

    groups: dict[tuple[str, object], list[int]] = {}
    for col, (a, o, s) in enumerate(columns):
        for key in (("att", a), ("att-slot", (a, s)), ("pair", (a, o)), ("org-slot", (o, s))):
            groups.setdefault(key, []).append(col)
    for (kind, key), cols in groups.items():
        bound = limit[key] if kind == "att" else room[key] if kind == "org-slot" else 1
        row(bound, -highspy.kHighsInf, cols, [1.0] * len(cols))
    for y, a in enumerate(uncovered, start=len(columns)):
        cols = groups.get(("att", a), [])
        row(0.0, -highspy.kHighsInf, [y, *cols], [1.0] + [-1.0] * len(cols))
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal, h.getModelStatus()
    values = h.getSolution().col_value
    chosen = tuple(c for c, v in zip(columns, values, strict=False) if v > 0.5)
    made = [ProposedInterview(a, o, pairs[(a, o)][0], s, pairs[(a, o)][1], (a, o) in pinned) for a, o, s in chosen]
    assert not violations(problem, made)
    return Optimum(objective(problem, made), chosen)


# --------------------------------------------------------------------------------------------
# small random instances

SKILLS = ["welding", "driving", "cooking", "sewing", "forklift"]
INDUSTRIES = ["manufacturing", "logistics", "services"]
CERTIFICATES = ["forklift_licence", "health"]
GROUPS = ["older_worker", "low_skill", "veteran", "rural_labour"]


def random_problem(seed: int, *, restricted: bool = False) -> MatchingInput:
    """A small festival. Without ``restricted`` it keeps to what the flow solves exactly
    (block availability only, blocks of at least ``per_attendee`` slots, no booked interviews,
    no busy slots); with it, also booked interviews, busy slots, single-slot availability and
    short blocks."""
    rng = random.Random(seed)
    k = rng.randint(1, 3)
    orgs = list(range(1, rng.randint(2, 5) + 1))
    if restricted or rng.random() < 0.5:
        slots = rng.randint(2, 5)
        blocks: list[tuple[int, int]] = []
        if restricted and slots >= 2 and rng.random() < 0.5:
            cut = rng.randint(1, slots - 1)
            blocks = [(0, cut), (cut, slots)]
    else:
        sizes = [rng.randint(k, k + 2), rng.randint(k, k + 2)]
        slots = sum(sizes)
        blocks = [(0, sizes[0]), (sizes[0], slots)]
    n_blocks = max(1, len(blocks))

    def place() -> tuple[float, float]:
        return (30.0 + rng.uniform(0, 0.3), 120.0 + rng.uniform(0, 0.3))

    candidates = []
    for a in range(1, rng.randint(3, 12) + 1):
        candidates.append(Candidate(
            attendee_id=a * 7, order=rng.randint(1, 50),
            skills=frozenset(rng.sample(SKILLS, rng.randint(0, 2))),
            desired_industries=frozenset(rng.sample(INDUSTRIES, rng.randint(0, 2))),
            priority_groups=frozenset(rng.sample(GROUPS, 1)) if rng.random() < 0.4 else frozenset(),
            ranked_organizations=tuple(rng.sample(orgs, rng.randint(0, len(orgs)))),
            age=rng.choice([None, rng.randint(18, 64)]),
            certificates=frozenset(rng.sample(CERTIFICATES, rng.randint(0, 2))),
            home=place() if rng.random() < 0.7 else None,
            max_commute_km=rng.choice([None, rng.uniform(5, 40)]),
            needs_food_and_lodging=rng.random() < 0.3, wants_part_time=rng.random() < 0.3,
            available_blocks=(frozenset(rng.sample(range(n_blocks), rng.randint(0, n_blocks)))
                              if blocks and rng.random() < 0.5 else None),
            available_slots=(frozenset(rng.sample(range(slots), rng.randint(1, slots)))
                             if restricted and rng.random() < 0.3 else None),
        ))
    openings = []
    for o in orgs:
        for p in range(rng.randint(1, 2)):
            openings.append(Opening(
                position_id=o * 100 + p, organization_id=o, industry=rng.choice(INDUSTRIES),
                skills=frozenset(rng.sample(SKILLS, rng.randint(0, 2))),
                accepts_older_workers=rng.random() < 0.7,
                min_age=rng.choice([None, None, 20]), max_age=rng.choice([None, None, 50]),
                required_certificates=frozenset(rng.sample(CERTIFICATES, 1)) if rng.random() < 0.2 else frozenset(),
                work_location=place() if rng.random() < 0.7 else None,
                provides_food_and_lodging=rng.random() < 0.4, part_time=rng.random() < 0.3,
            ))
    interviewers = {o: rng.randint(1, 2) for o in orgs}
    organization_blocks = ({o: frozenset(rng.sample(range(n_blocks), rng.randint(1, n_blocks)))
                            for o in orgs if rng.random() < 0.4} if blocks else {})
    ids = [c.attendee_id for c in candidates]
    declined = [(rng.choice(ids), rng.choice(orgs)) for _ in range(rng.randint(0, 2))]
    forbidden = [(rng.choice(ids), rng.choice(orgs)) for _ in range(rng.randint(0, 2))]
    booked: list[Booked] = []
    busy: list[tuple[int, int]] = []
    if restricted:
        load: Counter[tuple[int, int]] = Counter()
        taken: set[tuple[int, int]] = set()
        for _ in range(rng.randint(0, 4)):
            a, o, s = rng.choice(ids), rng.choice(orgs), rng.randrange(slots)
            mine = [b for b in booked if b.attendee_id == a]
            if (len(mine) < k and (a, s) not in taken and load[(o, s)] < interviewers[o]
                    and all(b.organization_id != o for b in mine)):
                booked.append(Booked(a, o, s))
                load[(o, s)] += 1
                taken.add((a, s))
        busy = [(rng.choice(ids), rng.randrange(slots)) for _ in range(rng.randint(0, 5))]
    problem = MatchingInput(candidates, openings, interviewers, slots, k, booked=booked, declined=declined,
                            busy=busy, blocks=blocks, organization_blocks=organization_blocks, forbidden=forbidden)
    # pins: part of one feasible schedule (so they can all be honoured together), plus, now
    # and then, one that cannot be honoured at all
    feasible = solve_matching(problem).interviews
    pins = [(i.attendee_id, i.organization_id) for i in feasible if rng.random() < 0.3]
    if forbidden and rng.random() < 0.3:
        pins.append(forbidden[0])
    problem.pinned = pins
    return problem


@dataclass(frozen=True)
class GapReport:
    instances: int
    optimal: int
    """Instances where the heuristic reaches the ILP optimum exactly."""
    behind: Counter[str]
    """Instances behind the optimum, by the first level that is behind."""
    covered_lost: int
    priority_covered_lost: int
    fit_lost: int
    fit_optimum: int
    slots_lost: int


def heuristic_gap(seeds: Iterable[int]) -> GapReport:
    """Run the matching and the ILP on restricted random instances (booked interviews, busy
    slots, single-slot availability, short blocks) and measure how far the result lands."""
    behind: Counter[str] = Counter()
    n = optimal = covered = priority = fit_lost = fit_total = lost = 0
    for seed in seeds:
        problem = random_problem(seed, restricted=True)
        result = solve_matching(problem)
        got = objective(problem, result.interviews)
        best = ilp_optimum(problem).objective
        n += 1
        lost += result.slots_lost
        fit_total += best.total_fit
        if got == best:
            optimal += 1
            continue
        level = next(name for name in ("pins", "priority_covered", "covered", "total_fit")
                     if getattr(got, name) != getattr(best, name))
        behind[level] += 1
        priority += best.priority_covered - got.priority_covered
        covered += best.covered - got.covered
        if (got.pins, got.priority_covered, got.covered) == (best.pins, best.priority_covered, best.covered):
            fit_lost += best.total_fit - got.total_fit
    return GapReport(n, optimal, behind, covered, priority, fit_lost, fit_total, lost)
