"""Training cohorts: one recurring calendar entry per enrolled person, kept in step with iTIP
(REQUEST at SEQUENCE 0, REQUEST with an EXDATE after a cancelled day, CANCEL when the cohort
goes), capacity under concurrency, and refusals that write nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from fairs.db.integrity import constraint_name
from fairs.db.tables import Attendee, CalendarItem, Outbox, TrainingCohort, TrainingEnrollment
from fairs.services import training
from fairs.services.outbox import deliver_pending
from tests.support import factories as f
from tests.support.snapshots import database_snapshot

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "抖音达人新媒体直播电商培训班"
MAILBOX = "hr-training@example.org"
DESCRIPTION = "短视频拍摄、直播带货、店铺运营，结业颁发培训证书。"
ENROLLED_TEXT = (f"【就业服务】您已报名“{TITLE}”：2027年3月15日至2027年3月24日，每天09:00–12:00，共10次课。"
                 "地点：株洲市人力资源市场，株洲市天元区长江北路。")


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


async def deliver(clock) -> list[dict[str, Any]]:
    sender = RecordingSender()
    await deliver_pending(sender, clock, organizer_mailbox=MAILBOX)
    return sender.sent


def cohort_body(venue_id: int, /, **changes: Any) -> dict[str, Any]:
    body = {"title": TITLE, "venue_id": venue_id, "first_session_starts_at": "2027-03-15T09:00:00+08:00",
            "first_session_ends_at": "2027-03-15T12:00:00+08:00", "days": 10,
            "description": DESCRIPTION}
    body.update(changes)
    return body


async def venue(client, organizer) -> int:
    response = await client.post("/venues", headers=organizer, json={
        "name": "株洲市人力资源市场", "area_id": f.AREAS[f.TIANYUAN], "address": "株洲市天元区长江北路"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def published_cohort(client, organizer, **changes: Any) -> dict[str, Any]:
    created = await client.post("/training-cohorts", headers=organizer,
                                json=cohort_body(await venue(client, organizer), **changes))
    assert created.status_code == 201, created.text
    published = await client.post(f"/training-cohorts/{created.json()['id']}/publish", headers=organizer)
    assert published.status_code == 200, published.text
    return published.json()


async def attendee_id(n: int) -> int:
    return int((await Attendee.select(Attendee.id).where(Attendee.phone == f.mobile(n)).first())["id"])


def vevent(message: dict[str, Any]) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(message["attachment"])
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    return calendar, events[0]


def sessions(message: dict[str, Any]) -> list[datetime]:
    calendar = Calendar.from_ical(message["attachment"])
    found = recurring_ical_events.of(calendar).between(date(2027, 3, 1), date(2027, 4, 1))
    return sorted(e["DTSTART"].dt for e in found)


def days_at_nine(*days: int) -> list[datetime]:
    return [datetime(2027, 3, d, 9, 0, tzinfo=SHANGHAI) for d in days]


async def test_a_cohort_reaches_its_people_as_one_recurring_entry_then_an_exdate_then_a_cancel(client, clock):
    organizer = await f.sign_in_organizer(client)
    venue_id = await venue(client, organizer)
    created = await client.post("/training-cohorts", headers=organizer, json=cohort_body(venue_id))
    assert created.status_code == 201, created.text
    cohort = created.json()
    assert {k: v for k, v in cohort.items() if k not in ("id", "created_at")} == {
        "area": f.AREAS[f.TIANYUAN], "title": TITLE, "description": DESCRIPTION, "venue": venue_id,
        "online_url": "", "timezone": "Asia/Shanghai",
        "first_session_starts_at": "2027-03-15T09:00:00+08:00", "first_session_ends_at": "2027-03-15T12:00:00+08:00",
        "days": 10, "skipped_days": [], "session_days": [f"2027-03-{d:02d}" for d in range(15, 25)],
        "capacity": None, "status": "draft", "enrolled": 0}
    assert (await client.get("/training-cohorts")).json() == []  # a draft is not public
    published = await client.post(f"/training-cohorts/{cohort['id']}/publish", headers=organizer)
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert [c["id"] for c in (await client.get("/training-cohorts")).json()] == [cohort["id"]]

    # one person enrolls themselves (with e-mail); station staff enroll another (no e-mail)
    zhao = await f.attendee(client, 1, email="zhao@example.org")
    helper = await f.staff(client, organizer)
    await f.attendee(client, 2, home=f.SONGSHAN)
    mine = await client.post(f"/training-cohorts/{cohort['id']}/enrollments", headers=zhao)
    assert mine.status_code == 201, mine.text
    assert {k: v for k, v in mine.json().items() if k not in ("id", "created_at")} == {
        "cohort": cohort["id"], "attendee": await attendee_id(1), "status": "enrolled"}
    helped = await client.post(f"/training-cohorts/{cohort['id']}/enrollments", headers=helper,
                               json={"attendee_id": await attendee_id(2)})
    assert helped.status_code == 201, helped.text
    uid = (await CalendarItem.select(CalendarItem.uid).where(
        CalendarItem.training_enrollment == mine.json()["id"]).first())["uid"]
    uid2 = (await CalendarItem.select(CalendarItem.uid).where(
        CalendarItem.training_enrollment == helped.json()["id"]).first())["uid"]

    first = await deliver(clock)
    assert [(m["channel"], m["recipient"], m["idempotency_key"]) for m in first] == [
        ("email", "zhao@example.org", f"calendar:{uid}:0:zhao@example.org:email"),
        ("sms", f.mobile(2), f"calendar:{uid2}:0:{f.mobile(2)}:sms")]
    assert first[1]["body"] == ENROLLED_TEXT and first[1]["attachment"] == ""
    assert first[0]["attachment_type"] == "text/calendar; method=REQUEST; charset=UTF-8"
    calendar, event = vevent(first[0])
    assert (calendar["METHOD"], str(event["UID"]), event["SEQUENCE"]) == ("REQUEST", uid, 0)
    assert event["RRULE"] == {"FREQ": ["DAILY"], "COUNT": [10]}
    assert "EXDATE" not in event
    assert event["DTSTART"].dt == datetime(2027, 3, 15, 9, 0, tzinfo=SHANGHAI)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(event["LOCATION"]) == "株洲市人力资源市场, 株洲市天元区长江北路"
    assert sessions(first[0]) == days_at_nine(*range(15, 25))

    # the 18th is called off: the same entry, SEQUENCE 1, with that day as EXDATE
    off = await client.post(f"/training-cohorts/{cohort['id']}/cancel-day", headers=organizer,
                            json={"date": "2027-03-18"})
    assert off.status_code == 200, off.text
    assert (off.json()["skipped_days"], len(off.json()["session_days"]), off.json()["enrolled"]) == (
        ["2027-03-18"], 9, 2)
    second = await deliver(clock)
    assert [(m["channel"], m["idempotency_key"]) for m in second] == [
        ("email", f"calendar:{uid}:1:zhao@example.org:email"), ("sms", f"calendar:{uid2}:1:{f.mobile(2)}:sms")]
    assert second[1]["body"] == f"【就业服务】“{TITLE}”2027年3月18日停课，其余课程照常（共9次课）。"
    calendar, event = vevent(second[0])
    assert (calendar["METHOD"], str(event["UID"]), event["SEQUENCE"]) == ("REQUEST", uid, 1)
    assert event["RRULE"] == {"FREQ": ["DAILY"], "COUNT": [10]}
    assert [d.dt for d in event["EXDATE"].dts] == [datetime(2027, 3, 18, 9, 0, tzinfo=SHANGHAI)]
    assert "EXDATE;TZID=Asia/Shanghai:20270318T090000" in second[0]["attachment"].replace("\r\n ", "")
    assert sessions(second[0]) == days_at_nine(15, 16, 17, *range(19, 25))

    # the whole cohort is cancelled: CANCEL at SEQUENCE 2, same UID
    gone = await client.post(f"/training-cohorts/{cohort['id']}/cancel", headers=organizer)
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    third = await deliver(clock)
    assert [(m["channel"], m["idempotency_key"]) for m in third] == [
        ("email", f"calendar:{uid}:2:zhao@example.org:email"), ("sms", f"calendar:{uid2}:2:{f.mobile(2)}:sms")]
    assert third[0]["attachment_type"] == "text/calendar; method=CANCEL; charset=UTF-8"
    assert third[1]["body"] == f"【就业服务】“{TITLE}”培训已取消，全部课程停止。"
    calendar, event = vevent(third[0])
    assert (calendar["METHOD"], str(event["UID"]), event["SEQUENCE"], event["STATUS"]) == (
        "CANCEL", uid, 2, "CANCELLED")
    assert await CalendarItem.select(CalendarItem.uid, CalendarItem.sequence, CalendarItem.cancelled,
                                     CalendarItem.kind).order_by(CalendarItem.id) == [
        {"uid": uid, "sequence": 2, "cancelled": True, "kind": "training"},
        {"uid": uid2, "sequence": 2, "cancelled": True, "kind": "training"}]
    assert (await client.get("/training-cohorts")).json() == []
    assert await deliver(clock) == []  # everything went once


async def test_withdrawing_cancels_the_entry_and_enrolling_again_gives_a_new_one(client, clock):
    organizer = await f.sign_in_organizer(client)
    cohort = await published_cohort(client, organizer, capacity=1)
    li = await f.attendee(client, 3, email="li@example.org", language="en")
    path = f"/training-cohorts/{cohort['id']}/enrollments"
    enrolled = await client.post(path, headers=li)
    assert enrolled.status_code == 201, enrolled.text
    first = await deliver(clock)
    _, event = vevent(first[0])
    assert str(event["SUMMARY"]) == TITLE
    assert str(event["DESCRIPTION"]).split("\n")[1] == (
        "Every day 09:00–12:00, from 15 Mar 2027 to 24 Mar 2027, 10 sessions")
    assert first[0]["body"] == ("fairs: you are enrolled in 抖音达人新媒体直播电商培训班: 15 Mar 2027 to 24 Mar 2027, "
                                "every day 09:00–12:00, 10 sessions. Place: 株洲市人力资源市场, 株洲市天元区长江北路.")

    left = await client.post(f"/training-enrollments/{enrolled.json()['id']}/withdraw", headers=li)
    assert left.status_code == 200 and left.json()["status"] == "withdrawn"
    calendar, event = vevent((await deliver(clock))[0])
    assert (calendar["METHOD"], event["SEQUENCE"], event["STATUS"]) == ("CANCEL", 1, "CANCELLED")
    old_uid = str(event["UID"])

    snapshot = await database_snapshot()
    again = await client.post(f"/training-enrollments/{enrolled.json()['id']}/withdraw", headers=li)
    assert again.status_code == 409 and again.json()["type"].endswith("/invalid_transition")
    assert await database_snapshot() == snapshot

    back = await client.post(path, headers=li)  # the place freed by withdrawing is free again
    assert back.status_code == 201, back.text
    calendar, event = vevent((await deliver(clock))[0])
    assert (calendar["METHOD"], event["SEQUENCE"]) == ("REQUEST", 0)
    assert str(event["UID"]) != old_uid
    assert await TrainingEnrollment.count().where(TrainingEnrollment.status == "enrolled") == 1


async def test_five_people_rushing_for_three_places_leave_three_enrolled(client, clock, monkeypatch):
    organizer = await f.sign_in_organizer(client)
    cohort = await published_cohort(client, organizer, capacity=3)
    people = [await f.attendee(client, n, email=f"p{n}@example.org") for n in range(1, 6)]
    counted = training._enrolled_counts

    async def slow_count(ids):  # every rival reads the count before anyone writes, unless they wait for the lock
        found = await counted(ids)
        await asyncio.sleep(0.05)
        return found

    monkeypatch.setattr(training, "_enrolled_counts", slow_count)
    path = f"/training-cohorts/{cohort['id']}/enrollments"
    answers = await asyncio.gather(*[client.post(path, headers=p) for p in people])
    assert sorted(a.status_code for a in answers) == [201, 201, 201, 409, 409]
    assert [a.json()["type"].rsplit("/", 1)[1] for a in answers if a.status_code == 409] == ["cohort_full"] * 2
    assert [a.json()["errors"] for a in answers if a.status_code == 409] == [
        [{"field": "cohort_id", "message": "the cohort is full (3 places)"}]] * 2
    assert await TrainingEnrollment.count() == 3
    assert await CalendarItem.count() == 3 and await Outbox.count() == 3
    assert (await client.get(f"/training-cohorts/{cohort['id']}")).json()["enrolled"] == 3


@pytest.mark.postgres
async def test_without_the_cohort_lock_the_rush_overfills_the_cohort(client, clock, monkeypatch):
    """The race is real: with the row lock switched off, every rival counts 0 of 3 and enrolls."""
    organizer = await f.sign_in_organizer(client)
    cohort = await published_cohort(client, organizer, capacity=3)
    people = [await f.attendee(client, n) for n in range(1, 6)]
    counted = training._enrolled_counts

    async def slow_count(ids):
        found = await counted(ids)
        await asyncio.sleep(0.05)
        return found

    async def no_lock(*_):
        return None

    monkeypatch.setattr(training, "_enrolled_counts", slow_count)
    monkeypatch.setattr(training, "lock_rows", no_lock)
    path = f"/training-cohorts/{cohort['id']}/enrollments"
    answers = await asyncio.gather(*[client.post(path, headers=p) for p in people])
    assert [a.status_code for a in answers] == [201] * 5
    assert await TrainingEnrollment.count() == 5


async def test_refused_cohorts_write_nothing_and_name_the_field(client):
    organizer = await f.sign_in_organizer(client)
    venue_id = await venue(client, organizer)
    snapshot = await database_snapshot()
    cases = [
        ({"days": 0}, "days"), ({"days": 31}, "days"),
        ({"first_session_ends_at": "2027-03-15T08:00:00+08:00"}, "first_session_ends_at"),
        ({"first_session_ends_at": "2027-03-16T01:00:00+08:00"}, "first_session_ends_at"),  # not the same day
        ({"first_session_starts_at": "2027-03-15T09:00:00"}, "first_session_starts_at"),
        ({"first_session_starts_at": "2027-02-15T09:00:00+08:00",
          "first_session_ends_at": "2027-02-15T12:00:00+08:00"}, "first_session_starts_at"),  # in the past
        ({"capacity": 0}, "capacity"), ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"venue_id": None}, "venue_id"), ({"venue_id": 999_999}, "venue_id"),
        ({"venue_id": None, "online_url": "https://live.example.org/room/1"}, "area_id"),
        ({"online_url": "ftp://live.example.org"}, "online_url"), ({"title": "   "}, "title"),
    ]
    for changes, field in cases:
        answer = await client.post("/training-cohorts", headers=organizer, json=cohort_body(venue_id, **changes))
        assert (answer.status_code, [e["field"] for e in answer.json()["errors"]]) == (422, [field]), changes
    assert await database_snapshot() == snapshot


async def test_other_areas_roles_and_days_are_refused_without_writing(client, clock):
    organizer = await f.sign_in_organizer(client)
    cohort = await published_cohort(client, organizer)
    draft = await client.post("/training-cohorts", headers=organizer, json=cohort_body(cohort["venue"]))
    zhao = await f.attendee(client, 1)
    enrolled = await client.post(f"/training-cohorts/{cohort['id']}/enrollments", headers=zhao)
    assert enrolled.status_code == 201
    lukou = await f.sign_in_organizer(client, "lukou-organizer", area=f.LUKOU)
    employer = await f.employer(client, 1)
    helper = await f.staff(client, organizer)  # at a station in 嵩山路街道; 求职者1 lives in 南洲镇
    qian = await f.attendee(client, 2)
    base = f"/training-cohorts/{cohort['id']}"
    snapshot = await database_snapshot()

    # another area's cohort does not exist for that organizer; creating there is forbidden
    for path, body in ((f"{base}/publish", None), (f"{base}/cancel", None),
                       (f"{base}/cancel-day", {"date": "2027-03-18"})):
        answer = await client.post(path, headers=lukou, json=body)
        assert (answer.status_code, answer.json()["errors"]) == (
            404, [{"field": "cohort_id", "message": "no such training cohort"}]), path
    assert (await client.get(f"/training-cohorts/{draft.json()['id']}", headers=lukou)).status_code == 404
    outside = await client.post("/training-cohorts", headers=lukou, json=cohort_body(cohort["venue"]))
    assert (outside.status_code, outside.json()["errors"][0]["field"]) == (403, "venue_id")
    # the wrong role is refused before anything is looked up
    assert (await client.post("/training-cohorts", headers=employer, json=cohort_body(cohort["venue"]))
            ).status_code == 403
    assert (await client.post(f"{base}/publish", headers=zhao)).status_code == 403
    assert (await client.post(f"{base}/enrollments", headers=employer)).status_code == 403
    assert (await client.post(f"{base}/cancel-day", json={"date": "2027-03-18"})).status_code == 401
    # enrollments: twice, a draft, someone outside staff's area, a withdrawal by someone else
    twice = await client.post(f"{base}/enrollments", headers=zhao)
    assert (twice.status_code, twice.json()["enrollment_id"], twice.json()["type"].rsplit("/", 1)[1]) == (
        409, enrolled.json()["id"], "training_enrollment_once")
    assert (await client.post(f"/training-cohorts/{draft.json()['id']}/enrollments", headers=zhao)
            ).status_code == 404
    stranger = await client.post(f"{base}/enrollments", headers=helper, json={"attendee_id": await attendee_id(1)})
    assert (stranger.status_code, stranger.json()["errors"][0]["field"]) == (404, "attendee_id")
    nobody = await client.post(f"{base}/enrollments", headers=helper)
    assert (nobody.status_code, nobody.json()["errors"][0]["field"]) == (422, "attendee_id")
    assert (await client.post(f"/training-enrollments/{enrolled.json()['id']}/withdraw", headers=qian)
            ).status_code == 404
    # days: outside the series, malformed, in the past, and the last one left
    for day in ("2027-03-25", "2027-3-18", "2027-03-14"):
        answer = await client.post(f"{base}/cancel-day", headers=organizer, json={"date": day})
        assert (answer.status_code, answer.json()["errors"][0]["field"]) == (422, "date"), day
    assert await database_snapshot() == snapshot

    clock.advance(days=14, hours=2)  # 2027-03-15 12:00 in Shanghai: the first session has begun
    begun = await client.post(f"{base}/cancel-day", headers=organizer, json={"date": "2027-03-15"})
    assert (begun.status_code, begun.json()["errors"]) == (
        422, [{"field": "date", "message": "this day's session has already begun"}])
    assert await database_snapshot() == snapshot
    one_day = await published_cohort(client, organizer, days=2, first_session_starts_at="2027-04-01T09:00:00+08:00",
                                     first_session_ends_at="2027-04-01T12:00:00+08:00")
    assert (await client.post(f"/training-cohorts/{one_day['id']}/cancel-day", headers=organizer,
                              json={"date": "2027-04-01"})).status_code == 200
    snapshot = await database_snapshot()
    last = await client.post(f"/training-cohorts/{one_day['id']}/cancel-day", headers=organizer,
                             json={"date": "2027-04-02"})
    assert (last.status_code, last.json()["errors"][0]["field"]) == (422, "date")
    repeat = await client.post(f"/training-cohorts/{one_day['id']}/cancel-day", headers=organizer,
                               json={"date": "2027-04-01"})
    assert (repeat.status_code, repeat.json()["type"].rsplit("/", 1)[1]) == (409, "day_already_cancelled")
    cancelled = await client.post(f"/training-cohorts/{one_day['id']}/cancel", headers=organizer)
    assert cancelled.status_code == 200
    snapshot = await database_snapshot()
    closed = await client.post(f"/training-cohorts/{one_day['id']}/enrollments", headers=zhao)
    assert (closed.status_code, closed.json()["type"].rsplit("/", 1)[1]) == (409, "cohort_not_open")
    assert await database_snapshot() == snapshot


async def test_an_enrollment_retried_with_its_key_is_one_enrollment(client, clock):
    organizer = await f.sign_in_organizer(client)
    cohort = await published_cohort(client, organizer)
    zhao = await f.attendee(client, 1, email="zhao@example.org")
    headers = {**zhao, "Idempotency-Key": "enroll-zhao-0001"}
    first = await client.post(f"/training-cohorts/{cohort['id']}/enrollments", headers=headers)
    retry = await client.post(f"/training-cohorts/{cohort['id']}/enrollments", headers=headers)
    assert (first.status_code, retry.status_code, retry.headers.get("Idempotent-Replayed")) == (201, 201, "true")
    assert retry.json() == first.json()
    assert (await TrainingEnrollment.count(), await CalendarItem.count(), await Outbox.count()) == (1, 1, 1)


async def test_the_database_refuses_a_second_active_enrollment_and_a_second_entry(clock):
    await f.ensure_areas()
    now = datetime(2027, 3, 1, tzinfo=UTC)
    cohort = TrainingCohort(area=f.AREAS[f.TIANYUAN], title="t", first_session_starts_at=now + timedelta(days=14),
                            first_session_ends_at=now + timedelta(days=14, hours=3), days=10, status="published",
                            created_at=now)
    await cohort.save()
    person = Attendee(name="a", phone=f.mobile(1), home_area=f.AREAS[f.NANZHOU], skills=[], desired_industries=[],
                      priority_groups=[], consent_version="v", consent_at=now, created_at=now)
    await person.save()
    first = TrainingEnrollment(cohort=cohort.id, attendee=person.id, status="enrolled", created_at=now)
    await first.save()
    await TrainingEnrollment(cohort=cohort.id, attendee=person.id, status="withdrawn", created_at=now).save()
    refusals = [
        (TrainingEnrollment(cohort=cohort.id, attendee=person.id, status="enrolled", created_at=now),
         "training_enrollment_once"),
        (TrainingEnrollment(cohort=cohort.id, attendee=person.id, status="waiting", created_at=now),
         "training_enrollment_status"),
        (TrainingCohort(area=f.AREAS[f.TIANYUAN], title="t", first_session_starts_at=now,
                        first_session_ends_at=now + timedelta(hours=1), days=31, created_at=now),
         "training_cohort_days"),
        (TrainingCohort(area=f.AREAS[f.TIANYUAN], title="t", first_session_starts_at=now,
                        first_session_ends_at=now + timedelta(hours=1), status="closed", created_at=now),
         "training_cohort_status"),
    ]
    await CalendarItem(uid="a@fairs", kind="training", training_enrollment=first.id, updated_at=now).save()
    refusals.append((CalendarItem(uid="b@fairs", kind="training", training_enrollment=first.id, updated_at=now),
                     "calendar_item_per_enrollment"))
    for row, name in refusals:
        with pytest.raises(Exception) as refused:
            await row.save()
        assert constraint_name(refused.value) == name


async def test_the_openapi_document_lists_the_training_routes_each_guarded(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert {path: sorted(paths[path]) for path in paths if "training" in path} == {
        "/training-cohorts": ["get", "post"],
        "/training-cohorts/{cohort_id}": ["get"],
        "/training-cohorts/{cohort_id}/publish": ["post"],
        "/training-cohorts/{cohort_id}/cancel-day": ["post"],
        "/training-cohorts/{cohort_id}/cancel": ["post"],
        "/training-cohorts/{cohort_id}/enrollments": ["get", "post"],
        "/training-enrollments/{enrollment_id}/withdraw": ["post"],
    }
    handlers = [h for route in client.app.routes if "training" in route.path
                for h in getattr(route, "route_handlers", []) if getattr(h, "http_methods", set()) != {"OPTIONS"}]
    assert len(handlers) == 9 and all(h.resolve_guards() for h in handlers)


async def test_listing_cohorts_costs_two_queries_with_1_or_3_cohorts(client, monkeypatch):
    engine_class = type(TrainingCohort._meta.db)
    original = engine_class.run_querystring
    seen: list[str] = []

    async def counting(self, querystring, *args, **kwargs):
        seen.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    organizer = await f.sign_in_organizer(client)
    counts = []
    for n in (1, 3):
        while await TrainingCohort.count() < n:  # each cohort with one person enrolled
            cohort = await published_cohort(client, organizer)
            person = await f.attendee(client, cohort["id"])
            assert (await client.post(f"/training-cohorts/{cohort['id']}/enrollments", headers=person)
                    ).status_code == 201
        monkeypatch.setattr(engine_class, "run_querystring", counting)
        listed = await training.list_cohorts(None)
        monkeypatch.setattr(engine_class, "run_querystring", original)
        counts.append(len(seen))
        seen.clear()
        assert [c["enrolled"] for c in listed] == [1] * n
    assert counts == [2, 2]


async def test_an_enrolled_persons_feed_carries_the_cohort_as_one_recurring_entry(client, clock):
    from icalendar import Calendar

    organizer = await f.sign_in_organizer(client)
    cohort = await published_cohort(client, organizer)
    zhao = await f.attendee(client, 1, email="zhao@example.org")
    enrolled = await client.post(f"/training-cohorts/{cohort['id']}/enrollments", headers=zhao, json={})
    assert enrolled.status_code == 201
    path = (await client.post("/calendar/feed", headers=zhao)).json()["url"].split("://", 1)[1].split("/", 1)[1]
    feed = await client.get(f"/{path}")
    assert feed.status_code == 200
    [entry] = [v for v in Calendar.from_ical(feed.content).walk("VEVENT") if "RRULE" in v]
    assert entry["RRULE"]["COUNT"] == [10] and "EXDATE" not in entry
    day = cohort["session_days"][3]
    assert (await client.post(f"/training-cohorts/{cohort['id']}/cancel-day", headers=organizer,
                              json={"date": day})).status_code == 200
    [entry] = [v for v in Calendar.from_ical((await client.get(f"/{path}")).content).walk("VEVENT") if "RRULE" in v]
    assert [d.dt.date().isoformat() for d in entry["EXDATE"].dts] == [day]


async def test_a_capacity_beyond_any_real_one_is_a_400_not_a_500(client):
    """Unbounded, 2**40 reached the int4 column: 500 on PostgreSQL (found while fuzzing)."""
    organizer = await f.sign_in_organizer(client)
    created = await client.post("/training-cohorts", headers=organizer,
                                json=cohort_body(await venue(client, organizer), capacity=2**40))
    assert created.status_code == 400, created.text
    assert [e["field"] for e in created.json()["errors"]] == ["capacity"]
