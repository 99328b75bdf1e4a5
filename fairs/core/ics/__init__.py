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

Modules: ``entries`` (the entry and its parts, shared checks), ``facts`` (plain facts per
kind), ``kinds`` (one builder per kind), ``writer`` (files, VTIMEZONE cache). Import from
this package; the modules are its layout, not its interface.
"""

from fairs.core.ics.entries import (
    MAX_SESSIONS,
    CalendarEntry,
    CalendarParty,
    Conference,
    DailyRepeat,
    InvalidCalendarEntry,
    Language,
    Method,
)
from fairs.core.ics.facts import (
    BoothReservationFacts,
    CalendarFacts,
    FairEventFacts,
    InterviewFacts,
    TrainingCohortFacts,
    VillageRideFacts,
    VillageStop,
)
from fairs.core.ics.kinds import (
    booth_reservation_entry,
    calendar_entry,
    fair_event_entry,
    interview_entry,
    training_cohort_entry,
    village_ride_entry,
)
from fairs.core.ics.writer import NO_MAILBOX, PRODID, build_calendar, build_feed

__all__ = [
    "MAX_SESSIONS",
    "NO_MAILBOX",
    "PRODID",
    "BoothReservationFacts",
    "CalendarEntry",
    "CalendarFacts",
    "CalendarParty",
    "Conference",
    "DailyRepeat",
    "FairEventFacts",
    "InterviewFacts",
    "InvalidCalendarEntry",
    "Language",
    "Method",
    "TrainingCohortFacts",
    "VillageRideFacts",
    "VillageStop",
    "booth_reservation_entry",
    "build_calendar",
    "build_feed",
    "calendar_entry",
    "fair_event_entry",
    "interview_entry",
    "training_cohort_entry",
    "village_ride_entry",
]
