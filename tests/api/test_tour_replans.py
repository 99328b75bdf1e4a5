"""Re-planning a published village tour after a change, and publishing only what changed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fairs.db.tables import Event, Organization, Outbox, TourRide, TourStop
from tests.support import factories as f
from tests.support.tours import planned, tour

ZONE = ZoneInfo("Asia/Shanghai")


async def published_tour(client, run_worker, **kwargs):
    made = await tour(client, **kwargs)
    plan = await planned(client, run_worker, made)
    response = await client.post(f"/tour-plans/{plan['id']}/publish", headers=made["organizer"])
    assert response.status_code == 200, response.text
    return made, plan


async def stop_events(plan_id: int) -> dict[int, dict]:
    """Tour village → its event, for the plan's stops."""
    stops = await TourStop.select(TourStop.village, TourStop.event).where(TourStop.plan == plan_id)
    events = {e["id"]: e for e in await Event.select()}
    return {s["village"]: events[s["event"]] for s in stops}


async def told_organizations(after_id: int) -> dict[int, set[str]]:
    """Organization → methods of the messages queued after outbox row ``after_id``."""
    emails = {o["contact_email"]: o["id"] for o in await Organization.select(Organization.id,
                                                                            Organization.contact_email)}
    told: dict[int, set[str]] = {}
    for message in await Outbox.select().where(Outbox.id > after_id):
        if message["recipient"] in emails:
            told.setdefault(emails[message["recipient"]], set()).add(message["method"])
    return told


async def last_outbox_id() -> int:
    row = await Outbox.select(Outbox.id).order_by(Outbox.id, ascending=False).first()
    return row["id"] if row else 0


async def test_a_rained_out_stop_moves_keeps_the_rest_and_tells_only_those_affected(client, run_worker):
    made, first = await published_tour(client, run_worker, riders=8, buses=3)
    before = await stop_events(first["id"])
    rained = made["village_ids"][0]
    rained_day = before[rained]["starts_at"].astimezone(ZONE).date().isoformat()
    # someone registered for the stop that will move hears of it
    person = await f.attendee(client, 7, home=f.NANZHOU_VILLAGE)
    assert (await client.post(f"/events/{before[rained]['id']}/registrations", headers=person)).status_code == 201
    mark = await last_outbox_id()

    second = await planned(client, run_worker, made, rained_out=[{"village_id": rained, "date": rained_day}])
    assert second["based_on"] == first["id"] and not second["applied"]
    diff = second["diff"]
    assert rained in diff["affected_villages"]
    assert await last_outbox_id() == mark  # nothing is told before publishing
    published = await client.post(f"/tour-plans/{second['id']}/publish", headers=made["organizer"])
    assert published.status_code == 200, published.text

    after = await stop_events(second["id"])
    assert after[rained]["id"] == before[rained]["id"]  # the same event, moved: calendars update in place
    assert after[rained]["starts_at"].astimezone(ZONE).date().isoformat() != rained_day
    unchanged = [v for v in made["village_ids"] if v not in diff["affected_villages"]]
    assert unchanged, diff
    for village in unchanged:
        assert (after[village]["id"], after[village]["starts_at"]) == (before[village]["id"],
                                                                       before[village]["starts_at"])
    told = await told_organizations(mark)
    assert set(told) == set(diff["affected_enterprises"])
    assert len(told) < len(made["employers"])  # the others keep their rides and hear nothing
    messages = await Outbox.select().where(Outbox.id > mark)
    phone_or_mail = {m["recipient"] for m in messages}
    assert "139" + "00000007" in phone_or_mail  # the registered person (no e-mail: a text)
    assert published.json()["told"] == len(told) + 1


async def test_a_broken_bus_moves_its_stops_and_its_riders_hear_of_it(client, run_worker):
    made, first = await published_tour(client, run_worker, buses=3)
    routes = (await client.get(f"/tour-plans/{first['id']}/routes", headers=made["organizer"])).json()
    broken = routes[0]
    mark = await last_outbox_id()
    second = await planned(client, run_worker, made,
                           broken_buses=[{"date": broken["day"], "bus": broken["bus"]}])
    after = (await client.get(f"/tour-plans/{second['id']}/routes", headers=made["organizer"])).json()
    assert (broken["day"], broken["bus"]) not in {(r["day"], r["bus"]) for r in after}
    moved = {s["village_id"] for s in broken["stops"]}
    served = {s["village_id"] for r in after for s in r["stops"]}
    unserved = {u["village_id"] for u in second["unserved"]}
    assert moved <= served | unserved
    kept = [r for r in routes[1:]]
    for route in kept:  # every other route is as it was
        assert any((r["day"], r["bus"], [s["village_id"] for s in r["stops"]], r["leaves_at"])
                   == (route["day"], route["bus"], [s["village_id"] for s in route["stops"]], route["leaves_at"])
                   for r in after)
    await client.post(f"/tour-plans/{second['id']}/publish", headers=made["organizer"])
    told = await told_organizations(mark)
    riders_of_broken = {r["organization_id"] for r in broken["riders"]}
    assert riders_of_broken <= set(told)
    assert set(told) == set(second["diff"]["affected_enterprises"])


async def test_an_enterprise_dropping_out_cancels_only_its_rides(client, run_worker):
    made, first = await published_tour(client, run_worker, riders=8, buses=3)
    leaving = made["employers"][0]
    dropped = await client.delete(f"/campaigns/{made['campaign_id']}/tour/riders/{leaving['organization_id']}",
                                  headers=leaving["headers"])
    assert dropped.status_code == 200 and dropped.json()["status"] == "dropped"
    before = await stop_events(first["id"])
    mark = await last_outbox_id()
    second = await planned(client, run_worker, made)
    assert leaving["organization_id"] in second["diff"]["affected_enterprises"]
    await client.post(f"/tour-plans/{second['id']}/publish", headers=made["organizer"])
    rides = await TourRide.select().where(TourRide.organization == leaving["organization_id"])
    assert rides and all(r["cancelled"] for r in rides)
    told = await told_organizations(mark)
    assert told[leaving["organization_id"]] == {"CANCEL"}
    assert set(told) == set(second["diff"]["affected_enterprises"])
    assert len(told) < len(made["employers"])
    after = await stop_events(second["id"])
    assert {v: e["starts_at"] for v, e in after.items()} == {v: e["starts_at"] for v, e in before.items()}


async def test_a_plan_made_before_another_was_published_is_stale(client, run_worker):
    made, first = await published_tour(client, run_worker)
    second = await planned(client, run_worker, made, fresh=True)
    third = await planned(client, run_worker, made)
    assert (await client.post(f"/tour-plans/{third['id']}/publish", headers=made["organizer"])).status_code == 200
    stale = await client.post(f"/tour-plans/{second['id']}/publish", headers=made["organizer"])
    assert stale.status_code == 409 and stale.json()["type"].endswith("tour_plan_stale")
    plans = (await client.get(f"/campaigns/{made['campaign_id']}/tour-plans", headers=made["organizer"])).json()
    assert [p["status"] for p in plans] == ["published", "ready", "superseded"]


async def test_a_change_in_the_past_or_naming_what_does_not_exist_is_refused(client, run_worker, clock):
    made, first = await published_tour(client, run_worker)
    organizer, campaign = made["organizer"], made["campaign_id"]

    async def refused(body: dict, field: str) -> None:
        response = await client.post(f"/campaigns/{campaign}/tour-plans", headers=organizer,
                                     json={"budget_s": 1, **body})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field

    await refused({"rained_out": [{"village_id": 999_999, "date": "2027-03-08"}]}, "rained_out[0].village_id")
    await refused({"rained_out": [{"village_id": made["village_ids"][0], "date": "2027-05-01"}]},
                  "rained_out[0].date")
    await refused({"broken_buses": [{"date": "2027-03-08", "bus": 9}]}, "broken_buses[0]")
    clock.advance(days=9)  # 2027-03-10: the first days are past
    await refused({"rained_out": [{"village_id": made["village_ids"][0], "date": "2027-03-08"}]},
                  "rained_out[0].date")
