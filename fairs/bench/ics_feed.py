"""A personal calendar feed served through the whole app: 50 items, plain and conditional GETs.

One attendee has 25 interviews and is registered for the 25 fairs they take place at (50
calendar items); 200 other people have an interview at each fair too, so the feed's queries
pick one person's items out of 5,000. Then ``GET /calendar/<token>.ics`` is called 500 times
with one of the feed's items changed before each call (``feed_*``: every call is the first of
a new version, the whole file is built, the process has the other 49 entries written
already), 500 times with nothing written yet (``feed_cold_*``: a freshly started process),
500 times with ``If-None-Match`` (``feed_304_*``: no file) and 500 times with the built file
kept in Redis (``feed_kept_*``). Each
request is one call of the ASGI app in this process (a scope dict, no HTTP client, no
socket): the figures are the app's own (token lookup, queries, building, Litestar), not a
client's. Times are wall clock per request.

Database: PostgreSQL when ``FAIRS_DATABASE_URL`` names one (its public schema is dropped and
rebuilt: the database's name must contain ``bench`` or ``test`` unless
``FAIRS_BENCH_MAY_WIPE=1``), else a SQLite file in a temporary folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fairs.bench.common import machine, wipeable_postgres

T0 = datetime(2027, 3, 1, tzinfo=UTC)
FAIRS = 25
OTHERS = 200
REQUESTS = 500
WARM_UP = 20
SECRET_KEY = "fairs-bench-ics-feed-secret-key-0123456789-abcdefghijklmnop"


def bench_ics_feed() -> dict[str, Any]:
    url = os.environ.get("FAIRS_DATABASE_URL", "")
    if url.startswith(("postgresql://", "postgres://")):
        return _on(wipeable_postgres("ics feed", url), None)
    with tempfile.TemporaryDirectory(prefix="fairs-bench-feed-") as folder:
        return _on(f"sqlite:///{folder}/feed.sqlite3", Path(folder))


def _on(url: str, folder: Path | None) -> dict[str, Any]:
    os.environ["FAIRS_DATABASE_URL"] = url
    os.environ.setdefault("PICCOLO_CONF", "fairs.db.piccolo_conf")
    from fairs.settings import reset_settings

    reset_settings()
    return asyncio.run(_run(url, "sqlite" if folder else "postgres"))


async def _run(url: str, engine_name: str) -> dict[str, Any]:
    from fairs.db.engine import open_pool
    from fairs.db.migrate import apply_migrations
    from fairs.db.tables import Organization

    if engine_name == "postgres":
        from fairs.bench.booths import _fresh_schema

        await _fresh_schema(url)
    else:
        with contextlib.redirect_stdout(io.StringIO()):  # Piccolo reports each migration on stdout
            await apply_migrations()
    engine = Organization._meta.db
    if engine_name == "postgres":
        await open_pool(engine, 2, 4)
    try:
        token = await _load()
        return await _measure(token, engine_name)
    finally:
        if engine_name == "postgres":
            await engine.close_connection_pool()


async def _load() -> str:
    """The city, 25 fairs (a day apart), an employer, our attendee with 25 interviews and 25
    registrations, 200 others with an interview at every fair; returns our feed's token."""
    from fairs.db.tables import (
        Account,
        Area,
        Attendee,
        CalendarFeed,
        CalendarItem,
        Campaign,
        Event,
        InterviewSlot,
        Organization,
        Position,
        Registration,
        Venue,
    )
    from fairs.services.calendar import new_uid
    from fairs.services.feeds import token_hash

    city = Area(code="430200000000", name="株洲市", level="city", path="430200000000", created_at=T0)
    await city.save()
    campaign = Campaign(name="株洲市2027年“311”就业服务节", kind="festival", area=city.id, created_at=T0)
    await campaign.save()
    venue = Venue(name="株洲国际会展中心", area=city.id, address="湖南省株洲市天元区黄河南路1号", created_at=T0)
    await venue.save()
    events = [Event(campaign=campaign.id, venue=venue.id, area=city.id, kind="onsite_fair", status="published",
                    title=f"“311”就业服务节现场招聘会 第{n + 1}场", starts_at=T0 + timedelta(days=10 + n, hours=1),
                    ends_at=T0 + timedelta(days=10 + n, hours=5), created_at=T0) for n in range(FAIRS)]
    await Event.insert(*events)
    event_ids = [e["id"] for e in await Event.select(Event.id).order_by(Event.id)]
    organization = Organization(name="株洲中车时代电气股份有限公司", credit_code="914302001234567890",
                                industry="manufacturing", contact_name="人事", created_at=T0)
    await organization.save()
    position = Position(organization=organization.id, title="维修电工（持证上岗）", industry="manufacturing",
                        created_at=T0)
    await position.save()
    people = [Attendee(name=f"求职者{n}", phone=f"139{n:08d}", home_area=city.id, consent_version="2026-11",
                       consent_at=T0, created_at=T0) for n in range(OTHERS + 1)]
    for chunk in range(0, len(people), 100):
        await Attendee.insert(*people[chunk:chunk + 100])
    person_ids = [p["id"] for p in await Attendee.select(Attendee.id).order_by(Attendee.id)]
    me = person_ids[0]
    account = Account(login="seeker0", password_hash="-", role="attendee", display_name="求职者0",
                      email="seeker0@example.com", attendee=me, created_at=T0)
    await account.save()
    await Registration.insert(*[Registration(attendee=me, event=e, status="registered", created_at=T0)
                                for e in event_ids])
    slots = []
    for n, event_id in enumerate(event_ids):
        for i, person in enumerate(person_ids):
            starts = T0 + timedelta(days=10 + n, hours=1, minutes=20 * (i % 12))
            slots.append(InterviewSlot(event=event_id, organization=organization.id, position=position.id,
                                       attendee=person, slot_index=i % 12, starts_at=starts,
                                       ends_at=starts + timedelta(minutes=20), created_at=T0))
    for chunk in range(0, len(slots), 500):
        await InterviewSlot.insert(*slots[chunk:chunk + 500])
    slot_rows = await InterviewSlot.select(InterviewSlot.id, InterviewSlot.event).order_by(InterviewSlot.id)
    items = [CalendarItem(uid=new_uid(), kind="interview", event=s["event"], interview_slot=s["id"], updated_at=T0)
             for s in slot_rows]
    items += [CalendarItem(uid=new_uid(), kind="fair_event", event=e, updated_at=T0) for e in event_ids]
    for chunk in range(0, len(items), 500):
        await CalendarItem.insert(*items[chunk:chunk + 500])
    token = secrets.token_urlsafe(32)
    await CalendarFeed.insert(CalendarFeed(account=account.id, token_hash=token_hash(token), created_at=T0))
    if Organization._meta.db.engine_type == "postgres":
        await Organization.raw("ANALYZE")
    return token


async def _measure(token: str, engine_name: str) -> dict[str, Any]:
    from icalendar import Calendar

    from fairs.api.app import create_app
    from fairs.services.context import FixedClock
    from fairs.settings import Settings

    app = create_app(Settings(secret_key=SECRET_KEY), clock=FixedClock(T0 + timedelta(days=1)), queue=_NoQueue())
    path = f"/calendar/{token}.ics"
    status, headers, body = await _get(app, path)
    if status != 200:
        raise AssertionError(f"the feed answered {status}: {body[:300]!r}")
    items = len(Calendar.from_ical(body).walk("VEVENT"))
    if items != 2 * FAIRS:
        raise AssertionError(f"the feed lists {items} items, not {2 * FAIRS}")
    etag = headers[b"etag"]

    async def plain() -> None:
        answer, _, _ = await _get(app, path)
        assert answer == 200, answer

    async def conditional() -> None:
        answer, _, content = await _get(app, path, [(b"if-none-match", etag)])
        assert answer == 304 and content == b"", answer

    changes = await _one_item_changes()
    feed = await _timed(plain, before=changes)
    cold = await _timed(plain, before=_forget_written_entries)
    etag = (await _get(app, path))[1][b"etag"]  # the items changed: the phone holds the latest
    not_modified = await _timed(conditional)
    kept = await _kept_file_timings(path)
    return {
        "feed_engine": engine_name, "feed_items": items, "feed_bytes": len(body), "feed_requests": REQUESTS,
        "feed_p50_ms": _ms(statistics.median(feed)), "feed_p99_ms": _ms(_p99(feed)),
        "feed_cold_p50_ms": _ms(statistics.median(cold)), "feed_cold_p99_ms": _ms(_p99(cold)),
        "feed_304_p50_ms": _ms(statistics.median(not_modified)), "feed_304_p99_ms": _ms(_p99(not_modified)),
        "feed_kept_p50_ms": _ms(statistics.median(kept)), "feed_kept_p99_ms": _ms(_p99(kept)),
        **machine(),
    }


async def _one_item_changes() -> Callable[[], Awaitable[None]]:
    """Before each timed GET of ``feed_p99_ms``: one of the feed's 50 items changes (its
    SEQUENCE and ``updated_at`` move on, as a rescheduled interview's do), so every GET is the
    first one of a new version: no kept file, one entry to write anew, the others' written
    VEVENTs kept by the process."""
    from fairs.db.tables import Account, CalendarItem

    me = (await Account.select(Account.attendee).where(Account.login == "seeker0").first())["attendee"]
    ids = [row["id"] for row in await CalendarItem.raw(
        "SELECT c.id FROM calendar_item c LEFT JOIN interview_slot s ON s.id = c.interview_slot "
        "WHERE c.kind = 'fair_event' OR s.attendee = {} ORDER BY c.id", me)]
    assert len(ids) == 2 * FAIRS, len(ids)
    turn = 0

    async def change() -> None:
        nonlocal turn
        turn += 1
        await CalendarItem.raw("UPDATE calendar_item SET sequence = sequence + 1, updated_at = {} WHERE id = {}",
                               T0 + timedelta(seconds=turn), ids[turn % len(ids)])

    return change


async def _forget_written_entries() -> None:
    """Before each timed GET of ``feed_cold_p99_ms``: the process has written none of the
    entries yet (a freshly started API process)."""
    from fairs.core.ics.writer import _written_event

    _written_event.cache_clear()


async def _kept_file_timings(path: str) -> list[float]:
    """Full GETs when the built file is kept in Redis (embedded here) under its version: what
    a client polling without If-None-Match gets after the first build. ``feed_p99_ms`` above
    is the build every time (no Redis)."""
    import tempfile
    from pathlib import Path

    from fairs.api.app import create_app
    from fairs.services.context import FixedClock
    from fairs.services.queue import EmbeddedRedis, open_queue
    from fairs.settings import Settings

    with tempfile.TemporaryDirectory(prefix="fairs-bench-feed-") as folder:
        embedded = EmbeddedRedis(Path(folder))
        queue = await open_queue(embedded.url)
        try:
            app = create_app(Settings(secret_key=SECRET_KEY), clock=FixedClock(T0 + timedelta(days=1)), queue=queue)

            async def plain() -> None:
                answer, _, _ = await _get(app, path)
                assert answer == 200, answer

            return await _timed(plain)
        finally:
            await queue.pool.aclose()
            embedded.close()


async def _timed(request: Callable[[], Awaitable[None]],
                 before: Callable[[], Awaitable[None]] | None = None) -> list[float]:
    """Wall-clock seconds of ``request`` (after a warm-up), ``before`` run untimed ahead of each."""
    seconds = []
    for n in range(WARM_UP + REQUESTS):
        if before is not None:
            await before()
        started = time.perf_counter()
        await request()
        if n >= WARM_UP:
            seconds.append(time.perf_counter() - started)
    return seconds


async def _get(app: Any, path: str, headers: list[tuple[bytes, bytes]] | None = None
               ) -> tuple[int, dict[bytes, bytes], bytes]:
    """One GET through the ASGI app: status, response headers, body."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(b"host", b"bench.local"), *(headers or [])], "client": ("127.0.0.1", 50000),
        "server": ("bench.local", 80), "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


class _NoQueue:
    async def enqueue(self, function: str, *args: Any, job_id: str, defer_until: datetime | None = None) -> None:
        raise RuntimeError("the benchmark enqueues nothing")


def bench_ics(size: int) -> dict[str, Any]:
    """``fairs bench ics``: the invitation build figures (``--size`` invitations) and the feed's."""
    from fairs.bench.ics_build import bench_ics_build

    return {**bench_ics_build(size), **bench_ics_feed()}
