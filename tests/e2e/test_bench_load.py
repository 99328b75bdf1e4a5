"""``fairs bench load`` itself, briefly (5 s per run), on the PostgreSQL run: it builds its
festival, starts deploy/local.sh, drives it with locust, kills the worker in the second run,
counts what the load generator was told against the database, and stops everything. The
figures are the benchmark's business (docs/benchmarks.md); this checks the tool tells the
truth about errors and lost registrations and leaves nothing running."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.e2e import database_beside_the_suites

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def test_bench_load_drives_the_topology_and_accounts_for_every_registration(tmp_path):
    redis_base = urlsplit(os.environ.get("FAIRS_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
    env.update({
        "FAIRS_DATABASE_URL": database_beside_the_suites("fairs_bench_load_test"),  # never the suite's
        "FAIRS_REDIS_URL": urlunsplit(redis_base._replace(path="/12")),  # the suite flushes db 0
    })
    done = subprocess.run([sys.executable, "-m", "fairs", "bench", "load", "--size", "5", "--json"], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    assert {"rps", "p50_ms", "p99_ms", "errors", "lost_registrations"} <= set(result)
    assert result["errors"] == 0, result.get("log_tails") or result
    assert result["lost_registrations"] == 0
    for part in ("steady", "worker_killed"):
        figures = result[part]
        assert figures["requests"] > 100
        assert set(figures["by_kind"]) >= {"interviews", "feed", "registration", "booth_hold"}
        assert figures["registrations_acknowledged"] > 0
        assert figures["registrations_in_database"] == figures["registrations_acknowledged"]
    assert result["worker_killed"]["worker_kill"]["killed"] is True
    assert result["worker_killed"]["worker_back"] is True

    port = urlsplit(result["topology"]["url"]).port
    with socket.socket() as probe:  # local.sh stop ran: nothing serves the port any more
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_bench_booths_measures_exact_rushes_through_the_real_server():
    """``fairs bench booths`` with 30 employers per rush: every rush gives exactly 10 holds
    and 20 refusals, no 5xx, no booth twice; the figures are the benchmark's business."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
    env["FAIRS_DATABASE_URL"] = database_beside_the_suites("fairs_bench_booths_test")  # never the suite's
    done = subprocess.run([sys.executable, "-m", "fairs", "bench", "booths", "--size", "30", "--json"], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "server_log_tail" not in result, result["server_log_tail"]
    for rush in (result["first_rush"], result["contention"]):
        assert (rush["clients"], rush["succeeded"], rush["conflicts"]) == (30, 10, 20)
        assert (rush["server_errors"], rush["double_booked"], rush["booths_held"]) == (0, 0, 10)
    assert result["contention"]["rushes"] == 5 and len(result["contention"]["p99_ms_each"]) == 5
    assert {"reservations_per_s", "raw_sql_per_s", "ratio", "p50_ms", "p99_ms"} <= set(result["throughput"])
    assert result["throughput"]["reservations"] == result["throughput"]["raw_reservations"] == 1000
    assert result["throughput"]["double_booked"] == 0
    assert result["allocation"]["assigned"] == 1200
