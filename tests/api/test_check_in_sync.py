"""Desks that lost the network keep scanning; when they sync, nobody is counted twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fairs.core.checkin import checkin_code
from fairs.db.tables import Registration
from tests.support import factories as f


async def registered(client, people: int = 2):
    ready = await f.fair_ready_for_matching(client, attendees=people)
    ids = [r["id"] for r in await Registration.select(Registration.id).where(
        Registration.event == ready["event_id"]).order_by(Registration.id)]
    return ready, ids


async def test_two_offline_desks_that_scanned_the_same_person_make_one_check_in(client, settings, clock):
    ready, ids = await registered(client)
    code = checkin_code(ids[0], settings.secret_key)
    desk_a = [{"code": code, "scanned_at": (clock.now() - timedelta(minutes=9)).isoformat(), "client_id": "a-1"}]
    desk_b = [{"code": code.lower(), "scanned_at": (clock.now() - timedelta(minutes=4)).isoformat(),
               "client_id": "b-1"},
              {"code": checkin_code(ids[1], settings.secret_key),
               "scanned_at": (clock.now() - timedelta(minutes=3)).isoformat(), "client_id": "b-2"}]
    path = f"/events/{ready['event_id']}/check-ins/sync"
    a, b = await asyncio.gather(client.post(path, headers=ready["organizer"], json={"scans": desk_a}),
                                client.post(path, headers=ready["organizer"], json={"scans": desk_b}))
    assert a.status_code == b.status_code == 200, (a.text, b.text)
    results = {r["client_id"]: r["result"] for r in [*a.json(), *b.json()]}
    assert sorted([results["a-1"], results["b-1"]]) == ["already", "checked_in"]
    assert results["b-2"] == "checked_in"
    rows = await Registration.select(Registration.status, Registration.checked_in_at).where(
        Registration.id.is_in(ids)).order_by(Registration.id)
    assert [r["status"] for r in rows] == ["checked_in", "checked_in"]
    first = rows[0]["checked_in_at"]
    assert first in (clock.now() - timedelta(minutes=9), clock.now() - timedelta(minutes=4))
    again = await client.post(path, headers=ready["organizer"], json={"scans": desk_a + desk_b})
    assert {r["result"] for r in again.json()} == {"already"}  # syncing again counts nothing
    assert (await Registration.select(Registration.checked_in_at).where(
        Registration.id == ids[0]).first())["checked_in_at"] == first


async def test_a_bad_scan_is_refused_alone_and_a_bad_batch_is_refused_whole(client, settings, clock):
    ready, ids = await registered(client, people=1)
    path = f"/events/{ready['event_id']}/check-ins/sync"
    mixed = await client.post(path, headers=ready["organizer"], json={"scans": [
        {"code": "ABCD-EFGH-JKMN", "scanned_at": clock.now().isoformat(), "client_id": "x"},
        {"code": checkin_code(ids[0], settings.secret_key), "scanned_at": clock.now().isoformat(), "client_id": "y"},
    ]})
    assert [(r["client_id"], r["result"]) for r in mixed.json()] == [("x", "refused"), ("y", "checked_in")]
    assert mixed.json()[0]["field"] == "code"
    stale = await client.post(path, headers=ready["organizer"], json={"scans": [
        {"code": checkin_code(ids[0], settings.secret_key), "scanned_at": "2020-01-01T09:00:00+08:00",
         "client_id": "old"}]})
    assert stale.json()[0]["result"] == "refused" and stale.json()[0]["field"] == "scanned_at"
    single = await client.post(f"/events/{ready['event_id']}/check-ins", headers=ready["organizer"],
                               json={"code": checkin_code(ids[0], settings.secret_key)})
    assert single.status_code == 200 and single.json()["already"] is True
    assert (await client.post(path, headers=ready["employer"], json={"scans": []})).status_code == 403
