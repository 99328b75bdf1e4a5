"""Bad input, missing things, conflicts and auth: a clear 4xx problem naming the field, and
nothing written."""

from __future__ import annotations

import pytest

from tests.support import factories as f
from tests.support.snapshots import database_snapshot

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, field: str | None = None, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("https://")
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    if code is not None:
        assert body["type"].endswith("/" + code), body
    return body


@pytest.fixture
async def fair(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=3)
    return {"organizer": organizer, **fair}


@pytest.mark.parametrize(("body", "field", "status"), [
    ({"name": ""}, "name", 400),
    ({"kind": "carnival"}, "kind", 400),
    ({"name": None}, "name", 400),
    ({"colour": "red"}, "colour", 400),
    ({"area_id": 0}, "area_id", 400),
    ({"area_id": 999}, "area_id", 422),
])
async def test_an_invalid_campaign_names_the_field_and_writes_nothing(client, body, field, status):
    organizer = await f.sign_in_organizer(client)
    campaign = {"name": "春风行动", "kind": "festival", "area_id": f.AREAS[f.CITY], **body}
    if campaign["name"] is None:
        del campaign["name"]
    before = await database_snapshot()
    response = await client.post("/campaigns", headers=organizer, json=campaign)
    assert_problem(response, status, field)
    assert await database_snapshot() == before


async def test_malformed_json_is_a_400_problem(client):
    organizer = await f.sign_in_organizer(client)
    response = await client.post("/campaigns", headers={**organizer, "content-type": "application/json"},
                                 content=b"{not json")
    assert_problem(response, 400)


@pytest.mark.parametrize(("changes", "field", "status"), [
    ({"ends_at": "2027-03-11T08:00:00+08:00"}, "ends_at", 422),
    ({"starts_at": "2027-03-11T09:00:00"}, "starts_at", 422),
    ({"timezone": "Mars/Olympus"}, "timezone", 422),
    ({"campaign_id": 999}, "campaign_id", 422),
    ({"venue_id": 999}, "venue_id", 422),
    ({"interview_slot_minutes": 0}, "interview_slot_minutes", 422),
    ({"kind": "online_fair", "venue_id": None}, "online_url", 422),
    ({"starts_at": "next tuesday"}, "starts_at", 400),
])
async def test_an_invalid_event_names_the_field_and_writes_nothing(client, fair, changes, field, status):
    body = {"campaign_id": fair["campaign"]["id"], "venue_id": fair["venue"]["id"], "kind": "onsite_fair",
            "title": "招聘会", "starts_at": "2027-03-11T09:00:00+08:00", "ends_at": "2027-03-11T12:00:00+08:00"}
    body.update(changes)
    before = await database_snapshot()
    response = await client.post("/events", headers=fair["organizer"], json=body)
    assert_problem(response, status, field)
    assert await database_snapshot() == before


@pytest.mark.parametrize(("organization", "field"), [
    ({"credit_code": "91430200MA4L12345X"}, "organization.credit_code"),
    ({"credit_code": "91430200"}, "organization.credit_code"),
    ({"credit_code": "91430200MA4L1234IO"}, "organization.credit_code"),
    ({"contact_phone": "12345"}, "organization.contact_phone"),
])
async def test_an_employer_with_a_bad_credit_code_or_phone_is_refused(client, organization, field):
    body = {"name": "株洲某公司", "credit_code": f.credit_code(1), "industry": "manufacturing", **organization}
    before = await database_snapshot()
    response = await client.post("/signup/employer", json={"organization": body, "login": "hr1",
                                                           "password": f.PASSWORD})
    assert_problem(response, 422, field)
    assert await database_snapshot() == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"phone": "010-12345678"}, "attendee.phone"),
    ({"consent": False}, "attendee.consent"),
    ({"priority_groups": ["vip"]}, "attendee.priority_groups"),
])
async def test_assisted_registration_refuses_bad_details_and_writes_nothing(client, fair, changes, field):
    staff = await f.staff(client, fair["organizer"])
    before = await database_snapshot()
    response = await client.post(f"/events/{fair['event']['id']}/assisted-registrations", headers=staff,
                                 json={"attendee": f.attendee_body(1, **changes)})
    assert_problem(response, 422, field)
    assert await database_snapshot() == before


@pytest.mark.parametrize("field", ["wage_min", "wage_max"])
async def test_a_wage_beyond_any_real_one_is_a_400_not_a_500(client, field):
    """Unbounded, 2**40 reached the int4 column: 500 on PostgreSQL."""
    employer = await f.employer(client, 1)
    response = await client.post("/positions", headers=employer, json={
        "title": "普工", "industry": "manufacturing", field: 2**40})
    assert_problem(response, 400, field)


async def test_a_wage_range_upside_down_is_refused(client):
    employer = await f.employer(client, 1)
    before = await database_snapshot()
    response = await client.post("/positions", headers=employer, json={
        "title": "普工", "industry": "manufacturing", "wage_min": 6000, "wage_max": 4000})
    assert_problem(response, 422, "wage_max")
    assert await database_snapshot() == before


@pytest.mark.parametrize("path", ["/events/999", "/venues/999", "/events/999/booths",
                                  "/events/999/calendar.ics"])
async def test_missing_public_things_are_404_problems(client, path):
    assert_problem(await client.get(path), 404)


async def test_an_unknown_path_is_a_404_problem(client):
    assert_problem(await client.get("/no/such/thing"), 404)


async def test_a_draft_event_is_invisible_to_the_public(client, fair):
    draft = await client.post("/events", headers=fair["organizer"], json={
        "campaign_id": fair["campaign"]["id"], "venue_id": fair["venue"]["id"], "kind": "onsite_fair",
        "title": "未发布", "starts_at": "2027-04-01T09:00:00+08:00", "ends_at": "2027-04-01T12:00:00+08:00"})
    assert draft.status_code == 201
    assert_problem(await client.get(f"/events/{draft.json()['id']}"), 404)
    assert [e["id"] for e in (await client.get("/events")).json()] == [fair["event"]["id"]]


async def test_registering_twice_is_a_conflict_and_writes_nothing(client, fair):
    attendee = await f.attendee(client, 1)
    event_id = fair["event"]["id"]
    assert (await client.post(f"/events/{event_id}/registrations", headers=attendee)).status_code == 201
    before = await database_snapshot()
    body = assert_problem(await client.post(f"/events/{event_id}/registrations", headers=attendee), 409,
                          "event_id", "registration_once_per_event")
    assert body["registration_id"] == before["registration"][0]["id"]
    assert await database_snapshot() == before


async def test_a_taken_booth_is_a_conflict_that_lists_free_alternatives(client, fair):
    event_id = fair["event"]["id"]
    booths = fair["venue"]["booths"]
    first, second = await f.employer(client, 1), await f.employer(client, 2)
    await f.reserve(client, first, event_id, booths[0]["id"])
    await f.take_part(client, second, event_id)
    before = await database_snapshot()
    response = await client.post(f"/events/{event_id}/reservations", headers=second,
                                 json={"booth_id": booths[0]["id"]})
    body = assert_problem(response, 409, "booth_id", "booth_taken")
    assert [b["code"] for b in body["alternatives"]] == ["A02", "A03"]
    assert await database_snapshot() == before


async def test_an_expired_hold_cannot_be_confirmed_and_the_booth_is_free_again(client, fair, clock):
    event_id = fair["event"]["id"]
    booth = fair["venue"]["booths"][0]["id"]
    first, second = await f.employer(client, 1), await f.employer(client, 2)
    await f.take_part(client, first, event_id)
    await f.take_part(client, second, event_id)
    held = (await client.post(f"/events/{event_id}/reservations", headers=first, json={"booth_id": booth})).json()
    clock.advance(minutes=16)
    before = await database_snapshot()
    assert_problem(await client.post(f"/reservations/{held['id']}/confirm", headers=first), 409,
                   "reservation_id", "hold_expired")
    assert await database_snapshot() == before
    states = {b["code"]: b["state"] for b in (await client.get(f"/events/{event_id}/booths")).json()}
    assert states == {"A01": "free", "A02": "free", "A03": "free"}
    taken = await client.post(f"/events/{event_id}/reservations", headers=second, json={"booth_id": booth})
    assert taken.status_code == 201
    statuses = [r["status"] for r in (await client.get("/reservations", headers=fair["organizer"])).json()]
    assert statuses == ["cancelled", "held"]


async def test_an_impossible_transition_is_a_conflict(client, fair):
    response = await client.patch(f"/events/{fair['event']['id']}", headers=fair["organizer"],
                                  json={"status": "published"})
    assert_problem(response, 409, "status", "invalid_transition")


async def test_a_second_matching_run_while_one_is_queued_is_a_conflict(client, fair):
    event_id = fair["event"]["id"]
    first = await client.post(f"/events/{event_id}/match-runs", headers=fair["organizer"])
    assert first.status_code == 202
    before = await database_snapshot()
    body = assert_problem(await client.post(f"/events/{event_id}/match-runs", headers=fair["organizer"]), 409,
                          "event_id", "match_run_active")
    assert body["match_run_id"] == first.json()["id"]
    assert await database_snapshot() == before


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/campaigns"), ("GET", "/interviews"), ("GET", "/registrations"), ("POST", "/positions"),
    ("GET", "/reservations"), ("POST", "/events/1/match-runs"),
])
async def test_without_a_token_protected_routes_answer_401(client, method, path):
    before = await database_snapshot()
    response = await client.request(method, path, json={})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert await database_snapshot() == before


async def test_a_forged_or_expired_token_is_refused(client):
    import jwt

    forged = jwt.encode({"sub": "1", "exp": 4102444800}, "not-the-secret-key-at-all-0123456789", algorithm="HS256")
    assert_problem(await client.get("/interviews", headers={"Authorization": f"Bearer {forged}"}), 401)
    await f.organizer_account()
    secret = client.app.state.settings.secret_key
    expired = jwt.encode({"sub": "1", "exp": 1000}, secret, algorithm="HS256")
    assert_problem(await client.get("/interviews", headers={"Authorization": f"Bearer {expired}"}), 401)
    assert_problem(await client.get("/interviews", headers={"Authorization": "Basic abc"}), 401)


async def test_a_wrong_password_is_401_and_says_nothing_about_which_part_was_wrong(client):
    await f.organizer_account("boss")
    wrong = await client.post("/auth/login", json={"login": "boss", "password": "nope-nope-nope"})
    unknown = await client.post("/auth/login", json={"login": "nobody", "password": "nope-nope-nope"})
    assert assert_problem(wrong, 401)["detail"] == assert_problem(unknown, 401)["detail"]


async def test_a_role_that_may_not_call_a_route_gets_403(client, fair):
    employer = await f.employer(client, 1)
    before = await database_snapshot()
    assert_problem(await client.post("/campaigns", headers=employer,
                                     json={"name": "x", "kind": "other", "area_id": f.AREAS[f.CITY]}), 403)
    assert_problem(await client.post(f"/events/{fair['event']['id']}/registrations", headers=employer), 403)
    assert await database_snapshot() == before


async def test_a_taken_login_is_a_conflict(client):
    await f.employer(client, 1)
    before = await database_snapshot()
    response = await client.post("/signup/attendee", json={"attendee": f.attendee_body(9), "login": "employer1",
                                                           "password": f.PASSWORD})
    assert_problem(response, 409, "login")
    assert await database_snapshot() == before


@pytest.mark.parametrize(("method", "path", "field"), [
    ("DELETE", "/events/4487886016549994606100480/blocks/1", "event_id"),
    ("DELETE", "/events/1/blocks/2147483648", "booth_id"),
    ("GET", "/events/-3", "event_id"),
    ("GET", "/campaigns?area_id=697404912692742", "area_id"),
    ("GET", "/stations?area_id=697404912692742", "area_id"),
    ("GET", "/training-cohorts?area_id=697404912692742", "area_id"),
    ("GET", "/registrations?after=697404912692742", "after"),
])
async def test_an_id_out_of_range_is_a_400_naming_it_not_a_500(client, method, path, field):
    """Ids are PostgreSQL int4: a larger one used to reach the query (SQLite: OverflowError,
    PostgreSQL: DataError) and answer 500 (found by tests/api/test_schema_fuzz.py)."""
    organizer = await f.sign_in_organizer(client)
    assert_problem(await client.request(method, path, headers=organizer), 400, field)
