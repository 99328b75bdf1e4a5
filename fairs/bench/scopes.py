"""Listing registrations for a county out of a whole city's, on PostgreSQL.

Builds (once per database) a city of 9 counties × 10 townships × 5 villages, 200 events at
random townships, 50,000 people at random villages and townships, and ``size`` registrations
(default 100,000), loaded with binary COPY. Then a county organizer lists pages of 50
registrations: the first page and pages after random cursors, through the service (one
query) and through the HTTP API in process (token check + query + JSON).

Database: ``FAIRS_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/fairs_bench``), created if missing, rebuilt each run.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fairs.bench.common import machine

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/fairs_bench"
T0 = datetime(2027, 3, 1, tzinfo=UTC)
GROUPS = ["older_worker", "rural_labour", "laid_off", "veteran", "disabled", "low_skill", "new_graduate"]


def bench_area_registrations(size: int) -> dict[str, Any]:
    url = os.environ.get("FAIRS_BENCH_DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("fairs: area-registrations runs on PostgreSQL (FAIRS_BENCH_DATABASE_URL)")
    os.environ["FAIRS_DATABASE_URL"] = url
    os.environ.setdefault("PICCOLO_CONF", "fairs.db.piccolo_conf")
    from fairs.settings import reset_settings

    reset_settings()
    return asyncio.run(_run(url, size or 100_000))


async def _run(url: str, registrations: int) -> dict[str, Any]:
    import asyncpg

    from fairs.db.engine import open_pool
    from fairs.db.migrate import apply_migrations
    from fairs.db.tables import Organization

    base, _, name = url.rpartition("/")
    admin = await asyncpg.connect(f"{base}/postgres")
    if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
        await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    connection = await asyncpg.connect(url)
    await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    await connection.close()
    await apply_migrations()
    started = time.perf_counter()
    county_account, township_account = await _load(url, registrations)
    load_seconds = time.perf_counter() - started
    engine = Organization._meta.db
    await open_pool(engine, 2, 4)
    try:
        service, api, page = await _measure(county_account, with_api=True)
        township, _, township_page = await _measure(township_account, with_api=False)
    finally:
        await engine.close_connection_pool()
    return {
        "benchmark": "area-registrations", "registrations": registrations, "county_share": page["share"],
        "page_size": 50, "requests": len(service),
        "service_p50_ms": _ms(statistics.median(service)), "service_p99_ms": _ms(_p99(service)),
        "api_p50_ms": _ms(statistics.median(api)), "api_p99_ms": _ms(_p99(api)),
        "township_share": township_page["share"], "township_service_p50_ms": _ms(statistics.median(township)),
        "township_service_p99_ms": _ms(_p99(township)),
        "load_seconds": round(load_seconds, 1), **machine(),
    }


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


async def _load(url: str, registrations: int) -> tuple[int, int]:
    """Bulk-load the city; return the ids of organizer accounts of the first county and of
    its first township."""
    import asyncpg

    rng = random.Random(2027)
    connection = await asyncpg.connect(url)
    areas: list[tuple[Any, ...]] = [(1, "430200000000", "株洲市", "city", None, "430200000000", T0)]
    townships, villages = [], []
    next_id = 2
    for c in range(1, 10):
        county_code = f"4302{c:02d}000000"
        county = (next_id, county_code, f"县{c}", "county", 1, "430200000000" + county_code, T0)
        areas.append(county)
        next_id += 1
        for t in range(1, 11):
            code = f"{county_code[:6]}{t:03d}000"
            township = (next_id, code, f"镇{c}-{t}", "township", county[0], county[5] + code, T0)
            areas.append(township)
            townships.append(township)
            next_id += 1
            for v in range(1, 6):
                village_code = f"{code[:9]}{v:03d}"
                village = (next_id, village_code, f"村{c}-{t}-{v}", "village", township[0], township[5] + village_code,
                           T0)
                areas.append(village)
                villages.append(village)
                next_id += 1
    await connection.copy_records_to_table(
        "area", records=areas, columns=["id", "code", "name", "level", "parent", "path", "created_at"])
    await connection.execute("INSERT INTO campaign (id, name, kind, area, description, created_at) "
                             "VALUES (1, '春风行动', 'festival', 1, '', $1)", T0)
    events = [(i, 1, rng.choice(townships)[0], "onsite_fair", f"招聘会{i}", T0 + timedelta(days=i % 60),
               T0 + timedelta(days=i % 60, hours=3), "Asia/Shanghai", "published", "", 20, 3, T0)
              for i in range(1, 201)]
    await connection.copy_records_to_table("event", records=events, columns=[
        "id", "campaign", "area", "kind", "title", "starts_at", "ends_at", "timezone", "status", "online_url",
        "interview_slot_minutes", "interviews_per_attendee", "created_at"])
    homes = villages + townships
    people = [(i, f"求职者{i}", f"13{i:09d}", "", rng.choice(homes)[0], [], [],
               rng.sample(GROUPS, 1) if rng.random() < 0.4 else [], "zh", "2026-11", T0, T0)
              for i in range(1, 50_001)]
    await connection.copy_records_to_table("attendee", records=people, columns=[
        "id", "name", "phone", "email", "home_area", "skills", "desired_industries", "priority_groups", "language",
        "consent_version", "consent_at", "created_at"])
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < registrations:
        pairs.add((rng.randint(1, 50_000), rng.randint(1, 200)))
    records = [(i, a, e, "registered", "self", T0) for i, (a, e) in enumerate(sorted(pairs), start=1)]
    await connection.copy_records_to_table("registration", records=records, columns=[
        "id", "attendee", "event", "status", "channel", "created_at"])
    for table in ("area", "event", "attendee", "registration"):
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    insert = ("INSERT INTO account (login, password_hash, role, display_name, email, area, departments, active,"
              " created_at) VALUES ($1, '-', 'organizer', '', '', $2, '{}', true, $3) RETURNING id")
    county = await connection.fetchval(insert, "county", 2, T0)
    township = await connection.fetchval(insert, "township", townships[0][0], T0)
    await connection.execute("ANALYZE")
    await connection.close()
    return int(county), int(township)


async def _measure(account_id: int, with_api: bool) -> tuple[list[float], list[float], dict[str, float]]:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    from fairs.api.app import create_app
    from fairs.api.security import issue_token
    from fairs.db.tables import Registration
    from fairs.services import registrations
    from fairs.services.accounts import actor_by_id
    from fairs.settings import Settings

    actor = await actor_by_id(account_id)
    assert actor is not None
    visible = len(await registrations.list_registrations(actor, limit=1_000_000))
    share = visible / await Registration.count()
    rng = random.Random(7)
    top = await Registration.count()
    cursors = [0] + [rng.randint(0, top) for _ in range(299)]
    for after in cursors[:20]:  # warm the pool and the caches
        await registrations.list_registrations(actor, after=after, limit=50)
    service = []
    for after in cursors:
        started = time.perf_counter()
        page = await registrations.list_registrations(actor, after=after, limit=50)
        service.append(time.perf_counter() - started)
        assert len(page) <= 50
    if not with_api:
        return service, [], {"share": round(share, 3)}
    settings = Settings(secret_key="bench-secret-key-0123456789-abcdefghij")
    app = create_app(settings, queue=_NoQueue())
    token, _ = issue_token(actor, settings.secret_key, datetime.now(UTC))
    headers = {"Authorization": f"Bearer {token}"}
    api = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for after in cursors:
            started = time.perf_counter()
            response = await client.get(f"/registrations?after={after}&limit=50", headers=headers)
            api.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return service, api, {"share": round(share, 3)}


class _NoQueue:
    async def enqueue(self, function: str, *args: Any, job_id: str) -> None:
        raise RuntimeError("the benchmark enqueues nothing")
