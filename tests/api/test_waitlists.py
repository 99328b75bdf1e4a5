"""Waitlists with time-limited offers, for booths and for places at capacity-limited events."""

from __future__ import annotations

from fairs.db.tables import BoothReservation, Registration, WaitlistEntry
from fairs.services import booths, waitlist
from tests.support import factories as f
from tests.support.snapshots import database_snapshot


async def test_a_freed_booth_is_offered_to_the_first_waiting_employer_it_fits_then_the_next(client, clock):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=2)
    event_id = fair["event"]["id"]
    booth, other_booth = (b["id"] for b in fair["venue"]["booths"])
    holder, neighbour, picky, patient = [await f.employer(client, n) for n in (1, 2, 3, 4)]
    reservation = await f.reserve(client, holder, event_id, booth)
    await f.reserve(client, neighbour, event_id, other_booth)
    for employer, preferences in ((picky, [{"booth_id": other_booth}]), (patient, [])):
        await f.take_part(client, employer, event_id)
        joined = await client.post(f"/events/{event_id}/waitlist", headers=employer, json={"preferences": preferences})
        assert joined.status_code == 201, joined.text
    again = await client.post(f"/events/{event_id}/waitlist", headers=patient, json={})
    assert again.status_code == 409

    await client.post(f"/reservations/{reservation['id']}/cancel", headers=holder)
    # the picky employer wants another zone; the patient one gets the booth held for 12 hours
    [offer] = (await client.get("/reservations", headers=patient)).json()
    assert (offer["booth"], offer["status"], offer["source"]) == (booth, "held", "offer")
    assert [e["status"] for e in (await client.get("/waitlist", headers=organizer)).json()] == ["waiting", "offered"]
    clock.advance(hours=12, minutes=1)
    assert await booths.release_expired_holds(clock) == [offer["id"]]
    assert [e["status"] for e in await WaitlistEntry.select(WaitlistEntry.status).order_by(WaitlistEntry.id)] == [
        "waiting", "expired"]
    # nobody else fits: the booth is free again
    states = {b["id"]: b["state"] for b in (await client.get(f"/events/{event_id}/booths")).json()}
    assert states == {booth: "free", other_booth: "reserved"}


async def test_confirming_the_offered_hold_accepts_the_offer(client, clock):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=1)
    event_id, booth = fair["event"]["id"], fair["venue"]["booths"][0]["id"]
    holder, waiting = await f.employer(client, 1), await f.employer(client, 2)
    reservation = await f.reserve(client, holder, event_id, booth)
    await f.take_part(client, waiting, event_id)
    await client.post(f"/events/{event_id}/waitlist", headers=waiting, json={"preferences": [{"booth_id": booth}]})
    await client.post(f"/reservations/{reservation['id']}/release", headers=organizer)
    [offer] = (await client.get("/reservations", headers=waiting)).json()
    confirmed = await client.post(f"/reservations/{offer['id']}/confirm", headers=waiting)
    assert confirmed.json()["status"] == "confirmed"
    assert [e["status"] for e in await WaitlistEntry.select(WaitlistEntry.status)] == ["accepted"]
    assert await BoothReservation.count().where(BoothReservation.status.is_in(["held", "confirmed"])) == 1


async def capacity_event(client, organizer, capacity: int) -> int:
    campaign = await client.post("/campaigns", headers=organizer, json={
        "name": "抖音达人培训", "kind": "other", "area_id": f.AREAS[f.CITY]})
    venue = await client.post("/venues", headers=organizer, json={"name": "培训教室", "area_id": f.AREAS[f.TIANYUAN]})
    event = await client.post("/events", headers=organizer, json={
        "campaign_id": campaign.json()["id"], "venue_id": venue.json()["id"], "kind": "training",
        "title": "新媒体培训班", "starts_at": "2027-04-01T09:00:00+08:00", "ends_at": "2027-04-01T17:00:00+08:00",
        "capacity": capacity})
    assert event.status_code == 201, event.text
    await client.patch(f"/events/{event.json()['id']}", headers=organizer, json={"status": "published"})
    return event.json()["id"]


async def test_a_full_event_waitlists_and_offers_a_freed_place_in_order(client, clock):
    organizer = await f.sign_in_organizer(client)
    event_id = await capacity_event(client, organizer, capacity=2)
    people = [await f.attendee(client, n) for n in (1, 2, 3, 4)]
    statuses = []
    for person in people:
        answer = await client.post(f"/events/{event_id}/registrations", headers=person)
        statuses.append(answer.json()["status"])
    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    first = (await client.get("/registrations", headers=people[0])).json()[0]
    await client.post(f"/registrations/{first['id']}/cancel", headers=people[0])
    third = (await client.get("/registrations", headers=people[2])).json()[0]
    assert third["status"] == "offered" and third["offer_expires_at"] is not None
    # the fourth may not jump the queue
    fourth = (await client.get("/registrations", headers=people[3])).json()[0]
    before = await database_snapshot()
    refused = await client.post(f"/registrations/{fourth['id']}/accept", headers=people[3])
    assert refused.status_code == 409
    assert await database_snapshot() == before
    # the third lets it lapse: the place goes to the fourth
    clock.advance(hours=13)
    assert await waitlist.expire_seat_offers(clock) == [third["id"]]
    rows = {r["id"]: r["status"] for r in await Registration.select(Registration.id, Registration.status)}
    assert rows[third["id"]] == "expired" and rows[fourth["id"]] == "offered"
    accepted = await client.post(f"/registrations/{fourth['id']}/accept", headers=people[3])
    assert accepted.json()["status"] == "registered"
    assert sorted(rows.values()) == ["cancelled", "expired", "offered", "registered"]
    taken = await Registration.count().where(Registration.status.is_in(["registered", "offered"]))
    assert taken == 2
