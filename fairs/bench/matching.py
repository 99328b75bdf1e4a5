"""Interview matching on synthetic festivals: the flow solver's figures, and the foundation's
greedy baseline for comparison.

A synthetic festival spreads employers over industrial zones of a city (about 80 km across
for 2,000 employers, growing with their number) and attendees over the districts around those
zones; each attendee only fits employers within their commute limit that share a skill or a
wished-for industry (about 30 at 100,000 attendees and 2,000 employers), and there are a few
more interviewer-slots than the 3 interviews every attendee may have. The same arguments give
the same festival on every machine (numpy's PCG64 with a fixed seed).
"""

from __future__ import annotations

import resource
import time
from typing import Any

import numpy as np
from ortools.graph.python import max_flow

from fairs.bench.common import machine
from fairs.core import matching

INDUSTRIES = ["manufacturing", "logistics", "services", "construction", "agriculture", "retail", "care",
              "catering", "cleaning", "security", "textiles", "electronics", "food_processing", "hospitality",
              "automotive", "chemicals", "printing", "furniture", "livestream", "property", "transport",
              "warehousing", "healthcare", "education"]
SKILLS_PER_INDUSTRY = 8
SKILLS = [f"{industry}_skill_{n}" for industry in INDUSTRIES for n in range(SKILLS_PER_INDUSTRY)]
CERTIFICATES = ["forklift_licence", "electrician", "health_certificate", "driving_c1", "welding_cert", "crane"]
GROUPS = sorted(matching.PRIORITY_GROUPS - {"older_worker"})
CENTRE = (30.6, 114.3)


def synthetic_matching(attendees: int, employers: int, slots: int = 16, seed: int = 7, *,
                       half_days: bool = False) -> matching.MatchingInput:
    """A festival of ``attendees`` job seekers and ``employers`` employers (1–4 positions,
    5–15 interviewers each) over ``slots`` slots; 40 % of attendees in priority groups, 15 %
    older workers, 30 % ranking up to 5 employers. ``half_days``: two blocks (morning and
    afternoon), a fifth of the employers and of the attendees present in only one."""
    rng = np.random.default_rng(seed)
    spread = min(2.0, max(0.3, (employers / 500) ** 0.5))  # the city grows with the festival
    zones = rng.normal(0, 1, (10, 2)) * [0.18 * spread, 0.2 * spread] + CENTRE
    districts = zones[rng.integers(0, len(zones), 25)] + rng.normal(0, 1, (25, 2)) * [0.06, 0.07]
    site = zones[rng.integers(0, len(zones), employers)] + rng.normal(0, 1, (employers, 2)) * [0.04, 0.045]
    industry_of = rng.integers(0, len(INDUSTRIES), employers)
    interviewers = {int(o) + 1: int(n) for o, n in enumerate(rng.integers(5, 16, employers))}
    openings = []
    for o in range(employers):
        pool = industry_of[o] * SKILLS_PER_INDUSTRY
        for n in range(int(rng.integers(1, 5))):
            asks = rng.random() >= 0.08
            openings.append(matching.Opening(
                position_id=(o + 1) * 10 + n, organization_id=o + 1, industry=INDUSTRIES[industry_of[o]],
                skills=frozenset(SKILLS[pool + int(s)] for s in rng.choice(SKILLS_PER_INDUSTRY, int(rng.integers(1, 3)),
                                                                             replace=False)) if asks else frozenset(),
                accepts_older_workers=bool(rng.random() < 0.65),
                min_age=18 if rng.random() < 0.1 else None,
                max_age=int(rng.choice([45, 50, 55])) if rng.random() < 0.3 else None,
                required_certificates=frozenset([str(rng.choice(CERTIFICATES))]) if rng.random() < 0.1 else frozenset(),
                work_location=(float(site[o, 0]), float(site[o, 1])),
                provides_food_and_lodging=bool(rng.random() < 0.4), part_time=bool(rng.random() < 0.15),
            ))
    by_industry = [np.flatnonzero(industry_of == i) + 1 for i in range(len(INDUSTRIES))]
    home = districts[rng.integers(0, len(districts), attendees)] + rng.normal(0, 1, (attendees, 2)) * [0.05, 0.055]
    candidates = []
    for a in range(attendees):
        trade = int(rng.integers(0, len(INDUSTRIES)))
        wishes = {trade} | ({int(rng.integers(0, len(INDUSTRIES)))} if rng.random() < 0.5 else set())
        skills = {SKILLS[trade * SKILLS_PER_INDUSTRY + int(s)] for s in rng.choice(SKILLS_PER_INDUSTRY, 3)}
        if rng.random() < 0.3:
            skills.add(SKILLS[int(rng.integers(0, len(SKILLS)))])
        older = rng.random() < 0.15
        groups = {"older_worker"} if older else set()
        if rng.random() < 0.3:
            groups.add(str(rng.choice(GROUPS)))
        known = [e for i in sorted(wishes) for e in by_industry[i]]
        ranked = tuple(int(e) for e in rng.choice(known, min(len(known), int(rng.integers(1, 6))), replace=False)
                       ) if known and rng.random() < 0.3 else ()
        candidates.append(matching.Candidate(
            attendee_id=a + 1, order=a + 1, skills=frozenset(skills),
            desired_industries=frozenset(INDUSTRIES[i] for i in wishes), priority_groups=frozenset(groups),
            ranked_organizations=ranked, age=int(rng.integers(50, 65)) if older else int(rng.integers(18, 50)),
            certificates=frozenset(str(c) for c in rng.choice(CERTIFICATES, int(rng.integers(0, 3)), replace=False)),
            home=(float(home[a, 0]), float(home[a, 1])),
            max_commute_km=None if rng.random() < 0.01 else float(rng.uniform(4, 14)),
            needs_food_and_lodging=bool(rng.random() < 0.25), wants_part_time=bool(rng.random() < 0.15),
            available_blocks=frozenset([int(rng.integers(0, 2))]) if half_days and rng.random() < 0.2 else None,
        ))
    blocks = [(0, slots // 2), (slots // 2, slots)] if half_days else []
    organization_blocks = {o: frozenset([int(rng.integers(0, 2))]) for o in interviewers
                           if half_days and rng.random() < 0.2}
    return matching.MatchingInput(candidates, openings, interviewers, slot_count=slots, per_attendee=3,
                                  blocks=blocks, organization_blocks=organization_blocks)


def greedy_rounds(problem: matching.MatchingInput) -> list[matching.ProposedInterview]:
    """The foundation's algorithm on today's pairs and rules, as a baseline: in rounds (everyone's
    first interview before anyone's second), priority-group attendees first, then registration
    order, each takes the best-scoring organization not yet met (ties: lower organization id)
    in the earliest slot where both are free. Ignores pins (it never was told about them)."""
    net = matching.matching_network(problem)
    n_att = len(problem.candidates)
    options: list[list[tuple[int, int, int]]] = [[] for _ in range(n_att)]
    usable = np.flatnonzero(net.pair_blocks != 0)
    for p in usable[np.lexsort((net.organization_ids[net.pair_organization[usable]], -net.pair_score[usable]))]:
        options[int(net.pair_attendee[p])].append((int(net.pair_organization[p]), int(net.pair_position[p]),
                                                   int(net.pair_score[p])))
    blocks = list(problem.blocks) or [(0, problem.slot_count)]
    load = np.zeros((len(net.organization_ids), problem.slot_count), np.int64)
    room = np.zeros_like(load)
    for j, org in enumerate(net.organization_ids.tolist()):
        attends = problem.organization_blocks.get(org)
        for b, (first, stop) in enumerate(blocks):
            if attends is None or b in attends:
                room[j, first:stop] = problem.interviewers[org]
    org_of = {int(org): j for j, org in enumerate(net.organization_ids.tolist())}
    for booked in problem.booked:
        if booked.organization_id in org_of and 0 <= booked.slot_index < problem.slot_count:
            load[org_of[booked.organization_id], booked.slot_index] += 1
    free = _free_slots(problem)
    left = net.k.copy()
    met: list[set[int]] = [set() for _ in range(n_att)]
    order = sorted(range(n_att), key=lambda i: (not problem.candidates[i].is_priority, problem.candidates[i].order,
                                                problem.candidates[i].attendee_id))
    made = []
    for _round in range(problem.per_attendee):
        for i in order:
            if left[i] <= 0:
                continue
            for j, position, score in options[i]:
                if j in met[i]:
                    continue
                slot = next((s for s in range(problem.slot_count)
                             if free[i] >> s & 1 and load[j, s] < room[j, s]), None)
                if slot is None:
                    continue
                free[i] &= ~(1 << slot)
                load[j, slot] += 1
                left[i] -= 1
                met[i].add(j)
                made.append(matching.ProposedInterview(problem.candidates[i].attendee_id,
                                                       int(net.organization_ids[j]), position, slot, score))
                break
    return made


def _free_slots(problem: matching.MatchingInput) -> list[int]:
    blocks = list(problem.blocks) or [(0, problem.slot_count)]
    index = {c.attendee_id: i for i, c in enumerate(problem.candidates)}
    free = []
    for c in problem.candidates:
        mask = (1 << problem.slot_count) - 1
        if c.available_slots is not None:
            mask &= sum(1 << s for s in set(c.available_slots) if 0 <= s < problem.slot_count)
        if c.available_blocks is not None:
            mask &= sum(((1 << stop) - 1) ^ ((1 << first) - 1)
                        for b, (first, stop) in enumerate(blocks) if b in c.available_blocks)
        free.append(mask)
    for attendee, slot in [*problem.busy, *((b.attendee_id, b.slot_index) for b in problem.booked)]:
        if attendee in index and 0 <= slot < problem.slot_count:
            free[index[attendee]] &= ~(1 << slot)
    return free


def coverage_bounds(network: matching.MatchingNetwork) -> tuple[int, int]:
    """(most attendees, most priority attendees) any schedule can give an interview, booked ones
    included: a max flow sending one unit per attendee through their pairs into the
    organizations' free interviewer-slots per block. Independent of the min-cost flow (no costs,
    no hubs: one unit per attendee needs neither), and exact whenever the flow step is."""
    def most(who: np.ndarray) -> int:
        usable = (network.pair_blocks != 0) & who[network.pair_attendee] & ~network.covered[network.pair_attendee] & (
            network.k[network.pair_attendee] > 0)
        rows = np.flatnonzero(usable)
        n_blocks = network.block_capacity.shape[1]
        bits = np.left_shift(np.int64(1), np.arange(n_blocks, dtype=np.int64))
        pair_rows, block_of = np.nonzero((network.pair_blocks[rows, None] & bits) != 0)
        rows = rows[pair_rows]
        n_att = len(network.k)
        source, sink = n_att + network.block_capacity.size, n_att + network.block_capacity.size + 1
        people = np.flatnonzero(np.bincount(network.pair_attendee[rows], minlength=len(network.k)))
        tails = np.concatenate([np.full(len(people), source), network.pair_attendee[rows],
                                n_att + np.arange(network.block_capacity.size)])
        heads = np.concatenate([people, n_att + network.pair_organization[rows] * n_blocks + block_of,
                                np.full(network.block_capacity.size, sink)])
        caps = np.concatenate([np.ones(len(people) + len(rows), np.int64), network.block_capacity.ravel()])
        solver = max_flow.SimpleMaxFlow()
        solver.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64))
        if len(tails) and solver.solve(source, sink) != solver.OPTIMAL:
            raise RuntimeError("max flow failed")
        return int((network.covered & who).sum()) + (int(solver.optimal_flow()) if len(tails) else 0)

    everyone = np.ones(len(network.k), np.bool_)
    return most(everyone), most(network.priority)


def solver_figures(problem: matching.MatchingInput) -> dict[str, Any]:
    """Solve once and report the solver's own time (pairs, flow, slots), the result's quality
    against independent bounds, and peak memory. Bounds are computed after the timing."""
    started = time.perf_counter()
    result = matching.solve_matching(problem, clock=time.perf_counter)
    total = time.perf_counter() - started
    phases = result.phase_seconds
    metrics = matching.matching_metrics(problem, result)
    network = matching.matching_network(problem)
    max_coverage, max_priority = coverage_bounds(network)
    unconstrained = matching.flow_optimum(network, coverage_rule=False).total_fit
    return {
        "attendees": metrics.attendees, "employers": len(problem.interviewers), "openings": len(problem.openings),
        "slots": problem.slot_count, "blocks": max(1, len(problem.blocks)),
        "candidate_pairs": len(network.pair_attendee),
        "pairs_per_attendee": round(len(network.pair_attendee) / max(1, metrics.attendees), 1),
        "interviews": metrics.interviews, "covered": metrics.covered, "max_coverage": max_coverage,
        "priority_attendees": metrics.priority_attendees, "priority_covered": metrics.priority_covered,
        "max_priority_coverage": max_priority, "total_fit": metrics.total_fit,
        "fit_unconstrained": unconstrained,
        "fit_vs_unconstrained": round(metrics.total_fit / unconstrained, 4) if unconstrained else 1.0,
        "fit_upper_bound": metrics.fit_upper_bound, "slots_lost": metrics.slots_lost,
        "proven_optimal": result.proven_optimal,
        "seconds_pairs": round(phases.get("pairs", 0.0), 3), "seconds_flow": round(phases.get("flow", 0.0), 3),
        "seconds_min_cost_flow": round(phases.get("min_cost_flow", 0.0), 3),
        "seconds_slots": round(phases.get("slots", 0.0), 3),
        "seconds_solve": round(phases.get("flow", 0.0) + phases.get("slots", 0.0), 3),
        "seconds_total": round(total, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def bench_matching_flow(size: int) -> dict[str, Any]:
    """The min-cost-flow matching on a synthetic festival: ``size`` attendees (default
    100,000) and size/50 employers over 16 slots. Generation is not timed."""
    from fairs.runtime import limit_malloc_arenas

    limit_malloc_arenas()  # as the worker does (workers/settings.py)
    attendees = size or 100_000
    problem = synthetic_matching(attendees, max(1, attendees // 50))
    return {"benchmark": "matching-flow", **solver_figures(problem), **machine()}


def bench_matching_greedy(size: int) -> dict[str, Any]:
    """The foundation's greedy baseline (:func:`greedy_rounds`) on a synthetic festival:
    ``size`` attendees (default 2,000) and size/50 employers over 16 slots."""
    attendees = size or 2000
    employers = max(1, attendees // 50)
    problem = synthetic_matching(attendees, employers)
    started = time.perf_counter()
    proposals = greedy_rounds(problem)
    seconds = time.perf_counter() - started
    served = {p.attendee_id for p in proposals}
    return {
        "benchmark": "matching-greedy", "attendees": attendees, "employers": employers,
        "openings": len(problem.openings), "interviews": len(proposals),
        "attendees_served_share": round(len(served) / attendees, 4),
        "total_fit": sum(p.score for p in proposals), "seconds": round(seconds, 3),
        **machine(),
    }
