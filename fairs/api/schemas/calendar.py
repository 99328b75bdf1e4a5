"""Calendar feeds, rescheduling and training cohorts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

from fairs.api.schemas.common import Id, Name

# --- calendar feeds -----------------------------------------------------------------------

class CalendarFeedIssuedOut(Struct):
    """The new subscription address. The token in it is shown only this once."""

    url: str
    webcal_url: str
    created_at: datetime


class CalendarFeedOut(Struct):
    live: bool
    created_at: datetime | None


class RescheduleIn(Struct, forbid_unknown_fields=True):
    starts_at: datetime
    """The new start, with its UTC offset (e.g. 2027-03-12T09:00:00+08:00)."""
    ends_at: datetime | None = None
    """Left out: as long as before (the interview grid moves with the event)."""


# --- training cohorts ---------------------------------------------------------------------

IsoDay = Annotated[str, Meta(max_length=10, extra_json_schema={"format": "date"})]


class TrainingCohortIn(Struct, forbid_unknown_fields=True):
    title: Name
    first_session_starts_at: datetime
    """The first day's session, with its UTC offset (e.g. 2027-03-15T09:00:00+08:00); every day
    repeats its hours."""
    first_session_ends_at: datetime
    """Same day as the start (in the cohort's zone)."""
    days: int
    """How many days the series runs (1–30), a session each day."""
    venue_id: Id | None = None
    online_url: Annotated[str, Meta(max_length=500)] = ""
    """A venue, an online class link, or both."""
    area_id: Id | None = None
    """Default: the venue's area (an online cohort must name one)."""
    timezone: Annotated[str, Meta(max_length=64)] | None = None
    """Default: the venue's zone, else the server's (Asia/Shanghai)."""
    description: Annotated[str, Meta(max_length=4000)] = ""
    capacity: Annotated[int, Meta(le=100_000)] | None = None
    """Places (at least 1); none: no limit. (Unbounded, a huge number reached the int4 column: 500.)"""


class TrainingCohortOut(Struct):
    id: int
    area: int
    title: str
    description: str
    venue: int | None
    online_url: str
    timezone: str
    first_session_starts_at: datetime
    first_session_ends_at: datetime
    days: int
    skipped_days: list[str]
    """Cancelled days (ISO dates in the cohort's zone)."""
    session_days: list[str]
    """The days with a session (ISO dates in the cohort's zone)."""
    capacity: int | None
    status: str
    enrolled: int
    created_at: datetime


class CancelDayIn(Struct, forbid_unknown_fields=True):
    date: IsoDay
    """The day without a session (ISO date, e.g. 2027-03-18, in the cohort's zone)."""


class EnrollmentIn(Struct, forbid_unknown_fields=True):
    attendee_id: Id | None = None
    """Staff and organizers: whom to enroll. Attendees leave it out (they enroll themselves)."""


class EnrollmentOut(Struct):
    id: int
    cohort: int
    attendee: int
    status: str
    created_at: datetime
