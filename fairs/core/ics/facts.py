"""Plain facts of each kind of calendar item, as the services load them.

One dataclass per kind; :mod:`fairs.core.ics.kinds` turns each into a :class:`CalendarEntry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fairs.core.ics.entries import CalendarParty, DailyRepeat


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
