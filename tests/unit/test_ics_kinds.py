"""Specification of the calendar item kinds (fairs.core.ics): text per language, privacy,
iTIP forms, time zones, alarms, online links, recurrence and refusals. Files are parsed back."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Event

from fairs.core.errors import InvalidInput
from fairs.core.ics import (
    CalendarParty,
    DailyRepeat,
    InvalidCalendarEntry,
    VillageStop,
    booth_reservation_entry,
    build_calendar,
    build_feed,
    calendar_entry,
    fair_event_entry,
    interview_entry,
    training_cohort_entry,
    village_ride_entry,
)
from tests.unit.test_ics_samples import (
    EMPLOYER_CONTACT,
    FORMS,
    KINDS,
    LIVESTREAM,
    STAMP,
    WORKER,
    Form,
    at,
    booth_reservation,
    facts_of,
    fair_event,
    file_of,
    interview,
    training_cohort,
    village_ride,
)

BERLIN = ZoneInfo("Europe/Berlin")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def only_event(raw: bytes) -> Event:
    [event] = Calendar.from_ical(raw).walk("VEVENT")
    return event


def unfolded(raw: bytes) -> str:
    return raw.decode("utf-8").replace("\r\n ", "")


def content_lines(raw: bytes, name: str) -> list[str]:
    return [line for line in unfolded(raw).split("\r\n") if re.match(rf"{name}[;:]", line)]


# --- language ----------------------------------------------------------------------------


def test_booth_reservation_reads_in_chinese() -> None:
    event = only_event(build_calendar([booth_reservation_entry(booth_reservation(), "zh")], stamped_at=STAMP))
    assert str(event["SUMMARY"]) == "展位 A03 · 株洲市2027年“311”就业服务节 现场招聘会"
    assert str(event["DESCRIPTION"]) == (
        "株洲市2027年“311”就业服务节 现场招聘会\n单位：株洲中车时代电气股份有限公司\n展位：A03\n"
        "布展：2027年3月11日 07:30–08:30\n开放：2027年3月11日 08:30–12:00\n"
        "地点：株洲国际会展中心, 湖南省株洲市天元区黄河南路1号"
    )
    assert str(event["LOCATION"]) == "株洲国际会展中心, 湖南省株洲市天元区黄河南路1号, 展位 A03"
    # the item spans setup to closing
    assert event.decoded("DTSTART") == at(3, 11, 7, 30) and event.decoded("DTEND") == at(3, 11, 12)


def test_booth_reservation_reads_in_english() -> None:
    facts = replace(booth_reservation(), event_title="Zhuzhou 311 Job Fair", organization_name="CRRC Times Electric",
                    venue_name="Zhuzhou Expo Centre", venue_address="1 Huanghe South Rd")
    event = only_event(build_calendar([booth_reservation_entry(facts, "en")], stamped_at=STAMP))
    assert str(event["SUMMARY"]) == "Booth A03 · Zhuzhou 311 Job Fair"
    assert str(event["DESCRIPTION"]) == (
        "Zhuzhou 311 Job Fair\nEmployer: CRRC Times Electric\nBooth: A03\nSetup: 11 Mar 2027 07:30–08:30\n"
        "Open: 11 Mar 2027 08:30–12:00\nPlace: Zhuzhou Expo Centre, 1 Huanghe South Rd"
    )
    assert str(event["LOCATION"]) == "Zhuzhou Expo Centre, 1 Huanghe South Rd, Booth A03"


def test_setup_on_the_day_before_names_both_dates() -> None:
    facts = replace(booth_reservation(), setup_starts_at=at(3, 10, 16))
    description = str(only_event(build_calendar([booth_reservation_entry(facts, "zh")], stamped_at=STAMP))[
        "DESCRIPTION"])
    assert "布展：2027年3月10日 16:00–2027年3月11日 08:30\n" in description


def test_village_ride_reads_in_chinese_with_stops_in_order() -> None:
    event = only_event(build_calendar([village_ride_entry(village_ride(), "zh")], stamped_at=STAMP))
    assert str(event["SUMMARY"]) == "百企进百村 第二周：2号车 南洲镇杨梅村 → 南洲镇千金村"
    assert str(event["DESCRIPTION"]) == (
        "百企进百村 第二周\n车辆：2号车\n出发：2027年4月8日 07:00，株洲市人力资源市场, 湖南省株洲市天元区长江北路10号\n"
        "当日站点：\n1. 08:30–11:00 南洲镇杨梅村（村委会广场）\n2. 12:30–15:00 南洲镇千金村（集市入口）\n"
        "返回：约 16:30 回到株洲市人力资源市场, 湖南省株洲市天元区长江北路10号"
    )
    assert str(event["LOCATION"]) == "株洲市人力资源市场, 湖南省株洲市天元区长江北路10号"
    assert event.decoded("DTSTART") == at(4, 8, 7) and event.decoded("DTEND") == at(4, 8, 16, 30)


def test_village_ride_reads_in_english() -> None:
    facts = replace(
        village_ride(), campaign_title="Hundred Villages, week 2", bus_label="Bus 2",
        departure_point="City Job Market", stops=(
            VillageStop("Yangmei", "village square", at(4, 8, 8, 30), at(4, 8, 11)),
            VillageStop("Qianjin", "market gate", at(4, 8, 12, 30), at(4, 8, 15)),
        ),
    )
    event = only_event(build_calendar([village_ride_entry(facts, "en")], stamped_at=STAMP))
    assert str(event["SUMMARY"]) == "Hundred Villages, week 2: Bus 2, Yangmei → Qianjin"
    assert str(event["DESCRIPTION"]) == (
        "Hundred Villages, week 2\nBus: Bus 2\nDeparture: 8 Apr 2027 07:00, City Job Market\nStops:\n"
        "1. 08:30–11:00 Yangmei (village square)\n2. 12:30–15:00 Qianjin (market gate)\n"
        "Back: about 16:30, at City Job Market"
    )


def test_training_reads_in_chinese_with_its_days_off() -> None:
    facts = replace(training_cohort(), schedule=DailyRepeat(count=10, skipped=(date(2027, 3, 18), date(2027, 3, 16))))
    event = only_event(build_calendar([training_cohort_entry(facts, "zh")], stamped_at=STAMP))
    assert str(event["SUMMARY"]) == "“抖音达人”新媒体技能培训班（第3期）"
    assert str(event["DESCRIPTION"]) == (
        "“抖音达人”新媒体技能培训班（第3期）\n时间：2027年3月15日至2027年3月24日，每天 14:00–17:00，共 8 次课\n"
        "停课：2027年3月16日、2027年3月18日\n地点：天元区零工之家, 湖南省株洲市天元区泰山路88号"
    )


def test_training_reads_in_english() -> None:
    facts = replace(training_cohort(), title="Douyin Master course, cohort 3", venue_name="Gig Job Home",
                    venue_address="88 Taishan Rd", schedule=DailyRepeat(until=date(2027, 3, 24),
                                                                         skipped=(date(2027, 3, 18),)))
    event = only_event(build_calendar([training_cohort_entry(facts, "en")], stamped_at=STAMP))
    assert str(event["DESCRIPTION"]) == (
        "Douyin Master course, cohort 3\nEvery day 14:00–17:00, from 15 Mar 2027 to 24 Mar 2027, 9 sessions\n"
        "No session on: 18 Mar 2027\nPlace: Gig Job Home, 88 Taishan Rd"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_english_files_have_no_chinese_apart_from_the_data(kind: str) -> None:
    """Remove every string that came from the facts: what is left is our wording."""
    facts = facts_of(kind, "cancel")
    event = only_event(file_of(kind, "cancel", "en"))
    data: list[str] = []
    for value in vars(facts).values():
        if isinstance(value, str):
            data.append(value)
        elif isinstance(value, tuple):  # the village stops
            data += [v for stop in value if hasattr(stop, "village_name") for v in (stop.village_name, stop.place)]
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION", "CATEGORIES"):
        text = event[name].to_ical().decode("utf-8").replace("\\,", ",")
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, "")
        assert not CJK.search(text), (name, text)
    assert str(event["SUMMARY"]).startswith("Cancelled: ")


@pytest.mark.parametrize("kind", KINDS)
def test_chinese_and_english_files_differ_only_in_words(kind: str) -> None:
    zh, en = only_event(file_of(kind, "update", "zh")), only_event(file_of(kind, "update", "en"))
    for name in ("UID", "SEQUENCE", "DTSTART", "DTEND", "ATTENDEE", "ORGANIZER", "STATUS"):
        assert zh[name].to_ical() == en[name].to_ical()
    assert zh["DESCRIPTION"] != en["DESCRIPTION"]
    assert str(zh["CATEGORIES"].cats[0]) != str(en["CATEGORIES"].cats[0])


# --- privacy -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_file_names_its_recipient_and_nobody_else(kind: str, form: Form, language: Any) -> None:
    raw = file_of(kind, form, language)
    recipient = facts_of(kind, form).recipient
    other = EMPLOYER_CONTACT if recipient == WORKER else WORKER
    assert recipient is not None
    assert content_lines(raw, "ATTENDEE")[0].endswith(f":mailto:{recipient.email}")
    assert len(content_lines(raw, "ATTENDEE")) == 1
    text = unfolded(raw)
    assert other.name not in text and str(other.email) not in text


def test_the_employers_interview_copy_holds_nothing_of_the_job_seeker() -> None:
    raw = build_calendar([interview_entry(replace(interview(), recipient=EMPLOYER_CONTACT), "zh")],
                         stamped_at=STAMP, method="REQUEST")
    assert str(only_event(raw)["ATTENDEE"]) == f"mailto:{EMPLOYER_CONTACT.email}"
    assert WORKER.name not in unfolded(raw) and str(WORKER.email) not in unfolded(raw)


@pytest.mark.parametrize("build", ["calendar", "feed"])
def test_one_file_for_two_people_is_refused_without_naming_them(build: str) -> None:
    entries = [calendar_entry(interview(), "zh"), calendar_entry(booth_reservation(), "zh")]
    with pytest.raises(InvalidCalendarEntry) as refused:
        if build == "feed":
            build_feed(entries, stamped_at=STAMP)
        else:
            build_calendar(entries, stamped_at=STAMP)
    assert refused.value.field == "attendees"
    message = str(refused.value)
    assert all(p not in message for p in (WORKER.name, str(WORKER.email), EMPLOYER_CONTACT.name))


def test_one_recipient_known_under_two_names_is_still_one_recipient() -> None:
    """The account's display name and the registration's name may differ; the mailbox decides."""
    ride = replace(village_ride(), recipient=CalendarParty("王芳（求职者）", "WangFang@example.com"))
    raw = build_feed([calendar_entry(interview(), "zh"), calendar_entry(ride, "zh")], stamped_at=STAMP)
    assert len(Calendar.from_ical(raw).walk("VEVENT")) == 2


def test_a_malformed_address_is_refused_without_echoing_it() -> None:
    facts = replace(interview(), recipient=CalendarParty("王芳", "wangfang at example.com"))
    with pytest.raises(InvalidCalendarEntry) as refused:
        build_calendar([interview_entry(facts, "zh")], stamped_at=STAMP)
    assert refused.value.field == "attendees[0].email"
    assert "wangfang" not in str(refused.value)


# --- iTIP forms --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_an_item_keeps_its_uid_through_update_and_cancel_with_a_rising_sequence(kind: str) -> None:
    files = {form: file_of(kind, form) for form in FORMS}
    events = {form: only_event(raw) for form, raw in files.items()}
    assert {str(e["UID"]) for e in events.values()} == {facts_of(kind, "request").uid}
    assert {form: e.decoded("SEQUENCE") for form, e in events.items()} == {
        "request": 0, "update": 1, "cancel": 2, "download": 1}
    assert {form: content_lines(raw, "METHOD") for form, raw in files.items()} == {
        "request": ["METHOD:REQUEST"], "update": ["METHOD:REQUEST"], "cancel": ["METHOD:CANCEL"], "download": []}
    assert {form: str(e["STATUS"]) for form, e in events.items()} == {
        "request": "CONFIRMED", "update": "CONFIRMED", "cancel": "CANCELLED", "download": "CONFIRMED"}
    # the cancellation still names the attendee it is sent to (RFC 5546 3.2.5)
    assert events["cancel"]["ATTENDEE"].to_ical() == events["request"]["ATTENDEE"].to_ical()


def test_an_invitation_needs_an_attendee_with_a_mailbox() -> None:
    public = fair_event_entry(replace(fair_event(), recipient=None), "zh")
    with pytest.raises(InvalidCalendarEntry) as refused:
        build_calendar([public], stamped_at=STAMP, method="REQUEST")
    assert refused.value.field == "attendees"
    no_mailbox = interview_entry(replace(interview(), recipient=CalendarParty("王芳", None)), "zh")
    with pytest.raises(InvalidCalendarEntry, match="attendee"):
        build_calendar([no_mailbox], stamped_at=STAMP, method="REQUEST")
    # the public download of the fair needs neither
    assert "ATTENDEE" not in only_event(build_calendar([public], stamped_at=STAMP))


def test_a_feed_mixes_kinds_keeps_cancelled_items_and_has_no_method() -> None:
    items = [("interview", "update"), ("fair_event", "cancel"), ("training_cohort", "cancel")]
    raw = build_feed([calendar_entry(facts_of(k, f), "zh") for k, f in items], stamped_at=STAMP, name="我的日程")
    calendar = Calendar.from_ical(raw)
    assert "METHOD" not in calendar and content_lines(raw, "METHOD") == []
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == "我的日程"
    events = calendar.walk("VEVENT")
    assert [(str(e["UID"]), str(e["STATUS"]), len(e.walk("VALARM"))) for e in events] == [
        (facts_of("interview", "update").uid, "CONFIRMED", 2),
        (facts_of("fair_event", "cancel").uid, "CANCELLED", 0),
        (facts_of("training_cohort", "cancel").uid, "CANCELLED", 0),
    ]
    assert str(events[1]["SUMMARY"]).startswith("已取消：")


def test_an_empty_feed_is_a_valid_calendar() -> None:
    calendar = Calendar.from_ical(build_feed([], stamped_at=STAMP))
    assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE") == []


# --- time zones, stamps, alarms ----------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_file_is_stamped_in_utc_and_times_carry_the_zone(kind: str, form: Form) -> None:
    raw = file_of(kind, form)
    assert content_lines(raw, "DTSTAMP") == ["DTSTAMP:20270301T121500Z"]
    assert [line.split(":")[0] for line in content_lines(raw, "DTSTART") if "TZID" in line] == [
        "DTSTART;TZID=Asia/Shanghai"]
    assert [line.split(":")[0] for line in content_lines(raw, "DTEND")] == ["DTEND;TZID=Asia/Shanghai"]
    assert content_lines(raw, "TZID") == ["TZID:Asia/Shanghai"]  # exactly one VTIMEZONE


def test_one_vtimezone_per_zone_covering_every_item_of_a_feed() -> None:
    berlin_course = replace(
        training_cohort(), uid="berlin@fairs", timezone="Europe/Berlin",
        first_session_starts_at=datetime(2027, 3, 24, 14, tzinfo=BERLIN),
        first_session_ends_at=datetime(2027, 3, 24, 17, tzinfo=BERLIN), schedule=DailyRepeat(count=10),
    )
    berlin_fair = replace(fair_event(), uid="berlin-fair@fairs", timezone="Europe/Berlin", recipient=None,
                          starts_at=datetime(2027, 7, 1, 9, tzinfo=BERLIN),
                          ends_at=datetime(2027, 7, 1, 12, tzinfo=BERLIN))
    facts = [interview(), berlin_course, replace(village_ride(), recipient=WORKER), berlin_fair, training_cohort()]
    raw = build_feed([calendar_entry(f, "en") for f in facts], stamped_at=STAMP)
    calendar = Calendar.from_ical(raw)
    timezones = {str(tz["TZID"]): tz for tz in calendar.walk("VTIMEZONE")}
    assert list(timezones) == ["Asia/Shanghai", "Europe/Berlin"]  # in order of first use
    assert content_lines(raw, "TZID") == ["TZID:Asia/Shanghai", "TZID:Europe/Berlin"]
    # limited to the items: Shanghai from the day before the first interview ...
    [shanghai] = timezones["Asia/Shanghai"].subcomponents
    assert shanghai.decoded("DTSTART") == datetime(2027, 3, 10)
    assert str(timezones["Asia/Shanghai"]["COMMENT"]) == "This timezone only works from 2027-03-10 to 2027-04-09."
    # ... and Berlin through the course's DST change and to the July fair, read from the block itself
    berlin = timezones["Europe/Berlin"]
    assert str(berlin["COMMENT"]) == "This timezone only works from 2027-03-23 to 2027-07-02."
    defined = berlin.to_tz(lookup_tzid=False)
    for day, hours in ((date(2027, 3, 24), 1), (date(2027, 4, 2), 2), (date(2027, 7, 1), 2)):
        assert datetime(day.year, day.month, day.day, 14, tzinfo=defined).utcoffset() == timedelta(hours=hours)


def test_a_utc_item_needs_no_vtimezone() -> None:
    entry = replace(calendar_entry(interview(), "zh"), timezone="UTC")
    raw = build_calendar([entry], stamped_at=STAMP)
    assert content_lines(raw, "DTSTART") == ["DTSTART:20270311T013000Z"]
    assert Calendar.from_ical(raw).walk("VTIMEZONE") == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_active_item_rings_a_day_and_an_hour_before(kind: str) -> None:
    raw = file_of(kind, "request")
    event = only_event(raw)
    alarms = event.walk("VALARM")
    assert [(str(a["ACTION"]), a.decoded("TRIGGER"), str(a["DESCRIPTION"])) for a in alarms] == [
        ("DISPLAY", -timedelta(days=1), str(event["SUMMARY"])),
        ("DISPLAY", -timedelta(hours=1), str(event["SUMMARY"])),
    ]
    assert content_lines(raw, "TRIGGER") == ["TRIGGER:-P1D", "TRIGGER:-PT1H"]
    assert only_event(file_of(kind, "cancel")).walk("VALARM") == []


# --- online ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "label"),
    [
        (replace(fair_event(), venue_name=None, venue_address=None), "直播间"),
        (replace(interview(), venue_name="", venue_address="", booth_code=None, meeting_url=LIVESTREAM), "视频面试"),
        (replace(training_cohort(), venue_name=None, venue_address=None, online_url=LIVESTREAM), "线上课堂"),
    ],
    ids=["fair", "interview", "training"],
)
def test_an_online_item_carries_its_link_as_location_url_and_conference(facts: Any, label: str) -> None:
    raw = build_calendar([calendar_entry(facts, "zh")], stamped_at=STAMP, method="REQUEST")
    event = only_event(raw)
    assert str(event["LOCATION"]) == str(event["URL"]) == str(event["CONFERENCE"]) == LIVESTREAM
    assert content_lines(raw, "CONFERENCE") == [f"CONFERENCE;FEATURE=VIDEO;LABEL={label};VALUE=URI:{LIVESTREAM}"]
    assert LIVESTREAM in str(event["DESCRIPTION"])
    vevent = vobject.readOne(raw.decode("utf-8"), validate=True).vevent
    assert vevent.conference.value == LIVESTREAM and vevent.conference.params["LABEL"] == [label]


def test_an_online_label_follows_the_language() -> None:
    raw = build_calendar([fair_event_entry(fair_event(), "en")], stamped_at=STAMP)
    assert only_event(raw)["CONFERENCE"].params["LABEL"] == "Livestream room"
    # a fair with a hall and a livestream: the hall is the LOCATION, the stream the URL
    assert str(only_event(raw)["LOCATION"]) == "株洲国际会展中心, 湖南省株洲市天元区黄河南路1号"


@pytest.mark.parametrize("kind", ["interview", "booth_reservation", "village_ride", "training_cohort"])
def test_an_item_on_site_has_no_url_and_no_conference(kind: str) -> None:
    event = only_event(file_of(kind, "request"))
    assert "URL" not in event and "CONFERENCE" not in event


# --- recurrence --------------------------------------------------------------------------


def test_a_ten_day_cohort_is_one_item_with_a_daily_rule() -> None:
    raw = file_of("training_cohort", "request")
    assert len(Calendar.from_ical(raw).walk("VEVENT")) == 1
    assert content_lines(raw, "RRULE") == ["RRULE:FREQ=DAILY;COUNT=10"]
    assert content_lines(raw, "EXDATE") == []
    # the time zone block reaches past the last session
    assert "only works from 2027-03-14 to 2027-03-25." in unfolded(raw)


def test_a_cancelled_day_is_an_exdate_at_the_session_time() -> None:
    facts = replace(training_cohort(), schedule=DailyRepeat(count=10, skipped=(date(2027, 3, 20), date(2027, 3, 18))))
    raw = build_calendar([training_cohort_entry(facts, "zh")], stamped_at=STAMP)
    assert content_lines(raw, "EXDATE") == [
        "EXDATE;TZID=Asia/Shanghai:20270318T140000", "EXDATE;TZID=Asia/Shanghai:20270320T140000"]


def test_until_is_written_in_utc_at_the_last_session() -> None:
    facts = replace(training_cohort(), schedule=DailyRepeat(until=date(2027, 3, 24)))
    raw = build_calendar([training_cohort_entry(facts, "zh")], stamped_at=STAMP)
    assert content_lines(raw, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20270324T060000Z"]


# --- text encoding -----------------------------------------------------------------------


def test_long_chinese_text_is_folded_without_splitting_a_character_and_escaped() -> None:
    title = "株洲市“311”就业服务节；百企进百村，" * 12 + "😀 𠀀 A\\B"
    facts = replace(booth_reservation(), event_title=title, organization_name="湖南省株洲市天元区某某制造有限责任公司")
    raw = build_calendar([booth_reservation_entry(facts, "zh")], stamped_at=STAMP, method="REQUEST")
    physical = raw[:-2].split(b"\r\n")
    assert raw.endswith(b"\r\n") and all(b"\n" not in line and b"\r" not in line for line in physical)
    assert max(len(line) for line in physical) <= 75
    assert sum(line.startswith(b" ") for line in physical) > 20  # the long lines really were folded
    for line in physical:
        line.decode("utf-8")  # raises if a fold split a character
    escaped = title.replace("\\", "\\\\")  # full-width ；and ，need no escape; a backslash does
    assert f"SUMMARY:展位 A03 · {escaped}" in unfolded(raw).split("\r\n")
    event = only_event(raw)
    assert str(event["SUMMARY"]) == f"展位 A03 · {title}"
    assert str(vobject.readOne(raw.decode("utf-8"), validate=True).vevent.summary.value) == f"展位 A03 · {title}"


def test_ascii_separators_in_text_are_escaped_and_round_trip() -> None:
    facts = replace(village_ride(), departure_point="Gate 3; Lot B, North\\East")
    raw = build_calendar([village_ride_entry(facts, "en")], stamped_at=STAMP)
    assert content_lines(raw, "LOCATION") == ["LOCATION:Gate 3\\; Lot B\\, North\\\\East"]
    assert vobject.readOne(raw.decode("utf-8")).vevent.location.value == "Gate 3; Lot B, North\\East"


# --- refusals ----------------------------------------------------------------------------

NAIVE = datetime(2027, 3, 11, 8, 30)


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (replace(interview(), starts_at=NAIVE), "starts_at"),
        (replace(interview(), ends_at=at(3, 11, 9, 30)), "ends_at"),  # == starts_at
        (replace(fair_event(), ends_at=NAIVE), "ends_at"),
        (replace(booth_reservation(), setup_starts_at=NAIVE), "setup_starts_at"),
        (replace(booth_reservation(), setup_starts_at=at(3, 11, 9)), "setup_starts_at"),
        (replace(booth_reservation(), closes_at=at(3, 11, 8, 30)), "closes_at"),
        (replace(village_ride(), returns_at=at(4, 8, 6)), "returns_at"),
        (replace(village_ride(), returns_at=at(4, 8, 14)), "returns_at"),  # before the last stop ends
        (replace(village_ride(), stops=()), "stops"),
        (replace(village_ride(), stops=village_ride().stops[::-1]), "stops[1].arrives_at"),
        (replace(village_ride(), stops=(replace(village_ride().stops[0], leaves_at=NAIVE),)), "stops[0].leaves_at"),
        (replace(village_ride(), stops=(replace(village_ride().stops[0], arrives_at=at(4, 8, 6)),)),
         "stops[0].arrives_at"),
        (replace(training_cohort(), first_session_ends_at=at(3, 15, 13)), "first_session_ends_at"),
        (replace(training_cohort(), first_session_starts_at=NAIVE), "first_session_starts_at"),
        (replace(training_cohort(), schedule=DailyRepeat()), "schedule"),
        (replace(training_cohort(), schedule=DailyRepeat(count=10, until=date(2027, 3, 24))), "schedule"),
        (replace(training_cohort(), schedule=DailyRepeat(count=0)), "schedule.count"),
        (replace(training_cohort(), schedule=DailyRepeat(until=date(2027, 3, 14))), "schedule.until"),
        (replace(training_cohort(), schedule=DailyRepeat(count=10, skipped=(date(2027, 3, 25),))), "schedule.skipped"),
        (replace(training_cohort(), schedule=DailyRepeat(count=1, skipped=(date(2027, 3, 15),))), "schedule.skipped"),
        (replace(training_cohort(), timezone="Asia/Zhuzhou"), "timezone"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_bad_facts_are_refused_naming_the_field(facts: Any, field: str) -> None:
    with pytest.raises(InvalidCalendarEntry) as refused:
        build_calendar([calendar_entry(facts, "zh")], stamped_at=STAMP)
    assert refused.value.field == field
    assert field.split(".")[0].split("[")[0] in str(refused.value)
    assert isinstance(refused.value, InvalidInput) and isinstance(refused.value, ValueError)
    assert [(p.field, p.message) for p in refused.value.problems] == [(field, str(refused.value))]


def test_a_daily_session_longer_than_a_day_is_refused() -> None:
    entry = replace(calendar_entry(training_cohort(), "zh"), ends_at=at(3, 16, 15))
    with pytest.raises(InvalidCalendarEntry) as refused:
        build_calendar([entry], stamped_at=STAMP)
    assert refused.value.field == "ends_at"


def test_a_naive_stamp_is_refused_naming_it() -> None:
    with pytest.raises(InvalidCalendarEntry) as refused:
        build_feed([calendar_entry(interview(), "zh")], stamped_at=datetime(2027, 3, 1, 12))
    assert refused.value.field == "stamped_at"


def test_stored_instants_in_any_zone_are_written_in_the_items_zone() -> None:
    facts = replace(booth_reservation(), setup_starts_at=datetime(2027, 3, 10, 23, 30, tzinfo=UTC))
    raw = build_calendar([booth_reservation_entry(facts, "zh")], stamped_at=STAMP)
    assert [line for line in content_lines(raw, "DTSTART") if "TZID" in line] == [
        "DTSTART;TZID=Asia/Shanghai:20270311T073000"]


def test_calendar_entry_dispatches_to_the_builder_of_each_kind() -> None:
    assert calendar_entry(interview(), "en") == interview_entry(interview(), "en")
    assert calendar_entry(fair_event(), "zh") == fair_event_entry(fair_event(), "zh")
    assert calendar_entry(booth_reservation(), "zh") == booth_reservation_entry(booth_reservation(), "zh")
    assert calendar_entry(village_ride(), "en") == village_ride_entry(village_ride(), "en")
    assert calendar_entry(training_cohort(), "zh") == training_cohort_entry(training_cohort(), "zh")
