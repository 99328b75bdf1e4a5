"""Personal calendar subscriptions: one secret address per account, listing that person's
current items (cancelled ones for 30 days), cheap to poll with If-None-Match."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pytest
import vobject
from icalendar import Calendar

from fairs.db.tables import Account, Attendee, BoothReservation, CalendarFeed, CalendarItem, Event, InterviewSlot
from fairs.services import matching
from tests.db.test_query_counts import count_queries  # noqa: F401  (a fixture)
from tests.support import factories as f

CALENDAR = "text/calendar; charset=utf-8"


async def subscribe(client, headers) -> str:
    """Issue a feed; return its path (``/calendar/<token>.ics``)."""
    issued = await client.post("/calendar/feed", headers=headers)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    token = body["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert body["url"] == f"http://127.0.0.1:8000/calendar/{token}.ics"
    assert body["webcal_url"] == f"webcal://127.0.0.1:8000/calendar/{token}.ics"
    assert len(token) == 43
    return f"/calendar/{token}.ics"


def vevents(body: bytes) -> dict[str, dict[str, str]]:
    """UID → the entry's summary, status, sequence, categories and attendees (CN)."""
    entries = {}
    for event in Calendar.from_ical(body).walk("VEVENT"):
        attendees = event.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        entries[str(event["UID"])] = {
            "summary": str(event["SUMMARY"]), "status": str(event["STATUS"]), "sequence": int(event["SEQUENCE"]),
            "categories": [str(c) for c in event["CATEGORIES"].cats],
            "attendees": [a.params.get("CN", "") for a in attendees],
        }
    return entries


async def match(client, organizer, event_id, clock) -> None:
    run = await client.post(f"/events/{event_id}/match-runs", headers=organizer)
    assert run.status_code == 202, run.text
    await matching.run_match(run.json()["id"], clock)


async def second_fair(client, ready, clock) -> int:
    """Another fair a day later where employer1 interviews attendee1 only."""
    fair = await f.published_fair(client, ready["organizer"])
    event_id = fair["event"]["id"]
    await Event.update({Event.starts_at: Event.starts_at + timedelta(days=1),
                        Event.ends_at: Event.ends_at + timedelta(days=1)}).where(Event.id == event_id)
    await f.reserve(client, ready["employer"], event_id, fair["venue"]["booths"][0]["id"])
    registered = await client.post(f"/events/{event_id}/registrations", headers=ready["attendees"][0])
    assert registered.status_code == 201, registered.text
    await match(client, ready["organizer"], event_id, clock)
    return event_id


async def items(**where) -> dict[int, str]:
    """Calendar item UIDs by interview (or by event for the fairs' own items)."""
    if "kind" in where and where["kind"] == "fair_event":
        rows = await CalendarItem.select(CalendarItem.event, CalendarItem.uid).where(CalendarItem.kind == "fair_event")
        return {r["event"]: r["uid"] for r in rows}
    rows = await CalendarItem.select(CalendarItem.interview_slot, CalendarItem.uid).where(
        CalendarItem.kind == "interview")
    return {r["interview_slot"]: r["uid"] for r in rows}


async def test_an_attendee_subscribes_to_their_interviews_at_any_fair_and_the_fairs_they_registered_for(
        client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=2)
    await match(client, ready["organizer"], ready["event_id"], clock)
    other_event = await second_fair(client, ready, clock)
    interviews = await items()
    fairs = await items(kind="fair_event")
    slots = {s["id"]: s for s in await InterviewSlot.select()}
    me = (await Account.select(Account.attendee).where(Account.login == "attendee1").first())["attendee"]

    path = await subscribe(client, ready["attendees"][0])
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CALENDAR
    assert response.headers["cache-control"] == "private, max-age=300"
    assert response.headers["etag"].startswith('"') and len(response.headers["etag"]) == 42
    mine = {uid for slot, uid in interviews.items() if slots[slot]["attendee"] == me}
    assert {slots[s]["event"] for s, uid in interviews.items() if uid in mine} == {ready["event_id"], other_event}
    entries = vevents(response.content)
    assert set(entries) == mine | {fairs[ready["event_id"]], fairs[other_event]}
    assert {uid: e["categories"] for uid, e in entries.items()} == {
        **{uid: ["面试"] for uid in mine}, fairs[ready["event_id"]]: ["招聘会"], fairs[other_event]: ["招聘会"]}
    assert {e["status"] for e in entries.values()} == {"CONFIRMED"}
    assert {cn for e in entries.values() for cn in e["attendees"]} == {"求职者1"}
    assert entries[fairs[other_event]]["summary"] == "“311”就业服务节现场招聘会"
    assert {entries[uid]["summary"] for uid in mine} == {"面试：株洲测试企业1有限公司 · 焊工"}
    # nobody else's personal data: not the other attendee's, not the employer's contact
    text = response.content.decode()
    for other in ("求职者2", f.mobile(2), f.mobile(1), "人事1", "hr1@corp.example.org"):
        assert other not in text

    # the feed reads the same in icalendar and vobject (a CalDAV server's parser)
    parsed = vobject.readOne(text)
    assert sorted(str(v.uid.value) for v in parsed.vevent_list) == sorted(entries)
    assert parsed.x_wr_calname.value == "我的招聘会日程"

    # the other attendee's feed has their own interview and the first fair only
    theirs = vevents((await client.get(await subscribe(client, ready["attendees"][1]))).content)
    assert set(theirs) == {uid for s, uid in interviews.items() if slots[s]["attendee"] != me} | {
        fairs[ready["event_id"]]}


async def test_the_feed_speaks_the_attendees_language_and_changes_version_when_it_changes(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    await match(client, ready["organizer"], ready["event_id"], clock)
    english = await f.attendee(client, 2, language="en")
    registered = await client.post(f"/events/{ready['event_id']}/registrations", headers=english)
    assert registered.status_code == 201, registered.text
    path = await subscribe(client, english)
    response = await client.get(path)
    parsed = Calendar.from_ical(response.content)
    assert str(parsed["X-WR-CALNAME"]) == "My job fair calendar"
    assert [e["categories"] for e in vevents(response.content).values()] == [["Job fair"]]

    await Attendee.update({Attendee.language: "zh"}).where(Attendee.name == "求职者2")
    changed = await client.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert changed.status_code == 200
    assert [e["categories"] for e in vevents(changed.content).values()] == [["招聘会"]]


async def test_a_cancelled_registration_takes_the_fair_out_of_the_feed(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    path = await subscribe(client, ready["attendees"][0])
    fairs = await items(kind="fair_event")
    before = await client.get(path)
    assert set(vevents(before.content)) == {fairs[ready["event_id"]]}
    registrations = (await client.get("/registrations", headers=ready["attendees"][0])).json()
    cancelled = await client.post(f"/registrations/{registrations[0]['id']}/cancel", headers=ready["attendees"][0])
    assert cancelled.status_code == 200, cancelled.text
    after = await client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert vevents(after.content) == {}


async def test_issuing_again_revokes_the_previous_address_and_only_the_hash_is_kept(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    headers = ready["attendees"][0]
    assert (await client.get("/calendar/feed", headers=headers)).json() == {"live": False, "created_at": None}
    first = await subscribe(client, headers)
    clock.advance(minutes=5)
    second = await subscribe(client, headers)

    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200
    assert (await client.get("/calendar/feed", headers=headers)).json() == {
        "live": True, "created_at": "2027-03-01T02:05:00Z"}
    rows = await CalendarFeed.select().order_by(CalendarFeed.id)
    tokens = [p.removeprefix("/calendar/").removesuffix(".ics") for p in (first, second)]
    assert [(r["token_hash"], r["revoked_at"] is not None) for r in rows] == [
        (hashlib.sha256(t.encode()).hexdigest(), revoked) for t, revoked in zip(tokens, (True, False), strict=True)]


async def test_a_revoked_address_answers_404(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    headers = ready["attendees"][0]
    path = await subscribe(client, headers)
    revoked = await client.delete("/calendar/feed", headers=headers)
    assert revoked.status_code == 204
    gone = await client.get(path)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    again = await client.delete("/calendar/feed", headers=headers)
    assert again.status_code == 404
    assert again.json()["errors"] == [{"field": "feed", "message": "you have no calendar feed"}]
    assert (await client.get("/calendar/feed", headers=headers)).json() == {"live": False, "created_at": None}
    assert await CalendarFeed.count().where(CalendarFeed.revoked_at.is_null()) == 0


async def test_polling_answers_304_until_an_interview_is_declined_then_shows_it_cancelled_for_30_days(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    await match(client, ready["organizer"], ready["event_id"], clock)
    headers = ready["attendees"][0]
    path = await subscribe(client, headers)
    first = await client.get(path)
    etag = first.headers["etag"]

    unchanged = await client.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert unchanged.headers["cache-control"] == "private, max-age=300"
    assert (await client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})).status_code == 304
    assert (await client.get(path, headers={"If-None-Match": '"other"'})).status_code == 200
    again = await client.get(path)
    assert (again.content, again.headers["etag"]) == (first.content, etag)  # one version, one body

    interview = (await client.get("/interviews", headers=headers)).json()[0]
    uid = (await items())[interview["id"]]
    clock.advance(hours=1)
    declined = await client.post(f"/interviews/{interview['id']}/answer", headers=headers, json={"answer": "declined"})
    assert declined.status_code == 200, declined.text
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    entry = vevents(changed.content)[uid]
    assert (entry["status"], entry["sequence"], entry["summary"]) == (
        "CANCELLED", 1, "已取消：面试：株洲测试企业1有限公司 · 焊工")

    clock.advance(days=29)
    assert vevents((await client.get(path)).content)[uid]["status"] == "CANCELLED"
    clock.advance(days=2)
    later = await client.get(path, headers={"If-None-Match": changed.headers["etag"]})
    assert later.status_code == 200
    assert uid not in vevents(later.content)
    assert set(vevents(later.content)) == {(await items(kind="fair_event"))[ready["event_id"]]}


async def test_the_employer_feed_lists_booths_and_interviews_without_the_candidates(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=2)
    await match(client, ready["organizer"], ready["event_id"], clock)
    booth_uid = (await CalendarItem.select(CalendarItem.uid).where(CalendarItem.kind == "booth_reservation").first())[
        "uid"]
    interviews = await items()
    path = await subscribe(client, ready["employer"])
    response = await client.get(path)
    assert response.status_code == 200, response.text

    entries = vevents(response.content)
    assert entries == {
        **{f"employer-{uid}": {"summary": "面试 · 焊工", "status": "CONFIRMED", "sequence": 0,
                               "categories": ["面试"], "attendees": ["人事1"]} for uid in interviews.values()},
        booth_uid: {"summary": "展位 A01 · “311”就业服务节现场招聘会", "status": "CONFIRMED", "sequence": 0,
                               "categories": ["展位"], "attendees": ["人事1"]},
    }
    text = response.content.decode()
    for person in ("求职者", f.mobile(1), f.mobile(2), "13900000001", "签到码"):
        assert person not in text
    booth = next(e for e in Calendar.from_ical(response.content).walk("VEVENT") if e["UID"] == booth_uid)
    assert booth.decoded("DTSTART").isoformat() == "2027-03-11T08:00:00+08:00"  # setup, an hour before opening

    reservation = (await BoothReservation.select(BoothReservation.id).first())["id"]
    released = await client.post(f"/reservations/{reservation}/release", headers=ready["organizer"])
    assert released.status_code == 200, released.text
    booth_entry = vevents((await client.get(path)).content)[booth_uid]
    assert (booth_entry["status"], booth_entry["sequence"], booth_entry["summary"]) == (
        "CANCELLED", 1, "已取消：展位 A01 · “311”就业服务节现场招聘会")


async def test_a_disabled_account_feed_answers_404(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    path = await subscribe(client, ready["attendees"][0])
    await Account.update({Account.active: False}).where(Account.login == "attendee1")
    assert (await client.get(path)).status_code == 404


async def test_organizers_and_staff_subscribe_to_the_fairs_of_their_area(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=1)  # the fair is in 天元区
    await match(client, ready["organizer"], ready["event_id"], clock)
    fairs = await items(kind="fair_event")
    tianyuan_staff = await f.staff(client, ready["organizer"], name="staff1", area=f.TIANYUAN)
    lukou_organizer = await f.sign_in_organizer(client, "lukou", area=f.LUKOU)

    city = vevents((await client.get(await subscribe(client, ready["organizer"]))).content)
    assert set(city) == {fairs[ready["event_id"]]}
    assert city[fairs[ready["event_id"]]]["attendees"] == []
    staff = vevents((await client.get(await subscribe(client, tianyuan_staff))).content)
    assert set(staff) == {fairs[ready["event_id"]]}
    assert vevents((await client.get(await subscribe(client, lukou_organizer))).content) == {}


@pytest.mark.parametrize("path", [
    f"/calendar/{secrets.token_urlsafe(32)}.ics",
    "/calendar/feed.ics",
    f"/calendar/{secrets.token_urlsafe(32)}",
    f"/calendar/{'a' * 500}.ics",
])
async def test_an_address_nobody_was_given_answers_404(client, clock, path):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    await subscribe(client, ready["attendees"][0])
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json()["errors"] == [{"field": "token", "message": "no such calendar feed"}]


async def test_signing_in_is_needed_to_issue_a_feed(client, clock):
    assert (await client.post("/calendar/feed")).status_code == 401
    assert (await client.get("/calendar/feed")).status_code == 401
    assert (await client.delete("/calendar/feed")).status_code == 401
    assert await CalendarFeed.count() == 0


async def test_a_feed_costs_the_same_queries_with_one_or_two_fairs(client, clock, count_queries):  # noqa: F811
    ready = await f.fair_ready_for_matching(client, attendees=2)
    await match(client, ready["organizer"], ready["event_id"], clock)
    path = await subscribe(client, ready["attendees"][0])
    counts = {}
    for fairs in (1, 2):
        if fairs == 2:
            await second_fair(client, ready, clock)
        count_queries.clear()
        response = await client.get(path)
        assert len(vevents(response.content)) == 2 * fairs
        full = len(count_queries)
        count_queries.clear()
        assert (await client.get(path, headers={"If-None-Match": response.headers["etag"]})).status_code == 304
        counts[fairs] = (full, len(count_queries))
    assert counts == {1: (5, 2), 2: (5, 2)}  # owner, version, one query per kind (interviews, fairs, training)


async def test_a_built_feed_is_kept_under_its_version_and_a_change_makes_a_new_one(client, clock, count_queries):  # noqa: F811
    ready = await f.fair_ready_for_matching(client, attendees=1)
    await match(client, ready["organizer"], ready["event_id"], clock)
    path = await subscribe(client, ready["attendees"][0])
    first = await client.get(path)
    count_queries.clear()
    again = await client.get(path)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert len(count_queries) == 2  # owner and version: the file came from Redis
    [interview] = (await client.get("/interviews", headers=ready["attendees"][0])).json()
    await client.post(f"/interviews/{interview['id']}/answer", headers=ready["attendees"][0],
                      json={"answer": "declined"})
    changed = await client.get(path)
    assert changed.headers["etag"] != first.headers["etag"] and b"STATUS:CANCELLED" in changed.content
