"""The foundation's greedy interview matching on a synthetic festival."""

from __future__ import annotations

import random
import time
from typing import Any

from fairs.bench.common import machine
from fairs.core import matching

INDUSTRIES = ["manufacturing", "logistics", "services", "construction", "agriculture", "retail", "care"]
SKILLS = ["welding", "driving", "cooking", "cleaning", "sewing", "forklift", "electrician", "sales",
          "warehouse", "elder_care", "livestream", "planting"]


def synthetic_matching(attendees: int, employers: int, seed: int = 7) -> matching.MatchingInput:
    rng = random.Random(seed)
    candidates = [
        matching.Candidate(
            attendee_id=i, order=i, skills=frozenset(rng.sample(SKILLS, rng.randint(0, 3))),
            desired_industries=frozenset(rng.sample(INDUSTRIES, rng.randint(1, 2))),
            priority_groups=frozenset(["older_worker"] if rng.random() < 0.3 else []),
        )
        for i in range(1, attendees + 1)
    ]
    openings = []
    for org in range(1, employers + 1):
        industry = rng.choice(INDUSTRIES)
        for k in range(rng.randint(1, 4)):
            openings.append(matching.Opening(
                position_id=org * 10 + k, organization_id=org, industry=industry,
                skills=frozenset(rng.sample(SKILLS, rng.randint(0, 2))), accepts_older_workers=rng.random() < 0.6,
            ))
    return matching.MatchingInput(candidates, openings, {o: 3 for o in range(1, employers + 1)}, slot_count=16)


def bench_matching_greedy(size: int) -> dict[str, Any]:
    """The foundation's greedy matching on a synthetic festival: ``size`` attendees (default
    2,000) and size/20 employers with 3 interviewers over 16 slots."""
    attendees = size or 2000
    employers = max(1, attendees // 20)
    problem = synthetic_matching(attendees, employers)
    started = time.perf_counter()
    proposals = matching.assign_interviews(problem)
    seconds = time.perf_counter() - started
    served = {p.attendee_id for p in proposals}
    return {
        "benchmark": "matching-greedy", "attendees": attendees, "employers": employers,
        "openings": len(problem.openings), "interviews": len(proposals),
        "attendees_served_share": round(len(served) / attendees, 4), "seconds": round(seconds, 3),
        **machine(),
    }
