"""Booths allocated from applications at the window's close: fair, explained, reproducible."""

from __future__ import annotations

from fairs.core.allocation import allocate
from fairs.db.tables import BoothReservation
from fairs.services import allocation
from fairs.services.allocation import deserialize_inputs
from tests.support import factories as f
from tests.support.snapshots import database_snapshot


async def application_fair(client, organizer):
    campaign = await client.post("/campaigns", headers=organizer, json={
        "name": "311", "kind": "festival", "area_id": f.AREAS[f.CITY]})
    zones = ["manufacturing"] * 3 + ["priority"]
    venue = await client.post("/venues", headers=organizer, json={
        "name": "会展中心", "area_id": f.AREAS[f.TIANYUAN],
        "booths": [{"code": f"{z[0].upper()}{i:02d}", "zone": z} for i, z in enumerate(zones, start=1)]})
    event = await client.post("/events", headers=organizer, json={
        "campaign_id": campaign.json()["id"], "venue_id": venue.json()["id"], "kind": "onsite_fair",
        "title": "申请制招聘会", "starts_at": "2027-03-11T09:00:00+08:00", "ends_at": "2027-03-11T12:00:00+08:00",
        "booth_mode": "application", "applications_close_at": "2027-03-05T18:00:00+08:00"})
    assert event.status_code == 201, event.text
    event_id = event.json()["id"]
    await client.patch(f"/events/{event_id}", headers=organizer, json={"status": "published"})
    return event_id, {b["code"]: b["id"] for b in venue.json()["booths"]}


async def test_booths_are_allocated_by_priority_then_lottery_and_each_employer_is_told_why(client, clock, run_worker):
    organizer = await f.sign_in_organizer(client)
    event_id, booth = await application_fair(client, organizer)
    employers = [await f.employer(client, n) for n in (1, 2, 3, 4, 5)]
    for n, employer in enumerate(employers, start=1):
        await f.take_part(client, employer, event_id, priority=1 if n == 5 else 0)
    held = await client.post(f"/events/{event_id}/reservations", headers=employers[0], json={"booth_id": booth["M01"]})
    assert held.status_code == 409 and held.json()["type"].endswith("/applications_only")
    for employer in employers[:4]:  # everyone wants M01, then the priority zone
        answer = await client.post(f"/events/{event_id}/booth-applications", headers=employer, json={
            "preferences": [{"booth_id": booth["M01"]}, {"zone": "priority"}]})
        assert answer.status_code == 200, answer.text
    await client.post(f"/events/{event_id}/booth-applications", headers=employers[4],
                      json={"preferences": [{"zone": "priority"}]})
    too_soon = await client.post(f"/events/{event_id}/allocation-runs", headers=organizer)
    assert too_soon.status_code == 409 and too_soon.json()["type"].endswith("/window_open")

    clock.advance(days=5)  # past the close on 2027-03-05 18:00
    late = await client.post(f"/events/{event_id}/booth-applications", headers=employers[0],
                             json={"preferences": [{"zone": "manufacturing"}]})
    assert late.status_code == 409 and late.json()["type"].endswith("/window_closed")
    assert len(await allocation.close_windows(client.app.state.queue, clock.now())) == 1
    assert await allocation.close_windows(client.app.state.queue, clock.now()) == []
    assert (await run_worker())["failed"] == 0

    given = {r["organization"]: r["booth"] for r in await BoothReservation.select(
        BoothReservation.organization, BoothReservation.booth).where(BoothReservation.source == "allocation")}
    org = [(await client.get("/organizations", headers=e)).json()[0]["id"] for e in employers]
    assert given[org[4]] == booth["P04"]  # the priority tier took the priority zone first
    assert sorted(given[o] for o in org[:4] if o in given) == sorted([booth["M01"], booth["M02"], booth["M03"]])
    # every tier-0 employer wanted M01; only one got it, the others got the fallback or nothing, and each knows why
    explanations = {}
    for o, employer in zip(org, employers, strict=True):
        [mine] = (await client.get("/booth-applications", headers=employer)).json()
        explanations[o] = (mine["status"], mine["explanation"])
    assert explanations[org[4]][0] == "allocated"
    assert all("lottery position" in text for _, text in explanations.values())
    assert sorted(status for status, _ in explanations.values()) == ["allocated"] * 4 + ["unassigned"]

    # the run is reproducible from its stored seed and inputs
    run = (await client.get("/allocation-runs/1", headers=organizer)).json()
    booths, applications = deserialize_inputs(run["inputs"])
    again = allocate(booths, applications, int(run["seed"]))
    assert [(a.organization_id, a.booth_id) for a in again.assignments] == [
        (a["organization_id"], a["booth_id"]) for a in run["result"]["assignments"]]
    before = await database_snapshot()
    second = await client.post(f"/events/{event_id}/allocation-runs", headers=organizer)
    assert second.status_code == 409 and second.json()["allocation_run_id"] == run["id"]
    assert await database_snapshot() == before


async def test_preferences_must_name_booths_and_zones_of_the_venue(client, clock):
    organizer = await f.sign_in_organizer(client)
    event_id, booth = await application_fair(client, organizer)
    employer = await f.employer(client, 1)
    await f.take_part(client, employer, event_id)
    before = await database_snapshot()
    for body, field in [({"preferences": [{"zone": "aquarium"}]}, "preferences[0].zone"),
                        ({"preferences": [{"booth_id": 999}]}, "preferences[0].booth_id"),
                        ({"preferences": [{}]}, "preferences[0]")]:
        answer = await client.post(f"/events/{event_id}/booth-applications", headers=employer, json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
    assert await database_snapshot() == before
