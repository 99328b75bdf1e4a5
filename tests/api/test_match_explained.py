"""Explanations: why a pairing (score parts), and who was left without an interview and why —
through the whole path: inputs by API, a real worker run, answers by API."""

from __future__ import annotations

from fairs.db.tables import InterviewSlot
from tests.support import factories as f


async def test_why_shows_the_parts_that_made_the_pair_and_unmatched_names_the_reason(client, run_worker):
    ready = await f.fair_ready_for_matching(client, attendees=1, interviewers=1)
    organizer, event_id = ready["organizer"], ready["event_id"]
    welders = (await client.get("/participations", headers=ready["employer"])).json()[0]["organization"]
    # a second attendee ranks the welding employer first and needs food and lodging it gives
    ranked = await f.attendee(client, 2, needs_food_lodging=True)
    assert (await client.post(f"/events/{event_id}/registrations", headers=ranked,
                              json={"ranked_organizations": [welders]})).status_code == 201
    # a third wants only an industry nobody offers and has no matching skill
    cook = await f.attendee(client, 3, skills=["cooking"], desired_industries=["catering"])
    assert (await client.post(f"/events/{event_id}/registrations", headers=cook)).status_code == 201

    run = (await client.post(f"/events/{event_id}/match-runs", headers=organizer)).json()
    assert (await run_worker())["failed"] == 0
    done = (await client.get(f"/match-runs/{run['id']}", headers=organizer)).json()
    assert done["metrics"]["candidates"] == 3 and done["metrics"]["attendees_with_interview"] == 2

    mine = (await client.get("/interviews", headers=ranked)).json()
    assert len(mine) == 1
    why = await client.get(f"/interviews/{mine[0]['id']}/why", headers=ranked)
    assert why.status_code == 200, why.text
    parts = why.json()["parts"]
    assert parts["skills"] > 0 and parts["industry_wish"] > 0 and parts["own_ranking"] == 5
    assert why.json()["score"] == sum(parts.values())
    assert {r["part"] for r in why.json()["reasons"]} >= {"skills", "own_ranking"}
    # the employer may ask too; another attendee may not see it
    assert (await client.get(f"/interviews/{mine[0]['id']}/why", headers=ready["employer"])).status_code == 200
    assert (await client.get(f"/interviews/{mine[0]['id']}/why", headers=cook)).status_code == 404

    left = await client.get(f"/events/{event_id}/unmatched", headers=organizer)
    assert left.status_code == 200
    [person] = left.json()["attendees"]
    assert await InterviewSlot.count().where(InterviewSlot.attendee == person["attendee_id"]) == 0
    assert person["reason"] == "no_fitting_position" and person["zh"]
    assert left.json()["match_run"] == run["id"]


async def test_one_interviewer_with_enough_slots_meets_everyone_and_nobody_is_left_out(client, run_worker):
    ready = await f.fair_ready_for_matching(client, attendees=3, interviewers=1)
    organizer, event_id = ready["organizer"], ready["event_id"]
    run = (await client.post(f"/events/{event_id}/match-runs", headers=organizer)).json()
    assert (await run_worker())["failed"] == 0
    metrics = (await client.get(f"/match-runs/{run['id']}", headers=organizer)).json()["metrics"]
    slots = metrics["slots"]
    assert slots >= 3 and metrics["attendees_with_interview"] == 3
    assert (await client.get(f"/events/{event_id}/unmatched", headers=organizer)).json()["attendees"] == []
    assert metrics["slots_lost"] == 0 and metrics["proven_optimal"] is True
