"""Interoperability: every kind of item, in every form, read by three independent parsers.

``icalendar`` (which wrote the files), ``vobject`` (its own parser and validator; it reads
times through the file's VTIMEZONE with dateutil, not through the zone database) and
``recurring-ical-events`` (expands series between two dates) must agree on UID, SEQUENCE,
STATUS and every start instant in UTC, and those instants must be the ones in the facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar

from fairs.core.ics import (
    DailyRepeat,
    TrainingCohortFacts,
    build_calendar,
    build_feed,
    calendar_entry,
    training_cohort_entry,
)
from tests.unit.test_ics_samples import (
    FORMS,
    KINDS,
    SHANGHAI,
    STAMP,
    Form,
    facts_of,
    file_of,
    training_cohort,
)

BERLIN = ZoneInfo("Europe/Berlin")
WINDOW = (date(2027, 1, 1), date(2028, 1, 1))


@pytest.fixture(autouse=True)
def vobject_reads_each_files_own_vtimezone() -> Iterator[None]:
    """vobject keeps the first VTIMEZONE it meets per TZID in a module-wide map and reuses it
    for later files; empty it so each test reads the zone its file carries."""
    zones: dict[str, Any] = vobject.icalendar.__dict__["__tzidMap"]
    saved = dict(zones)
    zones.clear()
    zones["UTC"] = saved["UTC"]
    yield
    zones.clear()
    zones.update(saved)


def starts_by_icalendar(raw: bytes) -> list[datetime]:
    [event] = Calendar.from_ical(raw).walk("VEVENT")
    return [event.decoded("DTSTART").astimezone(UTC)]


def starts_by_vobject(raw: bytes) -> tuple[Any, list[datetime]]:
    calendar = vobject.readOne(raw.decode("utf-8"), validate=True)
    event = calendar.vevent
    series = event.getrruleset(addRDate=True)
    starts = list(series) if series is not None else [event.dtstart.value]
    return calendar, [s.astimezone(UTC) for s in starts]


def starts_by_expansion(raw: bytes) -> list[datetime]:
    events = recurring_ical_events.of(Calendar.from_ical(raw)).between(*WINDOW)
    return sorted(e.decoded("DTSTART").astimezone(UTC) for e in events)


def expected_starts(kind: str, form: Form) -> list[datetime]:
    facts = facts_of(kind, form)
    if isinstance(facts, TrainingCohortFacts):
        first = facts.first_session_starts_at.astimezone(SHANGHAI)
        days = [first.date() + timedelta(days=i) for i in range(10)]
        skipped = {date(2027, 3, 18)} if form != "request" else set()
        return [datetime.combine(d, first.time(), SHANGHAI).astimezone(UTC) for d in days if d not in skipped]
    start = getattr(facts, "starts_at", None) or getattr(facts, "setup_starts_at", None) or facts.departs_at
    return [start.astimezone(UTC)]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("kind", KINDS)
def test_three_parsers_agree_on_every_kind_and_form(kind: str, form: Form) -> None:
    raw = file_of(kind, form)
    facts = facts_of(kind, form)
    expected = expected_starts(kind, form)

    by_vobject, vobject_starts = starts_by_vobject(raw)
    assert vobject_starts == expected
    assert starts_by_expansion(raw) == expected
    assert starts_by_icalendar(raw) == expected[:1]

    [ours] = Calendar.from_ical(raw).walk("VEVENT")
    event = by_vobject.vevent
    assert event.uid.value == str(ours["UID"]) == facts.uid
    assert int(event.sequence.value) == ours.decoded("SEQUENCE") == {"request": 0, "cancel": 2}.get(form, 1)
    assert event.status.value == str(ours["STATUS"]) == ("CANCELLED" if form == "cancel" else "CONFIRMED")
    method = by_vobject.contents.get("method")
    assert (method[0].value if method else None) == {"request": "REQUEST", "update": "REQUEST",
                                                     "cancel": "CANCEL"}.get(form)
    # vobject read the time through the file's VTIMEZONE, not through the zone database
    assert repr(event.dtstart.value.tzinfo) == "<tzicalvtz 'Asia/Shanghai'>"


@pytest.mark.parametrize("kind", KINDS)
def test_cancellation_keeps_its_attendee_for_every_parser(kind: str) -> None:
    raw = file_of(kind, "cancel")
    [ours] = Calendar.from_ical(raw).walk("VEVENT")
    recipient = facts_of(kind, "cancel").recipient
    assert recipient is not None and recipient.email is not None
    assert str(ours["ATTENDEE"]) == f"mailto:{recipient.email}"
    attendees = vobject.readOne(raw.decode("utf-8"), validate=True).vevent.contents["attendee"]
    assert [a.value for a in attendees] == [f"mailto:{recipient.email}"]


def cohort_days(first_day: date, count: int, skipped: set[date], zone: ZoneInfo, at: time) -> list[datetime]:
    days = [first_day + timedelta(days=i) for i in range(count)]
    return [datetime.combine(d, at, zone).astimezone(UTC) for d in days if d not in skipped]


@pytest.mark.parametrize("skipped", [(), (date(2027, 3, 18),)], ids=["ten-days", "one-day-off"])
@pytest.mark.parametrize("schedule", ["count", "until"])
def test_training_expands_to_its_days_with_count_or_until(schedule: str, skipped: tuple[date, ...]) -> None:
    repeat = DailyRepeat(count=10, skipped=skipped) if schedule == "count" else DailyRepeat(
        until=date(2027, 3, 24), skipped=skipped)
    facts = replace(training_cohort(), schedule=repeat)
    raw = build_calendar([training_cohort_entry(facts, "zh")], stamped_at=STAMP, method="REQUEST")
    expected = cohort_days(date(2027, 3, 15), 10, set(skipped), SHANGHAI, time(14))
    assert len(expected) == 10 - len(skipped)
    assert starts_by_vobject(raw)[1] == expected
    assert starts_by_expansion(raw) == expected


def test_training_across_a_daylight_saving_change_keeps_its_local_hour() -> None:
    """Berlin moves its clocks on 28 March 2027: sessions stay at 14:00 local, so they move
    from 13:00 to 12:00 UTC, and every parser must read that from the file's VTIMEZONE."""
    facts = replace(
        training_cohort(), timezone="Europe/Berlin",
        first_session_starts_at=datetime(2027, 3, 24, 14, tzinfo=BERLIN),
        first_session_ends_at=datetime(2027, 3, 24, 17, tzinfo=BERLIN),
        schedule=DailyRepeat(until=date(2027, 4, 2), skipped=(date(2027, 3, 29),)),
    )
    raw = build_calendar([training_cohort_entry(facts, "en")], stamped_at=STAMP)
    expected = cohort_days(date(2027, 3, 24), 10, {date(2027, 3, 29)}, BERLIN, time(14))
    assert expected[0].hour == 13 and expected[-1].hour == 12
    by_vobject, vobject_starts = starts_by_vobject(raw)
    assert repr(by_vobject.vevent.dtstart.value.tzinfo) == "<tzicalvtz 'Europe/Berlin'>"
    assert vobject_starts == expected
    assert starts_by_expansion(raw) == expected


def test_a_mixed_feed_is_read_whole_by_every_parser() -> None:
    items = [("interview", "update"), ("fair_event", "cancel"), ("booth_reservation", "download"),
             ("village_ride", "update"), ("training_cohort", "update")]
    entries = [calendar_entry(facts_of(kind, form), "zh") for kind, form in items]
    entries = [replace(e, attendees=()) for e in entries]  # an organizer's feed: nobody's data
    raw = build_feed(entries, stamped_at=STAMP, name="株洲就业服务")
    calendar = vobject.readOne(raw.decode("utf-8"), validate=True)
    assert "method" not in calendar.contents
    statuses = {e.uid.value: e.status.value for e in calendar.contents["vevent"]}
    assert statuses == {facts_of(kind, form).uid: "CANCELLED" if form == "cancel" else "CONFIRMED"
                        for kind, form in items}
    expected = sorted(s for kind, form in items for s in expected_starts(kind, form))
    assert starts_by_expansion(raw) == expected
    assert len(expected) == 4 + 9
