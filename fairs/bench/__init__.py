"""Benchmarks: ``fairs bench NAME [--size N] --json``. Each returns one flat JSON object.

Benchmarks measure; tests check correctness. Figures go to docs/benchmarks.md with the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fairs.bench.booths import bench_booths
from fairs.bench.ics_feed import bench_ics
from fairs.bench.itinerary import bench_itinerary
from fairs.bench.load import bench_load
from fairs.bench.matching import bench_matching_flow, bench_matching_greedy
from fairs.bench.page_weight import bench_page_weight
from fairs.bench.processes import bench_up_ready
from fairs.bench.reports import bench_reports
from fairs.bench.scopes import bench_area_registrations

BENCHMARKS: dict[str, Callable[[int], dict[str, Any]]] = {
    "matching-greedy": bench_matching_greedy,
    "matching-flow": bench_matching_flow,
    "matching": lambda size: {},  # handled by the CLI: it takes --attendees/--employers/--slots
    "up-ready": bench_up_ready,
    "area-registrations": bench_area_registrations,
    "booths": bench_booths,
    "ics": bench_ics,
    "itinerary": bench_itinerary,
    "reports": bench_reports,
    "page-weight": bench_page_weight,
    "load": bench_load,  # --size: seconds per run (default 60)
}
