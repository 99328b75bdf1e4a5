"""Specification of the calendar files (fairs.core.ics), checked by parsing the bytes back."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from fairs.core.ics import (
    CalendarEntry,
    CalendarParty,
    FairEventFacts,
    InterviewFacts,
    InvalidCalendarEntry,
    build_calendar,
    build_feed,
    fair_event_entry,
    interview_entry,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
STAMP = datetime(2027, 3, 1, 20, 15, tzinfo=SHANGHAI)  # 12:15 UTC
TITLE = "株洲市2027年“311”就业服务节 现场招聘会"
ORGANIZER = CalendarParty("株洲市人力资源和社会保障局", "fairs@hrss.zhuzhou.example.cn")
WORKER = CalendarParty("王芳", "wangfang@example.com")
EMPLOYER_CONTACT = CalendarParty("李建国", "hr.li@crrc.example.com")


def interview_facts(**changes: Any) -> InterviewFacts:
    facts = InterviewFacts(
        uid="3f1c9a7e-5b2d-4c11-9f0e-6a8b2d1c4e70@fairs",
        sequence=0,
        starts_at=datetime(2027, 3, 11, 9, 30, tzinfo=SHANGHAI),
        ends_at=datetime(2027, 3, 11, 10, 0, tzinfo=SHANGHAI),
        timezone="Asia/Shanghai",
        event_title=TITLE,
        organization_name="株洲中车时代电气股份有限公司",
        position_title="维修电工（持证上岗）",
        booth_code="A03",
        venue_name="株洲国际会展中心",
        venue_address="湖南省株洲市天元区黄河南路1号",
        organizer=ORGANIZER,
        recipient=WORKER,
    )
    return replace(facts, **changes)


def fair_facts(**changes: Any) -> FairEventFacts:
    facts = FairEventFacts(
        uid="fair-8d2e@fairs",
        sequence=0,
        starts_at=datetime(2027, 3, 11, 8, 30, tzinfo=SHANGHAI),
        ends_at=datetime(2027, 3, 11, 12, 0, tzinfo=SHANGHAI),
        timezone="Asia/Shanghai",
        title=TITLE,
        venue_name="株洲国际会展中心",
        venue_address="湖南省株洲市天元区黄河南路1号",
        online_url=None,
        organizer=ORGANIZER,
    )
    return replace(facts, **changes)


def entry(**changes: Any) -> CalendarEntry:
    return replace(interview_entry(interview_facts(), "zh"), **changes)


def parse(raw: bytes) -> Calendar:
    return Calendar.from_ical(raw)


def only_event(raw: bytes) -> Event:
    events = parse(raw).walk("VEVENT")
    assert len(events) == 1
    event: Event = events[0]
    return event


def unfolded(raw: bytes) -> str:
    return raw.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def content_lines(raw: bytes, name: str) -> list[str]:
    return [line for line in unfolded(raw).split("\r\n") if re.match(rf"{name}[;:]", line)]


def test_download_carries_the_standard_header_and_no_method() -> None:
    raw = build_calendar([entry()], stamped_at=STAMP)
    calendar = parse(raw)
    assert str(calendar["PRODID"]) == "-//fairs//fairs job fairs//ZH"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert "METHOD" not in calendar
    assert content_lines(raw, "METHOD") == []
    assert raw.endswith(b"END:VCALENDAR\r\n")


def test_uid_is_written_verbatim_with_its_sequence() -> None:
    uid = "3f1c9a7e-5b2d-4c11-9f0e-6a8b2d1c4e70@fairs"
    raw = build_calendar([entry(uid=uid, sequence=4)], stamped_at=STAMP)
    event = only_event(raw)
    assert str(event["UID"]) == uid
    assert content_lines(raw, "UID") == [f"UID:{uid}"]
    assert event.decoded("SEQUENCE") == 4


def test_start_and_end_carry_the_event_zone_and_keep_the_instant() -> None:
    starts = datetime(2027, 3, 11, 1, 30, tzinfo=UTC)  # given in UTC, 09:30 in Shanghai
    ends = datetime(2027, 3, 11, 10, 0, tzinfo=SHANGHAI)
    event = only_event(build_calendar([entry(starts_at=starts, ends_at=ends)], stamped_at=STAMP))
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTEND"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 3, 11, 9, 30)
    assert event.decoded("DTEND") == ends


def test_shanghai_time_zone_is_one_compact_plus_0800_standard_block() -> None:
    raw = build_calendar([entry()], stamped_at=STAMP)
    timezones = parse(raw).walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Asia/Shanghai"]
    observances = timezones[0].subcomponents
    assert [o.name for o in observances] == ["STANDARD"]
    assert content_lines(raw, "TZOFFSETFROM") == ["TZOFFSETFROM:+0800"]
    assert content_lines(raw, "TZOFFSETTO") == ["TZOFFSETTO:+0800"]
    # limited to the needed range: it starts the day before the interview
    assert observances[0].decoded("DTSTART").date() == date(2027, 3, 10)


def test_one_vtimezone_per_zone_even_with_many_entries() -> None:
    entries = [
        entry(
            uid=f"e{i}@fairs",
            starts_at=entry().starts_at + timedelta(days=i),
            ends_at=entry().ends_at + timedelta(days=i),
        )
        for i in range(3)
    ]
    raw = build_calendar(entries, stamped_at=STAMP)
    assert len(parse(raw).walk("VTIMEZONE")) == 1


def test_stamp_is_utc() -> None:
    raw = build_calendar([entry()], stamped_at=STAMP)
    assert content_lines(raw, "DTSTAMP") == ["DTSTAMP:20270301T121500Z"]
    stamp = only_event(raw).decoded("DTSTAMP")
    assert stamp == STAMP
    assert stamp.utcoffset() == timedelta(0)


def test_invitation_carries_method_request() -> None:
    raw = build_calendar([entry()], stamped_at=STAMP, method="REQUEST")
    assert str(parse(raw)["METHOD"]) == "REQUEST"
    assert content_lines(raw, "METHOD") == ["METHOD:REQUEST"]
    assert str(only_event(raw)["STATUS"]) == "CONFIRMED"


def test_cancellation_keeps_the_uid_and_marks_it_cancelled() -> None:
    booked = interview_facts(sequence=1)
    cancelled = replace(booked, sequence=2, cancelled=True)
    first = only_event(build_calendar([interview_entry(booked, "zh")], stamped_at=STAMP))
    raw = build_calendar([interview_entry(cancelled, "zh")], stamped_at=STAMP, method="CANCEL")
    second = only_event(raw)
    assert content_lines(raw, "METHOD") == ["METHOD:CANCEL"]
    assert str(second["UID"]) == str(first["UID"]) == booked.uid
    assert second.decoded("SEQUENCE") > first.decoded("SEQUENCE")
    assert str(second["STATUS"]) == "CANCELLED"
    assert second.walk("VALARM") == []  # a cancelled interview does not ring


def test_cancel_method_refuses_an_entry_that_is_not_cancelled() -> None:
    with pytest.raises(ValueError, match="CANCEL"):
        build_calendar([entry()], stamped_at=STAMP, method="CANCEL")


def test_invitation_needs_an_organizer_mailbox() -> None:
    with pytest.raises(ValueError, match="organizer"):
        build_calendar(
            [entry(organizer=CalendarParty("株洲市人社局", None))],
            stamped_at=STAMP,
            method="REQUEST",
        )


def test_each_reminder_is_a_display_alarm_before_the_start() -> None:
    raw = build_calendar([entry()], stamped_at=STAMP)
    event = only_event(raw)
    alarms = event.walk("VALARM")
    assert len(alarms) == 2
    assert [str(a["ACTION"]) for a in alarms] == ["DISPLAY", "DISPLAY"]
    assert [a.decoded("TRIGGER") for a in alarms] == [-timedelta(days=1), -timedelta(hours=1)]
    assert content_lines(raw, "TRIGGER") == ["TRIGGER:-P1D", "TRIGGER:-PT1H"]
    assert all(str(a["DESCRIPTION"]) == str(event["SUMMARY"]) for a in alarms)


def test_lines_are_folded_at_75_octets_and_chinese_round_trips() -> None:
    facts = interview_facts()
    summary = f"面试：{facts.organization_name} · {facts.position_title}"
    raw = build_calendar([interview_entry(facts, "zh")], stamped_at=STAMP)
    assert raw.endswith(b"\r\n")
    physical = raw[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert all(len(line) <= 75 for line in physical)
    assert any(line.startswith(b" ") for line in physical)  # something was actually folded
    for line in physical:
        line.decode("utf-8")  # never splits a character
    assert f"SUMMARY:{summary}" in unfolded(raw)
    event = only_event(raw)
    assert str(event["SUMMARY"]) == summary
    assert TITLE in str(event["DESCRIPTION"])


def test_interview_file_for_an_attendee_names_only_that_attendee() -> None:
    raw = build_calendar([interview_entry(interview_facts(), "zh")], stamped_at=STAMP)
    attendees = only_event(raw).get("ATTENDEE")
    assert not isinstance(attendees, list)  # exactly one
    assert str(attendees) == "mailto:wangfang@example.com"
    assert attendees.params["CN"] == "王芳"
    assert len(content_lines(raw, "ATTENDEE")) == 1
    text = unfolded(raw)
    assert EMPLOYER_CONTACT.name not in text and EMPLOYER_CONTACT.email not in text


def test_interview_file_for_the_employer_holds_nothing_of_the_attendee() -> None:
    facts = interview_facts(recipient=EMPLOYER_CONTACT)
    raw = build_calendar([interview_entry(facts, "zh")], stamped_at=STAMP)
    assert str(only_event(raw)["ATTENDEE"]) == "mailto:hr.li@crrc.example.com"
    text = unfolded(raw)
    assert WORKER.name not in text and WORKER.email not in text


def test_interview_in_chinese_names_employer_position_booth_and_check_in() -> None:
    event = only_event(build_calendar([interview_entry(interview_facts(), "zh")], stamped_at=STAMP))
    assert str(event["SUMMARY"]) == "面试：株洲中车时代电气股份有限公司 · 维修电工（持证上岗）"
    assert str(event["LOCATION"]) == "株洲国际会展中心, 湖南省株洲市天元区黄河南路1号, 展位 A03"
    description = str(event["DESCRIPTION"])
    assert "签到码" in description and "身份证" in description
    assert [str(c) for c in event["CATEGORIES"].cats] == ["面试"]


def test_interview_in_english_reads_in_english() -> None:
    facts = interview_facts(organization_name="CRRC Times Electric", position_title="Electrician")
    event = only_event(build_calendar([interview_entry(facts, "en")], stamped_at=STAMP))
    assert str(event["SUMMARY"]) == "Interview: CRRC Times Electric · Electrician"
    assert str(event["LOCATION"]).endswith(", Booth A03")
    assert "check-in code" in str(event["DESCRIPTION"])


def test_interview_without_booth_has_no_booth_in_location() -> None:
    event = only_event(
        build_calendar([interview_entry(interview_facts(booth_code=None), "zh")], stamped_at=STAMP)
    )
    assert str(event["LOCATION"]) == "株洲国际会展中心, 湖南省株洲市天元区黄河南路1号"


def test_fair_at_a_venue_has_no_attendee_and_no_conference() -> None:
    event = only_event(build_calendar([fair_event_entry(fair_facts(), "zh")], stamped_at=STAMP))
    assert str(event["SUMMARY"]) == TITLE
    assert str(event["LOCATION"]) == "株洲国际会展中心, 湖南省株洲市天元区黄河南路1号"
    assert "ATTENDEE" not in event and "CONFERENCE" not in event and "URL" not in event
    assert str(event["ORGANIZER"]) == f"mailto:{ORGANIZER.email}"


def test_online_fair_writes_url_and_conference() -> None:
    url = "https://live.example.cn/fairs/311?room=2"
    facts = fair_facts(venue_name=None, venue_address=None, online_url=url)
    raw = build_calendar([fair_event_entry(facts, "zh")], stamped_at=STAMP)
    event = only_event(raw)
    assert str(event["LOCATION"]) == url
    assert str(event["URL"]) == url
    assert str(event["CONFERENCE"]) == url
    assert event["CONFERENCE"].params["VALUE"] == "URI"
    assert "ATTENDEE" not in event


def test_party_without_mailbox_is_written_without_mailto() -> None:
    raw = build_calendar([entry(attendees=(CalendarParty("王芳", None),))], stamped_at=STAMP)
    attendee = only_event(raw)["ATTENDEE"]
    assert not str(attendee).startswith("mailto:")
    assert attendee.params["CN"] == "王芳"


def test_entries_are_written_in_the_given_order() -> None:
    later = entry(
        uid="later@fairs",
        starts_at=entry().starts_at + timedelta(days=2),
        ends_at=entry().ends_at + timedelta(days=2),
    )
    earlier = entry(uid="earlier@fairs")
    raw = build_calendar([later, earlier], stamped_at=STAMP)
    assert [str(e["UID"]) for e in parse(raw).walk("VEVENT")] == ["later@fairs", "earlier@fairs"]


def test_an_empty_feed_is_a_valid_calendar_without_time_zones() -> None:
    calendar = parse(build_calendar([], stamped_at=STAMP))
    assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE") == []


def test_line_breaks_in_text_cannot_start_new_properties() -> None:
    raw = build_calendar([entry(summary="面试\r\nMETHOD:CANCEL\x00")], stamped_at=STAMP)
    assert content_lines(raw, "METHOD") == []
    assert b"\x00" not in raw
    assert str(only_event(raw)["SUMMARY"]) == "面试\nMETHOD:CANCEL"


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_naive_datetime_is_refused(field: str) -> None:
    naive = getattr(entry(), field).replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        build_calendar([entry(**{field: naive})], stamped_at=STAMP)


def test_a_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_calendar([entry()], stamped_at=datetime(2027, 3, 1, 12))


@pytest.mark.parametrize(
    "changes",
    [
        {"ends_at": datetime(2027, 3, 11, 9, 30, tzinfo=SHANGHAI)},  # == starts_at
        {"ends_at": datetime(2027, 3, 11, 9, 0, tzinfo=SHANGHAI)},
        {"timezone": "Asia/Zhuzhou"},
        {"timezone": "../etc/passwd"},
        {"uid": ""},
        {"uid": "   "},
        {"sequence": -1},
        {"reminders": (timedelta(hours=-1),)},
        {"url": "javascript:alert(1)"},
        {"attendees": (CalendarParty("x", "not-an-address"),)},
    ],
    ids=lambda c: next(iter(c)),
)
def test_an_invalid_entry_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build_calendar([entry(**changes)], stamped_at=STAMP)


def test_the_same_uid_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        build_calendar([entry(), entry()], stamped_at=STAMP)


def test_daylight_saving_zone_round_trips_summer_and_winter() -> None:
    summer = entry(
        uid="summer@fairs",
        timezone="Europe/Berlin",
        starts_at=datetime(2027, 7, 1, 9, 0, tzinfo=BERLIN),
        ends_at=datetime(2027, 7, 1, 10, 0, tzinfo=BERLIN),
    )
    winter = entry(
        uid="winter@fairs",
        timezone="Europe/Berlin",
        starts_at=datetime(2030, 1, 15, 8, 0, tzinfo=UTC),  # 09:00 in Berlin
        ends_at=datetime(2030, 1, 15, 10, 0, tzinfo=BERLIN),
    )
    raw = build_calendar([summer, winter], stamped_at=STAMP)
    calendar = parse(raw)
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Berlin"]
    assert {o.name for o in timezones[0].subcomponents} == {"STANDARD", "DAYLIGHT"}
    # vobject and ical.js read only the first date of a list: one date per RDATE line
    assert content_lines(raw, "RDATE")
    assert all("," not in line for line in content_lines(raw, "RDATE"))
    # the VTIMEZONE itself (not the zone database) gives the right offsets
    defined = timezones[0].to_tz(lookup_tzid=False)
    assert datetime(2027, 7, 1, 9, tzinfo=defined).utcoffset() == timedelta(hours=2)
    assert datetime(2028, 1, 15, 9, tzinfo=defined).utcoffset() == timedelta(hours=1)
    assert datetime(2028, 7, 1, 9, tzinfo=defined).utcoffset() == timedelta(hours=2)
    assert datetime(2030, 1, 15, 9, tzinfo=defined).utcoffset() == timedelta(hours=1)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert events["summer@fairs"].decoded("DTSTART") == summer.starts_at
    assert events["winter@fairs"].decoded("DTSTART") == winter.starts_at
    assert [line for line in content_lines(raw, "DTSTART") if "TZID" in line] == [
        "DTSTART;TZID=Europe/Berlin:20270701T090000",
        "DTSTART;TZID=Europe/Berlin:20300115T090000",
    ]


def test_entries_in_two_zones_get_one_vtimezone_each() -> None:
    berlin = entry(uid="berlin@fairs", timezone="Europe/Berlin")
    raw = build_calendar([entry(), berlin], stamped_at=STAMP)
    tzids = sorted(str(tz["TZID"]) for tz in parse(raw).walk("VTIMEZONE"))
    assert tzids == ["Asia/Shanghai", "Europe/Berlin"]


# --- written entries kept by value (feeds are rebuilt after every change) ------------------


def _unkept(entries: list[CalendarEntry], stamped_at: datetime) -> bytes:
    from fairs.core.ics.writer import _written_event

    _written_event.cache_clear()
    return build_feed(entries, stamped_at=stamped_at)


def test_a_kept_entry_takes_each_files_stamp_and_writes_what_a_fresh_build_writes() -> None:
    entries = [entry(), replace(entry(), uid="second@fairs", sequence=4)]
    first = build_feed(entries, stamped_at=STAMP)
    later = STAMP + timedelta(hours=5, seconds=7)
    second = build_feed(entries, stamped_at=later)  # the same entries, kept
    assert content_lines(second, "DTSTAMP") == ["DTSTAMP:20270301T171507Z"] * 2
    assert second == _unkept(entries, later)
    assert first == _unkept(entries, STAMP)


def test_a_changed_entry_is_written_again() -> None:
    build_feed([entry()], stamped_at=STAMP)
    moved = entry(sequence=1, starts_at=datetime(2027, 3, 11, 14, 0, tzinfo=SHANGHAI),
                  ends_at=datetime(2027, 3, 11, 14, 30, tzinfo=SHANGHAI))
    event = only_event(build_feed([moved], stamped_at=STAMP))
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == datetime(2027, 3, 11, 14, 0, tzinfo=SHANGHAI)
    assert only_event(build_feed([entry(cancelled=True)], stamped_at=STAMP))["STATUS"] == "CANCELLED"


def test_the_same_instants_in_another_zone_write_the_same_bytes() -> None:
    shanghai = entry()
    in_utc = entry(starts_at=shanghai.starts_at.astimezone(UTC), ends_at=shanghai.ends_at.astimezone(UTC))
    assert build_feed([in_utc], stamped_at=STAMP) == _unkept([shanghai], STAMP)


def test_text_that_looks_like_the_stamp_placeholder_stays_text() -> None:
    sly = "面试\r\nDTSTAMP:19700101T000000Z"  # its line would end in the placeholder
    raw = build_feed([entry(summary=sly, description=sly)], stamped_at=STAMP)
    event = only_event(raw)
    assert str(event["SUMMARY"]).split() == ["面试", "DTSTAMP:19700101T000000Z"]
    assert content_lines(raw, "DTSTAMP") == ["DTSTAMP:20270301T121500Z"]


def test_a_bad_entry_is_refused_every_time() -> None:
    bad = entry(organizer=CalendarParty("局", "not-a-mailbox"))
    for _ in range(2):
        with pytest.raises(InvalidCalendarEntry, match="e-mail"):
            build_feed([bad], stamped_at=STAMP)


def test_an_entry_holding_a_list_is_written_unkept() -> None:
    listed = entry(categories=["面试"])  # type: ignore[arg-type]
    assert content_lines(build_feed([listed], stamped_at=STAMP), "CATEGORIES") == ["CATEGORIES:面试"]
