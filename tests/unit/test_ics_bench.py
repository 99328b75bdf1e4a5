"""The invitation benchmark compares like with like: its bare-icalendar baseline writes exactly
the bytes fairs.core.ics writes (otherwise the ratio would measure different work)."""

from __future__ import annotations

import pytest

from fairs.bench.ics_build import baseline, bench_ics_build, ours, synthetic_invites


def test_baseline_writes_the_same_bytes_as_the_real_builder() -> None:
    invites = synthetic_invites(30)  # every employer, with and without a booth, many slots
    written = ours(invites)
    assert baseline(invites) == written
    assert len(set(written)) == 30
    assert {facts.booth_code for facts in invites} == {"A03", "B12", "C07", None}


def test_benchmark_reports_rates_and_their_ratio() -> None:
    result = bench_ics_build(40)
    assert result["benchmark"] == "ics-build" and result["invites"] == 40
    assert result["invites_per_s"] > 0 and result["baseline_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["baseline_per_s"] / result["invites_per_s"], rel=0.05)
