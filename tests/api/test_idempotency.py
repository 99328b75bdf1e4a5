"""A retried write with the same Idempotency-Key returns the first answer and creates nothing."""

from __future__ import annotations

import asyncio

from fairs.db.tables import BoothReservation, Campaign, IdempotencyRecord, Registration
from tests.support import factories as f
from tests.support.snapshots import database_snapshot


async def test_a_retried_registration_returns_the_first_answer(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    attendee = {**await f.attendee(client, 1), "Idempotency-Key": "reg-0001-retry"}
    first = await client.post(f"/events/{fair['event']['id']}/registrations", headers=attendee)
    again = await client.post(f"/events/{fair['event']['id']}/registrations", headers=attendee)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await Registration.count() == 1
    assert await IdempotencyRecord.count() == 1


async def test_the_same_key_for_a_different_request_is_refused(client):
    organizer = {**await f.sign_in_organizer(client), "Idempotency-Key": "campaign-key-1"}
    first = await client.post("/campaigns", headers=organizer, json={"name": "甲", "kind": "other",
                                                                       "area_id": f.AREAS[f.CITY]})
    assert first.status_code == 201
    before = await database_snapshot()
    response = await client.post("/campaigns", headers=organizer,
                                 json={"name": "乙", "kind": "other", "area_id": f.AREAS[f.CITY]})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "Idempotency-Key",
                                          "message": "this Idempotency-Key was used for a different request"}]
    assert await database_snapshot() == before


async def test_keys_belong_to_one_account(client):
    organizer = await f.sign_in_organizer(client)
    other = await f.sign_in_organizer(client, "organizer2")
    body = {"name": "春风行动", "kind": "other", "area_id": f.AREAS[f.CITY]}
    for headers in (organizer, other):
        response = await client.post("/campaigns", headers={**headers, "Idempotency-Key": "shared-key-1"}, json=body)
        assert response.status_code == 201
    assert await Campaign.count() == 2


async def test_concurrent_retries_of_one_booth_hold_create_one_reservation(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    plain = await f.employer(client, 1)
    await f.take_part(client, plain, fair["event"]["id"])
    employer = {**plain, "Idempotency-Key": "hold-A01-once"}
    path = f"/events/{fair['event']['id']}/reservations"
    body = {"booth_id": fair["venue"]["booths"][0]["id"]}
    answers = await asyncio.gather(*[client.post(path, headers=employer, json=body) for _ in range(8)])
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert await BoothReservation.count() == 1
    assert await IdempotencyRecord.count() == 1


async def test_a_refused_write_stores_no_key_so_a_corrected_retry_works(client):
    organizer = {**await f.sign_in_organizer(client), "Idempotency-Key": "venue-key-001"}
    bad = await client.post("/venues", headers=organizer,
                            json={"name": "场馆", "area_id": f.AREAS[f.CITY], "timezone": "Nowhere/Land"})
    assert bad.status_code == 422
    assert await IdempotencyRecord.count() == 0
