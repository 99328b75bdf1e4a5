"""Taking part, booth holds with limits and blocks, the organizer's controls, and the plan."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fairs.db.tables import BoothReservation, Outbox, Participation
from fairs.services import booths
from tests.support import factories as f
from tests.support.snapshots import database_snapshot

SVG = "{http://www.w3.org/2000/svg}"


async def fair_with(client, booth_count: int = 4):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=booth_count)
    ids = {b["code"]: b["id"] for b in fair["venue"]["booths"]}
    return organizer, fair["event"]["id"], ids


async def test_an_employer_takes_part_only_once_approved_and_sees_vetting_flags(client):
    organizer, event_id, booth = await fair_with(client)
    employer = await f.employer(client, 1)
    await f.position(client, employer, title="焊工", description="限男性，45岁以下")
    before = await database_snapshot()
    refused = await client.post(f"/events/{event_id}/reservations", headers=employer, json={"booth_id": booth["A01"]})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "event_id"
    assert await database_snapshot() == before
    applied = await client.post(f"/events/{event_id}/participations", headers=employer, json={"documents": []})
    assert applied.status_code == 201
    assert applied.json()["flags"] == ["missing document business_licence",
                                       'position 1 焊工: may discriminate by sex ("限男")',
                                       'position 1 焊工: states an age limit ("45岁以下")']
    pid = applied.json()["id"]
    no_reason = await client.post(f"/participations/{pid}/decision", headers=organizer, json={"decision": "rejected"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    rejected = await client.post(f"/participations/{pid}/decision", headers=organizer,
                                 json={"decision": "rejected", "reason": "岗位描述含性别限制，请修改后重新申请"})
    assert rejected.json()["status"] == "rejected"
    mine = (await client.get("/participations", headers=employer)).json()
    assert [(p["status"], p["reason"]) for p in mine] == [("rejected", "岗位描述含性别限制，请修改后重新申请")]
    notice = await Outbox.select(Outbox.recipient, Outbox.body).where(Outbox.idempotency_key.like("participation:%"))
    assert notice == [{"recipient": "hr1@corp.example.org",
                       "body": "参会申请 Participation: not approved 未通过: 岗位描述含性别限制，请修改后重新申请"}]
    approved = await client.post(f"/participations/{pid}/decision", headers=organizer, json={"decision": "approved"})
    assert approved.json()["status"] == "approved"
    held = await client.post(f"/events/{event_id}/reservations", headers=employer, json={"booth_id": booth["A01"]})
    assert held.status_code == 201


async def test_an_organization_gets_no_more_booths_than_the_event_allows(client):
    _, event_id, booth = await fair_with(client)
    employer = await f.employer(client, 1)
    await f.reserve(client, employer, event_id, booth["A01"])
    before = await database_snapshot()
    second = await client.post(f"/events/{event_id}/reservations", headers=employer, json={"booth_id": booth["A02"]})
    assert second.status_code == 409
    assert second.json()["type"].endswith("/booth_limit_reached")
    assert await database_snapshot() == before


async def test_a_blocked_booth_cannot_be_held_and_the_plan_shows_every_state(client, clock):
    organizer, event_id, booth = await fair_with(client)
    first, second = await f.employer(client, 1), await f.employer(client, 2)
    assert (await client.post(f"/events/{event_id}/blocks", headers=organizer,
                              json={"booth_id": booth["A04"], "reason": "消防通道"})).status_code == 204
    await f.reserve(client, first, event_id, booth["A01"])
    await f.take_part(client, second, event_id)
    await client.post(f"/events/{event_id}/reservations", headers=second, json={"booth_id": booth["A02"]})
    blocked = await client.post(f"/events/{event_id}/reservations", headers=second, json={"booth_id": booth["A04"]})
    assert blocked.status_code == 409
    svg = await client.get(f"/events/{event_id}/floorplan.svg", headers=first)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.text)
    states = {g.get("data-code"): (g.get("data-state"), g.get("data-highlight")) for g in root.iter(f"{SVG}g")
              if g.get("data-code")}
    assert states == {"A01": ("reserved", "true"), "A02": ("held", None), "A03": ("free", None),
                      "A04": ("blocked", None)}
    occupancy = (await client.get(f"/events/{event_id}/occupancy", headers=organizer)).json()
    assert occupancy == [{"zone": "manufacturing", "free": 1, "held": 1, "reserved": 1, "blocked": 1, "total": 4}]
    assert (await client.delete(f"/events/{event_id}/blocks/{booth['A04']}", headers=organizer)).status_code == 204
    assert (await client.delete(f"/events/{event_id}/blocks/{booth['A04']}", headers=organizer)).status_code == 404


async def test_expired_holds_are_released_by_the_cron_job_and_the_employer_is_told(client, clock):
    _, event_id, booth = await fair_with(client)
    employer = await f.employer(client, 1)
    await f.take_part(client, employer, event_id)
    held = (await client.post(f"/events/{event_id}/reservations", headers=employer,
                              json={"booth_id": booth["A01"]})).json()
    assert await booths.release_expired_holds(clock) == []
    clock.advance(minutes=16)
    assert await booths.release_expired_holds(clock) == [held["id"]]
    assert await booths.release_expired_holds(clock) == []
    assert (await BoothReservation.select(BoothReservation.status).first())["status"] == "cancelled"
    keys = [o["idempotency_key"].split(":")[2] for o in await Outbox.select(Outbox.idempotency_key).where(
        Outbox.idempotency_key.like("booth:%")).order_by(Outbox.id)]
    assert keys == ["held", "expired"]


async def test_a_hold_on_a_booth_whose_hold_expired_releases_it_first(client, clock):
    """No cron run in between: the second employer's hold finds the expired one, releases it
    (the first employer is told) and takes the booth."""
    _, event_id, booth = await fair_with(client)
    first, second = await f.employer(client, 1), await f.employer(client, 2)
    for employer in (first, second):
        await f.take_part(client, employer, event_id)
    old = (await client.post(f"/events/{event_id}/reservations", headers=first,
                             json={"booth_id": booth["A01"]})).json()
    refused = await client.post(f"/events/{event_id}/reservations", headers=second, json={"booth_id": booth["A01"]})
    assert refused.status_code == 409 and refused.json()["type"].endswith("/booth_taken")
    clock.advance(minutes=16)
    taken = await client.post(f"/events/{event_id}/reservations", headers=second, json={"booth_id": booth["A01"]})
    assert taken.status_code == 201, taken.text
    assert taken.json()["organization"] != old["organization"]
    statuses = await BoothReservation.select(BoothReservation.id, BoothReservation.status).order_by(
        BoothReservation.id)
    assert statuses == [{"id": old["id"], "status": "cancelled"}, {"id": taken.json()["id"], "status": "held"}]
    keys = [o["idempotency_key"].split(":")[1:3] for o in await Outbox.select(Outbox.idempotency_key).where(
        Outbox.idempotency_key.like("booth:%")).order_by(Outbox.id)]
    assert keys == [[str(old["id"]), "held"], [str(old["id"]), "expired"], [str(taken.json()["id"]), "held"]]


async def test_the_organizer_moves_and_releases_reservations_of_their_area_only(client):
    organizer, event_id, booth = await fair_with(client)
    employer = await f.employer(client, 1)
    reservation = await f.reserve(client, employer, event_id, booth["A01"])
    township = await f.sign_in_organizer(client, "township", f.SONGSHAN)
    assert (await client.post(f"/reservations/{reservation['id']}/move", headers=township,
                              json={"booth_id": booth["A03"]})).status_code == 404
    moved = await client.post(f"/reservations/{reservation['id']}/move", headers=organizer,
                              json={"booth_id": booth["A03"]})
    assert (moved.status_code, moved.json()["booth_code"], moved.json()["status"]) == (200, "A03", "confirmed")
    released = await client.post(f"/reservations/{reservation['id']}/release", headers=organizer)
    assert released.json()["status"] == "cancelled"
    again = await client.post(f"/reservations/{reservation['id']}/release", headers=organizer)
    assert again.status_code == 409
    assert await Participation.count() == 1


async def test_a_floor_plan_imports_from_csv_and_bad_rows_are_named(client):
    organizer, event_id, booth = await fair_with(client)
    venue = (await client.get(f"/events/{event_id}", headers=organizer)).json()["venue"]
    csv = ("code,zone,x_m,y_m,width_m,depth_m,features,price_yuan,fee_waived\n"
           "A01,manufacturing,1,1,3,3,power;corner,800,no\n"
           "B01,services,5,1,3,3,accessible,,yes\n")
    headers = {**organizer, "content-type": "text/csv"}
    done = await client.post(f"/venues/{venue}/floor-plans?name=一号馆", headers=headers, content=csv.encode())
    assert (done.status_code, done.json()["created"], done.json()["updated"]) == (200, 1, 1)
    plans = (await client.get(f"/venues/{venue}/floor-plans")).json()
    assert [p["name"] for p in plans] == ["主平面图 Main floor", "一号馆"]
    states = {b["code"]: (b["zone"], b["price_yuan"], b["fee_waived"], b["floor_plan"])
              for b in (await client.get(f"/events/{event_id}/booths")).json()}
    assert states["A01"] == ("manufacturing", 800, False, plans[1]["id"])
    assert states["B01"] == ("services", None, True, plans[1]["id"])
    before = await database_snapshot()
    bad = "code,zone,x_m,y_m,features\nC01,x,1,abc,\nA01,x,,,teleporter\nA01,x,1,1,\n"
    refused = await client.post(f"/venues/{venue}/floor-plans?name=二号馆", headers=headers, content=bad.encode())
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["rows[0].y_m"]
    bad = "code,zone,features\nC01,x,teleporter\nC01,x,\n"
    refused = await client.post(f"/venues/{venue}/floor-plans?name=二号馆", headers=headers, content=bad.encode())
    assert [e["field"] for e in refused.json()["errors"]] == ["rows[0].features", "rows[1].code"]
    assert await database_snapshot() == before


async def test_alternatives_come_from_the_same_zone_first_then_others(client):
    organizer = await f.sign_in_organizer(client)
    venue = await client.post("/venues", headers=organizer, json={
        "name": "二号馆", "area_id": f.AREAS[f.TIANYUAN],
        "booths": [{"code": "M01", "zone": "manufacturing"}, {"code": "M02", "zone": "manufacturing"},
                   {"code": "S01", "zone": "services"}, {"code": "L01", "zone": "livestream"}]})
    fair = await f.published_fair(client, organizer)
    event = await client.post("/events", headers=organizer, json={
        "campaign_id": fair["campaign"]["id"], "venue_id": venue.json()["id"], "kind": "onsite_fair",
        "title": "二号馆招聘会", "starts_at": "2027-03-12T09:00:00+08:00", "ends_at": "2027-03-12T12:00:00+08:00"})
    event_id = event.json()["id"]
    await client.patch(f"/events/{event_id}", headers=organizer, json={"status": "published"})
    booth = {b["code"]: b["id"] for b in venue.json()["booths"]}
    first, second = await f.employer(client, 1), await f.employer(client, 2)
    await f.reserve(client, first, event_id, booth["M01"])
    await f.take_part(client, second, event_id)
    refused = await client.post(f"/events/{event_id}/reservations", headers=second, json={"booth_id": booth["M01"]})
    assert [b["code"] for b in refused.json()["alternatives"]] == ["M02", "L01", "S01"]
