"""The organizer's pages of a village tour: plan, watch, look, publish."""

from __future__ import annotations

import re

from fairs.db.tables import Event, Outbox
from tests.support import factories as f
from tests.support.pages import csrf_of, sign_in
from tests.support.tours import tour


async def test_an_organizer_plans_looks_and_publishes_from_the_pages(client, run_worker):
    made = await tour(client)
    client.headers.pop("Authorization", None)
    await sign_in(client, "organizer")
    overview = await client.get(f"/organizer/tours/{made['campaign_id']}")
    assert overview.status_code == 200 and "编排方案" in overview.text and "6 个村" in overview.text
    started = await client.post(f"/organizer/tours/{made['campaign_id']}/plans",
                                data={"budget_s": "2", "csrf_token": csrf_of(overview.text)})
    assert started.status_code == 303
    plan_path = started.headers["location"]
    running = await client.get(plan_path)
    assert "EventSource" in running.text and "<progress" in running.text
    assert (await run_worker())["failed"] == 0
    ready = await client.get(plan_path)
    assert "主要指标" in ready.text and "6 / 6" in ready.text
    assert 'src="/organizer/tour-plans/' in ready.text
    plan_id = int(plan_path.rsplit("/", 1)[1])
    drawn = await client.get(f"/organizer/tour-plans/{plan_id}/map.svg")
    assert drawn.status_code == 200 and drawn.text.startswith("<svg") or "<svg" in drawn.text[:200]
    assert (await client.get(f"/organizer/tour-plans/{plan_id}/timeline.svg")).status_code == 200
    manifest = await client.get(f"/organizer/tour-plans/{plan_id}/manifest?lang=en")
    assert "Bus manifest" in manifest.text and "Signature on boarding" in manifest.text
    published = await client.post(f"/organizer/tour-plans/{plan_id}/publish", data={"csrf_token": csrf_of(ready.text)})
    assert published.status_code == 303 and "told=" in published.headers["location"]
    told = int(re.search(r"told=(\d+)", published.headers["location"]).group(1))
    assert told == len({m["recipient"] for m in await Outbox.select(Outbox.recipient)}) > 0
    assert {e["status"] for e in await Event.select(Event.status).where(Event.kind == "village_stop")} == {"published"}
    after = await client.get(published.headers["location"] + "&lang=zh")  # the manifest left English on
    assert "已发布" in after.text and "已通知" in after.text
    assert "重新编排" in (await client.get(f"/organizer/tours/{made['campaign_id']}")).text


async def test_a_bad_plan_request_is_said_on_the_page(client):
    made = await tour(client, villages=2, riders=2)
    await client.patch(f"/tour-villages/{made['village_ids'][1]}", headers=made["organizer"], json={
        "labour_estimate": {"industries": {"mining": 30}, "skills": {}, "priority_groups": {}}})
    client.headers.pop("Authorization", None)
    await sign_in(client, "organizer")
    overview = await client.get(f"/organizer/tours/{made['campaign_id']}")
    refused = await client.post(f"/organizer/tours/{made['campaign_id']}/plans",
                                data={"budget_s": "2", "csrf_token": csrf_of(overview.text)})
    assert refused.status_code == 422 and "no enterprise" in refused.text


async def test_only_organizers_see_tour_pages(client):
    made = await tour(client, villages=1, riders=1)
    client.headers.pop("Authorization", None)
    anonymous = await client.get(f"/organizer/tours/{made['campaign_id']}")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    await sign_in(client, "employer101")
    assert (await client.get(f"/organizer/tours/{made['campaign_id']}")).status_code == 403
    await f.organizer_account("liyu", area=f.LIYU)
    await sign_in(client, "liyu")
    assert (await client.get(f"/organizer/tours/{made['campaign_id']}")).status_code == 404
