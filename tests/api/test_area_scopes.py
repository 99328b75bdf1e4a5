"""The authorization matrix over the levels of a city.

Areas: 株洲市 ⊃ 天元区 ⊃ {嵩山路街道, 栗雨街道}; 株洲市 ⊃ 渌口区 ⊃ 南洲镇 ⊃ 南洲村.
Accounts: the city, 天元区 (county), 嵩山路街道 (township), a veterans' affairs officer of
渌口区, and staff of a station in 嵩山路街道. Each lists, reads and changes campaigns, events,
attendees and registrations inside and outside their scope.
"""

from __future__ import annotations

import pytest

from tests.support import factories as f
from tests.support.snapshots import database_snapshot

ACCOUNTS = ("city", "county", "township", "veterans", "staff")


async def city_world(client) -> dict:
    city = await f.sign_in_organizer(client, "city")
    accounts = {
        "city": city,
        "county": await f.sign_in_organizer(client, "county", f.TIANYUAN),
        "township": await f.sign_in_organizer(client, "township", f.SONGSHAN),
        "veterans": await f.sign_in_organizer(client, "veterans", f.LUKOU, ("veterans_affairs",)),
        "staff": await f.staff(client, city, "staff", f.SONGSHAN),
    }
    world = {"accounts": accounts}
    township, veterans = accounts["township"], accounts["veterans"]
    world["campaign_songshan"] = await _campaign(client, township, f.SONGSHAN)
    world["campaign_nanzhou"] = await _campaign(client, veterans, f.NANZHOU)
    world["event_songshan"] = await _event(client, township, world["campaign_songshan"], f.SONGSHAN)
    world["event_nanzhou"] = await _event(client, veterans, world["campaign_nanzhou"], f.NANZHOU)
    people = {"p1": (f.SONGSHAN, ["veteran"]), "p2": (f.LIYU, []), "p3": (f.NANZHOU, []),
              "p4": (f.NANZHOU_VILLAGE, ["veteran"])}
    world["people"], world["logins"] = {}, {}
    for n, (name, (home, groups)) in enumerate(people.items(), start=1):
        world["logins"][name] = await f.attendee(client, n, home=home, priority_groups=groups)
        me = (await client.get("/registrations", headers=world["logins"][name])).json()
        assert me == []
    return world


async def _campaign(client, headers, area: str) -> int:
    response = await client.post("/campaigns", headers=headers,
                                 json={"name": f"{area}春风行动", "kind": "other", "area_id": f.AREAS[area]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _event(client, headers, campaign: int, area: str) -> int:
    venue = await client.post("/venues", headers=headers, json={"name": f"{area}广场", "area_id": f.AREAS[area]})
    assert venue.status_code == 201, venue.text
    event = await client.post("/events", headers=headers, json={
        "campaign_id": campaign, "venue_id": venue.json()["id"], "kind": "village_stop", "title": f"{area}招聘会",
        "starts_at": "2027-03-20T08:00:00+08:00", "ends_at": "2027-03-20T11:00:00+08:00"})
    assert event.status_code == 201, event.text
    return event.json()["id"]


async def test_campaigns_are_public_but_only_changed_within_the_area(client):
    w = await city_world(client)
    everyone = sorted([w["campaign_songshan"], w["campaign_nanzhou"]])
    expected_changes = {
        "city": {"campaign_songshan": 200, "campaign_nanzhou": 200},
        "county": {"campaign_songshan": 200, "campaign_nanzhou": 404},
        "township": {"campaign_songshan": 200, "campaign_nanzhou": 404},
        "veterans": {"campaign_songshan": 404, "campaign_nanzhou": 200},
        "staff": {"campaign_songshan": 403, "campaign_nanzhou": 403},
    }
    for who in ACCOUNTS:
        headers = w["accounts"][who]
        assert sorted(c["id"] for c in (await client.get("/campaigns", headers=headers)).json()) == everyone
        answers = {}
        for name in ("campaign_songshan", "campaign_nanzhou"):
            before = await database_snapshot()
            response = await client.patch(f"/campaigns/{w[name]}", headers=headers, json={"description": who})
            answers[name] = response.status_code
            if response.status_code != 200:
                assert await database_snapshot() == before
        assert answers == expected_changes[who], who


async def test_draft_events_are_seen_and_published_only_within_the_area(client):
    w = await city_world(client)
    songshan, nanzhou = w["event_songshan"], w["event_nanzhou"]
    visible = {"city": [songshan, nanzhou], "county": [songshan], "township": [songshan], "veterans": [nanzhou],
               "staff": []}
    for who in ACCOUNTS:
        headers = w["accounts"][who]
        assert [e["id"] for e in (await client.get("/events", headers=headers)).json()] == visible[who], who
        for event in (songshan, nanzhou):
            read = await client.get(f"/events/{event}", headers=headers)
            assert read.status_code == (200 if event in visible[who] else 404), (who, event)
    assert (await client.get("/events")).json() == []  # drafts are not public
    for who, event, status in [("county", nanzhou, 404), ("veterans", songshan, 404), ("staff", songshan, 403),
                               ("township", songshan, 200), ("veterans", nanzhou, 200)]:
        before = await database_snapshot()
        response = await client.patch(f"/events/{event}", headers=w["accounts"][who], json={"status": "published"})
        assert response.status_code == status, (who, event, response.text)
        if status != 200:
            assert await database_snapshot() == before


async def test_people_are_seen_within_the_area_and_by_their_department_across_the_city(client):
    w = await city_world(client)
    everyone = (await client.get("/attendees", headers=w["accounts"]["city"])).json()
    ids = {a["name"]: a["id"] for a in everyone}
    p1, p2, p3, p4 = (ids[f"求职者{n}"] for n in (1, 2, 3, 4))
    readable = {"city": [p1, p2, p3, p4], "county": [p1, p2], "township": [p1], "veterans": [p1, p3, p4],
                "staff": [p1]}
    changeable = {"city": [p1, p2, p3, p4], "county": [p1, p2], "township": [p1], "veterans": [p3, p4],
                  "staff": [p1]}
    for who in ACCOUNTS:
        headers = w["accounts"][who]
        assert [a["id"] for a in (await client.get("/attendees", headers=headers)).json()] == readable[who], who
        for person in (p1, p2, p3, p4):
            read = await client.get(f"/attendees/{person}", headers=headers)
            assert read.status_code == (200 if person in readable[who] else 404), (who, person)
            before = await database_snapshot()
            change = await client.patch(f"/attendees/{person}", headers=headers, json={"skills": ["forklift"]})
            assert change.status_code == (200 if person in changeable[who] else 404), (who, person)
            if change.status_code == 404:
                assert await database_snapshot() == before
    # organizers see whole numbers; staff masked ones, unless they look a person up by number
    assert (await client.get(f"/attendees/{p1}", headers=w["accounts"]["township"])).json()["phone"] == f.mobile(1)
    assert (await client.get(f"/attendees/{p1}", headers=w["accounts"]["staff"])).json()["phone"] == "139****0001"
    found = await client.get(f"/attendees?phone={f.mobile(1)}", headers=w["accounts"]["staff"])
    assert [(a["id"], a["phone"]) for a in found.json()] == [(p1, f.mobile(1))]
    assert (await client.get(f"/attendees?phone={f.mobile(3)}", headers=w["accounts"]["staff"])).json() == []
    for login in w["logins"].values():  # attendees are not staff
        assert (await client.get("/attendees", headers=login)).status_code == 403


async def test_registrations_are_seen_by_event_area_person_area_and_department(client):
    w = await city_world(client)
    accounts = w["accounts"]
    for event in (w["event_songshan"], w["event_nanzhou"]):
        owner = accounts["township"] if event == w["event_songshan"] else accounts["veterans"]
        assert (await client.patch(f"/events/{event}", headers=owner, json={"status": "published"})).status_code == 200
    plan = {"r1": ("p1", "event_songshan"), "r2": ("p2", "event_songshan"), "r3": ("p3", "event_nanzhou"),
            "r4": ("p4", "event_nanzhou"), "r5": ("p3", "event_songshan")}
    regs = {}
    for name, (person, event) in plan.items():
        response = await client.post(f"/events/{w[event]}/registrations", headers=w["logins"][person])
        assert response.status_code == 201, response.text
        regs[name] = response.json()["id"]
    readable = {"city": ["r1", "r2", "r3", "r4", "r5"], "county": ["r1", "r2", "r5"],
                "township": ["r1", "r2", "r5"], "veterans": ["r1", "r3", "r4", "r5"], "staff": ["r1", "r2", "r5"]}
    for who in ACCOUNTS:
        listed = [r["id"] for r in (await client.get("/registrations", headers=accounts[who])).json()]
        assert listed == [regs[r] for r in readable[who]], who
    # the veterans officer reads r1 (a veteran of 嵩山路街道) but may not cancel it; r3 is in their area
    before = await database_snapshot()
    assert (await client.post(f"/registrations/{regs['r1']}/cancel", headers=accounts["veterans"])).status_code == 404
    assert await database_snapshot() == before
    assert (await client.post(f"/registrations/{regs['r3']}/cancel", headers=accounts["veterans"])).status_code == 200
    assert (await client.post(f"/registrations/{regs['r3']}/cancel", headers=accounts["township"])).status_code == 404


@pytest.mark.parametrize(("creator", "body", "status", "field"), [
    ("township", {"role": "organizer", "area_id": "LUKOU"}, 403, "area_id"),
    ("township", {"role": "organizer", "area_id": "SONGSHAN", "departments": ["veterans_affairs"]}, 403,
     "departments"),
    ("county", {"role": "organizer", "area_id": "SONGSHAN"}, 201, None),
    ("city", {"role": "organizer", "area_id": "LUKOU", "departments": ["astrology"]}, 422, "departments"),
    ("city", {"role": "staff"}, 422, "station_id"),
])
async def test_accounts_are_created_only_within_the_creators_area(client, creator, body, status, field):
    w = await city_world(client)
    if "area_id" in body:
        body = {**body, "area_id": f.AREAS[getattr(f, body["area_id"])]}
    before = await database_snapshot()
    response = await client.post("/accounts", headers=w["accounts"][creator], json={
        "login": "newcomer", "password": f.PASSWORD, "display_name": "新同事", **body})
    assert response.status_code == status, response.text
    if field:
        assert [e["field"] for e in response.json()["errors"]] == [field]
        assert await database_snapshot() == before


async def test_creating_in_an_area_outside_mine_is_forbidden_and_names_the_field(client):
    w = await city_world(client)
    before = await database_snapshot()
    response = await client.post("/campaigns", headers=w["accounts"]["township"], json={
        "name": "越界", "kind": "other", "area_id": f.AREAS[f.NANZHOU]})
    assert response.status_code == 403
    assert response.json()["errors"] == [{"field": "area_id", "message": "outside your area"}]
    assert await database_snapshot() == before


async def test_figures_roll_up_by_area_within_my_area(client):
    w = await city_world(client)
    for event in (w["event_songshan"], w["event_nanzhou"]):
        owner = w["accounts"]["township"] if event == w["event_songshan"] else w["accounts"]["veterans"]
        await client.patch(f"/events/{event}", headers=owner, json={"status": "published"})
    for person, event in (("p1", "event_songshan"), ("p3", "event_songshan"), ("p4", "event_nanzhou")):
        await client.post(f"/events/{w[event]}/registrations", headers=w["logins"][person])
    counties = (await client.get("/reports/by-area?level=county", headers=w["accounts"]["city"])).json()
    assert [(c["name"], c["attendees"], c["registrations"], c["events"]) for c in counties] == [
        ("天元区", 2, 1, 1), ("渌口区", 2, 2, 1)]
    townships = (await client.get("/reports/by-area?level=township", headers=w["accounts"]["county"])).json()
    assert [(t["name"], t["attendees"], t["registrations"], t["events"]) for t in townships] == [
        ("嵩山路街道", 1, 1, 1), ("栗雨街道", 1, 0, 0)]
    above = await client.get("/reports/by-area?level=city", headers=w["accounts"]["county"])
    assert above.status_code == 422
    assert above.json()["errors"] == [{"field": "level", "message": "must be your own area's level or below it"}]
    assert (await client.get("/reports/by-area?level=county", headers=w["accounts"]["staff"])).status_code == 403
