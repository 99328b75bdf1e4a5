"""``fairs bench reports``: a campaign's report over 100,000 registrations and 300,000
interviews on PostgreSQL.

A campaign that happened is written with ``COPY`` (``size`` > 0 scales it down): 12 events,
300 villages, 2,000 employers with two positions each, people in priority groups, most
registrations checked in, three interviews per registration on average with outcomes, and
follow-up calls for the hires. Then :func:`fairs.services.reports.campaign_report` is timed
for every dimension (three runs each, the best kept — the first warms the cache) and the
CSV and XLSX exports of the by-event report. ``report_s`` is the by-event report.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from fairs.bench.common import machine, wipeable_postgres

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/fairs_bench_reports"
T0 = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
CITY = "430200000000"
GROUPS = ["older_worker", "rural_labour", "low_skill", "laid_off", "disabled", "veteran", "new_graduate"]
INDUSTRIES = ["manufacturing", "services", "logistics", "construction", "care", "retail", "catering", "agriculture"]


def bench_reports(size: int) -> dict[str, Any]:
    url = wipeable_postgres("reports", os.environ.get("FAIRS_DATABASE_URL") or DEFAULT_URL)
    registrations = size or 100_000
    return asyncio.run(_run(url, registrations, 3 * registrations))


async def _run(url: str, registrations: int, interviews: int) -> dict[str, Any]:
    from fairs.bench.booths import _fresh_schema
    from fairs.db.engine import open_pool
    from fairs.db.tables import Organization
    from fairs.services import reports, stages
    from fairs.services.context import Actor

    await _fresh_schema(url)
    started = time.perf_counter()
    counts = await _write_campaign(url, registrations, interviews)
    written = time.perf_counter() - started
    engine = Organization._meta.db
    await open_pool(engine, 1, 2)
    organizer = Actor(account_id=1, role="organizer", area_path=CITY)
    seconds: dict[str, float] = {}
    try:
        began = time.perf_counter()
        async with engine.transaction():  # written with COPY: derive how far each person got, as the services do
            await stages.refresh(list(range(1, 13)))
        refresh_s = time.perf_counter() - began
        for by in reports.DIMENSIONS:
            best = float("inf")
            for _ in range(3):
                began = time.perf_counter()
                report = await reports.campaign_report(organizer, 1, by)
                best = min(best, time.perf_counter() - began)
            seconds[by] = round(best, 3)
            if by == "event":
                by_event = report
        began = time.perf_counter()
        reports.report_csv(by_event)
        csv_s = time.perf_counter() - began
        began = time.perf_counter()
        reports.report_xlsx(by_event)
        xlsx_s = time.perf_counter() - began
    finally:
        await engine.close_connection_pool()
    totals = by_event["totals"]
    return {
        "benchmark": "reports", **counts, "report_s": seconds["event"], "seconds_by_dimension": seconds,
        "slowest_dimension_s": max(seconds.values()), "csv_s": round(csv_s, 4), "xlsx_s": round(xlsx_s, 4),
        "funnel": {s: totals[s] for s in reports.STAGES}, "database_load_s": round(written, 1),
        "stages_refresh_s": round(refresh_s, 2), **machine(),
    }


async def _write_campaign(url: str, registrations: int, interviews: int) -> dict[str, int]:
    import asyncpg

    rng = np.random.default_rng(3)
    people = registrations * 4 // 5  # some people come to two fairs
    villages, employers, events = 300, 2000, 12
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute("INSERT INTO area (id, code, name, level, parent, path, created_at) "
                                 "VALUES (1, $1, '株洲市', 'city', NULL, $1, $2)", CITY, T0)
        await connection.copy_records_to_table("area", records=[
            (n + 2, f"4302{n + 1:08d}", f"村{n}", "village", 1, f"{CITY}4302{n + 1:08d}", T0) for n in range(villages)],
            columns=["id", "code", "name", "level", "parent", "path", "created_at"])
        await connection.execute("INSERT INTO campaign (id, name, kind, area, description, created_at) "
                                 "VALUES (1, '春风行动', 'festival', 1, '', $1)", T0)
        await connection.execute("INSERT INTO venue (id, name, area, created_at) VALUES (1, '体育中心', 1, $1)", T0)
        await connection.copy_records_to_table("event", records=[
            (e + 1, 1, 1, 1, "onsite_fair", f"招聘会{e + 1}", T0 + timedelta(days=7 * e),
             T0 + timedelta(days=7 * e, hours=4), "Asia/Shanghai", "closed", T0) for e in range(events)],
            columns=["id", "campaign", "venue", "area", "kind", "title", "starts_at", "ends_at", "timezone", "status",
                     "created_at"])
        await connection.copy_records_to_table("organization", records=[
            (o + 1, f"企业{o + 1}", f"91430200{o + 1:09d}X"[:18], INDUSTRIES[o % len(INDUSTRIES)], T0)
            for o in range(employers)], columns=["id", "name", "credit_code", "industry", "created_at"])
        await connection.copy_records_to_table("position", records=[
            (2 * o + k + 1, o + 1, f"岗位{o + 1}-{k}", INDUSTRIES[(o + k) % len(INDUSTRIES)], 3, [], [], T0)
            for o in range(employers) for k in range(2)],
            columns=["id", "organization", "title", "industry", "headcount", "skills", "required_certificates",
                     "created_at"])
        group_count = rng.choice([0, 0, 1, 2], people)
        await connection.copy_records_to_table("attendee", records=[
            (a + 1, f"求职者{a + 1}", f"1{a + 1:010d}", int(rng.integers(2, villages + 2)), [], [],
             list(rng.choice(GROUPS, int(group_count[a]), replace=False)), [], "v1", T0, T0) for a in range(people)],
            columns=["id", "name", "phone", "home_area", "skills", "desired_industries", "priority_groups",
                     "certificates", "consent_version", "consent_at", "created_at"])
        unique: set[tuple[int, int]] = {(a, int(e)) for a, e in zip(
            range(1, people + 1), rng.integers(1, events + 1, people), strict=True)}
        while len(unique) < registrations:  # a second fair for some, until there are exactly as many as asked
            more = registrations - len(unique)
            unique |= set(zip(rng.integers(1, people + 1, more).tolist(), rng.integers(1, events + 1, more).tolist(),
                              strict=True))
        pairs = sorted(unique)[:registrations]
        status = rng.choice(["registered", "checked_in", "cancelled"], len(pairs), p=[0.25, 0.7, 0.05])
        await connection.copy_records_to_table("registration", records=[
            (r + 1, a, e, str(status[r]), "self", [], T0) for r, (a, e) in enumerate(pairs)],
            columns=["id", "attendee", "event", "status", "channel", "ranked_organizations", "created_at"])
        kept = [p for p, s in zip(pairs, status, strict=True) if s != "cancelled"]
        drawn = interviews + interviews // 10  # a few draws repeat a pair and are skipped
        picks = rng.integers(0, len(kept), drawn)
        organizations = rng.integers(1, employers + 1, drawn)
        outcomes = rng.choice(["", "no_show", "attended", "offer", "hired"], drawn, p=[0.2, 0.1, 0.4, 0.15, 0.15])
        seen: set[tuple[int, int, int]] = set()
        slot_of: dict[tuple[int, int], int] = {}
        rows, hires = [], []
        for n in range(drawn):
            if len(rows) == interviews:
                break
            attendee, event = kept[int(picks[n])]
            org = int(organizations[n])
            if (attendee, event, org) in seen:
                continue
            seen.add((attendee, event, org))
            hired = outcomes[n] == "hired"
            slot = slot_of[(attendee, event)] = slot_of.get((attendee, event), -1) + 1  # never two at once
            starts = T0 + timedelta(days=7 * (event - 1), minutes=20 * slot)
            rows.append((len(rows) + 1, event, org, 2 * org - 1, attendee, slot, starts,
                         starts + timedelta(minutes=20), "accepted", str(outcomes[n]), 2 * org if hired else None,
                         (starts.date() + timedelta(days=14)).isoformat() if hired else None, T0))
            if hired:
                hires.append((len(rows), attendee))
        await connection.copy_records_to_table("interview_slot", records=rows, columns=[
            "id", "event", "organization", "position", "attendee", "slot_index", "starts_at", "ends_at", "status",
            "outcome", "hired_position", "start_date", "created_at"])
        answers = rng.choice(["still_employed", "left"], (len(hires), 3), p=[0.8, 0.2])
        await connection.copy_records_to_table("follow_up", records=[
            (attendee, interview, kind, date(2027, 6, 1).isoformat(), "done", str(answers[n][k]), "", T0)
            for n, (interview, attendee) in enumerate(hires)
            for k, kind in enumerate(("retention_1m", "retention_3m", "retention_6m"))],
            columns=["attendee", "interview", "kind", "due_on", "status", "answer", "note", "created_at"])
        for table in ("area", "campaign", "venue", "event", "organization", "position", "attendee", "registration",
                      "interview_slot"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return {"registrations": len(pairs), "interviews": len(rows), "people": people, "hires": len(hires)}


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(bench_reports(0)))
