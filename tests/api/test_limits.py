"""Limits counted in Redis: sign-in attempts, login lockout with back-off, booth holds per
organization; allowed hosts."""

from __future__ import annotations

import asyncio

from fairs.services import limits
from tests.support import factories as f
from tests.support.pages import post_form


async def test_a_login_is_locked_after_failures_and_twice_as_long_each_time(client, queue):
    await f.organizer_account()
    for _ in range(limits.FREE_FAILURES - 1):
        wrong = await client.post("/auth/login", json={"login": "organizer", "password": "wrong-password"})
        assert wrong.status_code == 401
    last = await client.post("/auth/login", json={"login": "organizer", "password": "wrong-password"})
    assert last.status_code == 401  # the fifth failure locks
    locked = await client.post("/auth/login", json={"login": "organizer", "password": f.PASSWORD})
    assert locked.status_code == 429 and locked.json()["type"].endswith("login_locked")
    assert 0 < int(locked.headers["Retry-After"]) <= limits.FIRST_LOCK_SECONDS
    await queue.pool.delete("fairs:login-lock:organizer")  # the lock runs out
    again = await client.post("/auth/login", json={"login": "organizer", "password": "wrong-password"})
    assert again.status_code == 401
    longer = await queue.pool.ttl("fairs:login-lock:organizer")
    assert limits.FIRST_LOCK_SECONDS < longer <= 2 * limits.FIRST_LOCK_SECONDS
    await queue.pool.delete("fairs:login-lock:organizer")
    ok = await client.post("/auth/login", json={"login": "organizer", "password": f.PASSWORD})
    assert ok.status_code == 200
    assert await queue.pool.exists("fairs:login-failures:organizer") == 0  # a success forgets the failures


async def test_the_sign_in_page_says_when_to_try_again(client, queue):
    await f.organizer_account()
    await queue.pool.set("fairs:login-lock:organizer", "1", ex=120)
    page = await post_form(client, "/login", {"login": "organizer", "password": f.PASSWORD})
    assert page.status_code == 429 and "尝试次数太多" in page.text
    assert "fairs_session" not in page.headers.get("set-cookie", "")


async def test_one_address_cannot_try_sign_ins_without_end(client, queue, monkeypatch):
    monkeypatch.setattr(limits, "LOGIN_PER_ADDRESS", 6)
    answers = await asyncio.gather(*(client.post("/auth/login", json={"login": f"nobody{n}", "password": "x" * 8})
                                     for n in range(limits.LOGIN_PER_ADDRESS + 3)))
    codes = [a.status_code for a in answers]
    assert codes.count(429) == 3 and codes.count(401) == limits.LOGIN_PER_ADDRESS


async def test_an_employer_cannot_fire_holds_without_end(client, queue):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    employer = await f.employer(client, 1)
    await f.take_part(client, employer, fair["event"]["id"])
    booth = fair["venue"]["booths"][0]["id"]
    answers = [await client.post(f"/events/{fair['event']['id']}/reservations", headers=employer,
                                 json={"booth_id": booth, "interviewers": 2})
               for _ in range(limits.HOLDS_PER_ORGANIZATION + 2)]
    codes = [a.status_code for a in answers]
    assert codes[0] == 201 and codes[-2:] == [429, 429] and 429 not in codes[:limits.HOLDS_PER_ORGANIZATION]
    assert answers[-1].json()["type"].endswith("too_many_holds") and answers[-1].headers["Retry-After"]


async def test_only_allowed_hosts_are_answered(db, settings, clock, queue):
    from dataclasses import replace

    import httpx

    from fairs.api.app import create_app

    app = create_app(replace(settings, allowed_hosts=("fairs.example.org",)), clock, queue)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fairs.example.org") as good:
        assert (await good.get("/healthz")).status_code == 200
    async with httpx.AsyncClient(transport=transport, base_url="http://evil.example.net") as bad:
        assert (await bad.get("/healthz")).status_code == 400


async def test_a_count_starts_its_window_and_survives_redis_forgetting_the_script(queue):
    """The counting script runs by its digest; after SCRIPT FLUSH (or a Redis restart) it is
    sent again, and the count goes on in the same window."""
    redis = queue.pool
    key = "fairs:limit:test:window"
    await redis.delete(key)
    assert await limits._count(redis, key, 60) == (1, 60)
    assert 0 < await redis.ttl(key) <= 60
    await redis.script_flush()
    count, left = await limits._count(redis, key, 60)
    assert count == 2 and 1 <= left <= 60
    await redis.persist(key)  # a key that lost its window (cannot happen) gets one back
    assert (await limits._count(redis, key, 30))[0] == 3
    assert 0 < await redis.ttl(key) <= 30
