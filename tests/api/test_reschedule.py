"""Moving an event moves its interviews and booths, bumps every calendar entry once, and
tells each person concerned once; bad requests change nothing."""

from __future__ import annotations

from datetime import timedelta

from fairs.db.tables import Attendee, CalendarItem, Event, InterviewSlot, Outbox
from fairs.services import matching
from tests.support import factories as f
from tests.support.snapshots import database_snapshot


async def matched(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=2)
    await Attendee.update({Attendee.email: "zhao@example.org"}).where(Attendee.id == 1)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    await matching.run_match(run["id"], clock)
    return ready


async def test_one_call_moves_the_day_and_everyone_hears_once(client, clock):
    ready = await matched(client, clock)
    organizer, event_id = ready["organizer"], ready["event_id"]
    event = await Event.select(Event.starts_at, Event.ends_at).where(Event.id == event_id).first()
    before = {s["id"]: (s["starts_at"], s["slot_index"]) for s in await InterviewSlot.select()}
    items_before = {i["uid"]: i["sequence"] for i in await CalendarItem.select()}
    messages_before = await Outbox.count()

    later = event["starts_at"] + timedelta(days=2)
    moved = await client.post(f"/events/{event_id}/reschedule", headers=organizer,
                              json={"starts_at": later.isoformat()})
    assert moved.status_code == 200, moved.text
    after = await Event.select(Event.starts_at, Event.ends_at).where(Event.id == event_id).first()
    assert after == {"starts_at": later, "ends_at": event["ends_at"] + timedelta(days=2)}
    for slot in await InterviewSlot.select():
        starts, index = before[slot["id"]]
        assert (slot["starts_at"], slot["slot_index"]) == (starts + timedelta(days=2), index)
    assert {i["uid"]: i["sequence"] for i in await CalendarItem.select()} == {
        uid: seq + 1 for uid, seq in items_before.items()}
    new = await Outbox.select(Outbox.channel, Outbox.recipient, Outbox.method, Outbox.sequence).where(
        Outbox.id > messages_before).order_by(Outbox.id)
    recipients = [m["recipient"] for m in new]
    assert len(recipients) == len(set(recipients))  # each person once
    assert {m["method"] for m in new if m["channel"] == "email"} == {"REQUEST"}
    assert "zhao@example.org" in recipients and "hr1@corp.example.org" in recipients
    assert [m for m in new if m["channel"] == "sms"]  # the attendee without e-mail gets a text


async def test_a_move_into_the_past_or_with_a_changed_length_writes_nothing(client, clock):
    ready = await matched(client, clock)
    organizer, event_id = ready["organizer"], ready["event_id"]
    event = await Event.select(Event.starts_at, Event.ends_at).where(Event.id == event_id).first()
    snapshot = await database_snapshot()
    past = await client.post(f"/events/{event_id}/reschedule", headers=organizer,
                             json={"starts_at": (clock.now() - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "starts_at"
    longer = await client.post(f"/events/{event_id}/reschedule", headers=organizer, json={
        "starts_at": (event["starts_at"] + timedelta(days=1)).isoformat(),
        "ends_at": (event["ends_at"] + timedelta(days=1, hours=1)).isoformat()})
    assert longer.status_code == 422 and longer.json()["errors"][0]["field"] == "ends_at"
    naive = await client.post(f"/events/{event_id}/reschedule", headers=organizer,
                              json={"starts_at": "2027-04-01T09:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "starts_at"
    assert await database_snapshot() == snapshot
    stranger = await f.sign_in_organizer(client, "lukou-organizer", area=f.LUKOU)
    snapshot = await database_snapshot()
    assert (await client.post(f"/events/{event_id}/reschedule", headers=stranger, json={
        "starts_at": (event["starts_at"] + timedelta(days=1)).isoformat()})).status_code == 404
    assert (await client.post(f"/events/{event_id}/reschedule", headers=ready["employer"], json={
        "starts_at": (event["starts_at"] + timedelta(days=1)).isoformat()})).status_code == 403
    assert await database_snapshot() == snapshot


async def test_a_move_onto_another_interview_of_the_same_person_is_refused_and_nothing_moves(client, clock):
    ready = await matched(client, clock)
    organizer, event_id = ready["organizer"], ready["event_id"]
    event = await Event.select().where(Event.id == event_id).first()
    slot = await InterviewSlot.select().first()
    # the same person has an interview at another fair a week later
    other = dict(event)
    other.pop("id")
    other.update(starts_at=event["starts_at"] + timedelta(days=7), ends_at=event["ends_at"] + timedelta(days=7),
                 title="另一场招聘会")
    other_id = (await Event.insert(Event(**other)).returning(Event.id))[0]["id"]
    await InterviewSlot.insert(InterviewSlot(
        event=other_id, organization=slot["organization"], position=slot["position"], attendee=slot["attendee"],
        slot_index=slot["slot_index"], starts_at=slot["starts_at"] + timedelta(days=7),
        ends_at=slot["ends_at"] + timedelta(days=7), status="accepted", fit_score=0, created_at=clock.now()))
    snapshot = await database_snapshot()
    clash = await client.post(f"/events/{event_id}/reschedule", headers=organizer,
                              json={"starts_at": (event["starts_at"] + timedelta(days=7)).isoformat()})
    assert clash.status_code == 409, clash.text
    assert clash.json()["errors"][0]["field"] == "starts_at"
    assert await database_snapshot() == snapshot
