"""The walk-in queue at a busy booth: numbers, texts when one's turn is near, one list."""

from __future__ import annotations

import asyncio

from fairs.db.tables import Outbox, WalkIn
from tests.support import factories as f


async def test_numbers_count_up_the_near_ones_get_a_text_and_the_employer_sees_one_list(client, run_worker):
    ready = await f.fair_ready_for_matching(client, attendees=5)
    assert (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).status_code == 202
    assert (await run_worker())["failed"] == 0
    organization = (await client.get("/positions", headers=ready["employer"])).json()[0]["organization"]
    event = ready["event_id"]
    staff = await f.staff(client, ready["organizer"])
    numbers = []
    for headers in ready["attendees"][:3]:
        taken = await client.post(f"/events/{event}/walk-ins", headers=headers, json={"organization_id": organization})
        assert taken.status_code == 201, taken.text
        numbers.append((taken.json()["number"], taken.json()["ahead"]))
    assert numbers == [(1, 0), (2, 1), (3, 2)]
    again = await client.post(f"/events/{event}/walk-ins", headers=ready["attendees"][0],
                              json={"organization_id": organization})
    assert again.json()["number"] == 1  # one live number per person and booth
    desk = await client.post(f"/events/{event}/walk-ins", headers=staff, json={
        "organization_id": organization, "name": "王大爷", "phone": "139 0000 1234"})
    assert desk.status_code == 201 and desk.json()["number"] == 4
    called = await client.post(f"/events/{event}/walk-ins/call-next", headers=ready["employer"])
    assert called.status_code == 200 and called.json()["number"] == 1 and called.json()["status"] == "called"
    texts = await Outbox.select(Outbox.recipient, Outbox.body).where(Outbox.channel == "sms")
    assert any(t["recipient"] == "13900001234" and "前面还有 3 人" in t["body"] for t in texts)
    again_called = await client.post(f"/events/{event}/walk-ins/call-next", headers=ready["employer"])
    assert again_called.json()["number"] == 2
    assert await Outbox.count().where(Outbox.recipient == "13900001234") == 1  # told once, not at every call
    listing = (await client.get(f"/events/{event}/booth-list", headers=ready["employer"])).json()
    kinds = [r["kind"] for r in listing["rows"]]
    assert kinds.count("interview") >= 1 and kinds.count("walk_in") == 4 and listing["waiting"] == 2
    served = await client.post(f"/walk-ins/{called.json()['id']}/done", headers=ready["employer"],
                               json={"status": "served"})
    assert served.status_code == 200 and served.json()["status"] == "served"
    twice = await client.post(f"/walk-ins/{called.json()['id']}/done", headers=ready["employer"],
                              json={"status": "left"})
    assert twice.status_code == 409


async def test_a_booth_without_an_employer_and_another_employers_queue_are_refused(client):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    other = await f.employer(client, 9)
    nowhere = await client.post(f"/events/{ready['event_id']}/walk-ins", headers=ready["attendees"][0],
                                json={"organization_id": 999999})
    assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["field"] == "organization_id"
    organization = (await client.get("/positions", headers=ready["employer"])).json()[0]["organization"]
    taken = await client.post(f"/events/{ready['event_id']}/walk-ins", headers=ready["attendees"][0],
                              json={"organization_id": organization})
    refused = await client.post(f"/walk-ins/{taken.json()['id']}/done", headers=other, json={"status": "left"})
    assert refused.status_code == 404
    bad_phone = await client.post(f"/events/{ready['event_id']}/walk-ins", headers=ready["organizer"], json={
        "organization_id": organization, "name": "李", "phone": "12345"})
    assert bad_phone.status_code == 422 and bad_phone.json()["errors"][0]["field"] == "phone"
    assert await WalkIn.count() == 1


async def test_people_taking_numbers_at_once_never_share_one(client):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    organization = (await client.get("/positions", headers=ready["employer"])).json()[0]["organization"]
    staff = await f.staff(client, ready["organizer"])
    answers = await asyncio.gather(*(client.post(f"/events/{ready['event_id']}/walk-ins", headers=staff, json={
        "organization_id": organization, "name": f"路人{n}", "phone": f"1390000{n:04d}"}) for n in range(8)))
    assert [a.status_code for a in answers] == [201] * 8
    assert sorted(a.json()["number"] for a in answers) == list(range(1, 9))
