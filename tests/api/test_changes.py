"""Changes after the fact: cancelled events, re-registration, a queue that is down."""

from __future__ import annotations

from icalendar import Calendar

from fairs.db.tables import CalendarItem, InterviewSlot, MatchRun
from fairs.services import matching
from tests.support import factories as f


async def matched_fair(client, run_worker):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])
    await run_worker()
    return ready["organizer"], ready["event_id"], ready["attendees"][0]


async def test_cancelling_an_event_cancels_its_calendar_entries_with_the_same_uid(client, run_worker):
    organizer, event_id, attendee = await matched_fair(client, run_worker)
    [interview] = (await client.get("/interviews", headers=attendee)).json()
    uids = {r["kind"]: r["uid"] for r in await CalendarItem.select(CalendarItem.kind, CalendarItem.uid)}
    cancelled = await client.patch(f"/events/{event_id}", headers=organizer, json={"status": "cancelled"})
    assert cancelled.status_code == 200
    assert [r["status"] for r in await InterviewSlot.select(InterviewSlot.status)] == ["cancelled"]
    items = await CalendarItem.select(CalendarItem.kind, CalendarItem.uid, CalendarItem.sequence,
                                      CalendarItem.cancelled).order_by(CalendarItem.id)
    assert items == [{"kind": "fair_event", "uid": uids["fair_event"], "sequence": 1, "cancelled": True},
                     {"kind": "booth_reservation", "uid": uids["booth_reservation"], "sequence": 1, "cancelled": True},
                     {"kind": "interview", "uid": uids["interview"], "sequence": 1, "cancelled": True}]
    for path in (f"/events/{event_id}/calendar.ics", f"/interviews/{interview['id']}/calendar.ics"):
        headers = attendee if "interviews" in path else {}
        [vevent] = Calendar.from_ical((await client.get(path, headers=headers)).content).walk("VEVENT")
        assert (str(vevent["STATUS"]), int(vevent["SEQUENCE"])) == ("CANCELLED", 1)
        assert str(vevent["UID"]) in uids.values()


async def test_declining_an_interview_bumps_its_sequence_and_shows_the_phone_to_nobody_new(client, run_worker):
    _, _, attendee = await matched_fair(client, run_worker)
    [interview] = (await client.get("/interviews", headers=attendee)).json()
    declined = await client.post(f"/interviews/{interview['id']}/answer", headers=attendee, json={"answer": "declined"})
    assert declined.json()["status"] == "declined"
    item = await CalendarItem.select(CalendarItem.sequence, CalendarItem.cancelled).where(
        CalendarItem.interview_slot == interview["id"]).first()
    assert item == {"sequence": 1, "cancelled": True}
    again = await client.post(f"/interviews/{interview['id']}/answer", headers=attendee, json={"answer": "accepted"})
    assert again.status_code == 409


async def test_accepting_an_interview_shows_the_employer_the_whole_phone_number(client, run_worker):
    _, _, attendee = await matched_fair(client, run_worker)
    employer = await f.login(client, "employer1")
    [before] = (await client.get("/interviews", headers=employer)).json()
    assert before["attendee_phone"] == "139****0001"
    await client.post(f"/interviews/{before['id']}/answer", headers=attendee, json={"answer": "accepted"})
    [after] = (await client.get("/interviews", headers=employer)).json()
    assert after["attendee_phone"] == f.mobile(1)


async def test_a_cancelled_registration_can_be_made_again(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    attendee = await f.attendee(client, 1)
    path = f"/events/{fair['event']['id']}/registrations"
    first = (await client.post(path, headers=attendee)).json()
    assert (await client.post(f"/registrations/{first['id']}/cancel", headers=attendee)).json()["status"] == "cancelled"
    again = await client.post(path, headers=attendee)
    assert again.status_code == 201
    statuses = [r["status"] for r in (await client.get("/registrations", headers=attendee)).json()]
    assert statuses == ["cancelled", "registered"]


class UnreachableQueue:
    """Redis refusing connections, as a JobQueue sees it."""

    async def enqueue(self, function, *args, job_id, defer_until=None):
        raise ConnectionRefusedError(111, "Connection refused")


async def test_starting_a_match_while_redis_is_down_still_answers_202_and_the_run_waits(client, clock):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    client.app.state.queue = UnreachableQueue()
    response = await client.post(f"/events/{fair['event']['id']}/match-runs", headers=organizer)
    assert response.status_code == 202
    assert [r["status"] for r in await MatchRun.select(MatchRun.status)] == ["queued"]


async def test_a_run_that_keeps_failing_is_marked_failed_and_frees_the_event(client, clock):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    run = (await client.post(f"/events/{fair['event']['id']}/match-runs", headers=organizer)).json()
    await matching.mark_failed(run["id"], "IntegrityError", clock)
    assert await MatchRun.select(MatchRun.status, MatchRun.error).first() == {
        "status": "failed", "error": "IntegrityError"}
    assert (await client.post(f"/events/{fair['event']['id']}/match-runs", headers=organizer)).status_code == 202


async def test_calendar_downloads_say_their_type_and_charset_once(client, run_worker):
    _, event_id, attendee = await matched_fair(client, run_worker)
    [interview] = (await client.get("/interviews", headers=attendee)).json()
    for path, headers in ((f"/events/{event_id}/calendar.ics", {}),
                          (f"/interviews/{interview['id']}/calendar.ics", attendee)):
        answer = await client.get(path, headers=headers)
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
