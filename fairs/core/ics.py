"""iCalendar (RFC 5545) files for fairs and interviews.

Pure: only the standard library and ``icalendar``; the clock value is always passed in.

Guarantees of every file built here (see DESIGN.md, "Invariants"):

* the UID is written verbatim and SEQUENCE as given; cancelling keeps the UID;
* DTSTAMP is UTC (``...Z``); DTSTART/DTEND carry ``TZID=<the event's IANA zone>`` and the
  calendar holds one VTIMEZONE per zone used, limited to the dates the entries need, with at
  most one date per RDATE line (vobject and ical.js read only the first of a list);
* METHOD is written only when asked for (iTIP invitations); downloads and feeds carry none;
* lines are CRLF-terminated and folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, vCalAddress, vUri

Language = Literal["zh", "en"]

PRODID = "-//fairs//fairs job fairs//ZH"
NO_MAILBOX = "invalid:nomail"  # cal-address for a party without e-mail (as Outlook writes it)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_EMAIL = re.compile(r"[^\s@\"<>;:,\\]+@[^\s@\"<>;:,\\]+")
_URL = re.compile(r"https?://[^\s\"<>\\^`{|}]+", re.IGNORECASE)


@dataclass(frozen=True)
class CalendarParty:
    name: str
    email: str | None  # None: no mailbox; written as ``invalid:nomail``


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
    online: bool = False
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
    online_url: str | None
    organizer: CalendarParty
    cancelled: bool = False


def build_calendar(
    entries: Sequence[CalendarEntry],
    *,
    stamped_at: datetime,
    method: Literal["REQUEST", "CANCEL"] | None = None,
) -> bytes:
    """Return one VCALENDAR (UTF-8, CRLF line ends, folded at 75 octets).

    * PRODID ``-//fairs//fairs job fairs//ZH``, VERSION 2.0, CALSCALE GREGORIAN.
    * METHOD only when ``method`` is given: invitations carry REQUEST or CANCEL (the same
      value must go in the e-mail's ``Content-Type: text/calendar; method=...``); downloads,
      feeds and CalDAV objects carry none. CANCEL requires every entry to be cancelled, and
      any METHOD requires entries and an organizer with a mailbox.
    * One VEVENT per entry, in the given order, UID verbatim, STATUS CONFIRMED/CANCELLED.
    * DTSTAMP is ``stamped_at`` in UTC. DTSTART/DTEND are the same instants expressed in
      ``entry.timezone`` with ``TZID=``; one VTIMEZONE per zone, covering only the entries'
      first start - 1 day .. last end + 1 day, one date per RDATE line.
    * One DISPLAY VALARM per reminder (TRIGGER before the start), none on cancelled entries.

    Raises ValueError for a naive datetime, ``ends_at <= starts_at``, an unknown zone, an
    empty or duplicate UID, a negative SEQUENCE or reminder, a malformed e-mail or URL, and
    the METHOD rules above.
    """
    stamp = _aware(stamped_at, "stamped_at").astimezone(UTC)
    if method not in (None, "REQUEST", "CANCEL"):
        raise ValueError(f"method must be REQUEST, CANCEL or None, not {method!r}")
    if method is not None and not entries:
        raise ValueError(f"METHOD:{method} needs at least one entry")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    seen: set[str] = set()
    first: date | None = None
    last: date | None = None
    for entry in entries:
        zone = _validate(entry, method)
        if entry.uid in seen:
            raise ValueError(f"duplicate uid {entry.uid!r}")
        seen.add(entry.uid)
        start = entry.starts_at.astimezone(zone)
        end = entry.ends_at.astimezone(zone)
        first = start.date() if first is None else min(first, start.date())
        last = end.date() if last is None else max(last, end.date())
        calendar.add_component(_event(entry, start, end, stamp))
    if first is not None and last is not None:
        calendar.add_missing_timezones(
            first_date=first - timedelta(days=1), last_date=last + timedelta(days=1)
        )
        missing = calendar.get_missing_tzids()
        if missing:
            raise ValueError(f"no VTIMEZONE can be built for {sorted(missing)}")
        _one_rdate_per_line(calendar)
    data: bytes = calendar.to_ical()
    return data


def interview_entry(facts: InterviewFacts, language: Language) -> CalendarEntry:
    """Calendar entry for one interview, written for ``facts.recipient`` only.

    Summary, description and location are in the recipient's language (Chinese unless
    ``language == "en"``). The recipient is the only ATTENDEE: the file holds no other
    person's data (no candidate name in the employer's copy, no contact in the candidate's).
    """
    en = language == "en"
    booth = facts.booth_code.strip() if facts.booth_code else ""
    place = f"{facts.venue_name}, {facts.venue_address}"
    if booth:
        place += f", Booth {booth}" if en else f", 展位 {booth}"
    if en:
        summary = f"Interview: {facts.organization_name} · {facts.position_title}"
        lines = [
            facts.event_title,
            f"Employer: {facts.organization_name}",
            f"Position: {facts.position_title}",
            f"Place: {place}",
            "Bring your check-in code. No ID card is needed to register.",
        ]
        cancelled_line, categories = "This interview has been cancelled.", ("Interview",)
    else:
        summary = f"面试：{facts.organization_name} · {facts.position_title}"
        lines = [
            facts.event_title,
            f"单位：{facts.organization_name}",
            f"岗位：{facts.position_title}",
            f"地点：{place}",
            "请带好签到码到场签到，报名无需身份证。",
        ]
        cancelled_line, categories = "此面试已取消。", ("面试",)
    if facts.cancelled:
        lines.insert(0, cancelled_line)
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        timezone=facts.timezone,
        summary=summary,
        description="\n".join(lines),
        location=place,
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        cancelled=facts.cancelled,
        categories=categories,
    )


def fair_event_entry(facts: FairEventFacts, language: Language) -> CalendarEntry:
    """Calendar entry for the fair itself (no ATTENDEE).

    The summary is the fair's title as written. LOCATION is "venue, address" when the fair
    has a venue; an online fair without a venue gets its URL as LOCATION. With an online URL
    the entry also carries URL and CONFERENCE.
    """
    en = language == "en"
    venue = ", ".join(p for p in (facts.venue_name, facts.venue_address) if p)
    lines = [facts.title]
    if venue:
        lines.append(f"Place: {venue}" if en else f"地点：{venue}")
    if facts.online_url:
        lines.append(f"Online: {facts.online_url}" if en else f"线上参加：{facts.online_url}")
    if facts.cancelled:
        lines.insert(0, "This fair has been cancelled." if en else "此招聘会已取消。")
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        timezone=facts.timezone,
        summary=facts.title,
        description="\n".join(lines),
        location=venue or facts.online_url or "",
        organizer=facts.organizer,
        url=facts.online_url or None,
        online=bool(facts.online_url),
        cancelled=facts.cancelled,
        categories=("Job fair",) if en else ("招聘会",),
    )


# --- helpers ---------------------------------------------------------------------------


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware")
    return value


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _validate(entry: CalendarEntry, method: str | None) -> ZoneInfo:
    if not entry.uid.strip() or _CONTROL.search(entry.uid) or "\n" in entry.uid:
        raise ValueError("uid must be non-empty and free of control characters")
    if entry.sequence < 0:
        raise ValueError(f"sequence must be >= 0, not {entry.sequence}")
    starts = _aware(entry.starts_at, "starts_at")
    ends = _aware(entry.ends_at, "ends_at")
    if ends <= starts:
        raise ValueError("ends_at must be after starts_at")
    zone = _zone(entry.timezone)
    if any(r < timedelta(0) for r in entry.reminders):
        raise ValueError("reminders are durations before the start and must be >= 0")
    if entry.url is not None and not _URL.fullmatch(entry.url):
        raise ValueError(f"url must be an http(s) URL, not {entry.url!r}")
    if method == "CANCEL" and not entry.cancelled:
        raise ValueError(f"METHOD:CANCEL with entry {entry.uid!r} that is not cancelled")
    if method is not None and entry.organizer.email is None:
        raise ValueError(f"METHOD:{method} needs an organizer mailbox")
    for party in (entry.organizer, *entry.attendees):
        if party.email is not None and not _EMAIL.fullmatch(party.email):
            raise ValueError(f"malformed e-mail address {party.email!r}")
    return zone


def _text(value: str) -> str:
    """Text safe for a content line: CR/LF become LF (escaped as \\n), controls dropped."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _address(party: CalendarParty, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{party.email}" if party.email else NO_MAILBOX)
    name = " ".join(_text(party.name).split())
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key.upper()] = value
    return address


def _event(entry: CalendarEntry, start: datetime, end: datetime, stamp: datetime) -> Event:
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
            _address(
                party,
                cutype="INDIVIDUAL",
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp="FALSE",
            ),
        )
    if entry.url:
        event.add("url", vUri(entry.url))
        if entry.online:
            event.add(
                "conference", vUri(entry.url), parameters={"VALUE": "URI", "FEATURE": "VIDEO"}
            )
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


def _one_rdate_per_line(calendar: Calendar) -> None:
    """Split ``RDATE:d1,d2,d3`` in VTIMEZONE observances into one RDATE per date."""
    for tz in calendar.timezones:
        for observance in tz.subcomponents:
            raw = observance.pop("RDATE", None)
            if raw is None:
                continue
            for value in raw if isinstance(raw, list) else [raw]:
                for item in value.dts:
                    observance.add("rdate", item.dt)
