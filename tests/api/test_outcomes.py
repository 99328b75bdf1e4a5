"""Outcomes marked by employers, the follow-up calls they lead to, reports, data rights."""

from __future__ import annotations

from fairs.db.tables import ContactRead, FollowUp, InterviewSlot, Registration
from fairs.services import outcomes
from tests.support import factories as f


async def matched(client, run_worker, clock):
    """A fair matched: attendee1 and attendee2 each have an interview with employer1."""
    ready = await f.fair_ready_for_matching(client)
    started = await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])
    assert started.status_code == 202
    assert (await run_worker())["failed"] == 0
    interviews = (await client.get("/interviews", headers=ready["employer"])).json()
    assert len(interviews) == 2
    return ready, interviews


async def test_an_employer_marks_a_hire_and_the_follow_up_calls_follow(client, run_worker, clock):
    ready, interviews = await matched(client, run_worker, clock)
    first = interviews[0]
    position = (await client.get("/positions", headers=ready["employer"])).json()[0]
    early = await client.post(f"/interviews/{first['id']}/outcome", headers=ready["employer"],
                              json={"outcome": "attended"})
    assert early.status_code == 409 and early.json()["type"].endswith("interview_not_begun")
    clock.advance(days=12)  # the fair is over
    no_position = await client.post(f"/interviews/{first['id']}/outcome", headers=ready["employer"],
                                    json={"outcome": "hired", "start_date": "2027-03-20"})
    assert no_position.status_code == 422 and no_position.json()["errors"][0]["field"] == "hired_position_id"
    hired = await client.post(f"/interviews/{first['id']}/outcome", headers=ready["employer"], json={
        "outcome": "hired", "hired_position_id": position["id"], "start_date": "2027-03-20"})
    assert hired.status_code == 200, hired.text
    assert (hired.json()["outcome"], hired.json()["start_date"]) == ("hired", "2027-03-20")
    attendee = await client.post(f"/interviews/{first['id']}/outcome", headers=ready["attendees"][0],
                                 json={"outcome": "attended"})
    assert attendee.status_code == 403

    # a month after the start, minus the week's lead, the first call appears — once
    clock.advance(days=30)  # 2027-04-12: the call of 04-20 is eight days away
    assert await outcomes.create_due_follow_ups(clock) == 0
    clock.advance(days=1)
    assert await outcomes.create_due_follow_ups(clock) == 1
    assert await outcomes.create_due_follow_ups(clock) == 0
    calls = await FollowUp.select()
    assert [(c["kind"], c["due_on"]) for c in calls] == [("retention_1m", "2027-04-20")]
    # the organizer of the area sees it (no station serves the person's village here) and answers
    listed = (await client.get("/follow-ups", headers=ready["organizer"])).json()
    assert [c["kind"] for c in listed] == ["retention_1m"]
    bad = await client.post(f"/follow-ups/{listed[0]['id']}/answer", headers=ready["organizer"],
                            json={"answer": "maybe"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "answer"
    done = await client.post(f"/follow-ups/{listed[0]['id']}/answer", headers=ready["organizer"],
                             json={"answer": "still_employed", "note": "在岗"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    campaign = (await client.get(f"/events/{ready['event_id']}")).json()["campaign"]
    report = (await client.get(f"/campaigns/{campaign}/report?by=employer", headers=ready["organizer"])).json()
    assert report["totals"]["hires"] == 1 and report["totals"]["retained_1m"] == 1
    assert [r["hires"] for r in report["rows"]] == [1]
    csv_file = await client.get(f"/campaigns/{campaign}/report.csv?by=event", headers=ready["organizer"])
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    xlsx = await client.get(f"/campaigns/{campaign}/report.xlsx", headers=ready["organizer"])
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (await client.get(f"/campaigns/{campaign}/report", headers=ready["employer"])).status_code == 403


async def test_people_who_came_and_got_no_offer_get_a_call_and_the_station_of_their_home_gets_it(
        client, run_worker, clock):
    ready, interviews = await matched(client, run_worker, clock)
    staff = await f.staff(client, ready["organizer"], name="nanzhou", area=f.NANZHOU)
    await Registration.update({Registration.status: "checked_in"}).where(Registration.event == ready["event_id"])
    clock.advance(days=12)
    await client.post(f"/interviews/{interviews[0]['id']}/outcome", headers=ready["employer"],
                      json={"outcome": "offer"})
    await client.post(f"/interviews/{interviews[1]['id']}/outcome", headers=ready["employer"],
                      json={"outcome": "attended"})
    assert await outcomes.create_due_follow_ups(clock) == 1  # only the one without an offer
    calls = (await client.get("/follow-ups", headers=staff)).json()
    no_offer = (await InterviewSlot.select(InterviewSlot.attendee).where(
        InterviewSlot.id == interviews[1]["id"]).first())["attendee"]
    assert [(c["kind"], c["attendee"]) for c in calls] == [("no_offer", no_offer)]
    other_staff = await f.staff(client, ready["organizer"], name="songshan", area=f.SONGSHAN)
    assert (await client.get("/follow-ups", headers=other_staff)).json() == []
    refused = await client.post(f"/follow-ups/{calls[0]['id']}/answer", headers=other_staff,
                                json={"answer": "found_work"})
    assert refused.status_code == 404


async def test_a_declined_interview_has_nothing_to_mark_and_another_employers_is_not_found(
        client, run_worker, clock):
    ready, interviews = await matched(client, run_worker, clock)
    declined = await client.post(f"/interviews/{interviews[0]['id']}/answer", headers=ready["attendees"][0],
                                 json={"answer": "declined"})
    assert declined.status_code == 200, declined.text
    clock.advance(days=12)
    marked = await client.post(f"/interviews/{interviews[0]['id']}/outcome", headers=ready["employer"],
                               json={"outcome": "no_show"})
    assert marked.status_code == 409 and marked.json()["type"].endswith("interview_not_kept")
    stranger = await f.employer(client, 77)
    hidden = await client.post(f"/interviews/{interviews[1]['id']}/outcome", headers=stranger,
                               json={"outcome": "no_show"})
    assert hidden.status_code == 404
    assert (await InterviewSlot.select(InterviewSlot.outcome).where(
        InterviewSlot.id == interviews[1]["id"]).first())["outcome"] == ""


async def test_every_read_of_a_phone_number_by_an_employer_is_logged_for_organizers(client, run_worker, clock):
    ready, interviews = await matched(client, run_worker, clock)
    masked = (await client.get("/interviews", headers=ready["employer"])).json()
    assert all("****" in i["attendee_phone"] for i in masked) and await ContactRead.count() == 0
    accepted = await client.post(f"/interviews/{interviews[0]['id']}/answer", headers=ready["attendees"][0],
                                 json={"answer": "accepted"})
    assert accepted.status_code == 200
    shown = (await client.get("/interviews", headers=ready["employer"])).json()
    assert sum("****" not in i["attendee_phone"] for i in shown) == 1
    reads = (await client.get("/contact-reads", headers=ready["organizer"])).json()
    seen = (await InterviewSlot.select(InterviewSlot.attendee).where(
        InterviewSlot.id == interviews[0]["id"]).first())["attendee"]
    assert [(r["attendee"], r["via"]) for r in reads] == [(seen, "interviews")]
    assert (await client.get("/contact-reads", headers=ready["employer"])).status_code == 403


async def test_a_person_downloads_everything_and_can_be_deleted(client, run_worker, clock):
    ready, interviews = await matched(client, run_worker, clock)
    me = ready["attendees"][0]
    mine = await client.get("/me/data", headers=me)
    assert mine.status_code == 200
    data = mine.json()
    assert data["attendee"]["name"] == "求职者1" and len(data["registrations"]) == 1
    assert [i["organization"] for i in data["interviews"]] == ["株洲测试企业1有限公司"]
    assert "求职者2" not in mine.text
    gone = await client.delete("/me", headers=me)
    assert gone.status_code == 204
    assert (await client.get("/me/data", headers=me)).status_code == 401  # the account is closed
    assert (await client.post("/auth/login", json={"login": "attendee1", "password": f.PASSWORD})).status_code == 401
    again = await f.attendee(client, 1)  # the phone number is free again: the person may come back
    assert (await client.get("/me/data", headers=again)).json()["registrations"] == []
