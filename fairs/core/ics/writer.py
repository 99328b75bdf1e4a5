"""Writing calendar files: :func:`build_calendar` (invitations, downloads) and
:func:`build_feed` (subscriptions), with the checks of a whole file and the cache of
VTIMEZONE blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Parameters, Timezone, vCalAddress, vUri

from fairs.core.ics.entries import (
    CalendarEntry,
    CalendarParty,
    Method,
    _aware,
    _invalid,
    _series_days,
    _span,
    _zone,
)

PRODID = "-//fairs//fairs job fairs//ZH"
NO_MAILBOX = "invalid:nomail"  # cal-address for a party without e-mail (as Outlook writes it)

_FOOTER = b"END:VCALENDAR\r\n"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_EMAIL = re.compile(r"[^\s@\"<>;:,\\]+@[^\s@\"<>;:,\\]+")
_URL = re.compile(r"https?://[^\s\"<>\\^`{|}]+", re.IGNORECASE)
_FEATURE = re.compile(r"[A-Z][A-Z0-9-]*")


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


# --- helpers: text and validation -------------------------------------------------------


def _text(value: str) -> str:
    """Text safe for a content line: CR/LF become LF (escaped as \\n), controls dropped."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


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
    stamp_line = _stamp_line(stamp)
    for entry in entries:
        if entry.uid in seen:
            _validate(entry, method)  # a bad entry is named before a duplicate
            raise _invalid("uid", f"duplicate uid {entry.uid!r}")
        seen.add(entry.uid)
        tzid, first, last, unstamped = _written(entry, method)
        if tzid:  # UTC is written with "Z" and needs no VTIMEZONE
            known = spans.get(tzid)
            spans[tzid] = (entry.timezone, min(first, known[1]), max(last, known[2])) if known else (
                entry.timezone, first, last)
        events.append(unstamped.replace(_UNSTAMPED, stamp_line, 1))
    timezones = [
        _vtimezone(zone_name, tzid, first - timedelta(days=1), last + timedelta(days=1))
        for tzid, (zone_name, first, last) in spans.items()
    ]
    return b"".join([_header(method, name), *timezones, *events, _FOOTER])


_UNSTAMPED = b"\r\nDTSTAMP:19700101T000000Z\r\n"
"""The placeholder DTSTAMP line with the line end before it: text values escape line ends
and folding continues with a space, so only the property itself can match."""
_NOT_STAMPED = datetime(1970, 1, 1, tzinfo=UTC)
WRITTEN_EVENTS_KEPT = 16384
"""How many written VEVENTs :func:`_written_event` keeps per process (each about 1 kB, and
its entry as the key about as much again: some 35 MB when full)."""


@lru_cache(maxsize=WRITTEN_EVENTS_KEPT)
def _written_event(entry: CalendarEntry, method: str | None) -> tuple[str | None, date, date, bytes]:
    """One checked entry written as a VEVENT with the placeholder DTSTAMP :data:`_UNSTAMPED`,
    and its TZID (``None`` for UTC) with the local first and last day it covers.

    Kept by the entry's value: an entry is frozen and everything written comes from its
    fields, so the same value always writes the same bytes (the instants are written in
    ``entry.timezone``, whatever zone they were given in). A feed rebuilt after one item
    changed writes only that item again. A bad entry raises and is not kept."""
    zone, last_end = _validate(entry, method)
    start = entry.starts_at.astimezone(zone)
    event = _event(entry, start, entry.ends_at.astimezone(zone), _NOT_STAMPED, zone)
    written: bytes = event.to_ical()
    if written.count(_UNSTAMPED) != 1:  # the placeholder must be the DTSTAMP line and only it
        raise AssertionError("a written VEVENT must hold its DTSTAMP line once")
    tzid = event["DTSTART"].params.get("TZID") or None
    return tzid, start.date(), last_end.astimezone(zone).date(), written


def _written(entry: CalendarEntry, method: str | None) -> tuple[str | None, date, date, bytes]:
    """:func:`_written_event`, kept for files without METHOD (feeds and downloads, written
    again and again) when the entry can be a key. An invitation is written once, when it is
    sent, and a caller that passed a list where a tuple belongs gets the same bytes: unkept."""
    if method is None:
        try:
            hash(entry)
        except TypeError:
            pass
        else:
            return _written_event(entry, method)
    return _written_event.__wrapped__(entry, method)


@lru_cache(maxsize=256)
def _stamp_line(stamp: datetime) -> bytes:
    return b"\r\nDTSTAMP:" + stamp.strftime("%Y%m%dT%H%M%SZ").encode() + b"\r\n"


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
