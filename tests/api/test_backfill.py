"""An attendee declines: a backfill run gives the freed interview to the next best attendee,
who is invited; nobody else's interview moves."""

from __future__ import annotations

from datetime import timedelta

from fairs.db.tables import Event, InterviewSlot, MatchRun, Outbox
from fairs.services import matching
from tests.support import factories as f


async def test_a_decline_frees_the_slot_for_the_attendee_left_out(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=3, interviewers=1)
    organizer, event_id = ready["organizer"], ready["event_id"]
    event = await Event.select(Event.starts_at).where(Event.id == event_id).first()
    await Event.update({Event.ends_at: event["starts_at"] + timedelta(minutes=40)}).where(Event.id == event_id)

    first = (await client.post(f"/events/{event_id}/match-runs", headers=organizer)).json()
    await matching.run_match(first["id"], clock)
    slots = await InterviewSlot.select().order_by(InterviewSlot.id)
    assert len(slots) == 2  # two slots, one interviewer: one attendee is left out for capacity
    left_out = (await client.get(f"/events/{event_id}/unmatched", headers=organizer)).json()["attendees"]
    assert [p["reason"] for p in left_out] == ["capacity"]

    booked = [(h, listed[0]) for h in ready["attendees"]
              if (listed := (await client.get("/interviews", headers=h)).json())]
    (declining, mine), (_, theirs) = booked
    answered = await client.post(f"/interviews/{mine['id']}/answer", headers=declining, json={"answer": "declined"})
    assert answered.status_code == 200, answered.text
    backfill = await MatchRun.select().where(MatchRun.status == "queued").output(load_json=True).first()
    assert backfill is not None and backfill["parameters"]["trigger"] == "backfill"

    kept = {s["id"]: (s["attendee"], s["slot_index"]) for s in slots if s["id"] != mine["id"]}
    await matching.run_match(backfill["id"], clock)
    assert await MatchRun.count().where(MatchRun.status == "queued") == 0

    now = {s["id"]: (s["attendee"], s["slot_index"], s["status"]) for s in await InterviewSlot.select()}
    assert all(now[i][:2] == kept[i] for i in kept)  # nobody else moved
    new = [s for i, s in now.items() if i not in kept and i != mine["id"]]
    assert len(new) == 1 and new[0][0] == left_out[0]["attendee_id"] and new[0][1] == mine["slot_index"]
    assert await Outbox.count().where(Outbox.idempotency_key.like("interview-invite:%")) == 3
    assert theirs["status"] == "proposed"
    # the one who declined is not proposed that employer again
    declined_by = now[mine["id"]][0]
    assert [st for a, _, st in now.values() if a == declined_by] == ["declined"]


async def test_declines_in_a_burst_queue_one_backfill_run(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=2, interviewers=1)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    await matching.run_match(run["id"], clock)
    for headers in ready["attendees"]:
        mine = (await client.get("/interviews", headers=headers)).json()[0]
        answered = await client.post(f"/interviews/{mine['id']}/answer", headers=headers, json={"answer": "declined"})
        assert answered.status_code == 200
    assert await MatchRun.count().where(MatchRun.status == "queued") == 1
