"""Village tours through the API and a real worker: set-up, a plan, its views, publishing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fairs.db.tables import (
    BoothReservation,
    CalendarItem,
    Event,
    Outbox,
    Participation,
    TourBusDay,
    TourPlan,
    TourRide,
    TourRider,
    TourStop,
)
from fairs.services import tour_plans
from tests.support import factories as f
from tests.support.tours import DAYS, planned, tour


async def test_a_plan_covers_every_village_and_writes_draft_stops_booths_and_rides(client, run_worker):
    made = await tour(client)
    plan = await planned(client, run_worker, made)
    metrics = plan["metrics"]
    assert metrics["villages_uncovered"] == 0 and metrics["min_stops_per_village"] == 1
    assert metrics["stops_served"] == metrics["stops_wanted"] == 6
    assert metrics["min_enterprises_per_stop"] >= 2
    assert 0 < metrics["fit_ratio"] <= 1
    assert plan["applied"] and plan["diff"] == {"first_plan": True} and plan["unserved"] == []

    stops = await TourStop.select().where(TourStop.plan == plan["id"])
    assert sorted(s["village"] for s in stops) == sorted(made["village_ids"])
    events = await Event.select().where(Event.kind == "village_stop")
    assert len(events) == 6 and {e["status"] for e in events} == {"draft"}
    assert {s["event"] for s in stops} == {e["id"] for e in events}
    assert {e["tour_village"] for e in events} == set(made["village_ids"])
    # every rider of a bus-day has a confirmed booth (and an approved participation) at each of its stops
    riders = await TourRider.select().where(TourRider.plan == plan["id"])
    expected = {(s["event"], r["organization"]) for s in stops for r in riders if r["bus_day"] == s["bus_day"]}
    booths = await BoothReservation.select().where(BoothReservation.status == "confirmed")
    assert {(b["event"], b["organization"]) for b in booths} == expected
    assert {b["source"] for b in booths} == {"tour"}
    assert len({(b["event"], b["booth"]) for b in booths}) == len(booths)
    approved = await Participation.select().where(Participation.status == "approved")
    assert {(p["event"], p["organization"]) for p in approved} == expected
    # one ride per rider and day, each with its calendar item; nothing is sent before publishing
    rides = await TourRide.select()
    bus_days = {b["id"]: b["day"] for b in await TourBusDay.select().where(TourBusDay.plan == plan["id"])}
    assert {(r["organization"], r["day"]) for r in rides} == {(r["organization"], bus_days[r["bus_day"]])
                                                               for r in riders}
    items = await CalendarItem.select().where(CalendarItem.tour_ride.is_not_null())
    assert len(items) == len(rides) and {i["kind"] for i in items} == {"village_stop"}
    assert await Outbox.count() == 0


async def test_the_plan_shows_as_routes_map_timeline_and_a_printable_manifest(client, run_worker):
    made = await tour(client)
    plan = await planned(client, run_worker, made)
    organizer = made["organizer"]
    routes = (await client.get(f"/tour-plans/{plan['id']}/routes", headers=organizer)).json()
    assert sum(len(r["stops"]) for r in routes) == 6
    for route in routes:
        assert route["seats_used"] == sum(r["staff"] for r in route["riders"]) <= route["seats"]
        assert route["leaves_at"] <= route["stops"][0]["arrives_at"]
    first_day = routes[0]["day"]
    one_day = (await client.get(f"/tour-plans/{plan['id']}/routes?day={first_day}", headers=organizer)).json()
    assert {r["day"] for r in one_day} == {first_day}

    drawn = await client.get(f"/tour-plans/{plan['id']}/map.svg", headers=organizer)
    assert drawn.status_code == 200 and drawn.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(drawn.text)
    assert svg.get("role") == "img"
    assert "荷花村" in drawn.text
    timeline = await client.get(f"/tour-plans/{plan['id']}/timeline.svg?lang=en", headers=organizer)
    assert timeline.status_code == 200
    ET.fromstring(timeline.text)
    manifest = await client.get(f"/tour-plans/{plan['id']}/manifest?day={first_day}", headers=organizer)
    assert manifest.status_code == 200 and "text/html" in manifest.headers["content-type"]
    assert "乘车名单" in manifest.text
    for rider in routes[0]["riders"]:
        assert rider["name"] in manifest.text


async def test_publishing_the_first_plan_publishes_the_stops_and_invites_every_rider(client, run_worker, queue):
    made = await tour(client)
    plan = await planned(client, run_worker, made)
    published = await client.post(f"/tour-plans/{plan['id']}/publish", headers=made["organizer"])
    assert published.status_code == 200, published.text
    riding = {r["organization"] for r in await TourRide.select(TourRide.organization)}
    assert published.json()["status"] == "published" and published.json()["told"] == len(riding)
    assert {e["status"] for e in await Event.select(Event.status).where(Event.kind == "village_stop")} == {
        "published"}
    messages = await Outbox.select()
    rides = await TourRide.select()
    assert len(messages) == len(rides)  # one invitation per ride, by e-mail, the file built when sent
    assert {m["method"] for m in messages} == {"REQUEST"} and all(m["calendar_item"] for m in messages)
    again = await client.post(f"/tour-plans/{plan['id']}/publish", headers=made["organizer"])
    assert again.status_code == 409 and again.json()["type"].endswith("tour_plan_not_ready")
    assert await Outbox.count() == len(messages)


async def test_the_invitation_is_a_ride_calendar_file_with_the_stops(client, run_worker, clock):
    from fairs.services.invitations import calendar_for

    made = await tour(client)
    plan = await planned(client, run_worker, made)
    await client.post(f"/tour-plans/{plan['id']}/publish", headers=made["organizer"])
    message = await Outbox.select().first()
    ride = await TourRide.select().where(TourRide.id == (await CalendarItem.select(CalendarItem.tour_ride).where(
        CalendarItem.id == message["calendar_item"]).first())["tour_ride"]).output(load_json=True).first()
    body = (await calendar_for(message["calendar_item"], message["sequence"], "REQUEST", message["recipient"],
                               "tours@hr.example.org", clock.now())).decode()
    assert "METHOD:REQUEST" in body and "X-WR" not in body
    assert "株洲市人力资源服务中心" in body  # the departure point is where to be
    for stop in ride["stops"]:
        assert stop["village"] in body.replace("\r\n ", "")


async def test_a_second_plan_while_one_is_queued_is_refused(client, run_worker):
    made = await tour(client)
    first = await client.post(f"/campaigns/{made['campaign_id']}/tour-plans", headers=made["organizer"],
                              json={"budget_s": 1})
    assert first.status_code == 202
    second = await client.post(f"/campaigns/{made['campaign_id']}/tour-plans", headers=made["organizer"],
                               json={"budget_s": 1})
    assert second.status_code == 409 and second.json()["type"].endswith("tour_plan_active")
    assert await TourPlan.count() == 1


async def test_a_retried_job_writes_the_plan_once(client, run_worker, clock):
    made = await tour(client)
    plan = await planned(client, run_worker, made)
    counts = (await TourStop.count(), await Event.count(), await TourRide.count())
    again = await tour_plans.run_plan(plan["id"], clock)
    assert again == plan["metrics"]
    assert (await TourStop.count(), await Event.count(), await TourRide.count()) == counts


async def test_bad_set_up_is_refused_naming_the_field_and_nothing_is_written(client):
    made = await tour(client, villages=1, riders=1)
    organizer, campaign_id = made["organizer"], made["campaign_id"]
    ids = await f.ensure_areas()
    villages_before = await client.get(f"/campaigns/{campaign_id}/tour/villages", headers=organizer)

    async def refused(body: dict, field: str) -> None:
        response = await client.post(f"/campaigns/{campaign_id}/tour/villages", headers=organizer, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field, response.json()

    await refused({"area_id": ids["430212101003"], "opens": "08:00", "closes": "09:00", "stop_minutes": 120},
                  "stop_minutes")
    await refused({"area_id": ids[f.NANZHOU]}, "area_id")  # a township, not a village
    await refused({"area_id": ids["430212101003"], "forbidden_dates": ["2027-02-30"]}, "forbidden_dates[0]")
    await refused({"area_id": ids["430212101003"], "labour_estimate": {"priority_groups": {"aliens": 3}}},
                  "labour_estimate.priority_groups.aliens")
    after = await client.get(f"/campaigns/{campaign_id}/tour/villages", headers=organizer)
    assert after.json() == villages_before.json()

    employer = made["employers"][0]
    late = await client.post(f"/campaigns/{campaign_id}/tour/riders", headers=employer["headers"], json={
        "organization_id": employer["organization_id"], "travel_dates": ["2027-04-01"]})
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "travel_dates[0]"
    other = await client.post(f"/campaigns/{campaign_id}/tour/riders", headers=employer["headers"], json={
        "organization_id": employer["organization_id"] + 999, "travel_dates": DAYS})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "organization_id"
    bad_setup = await client.put(f"/campaigns/{campaign_id}/tour", headers=organizer, json={
        "dates": DAYS, "depot_name": "中心", "depot_latitude": 95, "depot_longitude": 113, "buses_per_day": 1,
        "seats": 10})
    assert bad_setup.status_code == 422 and bad_setup.json()["errors"][0]["field"] == "depot_latitude"
    assert (await client.get(f"/campaigns/{campaign_id}/tour", headers=organizer)).json()["depot_latitude"] != 95


async def test_a_plan_that_cannot_work_is_refused_with_what_is_wrong(client):
    made = await tour(client, villages=2, riders=2)
    organizer, campaign_id = made["organizer"], made["campaign_id"]
    # a village nobody fits: its people want work no rider offers
    await client.patch(f"/tour-villages/{made['village_ids'][1]}", headers=organizer, json={
        "labour_estimate": {"industries": {"mining": 30}, "skills": {}, "priority_groups": {}}})
    response = await client.post(f"/campaigns/{campaign_id}/tour-plans", headers=organizer, json={"budget_s": 1})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "villages[1].labour_pool"
    await client.patch(f"/tour-villages/{made['village_ids'][1]}", headers=organizer, json={
        "labour_estimate": {"industries": {"manufacturing": 30}, "skills": {}, "priority_groups": {}}})
    # a road-time matrix without the second village
    matrix = "from,to,minutes\n" + "\n".join(
        f"{a},{b},30" for a in ("depot", str(made["village_ids"][0])) for b in ("depot", str(made["village_ids"][0]))
        if a != b)
    stored = await client.put(f"/campaigns/{campaign_id}/tour/travel-matrix", headers={
        **organizer, "Content-Type": "text/csv"}, content=matrix)
    assert stored.status_code == 200, stored.text
    response = await client.post(f"/campaigns/{campaign_id}/tour-plans", headers=organizer, json={"budget_s": 1})
    assert response.status_code == 422, response.text
    assert str(made["village_ids"][1]) in response.json()["detail"]
    # re-planning with nothing published
    await client.put(f"/campaigns/{campaign_id}/tour/travel-matrix", headers={**organizer, "Content-Type": "text/csv"},
                     content="")
    response = await client.post(f"/campaigns/{campaign_id}/tour-plans", headers=organizer, json={
        "budget_s": 1, "rained_out": [{"village_id": made["village_ids"][0], "date": DAYS[0]}]})
    assert response.status_code == 422 and response.json()["type"].endswith("no_published_plan")
    assert await TourPlan.count() == 0


async def test_employers_and_other_areas_cannot_see_or_plan(client, run_worker):
    made = await tour(client, villages=2, riders=2)
    plan = await planned(client, run_worker, made)
    employer = made["employers"][0]["headers"]
    for path in (f"/tour-plans/{plan['id']}", f"/tour-plans/{plan['id']}/map.svg",
                 f"/campaigns/{made['campaign_id']}/tour/villages"):
        assert (await client.get(path, headers=employer)).status_code in (403, 404)
    assert (await client.post(f"/tour-plans/{plan['id']}/publish", headers=employer)).status_code in (403, 404)
    outsider = await f.sign_in_organizer(client, "liyu", area=f.LIYU)
    assert (await client.get(f"/tour-plans/{plan['id']}", headers=outsider)).status_code == 404
    assert (await client.post(f"/tour-plans/{plan['id']}/publish", headers=outsider)).status_code == 404
    assert (await TourPlan.select(TourPlan.status).first())["status"] == "ready"


async def test_progress_reports_the_routing_search_and_streams_until_done(client, queue, run_worker):
    import asyncio
    import io
    import json

    from fairs.cli import watch_tour_plan
    from fairs.services.progress import progress_key
    from tests.api.test_match_progress import events_of

    made = await tour(client)
    started = (await client.post(f"/campaigns/{made['campaign_id']}/tour-plans", headers=made["organizer"],
                                 json={"budget_s": 2})).json()
    assert started["progress"]["phase"] == "queued"
    out = io.StringIO()
    watching = asyncio.ensure_future(watch_tour_plan(started["id"], queue.pool, out, poll_seconds=0.05))

    async def worker_later():
        await asyncio.sleep(0.5)
        return await run_worker()

    stream, counts = await asyncio.gather(
        client.get(f"/tour-plans/{started['id']}/progress", headers=made["organizer"], timeout=60), worker_later())
    assert counts["failed"] == 0
    events = events_of(stream.text)
    assert events[0][0] == "progress" and events[-1][0] == "done"
    assert events[-1][1]["status"] == "ready" and events[-1][1]["metrics"]["stops_served"] == 6
    stored = json.loads(await queue.pool.get(progress_key("tour-plan", started["id"])))
    assert stored["phase"] == "done"
    finished = await asyncio.wait_for(watching, 10)
    assert finished["status"] == "ready"
    # while routing, the search's best objective so far is shown (travel seconds: positive)
    routing = [frame for frame in out.getvalue().split("\r") if "routing" in frame and " best " in frame]
    assert routing, out.getvalue()
    assert int(routing[-1].rsplit(" best ", 1)[1].replace(",", "")) > 0
