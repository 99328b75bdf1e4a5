"""iCalendar (RFC 5545) files for fairs, interviews, booths, village bus rides and trainings.

Pure: only the standard library and ``icalendar``; the clock value is always passed in.

Guarantees of every file built here (see DESIGN.md, "Invariants"):

* the UID is written verbatim and SEQUENCE as given; cancelling keeps the UID;
* DTSTAMP is UTC (``...Z``); DTSTART/DTEND carry ``TZID=<the event's IANA zone>`` and the
  calendar holds one VTIMEZONE per zone used, limited to the dates the entries need, with at
  most one date per RDATE line (vobject and ical.js read only the first of a list);
* METHOD is written only when asked for (iTIP invitations, RFC 5546); downloads and feeds
  carry none;
* a file names at most one ATTENDEE, its recipient: nobody else's personal data;
* a cancelled item keeps its UID, has STATUS:CANCELLED and no alarms, and its summary and
  description start by saying so ("已取消：…" / "Cancelled: …");
* every item's SUMMARY, DESCRIPTION, LOCATION, CATEGORIES and CONFERENCE label are in the
  recipient's language (Chinese unless ``"en"``); the facts' own names are written as given;
* lines are CRLF-terminated and folded at 75 octets without splitting a UTF-8 character.

One builder per kind of calendar item turns plain facts into a :class:`CalendarEntry` in the
recipient's language; :func:`build_calendar` (invitations, downloads) and :func:`build_feed`
(subscriptions) write entries out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, Parameters, Timezone, vCalAddress, vUri

from fairs.core.errors import InvalidInput

Language = Literal["zh", "en"]
Method = Literal["REQUEST", "CANCEL"]

PRODID = "-//fairs//fairs job fairs//ZH"
NO_MAILBOX = "invalid:nomail"  # cal-address for a party without e-mail (as Outlook writes it)
MAX_SESSIONS = 366

_FOOTER = b"END:VCALENDAR\r\n"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_EMAIL = re.compile(r"[^\s@\"<>;:,\\]+@[^\s@\"<>;:,\\]+")
_URL = re.compile(r"https?://[^\s\"<>\\^`{|}]+", re.IGNORECASE)
_FEATURE = re.compile(r"[A-Z][A-Z0-9-]*")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class InvalidCalendarEntry(InvalidInput, ValueError):
    """Facts or an entry break a rule of calendar files; ``field`` names the field.

    Also a ``ValueError``: callers that build from stored data treat it as a bug.
    """


# --- plain data --------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarParty:
    name: str
    email: str | None  # None: no mailbox; written as ``invalid:nomail``


@dataclass(frozen=True)
class Conference:
    """How to join online (RFC 7986 CONFERENCE): a livestream room or a video meeting."""

    uri: str
    label: str
    features: tuple[str, ...] = ("VIDEO",)


@dataclass(frozen=True)
class DailyRepeat:
    """A session every day at the time of the first one.

    Exactly one of ``count`` (number of days, RRULE COUNT) and ``until`` (last day, in the
    entry's zone; written as RRULE UNTIL in UTC). ``skipped`` are days of the series without
    a session (EXDATE): a cancelled day is skipped, not made up.
    """

    count: int | None = None
    until: date | None = None
    skipped: tuple[date, ...] = ()


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    summary: str
    description: str
    location: str
    organizer: CalendarParty
    attendees: tuple[CalendarParty, ...] = ()
    url: str | None = None
    conference: Conference | None = None
    repeat: DailyRepeat | None = None
    cancelled: bool = False
    reminders: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=1))
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class InterviewFacts:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    event_title: str
    organization_name: str
    position_title: str
    booth_code: str | None
    venue_name: str
    venue_address: str
    organizer: CalendarParty
    recipient: CalendarParty
    cancelled: bool = False
    meeting_url: str | None = None  # online interview (video meeting)


@dataclass(frozen=True)
class FairEventFacts:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    title: str
    venue_name: str | None
    venue_address: str | None
    online_url: str | None  # livestream room of an online fair
    organizer: CalendarParty
    cancelled: bool = False
    recipient: CalendarParty | None = None  # None for the public download


@dataclass(frozen=True)
class BoothReservationFacts:
    """An employer's booth: setup from ``setup_starts_at`` until the fair opens, then open hours."""

    uid: str
    sequence: int
    timezone: str
    event_title: str
    organization_name: str
    booth_code: str
    venue_name: str
    venue_address: str
    setup_starts_at: datetime
    opens_at: datetime
    closes_at: datetime
    organizer: CalendarParty
    recipient: CalendarParty
    cancelled: bool = False


@dataclass(frozen=True)
class VillageStop:
    village_name: str
    place: str  # where the booths stand, e.g. the village square
    arrives_at: datetime
    leaves_at: datetime


@dataclass(frozen=True)
class VillageRideFacts:
    """An employer's day on a Hundred-Villages bus: from departure to return, stops in order."""

    uid: str
    sequence: int
    timezone: str
    campaign_title: str
    bus_label: str
    departure_point: str  # name and address where the bus leaves and comes back
    departs_at: datetime
    returns_at: datetime
    stops: tuple[VillageStop, ...]
    organizer: CalendarParty
    recipient: CalendarParty
    cancelled: bool = False


@dataclass(frozen=True)
class TrainingCohortFacts:
    """A training cohort (e.g. the 10-day new-media course) as one recurring item."""

    uid: str
    sequence: int
    timezone: str
    title: str
    first_session_starts_at: datetime
    first_session_ends_at: datetime
    schedule: DailyRepeat
    venue_name: str | None
    venue_address: str | None
    online_url: str | None
    organizer: CalendarParty
    recipient: CalendarParty
    cancelled: bool = False


CalendarFacts = InterviewFacts | FairEventFacts | BoothReservationFacts | VillageRideFacts | TrainingCohortFacts


# --- writing files -----------------------------------------------------------------------


def build_calendar(
    entries: Sequence[CalendarEntry],
    *,
    stamped_at: datetime,
    method: Method | None = None,
) -> bytes:
    """Return one VCALENDAR (UTF-8, CRLF line ends, folded at 75 octets).

    * PRODID ``-//fairs//fairs job fairs//ZH``, VERSION 2.0, CALSCALE GREGORIAN.
    * METHOD only when ``method`` is given: invitations carry REQUEST (new or changed item) or
      CANCEL (same UID, higher SEQUENCE, every entry cancelled); the same value must go in the
      e-mail's ``Content-Type: text/calendar; method=...``. Downloads carry none. Any METHOD
      needs entries, an organizer mailbox and at least one attendee, each with a mailbox.
    * At most one distinct ATTENDEE in the whole file (its recipient).
    * One VEVENT per entry, in the given order, UID verbatim, STATUS CONFIRMED/CANCELLED.
    * DTSTAMP is ``stamped_at`` in UTC. DTSTART/DTEND are the same instants expressed in
      ``entry.timezone`` with ``TZID=``; one VTIMEZONE per zone, in order of first use,
      covering that zone's entries (the whole series of a repeating one) from one day before
      to one day after, one date per RDATE line. VTIMEZONE blocks are cached per zone and
      date range, so a batch of invitations for one day builds each block once.
    * A repeating entry carries RRULE FREQ=DAILY with COUNT or UNTIL (UTC) and one EXDATE
      line per skipped day, at the local start time.
    * One DISPLAY VALARM per reminder (TRIGGER before the start), none on cancelled entries.

    Raises :class:`InvalidCalendarEntry` (a ``ValueError``) naming the field for a naive
    datetime, ``ends_at <= starts_at``, an unknown zone, an empty or duplicate UID, a negative
    SEQUENCE or reminder, a malformed e-mail or URL, a bad repeat, and the rules above.
    Cost: linear in the number of entries.
    """
    return _assemble(entries, stamped_at, method, None)


def build_feed(entries: Sequence[CalendarEntry], *, stamped_at: datetime, name: str | None = None) -> bytes:
    """Return a subscription feed: one VCALENDAR of many entries of any kind, without METHOD.

    Cancelled entries stay in the feed with STATUS:CANCELLED (and no alarms), so calendars
    that re-read it drop them. ``name`` becomes NAME (RFC 7986) and X-WR-CALNAME. Everything
    else is as :func:`build_calendar` with ``method=None``, including the one-recipient rule.
    """
    return _assemble(entries, stamped_at, None, " ".join(_text(name).split()) if name else None)


# --- one builder per kind ----------------------------------------------------------------


def calendar_entry(facts: CalendarFacts, language: Language) -> CalendarEntry:
    """The entry for any kind of facts (dispatches to the builder of that kind)."""
    if isinstance(facts, InterviewFacts):
        return interview_entry(facts, language)
    if isinstance(facts, FairEventFacts):
        return fair_event_entry(facts, language)
    if isinstance(facts, BoothReservationFacts):
        return booth_reservation_entry(facts, language)
    if isinstance(facts, VillageRideFacts):
        return village_ride_entry(facts, language)
    return training_cohort_entry(facts, language)


def interview_entry(facts: InterviewFacts, language: Language) -> CalendarEntry:
    """Calendar entry for one interview, written for ``facts.recipient`` only.

    Summary, description and location are in the recipient's language (Chinese unless
    ``language == "en"``). The recipient is the only ATTENDEE: the file holds no other
    person's data (no candidate name in the employer's copy, no contact in the candidate's).
    An online interview (``meeting_url``) carries URL and CONFERENCE; its LOCATION is the
    venue when there is one, else the meeting link.
    """
    _span(facts.starts_at, facts.ends_at, "starts_at", "ends_at")
    en = language == "en"
    booth = facts.booth_code.strip() if facts.booth_code else ""
    place = _joined(facts.venue_name, facts.venue_address)
    if booth:
        place = _joined(place, f"Booth {booth}" if en else f"展位 {booth}")
    if en:
        summary = f"Interview: {facts.organization_name} · {facts.position_title}"
        lines = [
            facts.event_title,
            f"Employer: {facts.organization_name}",
            f"Position: {facts.position_title}",
            f"Place: {place}" if place else "",
            f"Online: {facts.meeting_url}" if facts.meeting_url else "",
            "Bring your check-in code. No ID card is needed to register.",
        ]
    else:
        summary = f"面试：{facts.organization_name} · {facts.position_title}"
        lines = [
            facts.event_title,
            f"单位：{facts.organization_name}",
            f"岗位：{facts.position_title}",
            f"地点：{place}" if place else "",
            f"线上面试：{facts.meeting_url}" if facts.meeting_url else "",
            "请带好签到码到场签到，报名无需身份证。",
        ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        timezone=facts.timezone,
        summary=_summary(summary, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "interview", en),
        location=place or facts.meeting_url or "",
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        url=facts.meeting_url or None,
        conference=_conference(facts.meeting_url, "Video interview" if en else "视频面试"),
        cancelled=facts.cancelled,
        categories=("Interview",) if en else ("面试",),
    )


def fair_event_entry(facts: FairEventFacts, language: Language) -> CalendarEntry:
    """Calendar entry for the fair itself; its recipient, if any, is the only ATTENDEE.

    The summary is the fair's title as written (marked when cancelled). LOCATION is "venue, address" when the fair
    has a venue; an online fair without a venue gets its URL as LOCATION. With an online URL
    the entry also carries URL and CONFERENCE (the livestream room).
    """
    _span(facts.starts_at, facts.ends_at, "starts_at", "ends_at")
    en = language == "en"
    venue = _joined(facts.venue_name, facts.venue_address)
    lines = [
        facts.title,
        (f"Place: {venue}" if en else f"地点：{venue}") if venue else "",
        (f"Online: {facts.online_url}" if en else f"线上参加：{facts.online_url}") if facts.online_url else "",
    ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        timezone=facts.timezone,
        summary=_summary(facts.title, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "fair", en),
        location=venue or facts.online_url or "",
        organizer=facts.organizer,
        attendees=(facts.recipient,) if facts.recipient else (),
        url=facts.online_url or None,
        conference=_conference(facts.online_url, "Livestream room" if en else "直播间"),
        cancelled=facts.cancelled,
        categories=("Job fair",) if en else ("招聘会",),
    )


def booth_reservation_entry(facts: BoothReservationFacts, language: Language) -> CalendarEntry:
    """Calendar entry for an employer's reserved booth, for ``facts.recipient`` (its contact).

    The item spans setup start to closing; the description gives setup time and open hours
    separately, in the entry's zone. Requires ``setup_starts_at <= opens_at < closes_at``.
    """
    _span(facts.opens_at, facts.closes_at, "opens_at", "closes_at")
    _aware(facts.setup_starts_at, "setup_starts_at")
    if facts.setup_starts_at > facts.opens_at:
        raise _invalid("setup_starts_at", "setup_starts_at must not be after opens_at")
    en = language == "en"
    zone = _zone(facts.timezone, "timezone")
    setup, opens, closes = (t.astimezone(zone) for t in (facts.setup_starts_at, facts.opens_at, facts.closes_at))
    venue = _joined(facts.venue_name, facts.venue_address)
    if en:
        summary = f"Booth {facts.booth_code} · {facts.event_title}"
        lines = [
            facts.event_title,
            f"Employer: {facts.organization_name}",
            f"Booth: {facts.booth_code}",
            f"Setup: {_moment(setup, en)}–{_moment(opens, en, setup)}",
            f"Open: {_moment(opens, en)}–{_moment(closes, en, opens)}",
            f"Place: {venue}",
        ]
    else:
        summary = f"展位 {facts.booth_code} · {facts.event_title}"
        lines = [
            facts.event_title,
            f"单位：{facts.organization_name}",
            f"展位：{facts.booth_code}",
            f"布展：{_moment(setup, en)}–{_moment(opens, en, setup)}",
            f"开放：{_moment(opens, en)}–{_moment(closes, en, opens)}",
            f"地点：{venue}",
        ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.setup_starts_at,
        ends_at=facts.closes_at,
        timezone=facts.timezone,
        summary=_summary(summary, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "booth", en),
        location=_joined(venue, f"Booth {facts.booth_code}" if en else f"展位 {facts.booth_code}"),
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        cancelled=facts.cancelled,
        categories=("Booth",) if en else ("展位",),
    )


def village_ride_entry(facts: VillageRideFacts, language: Language) -> CalendarEntry:
    """Calendar entry for an employer riding a Hundred-Villages bus for one day.

    The item runs from departure to return; LOCATION is the departure point (where to be);
    the summary names the villages in order and the description lists each stop's hours.
    Requires at least one stop, stops in time order without overlap, all within the ride.
    """
    _span(facts.departs_at, facts.returns_at, "departs_at", "returns_at")
    if not facts.stops:
        raise _invalid("stops", "stops must name at least one village stop")
    previous, previous_field = facts.departs_at, "departs_at"
    for i, stop in enumerate(facts.stops):
        _span(stop.arrives_at, stop.leaves_at, f"stops[{i}].arrives_at", f"stops[{i}].leaves_at")
        if stop.arrives_at < previous:
            raise _invalid(f"stops[{i}].arrives_at", f"stops[{i}].arrives_at must not be before {previous_field}")
        previous, previous_field = stop.leaves_at, f"stops[{i}].leaves_at"
    if facts.returns_at < previous:
        raise _invalid("returns_at", f"returns_at must not be before {previous_field}")
    en = language == "en"
    zone = _zone(facts.timezone, "timezone")
    departs, returns = facts.departs_at.astimezone(zone), facts.returns_at.astimezone(zone)
    route = " → ".join(stop.village_name for stop in facts.stops)
    stops = [
        f"{n}. {_moment(s.arrives_at.astimezone(zone), en, departs)}–"
        f"{_moment(s.leaves_at.astimezone(zone), en, departs)} "
        + (f"{s.village_name} ({s.place})" if en else f"{s.village_name}（{s.place}）")
        for n, s in enumerate(facts.stops, start=1)
    ]
    if en:
        summary = f"{facts.campaign_title}: {facts.bus_label}, {route}"
        lines = [
            facts.campaign_title,
            f"Bus: {facts.bus_label}",
            f"Departure: {_moment(departs, en)}, {facts.departure_point}",
            "Stops:",
            *stops,
            f"Back: about {_moment(returns, en, departs)}, at {facts.departure_point}",
        ]
    else:
        summary = f"{facts.campaign_title}：{facts.bus_label} {route}"
        lines = [
            facts.campaign_title,
            f"车辆：{facts.bus_label}",
            f"出发：{_moment(departs, en)}，{facts.departure_point}",
            "当日站点：",
            *stops,
            f"返回：约 {_moment(returns, en, departs)} 回到{facts.departure_point}",
        ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.departs_at,
        ends_at=facts.returns_at,
        timezone=facts.timezone,
        summary=_summary(summary, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "ride", en),
        location=facts.departure_point,
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        cancelled=facts.cancelled,
        categories=("Hundred Villages",) if en else ("百企进百村",),
    )


def training_cohort_entry(facts: TrainingCohortFacts, language: Language) -> CalendarEntry:
    """Calendar entry for a training cohort: ONE recurring item, a session every day.

    DTSTART/DTEND are the first session; RRULE repeats it daily (COUNT or UNTIL); each
    skipped (cancelled) day is an EXDATE. The description states the daily hours, the number
    of sessions or the last day, and the skipped days, in the recipient's language.
    """
    _span(facts.first_session_starts_at, facts.first_session_ends_at, "first_session_starts_at",
          "first_session_ends_at")
    en = language == "en"
    zone = _zone(facts.timezone, "timezone")
    start = facts.first_session_starts_at.astimezone(zone)
    end = facts.first_session_ends_at.astimezone(zone)
    days = _series_days(start.date(), facts.schedule, "schedule")
    hours = f"{start:%H:%M}–{_moment(end, en, start)}"
    sessions = len(days) - len(facts.schedule.skipped)
    venue = _joined(facts.venue_name, facts.venue_address)
    skipped = ", ".join(_day(d, en) for d in sorted(facts.schedule.skipped)) if en else "、".join(
        _day(d, en) for d in sorted(facts.schedule.skipped))
    if en:
        lines = [
            facts.title,
            f"Every day {hours}, from {_day(days[0], en)} to {_day(days[-1], en)}, "
            + (f"{sessions} sessions" if sessions > 1 else "1 session"),
            f"No session on: {skipped}" if skipped else "",
            f"Place: {venue}" if venue else "",
            f"Online: {facts.online_url}" if facts.online_url else "",
        ]
    else:
        lines = [
            facts.title,
            f"时间：{_day(days[0], en)}至{_day(days[-1], en)}，每天 {hours}，共 {sessions} 次课",
            f"停课：{skipped}" if skipped else "",
            f"地点：{venue}" if venue else "",
            f"线上参加：{facts.online_url}" if facts.online_url else "",
        ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.first_session_starts_at,
        ends_at=facts.first_session_ends_at,
        timezone=facts.timezone,
        summary=_summary(facts.title, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "training", en),
        location=venue or facts.online_url or "",
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        url=facts.online_url or None,
        conference=_conference(facts.online_url, "Online class" if en else "线上课堂"),
        repeat=facts.schedule,
        cancelled=facts.cancelled,
        categories=("Training",) if en else ("培训",),
    )


# --- helpers: text -----------------------------------------------------------------------

_CANCELLED = {
    ("interview", False): "此面试已取消。",
    ("interview", True): "This interview has been cancelled.",
    ("fair", False): "此招聘会已取消。",
    ("fair", True): "This fair has been cancelled.",
    ("booth", False): "此展位预订已取消。",
    ("booth", True): "This booth reservation has been cancelled.",
    ("ride", False): "此行程已取消。",
    ("ride", True): "This ride has been cancelled.",
    ("training", False): "此培训已取消。",
    ("training", True): "This training has been cancelled.",
}


def _description(lines: list[str], cancelled: bool, kind: str, en: bool) -> str:
    kept = [line for line in lines if line]
    return "\n".join([_CANCELLED[kind, en], *kept] if cancelled else kept)


def _summary(summary: str, cancelled: bool, en: bool) -> str:
    """A cancelled item says so in its title too: some calendars show it despite STATUS."""
    return ("Cancelled: " if en else "已取消：") + summary if cancelled else summary


def _joined(*parts: str | None) -> str:
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _day(day: date, en: bool) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}" if en else f"{day.year}年{day.month}月{day.day}日"


def _moment(at: datetime, en: bool, same_day_as: datetime | None = None) -> str:
    """``HH:MM``, with the date in front unless it is the date of ``same_day_as``."""
    if same_day_as is not None and at.date() == same_day_as.date():
        return f"{at:%H:%M}"
    return f"{_day(at.date(), en)} {at:%H:%M}"


def _text(value: str) -> str:
    """Text safe for a content line: CR/LF become LF (escaped as \\n), controls dropped."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _conference(uri: str | None, label: str) -> Conference | None:
    return Conference(uri, label) if uri else None


# --- helpers: validation -----------------------------------------------------------------


def _invalid(field: str, message: str) -> InvalidCalendarEntry:
    return InvalidCalendarEntry(message, field=field, code="invalid_calendar_entry")


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise _invalid(field, f"{field} must be timezone-aware")
    return value


def _span(starts: datetime, ends: datetime, start_field: str, end_field: str) -> None:
    _aware(starts, start_field)
    _aware(ends, end_field)
    if ends <= starts:
        raise _invalid(end_field, f"{end_field} must be after {start_field}")


def _zone(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _invalid(field, f"{field} must be a known IANA time zone, not {name!r}") from exc


def _series_days(first: date, repeat: DailyRepeat, field: str) -> list[date]:
    """Every day of a daily series (skipped days included), checking the repeat's rules."""
    if (repeat.count is None) == (repeat.until is None):
        raise _invalid(field, f"{field} needs exactly one of count and until")
    if repeat.count is not None:
        if not 1 <= repeat.count <= MAX_SESSIONS:
            raise _invalid(f"{field}.count", f"{field}.count must be 1 to {MAX_SESSIONS}")
        days = [first + timedelta(days=i) for i in range(repeat.count)]
    else:
        assert repeat.until is not None
        span = (repeat.until - first).days
        if not 0 <= span < MAX_SESSIONS:
            raise _invalid(f"{field}.until", f"{field}.until must be 0 to {MAX_SESSIONS - 1} days after the first day")
        days = [first + timedelta(days=i) for i in range(span + 1)]
    skipped = set(repeat.skipped)
    if len(skipped) != len(repeat.skipped) or not skipped <= set(days):
        raise _invalid(f"{field}.skipped", f"{field}.skipped must be distinct days of the series")
    if len(skipped) == len(days):
        raise _invalid(f"{field}.skipped", f"{field}.skipped leaves no session; cancel the item instead")
    return days


def _validate(entry: CalendarEntry, method: str | None) -> tuple[ZoneInfo, datetime]:
    """Check one entry; return its zone and the end of its last occurrence."""
    if not entry.uid.strip() or _CONTROL.search(entry.uid) or "\n" in entry.uid:
        raise _invalid("uid", "uid must be non-empty and free of control characters")
    if entry.sequence < 0:
        raise _invalid("sequence", f"sequence must be >= 0, not {entry.sequence}")
    _span(entry.starts_at, entry.ends_at, "starts_at", "ends_at")
    zone = _zone(entry.timezone, "timezone")
    last_end = entry.ends_at
    if entry.repeat is not None:
        if entry.ends_at - entry.starts_at > timedelta(days=1):
            raise _invalid("ends_at", "a daily session must not last longer than a day")
        start = entry.starts_at.astimezone(zone)
        days = _series_days(start.date(), entry.repeat, "repeat")
        last_end = entry.ends_at + timedelta(days=len(days) - 1)
    if any(r < timedelta(0) for r in entry.reminders):
        raise _invalid("reminders", "reminders are durations before the start and must be >= 0")
    if entry.url is not None and not _URL.fullmatch(entry.url):
        raise _invalid("url", "url must be an http(s) URL")
    if entry.conference is not None:
        if not _URL.fullmatch(entry.conference.uri):
            raise _invalid("conference.uri", "conference.uri must be an http(s) URL")
        if not entry.conference.features or not all(_FEATURE.fullmatch(f) for f in entry.conference.features):
            raise _invalid("conference.features", "conference.features must be upper-case tokens such as VIDEO")
    if method == "CANCEL" and not entry.cancelled:
        raise _invalid("cancelled", f"METHOD:CANCEL with entry {entry.uid!r} that is not cancelled")
    if method is not None:
        if entry.organizer.email is None:
            raise _invalid("organizer.email", f"METHOD:{method} needs an organizer mailbox")
        if not entry.attendees or any(a.email is None for a in entry.attendees):
            raise _invalid("attendees", f"METHOD:{method} needs an attendee with a mailbox")
    if entry.organizer.email is not None and not _EMAIL.fullmatch(entry.organizer.email):
        raise _invalid("organizer.email", "malformed e-mail address")
    for i, party in enumerate(entry.attendees):
        if party.email is not None and not _EMAIL.fullmatch(party.email):
            raise _invalid(f"attendees[{i}].email", "malformed e-mail address")
    return zone, last_end


# --- helpers: writing --------------------------------------------------------------------


def _assemble(entries: Sequence[CalendarEntry], stamped_at: datetime, method: str | None, name: str | None) -> bytes:
    stamp = _aware(stamped_at, "stamped_at").astimezone(UTC)
    if method not in (None, "REQUEST", "CANCEL"):
        raise _invalid("method", f"method must be REQUEST, CANCEL or None, not {method!r}")
    if method is not None and not entries:
        raise _invalid("entries", f"METHOD:{method} needs at least one entry")
    if len({_person(a) for e in entries for a in e.attendees}) > 1:
        raise _invalid("attendees", "a calendar file is for one recipient; it names several attendees")
    seen: set[str] = set()
    spans: dict[str, tuple[str, date, date]] = {}  # TZID -> (zone name, first day, last day)
    events: list[bytes] = []
    for entry in entries:
        zone, last_end = _validate(entry, method)
        if entry.uid in seen:
            raise _invalid("uid", f"duplicate uid {entry.uid!r}")
        seen.add(entry.uid)
        start = entry.starts_at.astimezone(zone)
        event = _event(entry, start, entry.ends_at.astimezone(zone), stamp, zone)
        tzid = event["DTSTART"].params.get("TZID")
        if tzid:  # UTC is written with "Z" and needs no VTIMEZONE
            first, last = start.date(), last_end.astimezone(zone).date()
            known = spans.get(tzid)
            spans[tzid] = (entry.timezone, min(first, known[1]), max(last, known[2])) if known else (
                entry.timezone, first, last)
        events.append(event.to_ical())
    timezones = [
        _vtimezone(zone_name, tzid, first - timedelta(days=1), last + timedelta(days=1))
        for tzid, (zone_name, first, last) in spans.items()
    ]
    return b"".join([_header(method, name), *timezones, *events, _FOOTER])


@lru_cache(maxsize=64)
def _header(method: str | None, name: str | None) -> bytes:
    """The VCALENDAR's opening lines and properties, as icalendar writes them."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    raw: bytes = calendar.to_ical()
    return raw[: -len(_FOOTER)]


@lru_cache(maxsize=1024)
def _vtimezone(zone_name: str, tzid: str, first: date, last: date) -> bytes:
    """One VTIMEZONE valid from ``first`` to ``last``, one date per RDATE line (cached)."""
    timezone = Timezone.from_tzinfo(ZoneInfo(zone_name), tzid=tzid, first_date=first, last_date=last)
    for observance in timezone.subcomponents:
        raw = observance.pop("RDATE", None)
        if raw is None:
            continue
        for value in raw if isinstance(raw, list) else [raw]:
            for item in value.dts:
                observance.add("rdate", item.dt)
    data: bytes = timezone.to_ical()
    return data


def _person(party: CalendarParty) -> str:
    """Who a party is: the mailbox when there is one, else the name."""
    return f"mailto:{party.email.lower()}" if party.email else f"name:{' '.join(party.name.split())}"


def _address(party: CalendarParty, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{party.email}" if party.email else NO_MAILBOX)
    name = " ".join(_text(party.name).split())
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key.upper()] = value
    return address


def _event(entry: CalendarEntry, start: datetime, end: datetime, stamp: datetime, zone: ZoneInfo) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _text(entry.summary))
    if entry.description:
        event.add("description", _text(entry.description))
    if entry.location:
        event.add("location", _text(entry.location))
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(entry.organizer))
    for party in entry.attendees:
        event.add(
            "attendee",
            _address(party, cutype="INDIVIDUAL", role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="FALSE"),
        )
    if entry.url:
        event.add("url", vUri(entry.url))
    if entry.conference is not None:
        parameters = Parameters({"VALUE": "URI", "FEATURE": list(entry.conference.features)})
        label = " ".join(_text(entry.conference.label).split())
        if label:
            parameters["LABEL"] = label
        event.add("conference", vUri(entry.conference.uri), parameters=parameters)
    if entry.repeat is not None:
        repeat = entry.repeat
        if repeat.count is not None:
            event.add("rrule", {"FREQ": "DAILY", "COUNT": repeat.count})
        else:
            assert repeat.until is not None
            until = datetime.combine(repeat.until, start.time(), tzinfo=zone).astimezone(UTC)
            event.add("rrule", {"FREQ": "DAILY", "UNTIL": until})
        for day in sorted(repeat.skipped):
            event.add("exdate", datetime.combine(day, start.time(), tzinfo=zone))
    if entry.categories:
        event.add("categories", [_text(c) for c in entry.categories])
    if not entry.cancelled:
        for before in entry.reminders:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", -before)
            alarm.add("description", _text(entry.summary))
            event.add_component(alarm)
    return event
