"""One fair end to end, through the running API with a real database and a real arq worker."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar

from fairs.db.tables import CalendarItem, InterviewSlot, MatchRun, Outbox, Registration
from tests.support import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_fair_from_set_up_to_interview_calendars(client, run_worker):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=10)
    event_id = fair["event"]["id"]
    booths = [b["id"] for b in fair["venue"]["booths"]]
    assert len(booths) == 10

    # two employers reserve a booth each and post positions
    welders = await f.employer(client, 1)
    movers = await f.employer(client, 2, industry="logistics")
    await f.reserve(client, welders, event_id, booths[0], interviewers=2)
    await f.reserve(client, movers, event_id, booths[1], interviewers=1)
    welding = await f.position(client, welders, title="焊工", skills=["welding"])
    forklift = await f.position(client, movers, title="叉车司机", industry="logistics", skills=["forklift"])

    # five attendees register: three themselves, two through a service-station staff account
    staff = await f.staff(client, organizer)
    self_registered = []
    for n in (1, 2, 3):
        headers = await f.attendee(client, n, skills=["welding", "forklift"],
                                   desired_industries=["manufacturing", "logistics"])
        response = await client.post(f"/events/{event_id}/registrations", headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["channel"] == "self"
        self_registered.append(headers)
    for n in (4, 5):
        response = await client.post(f"/events/{event_id}/assisted-registrations", headers=staff, json={
            "attendee": f.attendee_body(n, skills=["forklift"], desired_industries=["logistics"],
                                        priority_groups=["older_worker"])})
        assert response.status_code == 201, response.text
        assert response.json()["channel"] == "staff"
    assert await Registration.count() == 5

    # the organizer starts matching; the worker runs it
    started = await client.post(f"/events/{event_id}/match-runs", headers=organizer)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    counts = await run_worker()
    assert counts["failed"] == 0
    run = await client.get(f"/match-runs/{started.json()['id']}", headers=organizer)
    assert run.json()["status"] == "succeeded"
    metrics = run.json()["metrics"]
    assert metrics["candidates"] == 5
    assert metrics["attendees_with_interview"] == 5
    assert metrics["priority_attendees_with_interview"] == 2

    # every interview has one calendar item; SMS for people without e-mail are queued
    slots = await InterviewSlot.select().order_by(InterviewSlot.id)
    assert len(slots) == metrics["interviews_created"]
    assert await CalendarItem.count().where(CalendarItem.kind == "interview") == len(slots)
    invitations = Outbox.idempotency_key.like("interview-invite:%")
    assert await Outbox.count().where(invitations) == len(slots)
    assert {o["sent_at"] is not None for o in await Outbox.select(Outbox.sent_at)} == {True}

    # each attendee lists their slots and downloads a calendar file that parses back
    for headers in self_registered:
        mine = await client.get("/interviews", headers=headers)
        assert mine.status_code == 200
        interviews = mine.json()
        assert 1 <= len(interviews) <= 2
        assert len({i["starts_at"] for i in interviews}) == len(interviews)  # never two in one slot
        assert {i["organization"] for i in interviews} <= {welding["organization"], forklift["organization"]}
        for interview in interviews:
            assert "attendee_phone" not in interview or interview["attendee_phone"] is None
            ics = await client.get(f"/interviews/{interview['id']}/calendar.ics", headers=headers)
            assert ics.status_code == 200
            assert ics.headers["content-type"].startswith("text/calendar")
            calendar = Calendar.from_ical(ics.content)
            assert "METHOD" not in calendar
            [vevent] = calendar.walk("VEVENT")
            item = await CalendarItem.select(CalendarItem.uid).where(
                CalendarItem.interview_slot == interview["id"]).first()
            assert str(vevent["UID"]) == item["uid"]
            start = vevent.decoded("DTSTART")
            assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai"
            assert start == datetime.fromisoformat(interview["starts_at"])
            assert start.astimezone(SHANGHAI).hour == 9
            assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
            assert b"DTSTAMP:20270301T020000Z\r\n" in ics.content
            assert vevent.decoded("DTSTAMP") == datetime(2027, 3, 1, 2, 0, tzinfo=UTC)

    # each employer sees only its own schedule, with phone numbers masked
    for headers, own in ((welders, welding["organization"]), (movers, forklift["organization"])):
        schedule = (await client.get("/interviews", headers=headers)).json()
        assert schedule, "each employer has interviews"
        assert {i["organization"] for i in schedule} == {own}
        assert all("****" in i["attendee_phone"] for i in schedule)
        expected = await InterviewSlot.count().where(InterviewSlot.organization == own)
        assert len(schedule) == expected
        other = next(s for s in slots if s["organization"] != own)
        hidden = await client.get(f"/interviews/{other['id']}", headers=headers)
        assert hidden.status_code == 404

    # capacity: never more interviews in a slot than the booth has interviewers
    load: dict[tuple[int, int], int] = {}
    for s in slots:
        load[(s["organization"], s["slot_index"])] = load.get((s["organization"], s["slot_index"]), 0) + 1
    assert max(v for (org, _), v in load.items() if org == forklift["organization"]) <= 1
    assert max(v for (org, _), v in load.items() if org == welding["organization"]) <= 2


async def test_rerunning_a_match_changes_nothing_and_a_new_run_adds_only_new_registrations(client, run_worker):
    ready = await f.fair_ready_for_matching(client, attendees=2, interviewers=3)
    organizer, event_id = ready["organizer"], ready["event_id"]

    first = (await client.post(f"/events/{event_id}/match-runs", headers=organizer)).json()
    await run_worker()
    before = await InterviewSlot.select().order_by(InterviewSlot.id)
    assert len(before) == 2

    # the same run's job delivered again (at-least-once) changes nothing
    from fairs.services.matching import job_id
    from fairs.services.queue import RUN_MATCHING

    await client.app.state.queue.pool.enqueue_job(RUN_MATCHING, first["id"], _job_id=job_id(first["id"]) + "-again")
    await run_worker()
    assert await InterviewSlot.select().order_by(InterviewSlot.id) == before
    assert await CalendarItem.count().where(CalendarItem.kind == "interview") == 2

    # a new registration, then a second run: only the newcomer gets an interview
    newcomer = await f.attendee(client, 3)
    await client.post(f"/events/{event_id}/registrations", headers=newcomer)
    second = await client.post(f"/events/{event_id}/match-runs", headers=organizer)
    assert second.status_code == 202
    await run_worker()
    after = await InterviewSlot.select().order_by(InterviewSlot.id)
    assert after[:2] == before
    assert len(after) == 3
    newcomer_id = (await client.get("/registrations", headers=newcomer)).json()[0]["attendee"]
    assert after[2]["attendee"] == newcomer_id
    assert [r["status"] for r in await MatchRun.select(MatchRun.status).order_by(MatchRun.id)] == [
        "succeeded", "succeeded"]
