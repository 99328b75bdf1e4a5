"""``fairs bench load``: festival-morning traffic against the production topology.

1. *Set-up* (PostgreSQL ``FAIRS_DATABASE_URL``, default
   ``postgresql://postgres@127.0.0.1:5432/fairs_bench_load``, rebuilt from scratch): a
   festival of 4,000 attendees and 150 employers written with ``COPY`` and matched by the real
   matching job (so attendees have interview slots and calendar items), an account and a
   calendar feed for every attendee, six more published fairs to register for, and a fair of
   300 booths every employer may hold. Messages the set-up queued are marked sent: the run
   measures the traffic, not the set-up's mail.
2. *The topology*: ``deploy/local.sh start`` with 2 API processes and 1 worker, on the
   machine's PostgreSQL and Redis (``FAIRS_REDIS_URL``, default ``redis://127.0.0.1:6379/2``).
   Every attendee's phone holds its feed's current version (subscribed before the morning).
3. *Steady run*: locust (headless, :mod:`fairs.bench.load_traffic`), 64 users at 5 requests
   per second each (320 req/s offered) for ``--size`` seconds (default 60).
4. *Worker killed*: the same again with new registrations; a third into it the arq worker is
   killed with SIGKILL (local.sh's loop starts a new one 2 s later). Every registration the
   load generator was answered 201 for must be in the database.
5. ``deploy/local.sh stop``.

``errors`` counts every answer but 2xx, 304 and the deliberate 409/429, plus requests with no
answer. ``lost_registrations`` = acknowledged registrations missing from the database, both
runs together.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fairs.bench.common import machine, wipeable_postgres

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/fairs_bench_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/2"
SECRET_KEY = "fairs-bench-load-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
T0 = datetime(2027, 3, 1, tzinfo=UTC)

ATTENDEES, EMPLOYERS, SLOTS = 4000, 150, 16
REGISTRATION_EVENTS = 6
LOAD_BOOTHS = 300
USERS, PER_USER_RPS = 64, 5.0
SECONDS = 60
API_PROCESSES, WORKERS = 2, 1
TARGET = {"rps_at_least": 300, "p99_ms_below": 200, "errors": 0, "lost_registrations": 0}

ROOT = Path(__file__).resolve().parent.parent.parent


def bench_load(size: int) -> dict[str, Any]:
    url = wipeable_postgres("load", os.environ.get("FAIRS_DATABASE_URL") or DEFAULT_URL)
    redis_url = os.environ.get("FAIRS_REDIS_URL") or DEFAULT_REDIS
    return asyncio.run(_run(url, redis_url, size or SECONDS))


async def _run(url: str, redis_url: str, seconds: int) -> dict[str, Any]:
    import redis

    started = time.perf_counter()
    plan = await _set_up(url)
    set_up_seconds = time.perf_counter() - started
    redis.Redis.from_url(redis_url).flushdb()  # queues and counters of an earlier run
    pairs = plan.pop("pairs")
    half = len(pairs) // 2
    with tempfile.TemporaryDirectory(prefix="fairs-bench-load-") as folder:
        topology = _Topology(url, redis_url, Path(folder))
        try:
            topology.start()
            steady = await _part(topology, {**plan, "registrations": pairs[:half]}, seconds, Path(folder) / "steady",
                                 url)
            killed = await _part(topology, {**plan, "registrations": pairs[half:]}, seconds,
                                 Path(folder) / "killed", url, kill_worker_after=seconds / 3)
        finally:
            topology.stop()
        logs = topology.log_tails() if steady["errors"] or killed["errors"] else None
    result: dict[str, Any] = {
        "benchmark": "load",
        "rps": steady["rps"], "p50_ms": steady["p50_ms"], "p99_ms": steady["p99_ms"],
        "errors": steady["errors"] + killed["errors"],
        "lost_registrations": steady["lost_registrations"] + killed["lost_registrations"],
        "steady": steady, "worker_killed": killed,
        "target": TARGET,
        "met": {"rps": steady["rps"] >= TARGET["rps_at_least"], "p99": steady["p99_ms"] < TARGET["p99_ms_below"],
                "errors": steady["errors"] + killed["errors"] == 0,
                "lost_registrations": steady["lost_registrations"] + killed["lost_registrations"] == 0},
        "topology": {"url": topology.base_url, "api_processes": API_PROCESSES, "workers": WORKERS, "users": USERS,
                     "offered_rps": USERS * PER_USER_RPS, "seconds": seconds},
        "set_up_s": round(set_up_seconds, 1),
        **machine(),
    }
    if logs:
        result["log_tails"] = logs
    return result


# --- one run of traffic ---------------------------------------------------------------------


async def _part(topology: _Topology, plan: dict[str, Any], seconds: int, folder: Path, url: str,
                kill_worker_after: float | None = None) -> dict[str, Any]:
    killed: dict[str, Any] = {}
    timer = None
    if kill_worker_after is not None:
        timer = threading.Timer(kill_worker_after, lambda: killed.update(topology.kill_worker()))
        timer.start()
    cpu, database_cpu = topology.cpu_seconds(), _postgres_cpu_seconds()
    generator_cpu = _children_cpu_seconds()
    try:
        measured = await asyncio.to_thread(_locust, topology.base_url, plan, seconds, folder)
    finally:
        if timer is not None:
            timer.cancel()
    server_cpu, database_cpu = topology.cpu_seconds() - cpu, _postgres_cpu_seconds() - database_cpu
    generator_cpu = _children_cpu_seconds() - generator_cpu
    figures = _figures(measured["samples"])
    acknowledged = measured["acknowledged"]
    stored = await _stored(url, acknowledged)
    figures.update({
        "registrations_acknowledged": len(acknowledged), "registrations_in_database": stored,
        "lost_registrations": len(acknowledged) - stored,
        "cpu_s": {"api_and_worker": round(server_cpu, 1), "postgres": round(database_cpu, 1),
                  "load_generator": round(generator_cpu, 1)},
    })
    if kill_worker_after is not None:
        figures["worker_kill"] = killed or {"killed": False}
        figures["worker_back"] = await _worker_back(topology, 30)
    return figures


async def _worker_back(topology: _Topology, seconds: float) -> bool:
    """Whether local.sh's loop has started a new worker (within ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not topology.worker_running():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.5)
    return True


def _locust(base_url: str, plan: dict[str, Any], seconds: int, folder: Path) -> dict[str, Any]:
    """Run the load generator for ``seconds``; its samples and acknowledged registrations."""
    folder.mkdir()
    plan_path, result_path = folder / "plan.json", folder / "result.json"
    plan_path.write_text(json.dumps({**plan, "per_user_rps": PER_USER_RPS}), encoding="utf-8")
    env = {**os.environ, "FAIRS_LOAD_PLAN": str(plan_path), "FAIRS_LOAD_RESULT": str(result_path)}
    locust = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("load_traffic.py")), "--headless",
         "--host", base_url, "--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{seconds}s",
         "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
        env=env, cwd=folder, capture_output=True, text=True, timeout=seconds + 120)
    if not result_path.exists():
        raise RuntimeError(f"locust wrote no result (exit {locust.returncode}):\n{locust.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    return result


def _figures(samples: list[list[Any]]) -> dict[str, Any]:
    if not samples:
        return {"requests": 0, "rps": 0.0, "p50_ms": None, "p99_ms": None, "errors": 0, "statuses": {}}
    times = sorted(s[2] for s in samples)
    finished = [s[3] for s in samples]
    wall = max(finished) - min(finished) or 1.0
    statuses = Counter(str(s[1]) for s in samples)
    errors = sum(n for status, n in statuses.items() if not _deliberate(int(status)))
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, _, ms, _ in samples:
        by_kind[kind].append(ms)
    return {
        "requests": len(samples), "seconds": round(wall, 1), "rps": round(len(samples) / wall, 1),
        "p50_ms": _percentile(times, 50), "p99_ms": _percentile(times, 99), "max_ms": round(times[-1], 1),
        "errors": errors, "statuses": dict(sorted(statuses.items())),
        "by_kind": {kind: {"requests": len(values), "p50_ms": _percentile(sorted(values), 50),
                           "p99_ms": _percentile(sorted(values), 99)} for kind, values in sorted(by_kind.items())},
    }


def _deliberate(status: int) -> bool:
    return 200 <= status < 300 or status in (304, 409, 429)


def _percentile(ordered: list[float], p: float) -> float:
    if len(ordered) == 1:
        return round(ordered[0], 1)
    return round(statistics.quantiles(ordered, n=100, method="inclusive")[int(p) - 1], 1)


async def _stored(url: str, ids: list[int]) -> int:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=10)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM registration WHERE id = ANY($1::int[])", ids))
    finally:
        await connection.close()


# --- the data -------------------------------------------------------------------------------


async def _set_up(url: str) -> dict[str, Any]:
    """The festival, matched; accounts, feeds, fairs to register for, booths to hold. Returns
    the load generator's plan: tokens, feed tokens, (attendee index, event) pairs, booth ids."""
    from fairs.bench.booths import _fresh_schema
    from fairs.bench.matching_job import _generate_and_write
    from fairs.db.engine import open_pool
    from fairs.db.tables import Organization
    from fairs.services import matching as matching_service

    await _fresh_schema(url)
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        child.submit(_generate_and_write, url, ATTENDEES, EMPLOYERS, SLOTS).result()
    engine = Organization._meta.db
    await open_pool(engine, 1, 4)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            await matching_service.run_match(1)
        plan = await _accounts_feeds_and_fairs(url)
        await _phones_hold_their_feeds(plan["attendees"])
    finally:
        await engine.close_connection_pool()
    return plan


async def _phones_hold_their_feeds(attendees: list[dict[str, Any]]) -> None:
    """Each phone subscribed before the festival morning, so it holds its feed's current
    version (the ETag it sends with ``If-None-Match``): computed here as the server does."""
    from fairs.services.feeds import feed_version, owner_of
    from fairs.settings import Settings

    mailbox = Settings.from_environment({}).organizer_mailbox  # the topology's (default) mailbox
    now = datetime.now(UTC)
    for attendee in attendees:
        attendee["etag"] = await feed_version(await owner_of(attendee["feed"]), mailbox, now)


async def _accounts_feeds_and_fairs(url: str) -> dict[str, Any]:
    import asyncpg

    rng = random.Random(2027)
    connection = await asyncpg.connect(url, timeout=10)
    try:
        attendees = [r["id"] for r in await connection.fetch(
            "SELECT DISTINCT attendee AS id FROM interview_slot ORDER BY 1")]
        organizations = [r["id"] for r in await connection.fetch("SELECT id FROM organization ORDER BY id")]
        base = int(await connection.fetchval("SELECT coalesce(max(id), 0) FROM account"))
        attendee_accounts = {a: base + i for i, a in enumerate(attendees, start=1)}
        employer_accounts = {o: base + len(attendees) + i for i, o in enumerate(organizations, start=1)}
        await connection.copy_records_to_table("account", records=[
            (account, f"attendee{a}", "-", "attendee", f"求职者{a}", "", None, a, [], True, T0)
            for a, account in attendee_accounts.items()] + [
            (account, f"employer{o}", "-", "employer", f"招聘专员{o}", "", o, None, [], True, T0)
            for o, account in employer_accounts.items()], columns=[
            "id", "login", "password_hash", "role", "display_name", "email", "organization", "attendee",
            "departments", "active", "created_at"])
        feeds = {a: f"load{a:07d}{rng.getrandbits(128):032x}" for a in attendees}
        await connection.copy_records_to_table("calendar_feed", records=[
            (attendee_accounts[a], hashlib.sha256(token.encode()).hexdigest(), T0) for a, token in feeds.items()],
            columns=["account", "token_hash", "created_at"])
        event = await connection.fetchrow("SELECT * FROM event WHERE id = 1")
        events = list(range(2, 2 + REGISTRATION_EVENTS))
        booth_event = events[-1] + 1
        venue = int(await connection.fetchval(
            "INSERT INTO venue (name, area, created_at) VALUES ('会展中心', 1, $1) RETURNING id", T0))
        columns = ["id", "campaign", "venue", "area", "kind", "title", "starts_at", "ends_at", "timezone", "status",
                   "online_url", "interview_slot_minutes", "interviews_per_attendee", "booth_mode",
                   "booths_per_organization", "interview_blocks", "created_at"]
        await connection.copy_records_to_table("event", records=[(
            e, 1, event["venue"] if e != booth_event else venue, 1, "onsite_fair", f"春风行动第{e}场",
            event["starts_at"] + timedelta(days=7 * e), event["ends_at"] + timedelta(days=7 * e), "Asia/Shanghai",
            "published", "", 20, 3, "direct", 1, "[]", T0) for e in [*events, booth_event]], columns=columns)
        first_booth = int(await connection.fetchval("SELECT max(id) FROM booth")) + 1
        booths = list(range(first_booth, first_booth + LOAD_BOOTHS))
        await connection.copy_records_to_table("booth", records=[
            (b, venue, f"H{i:03d}", "services", []) for i, b in enumerate(booths, start=1)],
            columns=["id", "venue", "code", "zone", "features"])
        first_participation = int(await connection.fetchval("SELECT max(id) FROM participation")) + 1
        await connection.copy_records_to_table("participation", records=[
            (first_participation + i, booth_event, o, "approved", 0, [], [], "", T0, T0)
            for i, o in enumerate(organizations)], columns=[
            "id", "event", "organization", "status", "priority", "documents", "flags", "reason", "created_at",
            "decided_at"])
        for table in ("account", "calendar_feed", "event", "venue", "booth", "participation"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await connection.execute("UPDATE outbox SET sent_at = $1 WHERE sent_at IS NULL", T0)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    pairs = [[i, e] for i in range(len(attendees)) for e in events]
    rng.shuffle(pairs)
    return {
        "attendees": [{"token": _token(attendee_accounts[a], "attendee"), "feed": feeds[a]} for a in attendees],
        "employers": [_token(employer_accounts[o], "employer") for o in organizations],
        "pairs": pairs, "booth_event": booth_event, "booths": booths, "seed": 7,
    }


def _token(account_id: int, role: str) -> str:
    from fairs.api.security import issue_token
    from fairs.services.context import Actor

    return issue_token(Actor(account_id, role), SECRET_KEY, datetime.now(UTC))[0]


# --- the processes --------------------------------------------------------------------------


class _Topology:
    """``deploy/local.sh`` with its own port, run folder and settings."""

    def __init__(self, url: str, redis_url: str, folder: Path) -> None:
        from fairs.bench.booths import _free_port

        self.folder = folder / "local"
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
        env.update({
            "FAIRS_DATABASE_URL": url, "FAIRS_REDIS_URL": redis_url, "FAIRS_SECRET_KEY": SECRET_KEY,
            "FAIRS_PORT": str(self.port), "FAIRS_HOST": "127.0.0.1", "PICCOLO_CONF": "fairs.db.piccolo_conf",
            "API_PROCESSES": str(API_PROCESSES), "WORKERS": str(WORKERS), "LOCAL_DIR": str(self.folder),
            "FAIRS": str(Path(sys.executable).with_name("fairs")), "STOP_GRACE": "10",
        })
        self.env = env

    def _local(self, command: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(ROOT / "deploy" / "local.sh"), command], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)

    def start(self) -> None:
        done = self._local("start", 120)
        if done.returncode != 0:
            raise RuntimeError(f"deploy/local.sh start failed ({done.returncode}):\n{done.stderr[-3000:]}")

    def stop(self) -> None:
        self._local("stop", 60)

    def _group(self, name: str) -> int:
        return int((self.folder / f"{name}.pid").read_text().strip())

    def _members(self, name: str) -> list[int]:
        found = subprocess.run(["pgrep", "-g", str(self._group(name))], capture_output=True, text=True)
        return [int(p) for p in found.stdout.split()]

    def _worker_pids(self) -> list[int]:
        return [pid for pid in self._members("worker-1") if "worker" in _command_line(pid).split("\0")[1:3]]

    def kill_worker(self) -> dict[str, Any]:
        pids = self._worker_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return {"killed": bool(pids), "at": round(time.time(), 1)}

    def worker_running(self) -> bool:
        return bool(self._worker_pids())

    def cpu_seconds(self) -> float:
        """CPU time of the API processes and the worker (user + system), from /proc."""
        return sum(_cpu_of(pid) for name in ("api", "worker-1") for pid in self._members(name))

    def log_tails(self, lines: int = 30) -> dict[str, list[str]]:
        return {log.name: log.read_text(errors="replace").splitlines()[-lines:] for log in self.folder.glob("*.log")}


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (0 when it is gone or not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu_seconds() -> float:
    """CPU of this machine's PostgreSQL processes (all of them: the run is the only load)."""
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True)
    return sum(_cpu_of(int(pid)) for pid in found.stdout.split())


def _children_cpu_seconds() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""
