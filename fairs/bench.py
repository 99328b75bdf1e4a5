"""Benchmarks: ``fairs bench NAME [--size N] --json``. Each returns one flat JSON object.

Benchmarks measure; tests check correctness. Figures go to docs/benchmarks.md with the machine.
"""

from __future__ import annotations

import os
import platform
import random
import time
from collections.abc import Callable
from typing import Any

from fairs.core import matching

INDUSTRIES = ["manufacturing", "logistics", "services", "construction", "agriculture", "retail", "care"]
SKILLS = ["welding", "driving", "cooking", "cleaning", "sewing", "forklift", "electrician", "sales",
          "warehouse", "elder_care", "livestream", "planting"]


def machine() -> dict[str, Any]:
    return {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()}


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


def bench_up_ready(size: int) -> dict[str, Any]:
    """Seconds from starting ``fairs up`` on a fresh, empty ``var/`` (embedded SQLite and
    Redis, migrations included) until ``/readyz`` answers 200, then until Ctrl-C has stopped
    everything. ``size`` is ignored."""
    import signal
    import socket
    import subprocess
    import sys
    import tempfile
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="fairs-bench-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
        env.update({"FAIRS_VAR_DIR": f"{folder}/var", "FAIRS_PORT": str(port)})
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "fairs", "up"], env=env, cwd=folder,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ready = None
        try:
            while time.perf_counter() - started < 120 and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                        if answer.status == 200:
                            ready = time.perf_counter() - started
                            break
                except (OSError, urllib.error.URLError):
                    time.sleep(0.1)
        finally:
            stopping = time.perf_counter()
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)
            stopped = time.perf_counter() - stopping
    return {"benchmark": "up-ready", "ready_seconds": None if ready is None else round(ready, 2),
            "stop_seconds": round(stopped, 2), "exit_code": code, **machine()}


BENCHMARKS: dict[str, Callable[[int], dict[str, Any]]] = {
    "matching-greedy": bench_matching_greedy,
    "up-ready": bench_up_ready,
}
