"""What a calendar item is (:class:`CalendarEntry` and its parts) and the checks that both
the builders of each kind and the writer apply to times, zones and repeats.

Pure: only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fairs.core.errors import InvalidInput

Language = Literal["zh", "en"]
Method = Literal["REQUEST", "CANCEL"]

MAX_SESSIONS = 366


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


# --- checks shared by the builders and the writer ----------------------------------------


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
