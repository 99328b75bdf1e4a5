"""Organizers pin or forbid pairs before interview matching: only for registered people and
approved employers of an event of their own area, once per pair."""

from __future__ import annotations

import pytest

from fairs.db.tables import IdempotencyRecord, MatchOverride
from tests.support import factories as f
from tests.support.snapshots import database_snapshot

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, field: str | None = None, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field], body
    if code is not None:
        assert body["type"].endswith("/" + code), body
    return body


@pytest.fixture
async def fair(client):
    """An event of 天元区 with two approved employers and two registered people."""
    fair = await f.fair_with_blocks(client)
    people = []
    for n in (1, 2):
        headers = await f.attendee(client, n)
        registered = await client.post(f"/events/{fair['event_id']}/registrations", headers=headers)
        assert registered.status_code == 201, registered.text
        people.append({"headers": headers, "registration": registered.json(), "id": registered.json()["attendee"]})
    return {**fair, "people": people, "path": f"/events/{fair['event_id']}/match-overrides"}


async def test_an_organizer_pins_and_forbids_pairs_lists_and_takes_one_back(client, fair, clock):
    welders, cooks = fair["organizations"]
    one, two = (p["id"] for p in fair["people"])
    pin = await client.post(fair["path"], headers=fair["organizer"], json={
        "attendee_id": one, "organization_id": welders, "kind": "pin", "reason": " 本村困难户，优先安排 "})
    assert pin.status_code == 201, pin.text
    organizer_account = (await MatchOverride.select(MatchOverride.created_by).first())["created_by"]
    assert pin.json() == {
        "id": pin.json()["id"], "event": fair["event_id"], "attendee": one, "attendee_name": "求职者1",
        "organization": welders, "organization_name": "株洲测试企业1有限公司", "kind": "pin",
        "reason": "本村困难户，优先安排", "created_by": organizer_account, "created_at": "2027-03-01T02:00:00Z"}
    forbid = await client.post(fair["path"], headers=fair["organizer"], json={
        "attendee_id": one, "organization_id": cooks, "kind": "forbid", "reason": "曾有劳动纠纷"})
    assert forbid.status_code == 201, forbid.text
    other = await client.post(fair["path"], headers=fair["organizer"], json={
        "attendee_id": two, "organization_id": welders, "kind": "forbid", "reason": "本人不愿意"})
    listed = await client.get(fair["path"], headers=fair["organizer"])
    assert listed.json() == [pin.json(), forbid.json(), other.json()]
    deleted = await client.delete(f"/match-overrides/{forbid.json()['id']}", headers=fair["organizer"])
    assert deleted.status_code == 204
    assert (await client.get(fair["path"], headers=fair["organizer"])).json() == [pin.json(), other.json()]
    assert await MatchOverride.count() == 2


async def test_a_retried_override_returns_the_first_answer(client, fair):
    headers = {**fair["organizer"], "Idempotency-Key": "pin-person-1-welders"}
    body = {"attendee_id": fair["people"][0]["id"], "organization_id": fair["organizations"][0], "kind": "pin",
            "reason": "优先"}
    first = await client.post(fair["path"], headers=headers, json=body)
    again = await client.post(fair["path"], headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (await MatchOverride.count(), await IdempotencyRecord.count()) == (1, 1)


async def test_a_second_decision_for_the_same_pair_is_a_conflict(client, fair):
    body = {"attendee_id": fair["people"][0]["id"], "organization_id": fair["organizations"][0], "kind": "pin",
            "reason": "优先"}
    assert (await client.post(fair["path"], headers=fair["organizer"], json=body)).status_code == 201
    before = await database_snapshot()
    response = await client.post(fair["path"], headers=fair["organizer"], json={**body, "kind": "forbid"})
    body = assert_problem(response, 409, "attendee_id", "match_override_once")
    assert body["errors"][0]["message"] == "this pair already has a pin or a ban for the event"
    assert await database_snapshot() == before


@pytest.mark.parametrize(("who", "field", "message"), [
    ("unregistered", "attendee_id", "this person is not registered for the event"),
    ("cancelled", "attendee_id", "this person is not registered for the event"),
    ("nobody", "attendee_id", "this person is not registered for the event"),
    ("applicant", "organization_id", "this employer does not take part in the event"),
    ("no organization", "organization_id", "this employer does not take part in the event"),
    ("no reason", "reason", "say why: the decision is kept with its reason"),
])
async def test_an_override_for_someone_not_taking_part_names_the_field_and_writes_nothing(client, fair, who, field,
                                                                                          message):
    body = {"attendee_id": fair["people"][0]["id"], "organization_id": fair["organizations"][0], "kind": "pin",
            "reason": "优先"}
    if who == "unregistered":
        await f.attendee(client, 3)
        [me] = (await client.get("/attendees?phone=" + f.mobile(3), headers=fair["organizer"])).json()
        body["attendee_id"] = me["id"]
    elif who == "cancelled":
        person = fair["people"][1]
        await client.post(f"/registrations/{person['registration']['id']}/cancel", headers=person["headers"])
        body["attendee_id"] = person["id"]
    elif who == "nobody":
        body["attendee_id"] = 999999
    elif who == "applicant":
        applicant = await f.employer(client, 3)
        applied = await client.post(f"/events/{fair['event_id']}/participations", headers=applicant,
                                    json={"documents": ["business_licence"]})
        body["organization_id"] = applied.json()["organization"]
    elif who == "no organization":
        body["organization_id"] = 999999
    else:
        body["reason"] = "   "
    before = await database_snapshot()
    response = await client.post(fair["path"], headers=fair["organizer"], json=body)
    assert assert_problem(response, 422, field)["errors"][0]["message"] == message
    assert await database_snapshot() == before


async def test_an_unknown_kind_is_a_bad_request(client, fair):
    before = await database_snapshot()
    response = await client.post(fair["path"], headers=fair["organizer"], json={
        "attendee_id": fair["people"][0]["id"], "organization_id": fair["organizations"][0], "kind": "prefer",
        "reason": "?"})
    assert_problem(response, 400, "kind")
    assert await database_snapshot() == before


async def test_another_areas_event_and_its_overrides_do_not_exist_for_me(client, fair):
    created = await client.post(fair["path"], headers=fair["organizer"], json={
        "attendee_id": fair["people"][0]["id"], "organization_id": fair["organizations"][0], "kind": "pin",
        "reason": "优先"})
    township = await f.sign_in_organizer(client, "nanzhou", f.NANZHOU)
    before = await database_snapshot()
    response = await client.post(fair["path"], headers=township, json={
        "attendee_id": fair["people"][1]["id"], "organization_id": fair["organizations"][0], "kind": "pin",
        "reason": "优先"})
    assert_problem(response, 404, "event_id")
    assert_problem(await client.get(fair["path"], headers=township), 404, "event_id")
    assert_problem(await client.delete(f"/match-overrides/{created.json()['id']}", headers=township), 404,
                   "override_id")
    assert_problem(await client.delete("/match-overrides/999999", headers=fair["organizer"]), 404, "override_id")
    assert_problem(await client.get("/events/999999/match-overrides", headers=fair["organizer"]), 404, "event_id")
    assert await database_snapshot() == before
    county = await f.sign_in_organizer(client, "tianyuan", f.TIANYUAN)
    assert [o["id"] for o in (await client.get(fair["path"], headers=county)).json()] == [created.json()["id"]]


async def test_only_organizers_pin_and_forbid(client, fair):
    created = await client.post(fair["path"], headers=fair["organizer"], json={
        "attendee_id": fair["people"][0]["id"], "organization_id": fair["organizations"][0], "kind": "pin",
        "reason": "优先"})
    staff = await f.staff(client, fair["organizer"])
    body = {"attendee_id": fair["people"][1]["id"], "organization_id": fair["organizations"][0], "kind": "forbid",
            "reason": "不合适"}
    before = await database_snapshot()
    for headers in (fair["employers"][0], fair["people"][0]["headers"], staff):
        assert_problem(await client.post(fair["path"], headers=headers, json=body), 403, code="forbidden")
        assert_problem(await client.get(fair["path"], headers=headers), 403, code="forbidden")
        assert_problem(await client.delete(f"/match-overrides/{created.json()['id']}", headers=headers), 403,
                       code="forbidden")
    assert_problem(await client.post(fair["path"], json=body), 401)
    assert_problem(await client.delete(f"/match-overrides/{created.json()['id']}"), 401)
    assert await database_snapshot() == before
