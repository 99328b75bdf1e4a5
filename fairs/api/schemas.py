"""Request and response bodies (msgspec). Field names are the API's English vocabulary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

Text = Annotated[str, Meta(max_length=200)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Tag = Annotated[str, Meta(min_length=1, max_length=64)]
Login = Annotated[str, Meta(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9_.@+-]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
Id = Annotated[int, Meta(ge=1)]
Block = tuple[int, int]
"""An interview block: its first and last slot (inclusive), indexes into the event's slot grid."""


class Problem(Struct):
    """Problem details (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]]
    instance: str | None = None


# --- accounts -------------------------------------------------------------------------------

class LoginRequest(Struct, forbid_unknown_fields=True):
    login: Annotated[str, Meta(min_length=1, max_length=100)]
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class TokenOut(Struct):
    token: str
    token_type: str
    expires_at: datetime
    account_id: int
    role: str
    organization_id: int | None
    attendee_id: int | None


class OrganizationIn(Struct, forbid_unknown_fields=True):
    name: Name
    credit_code: Annotated[str, Meta(min_length=1, max_length=30)]
    industry: Tag
    contact_name: Text = ""
    contact_phone: Annotated[str, Meta(max_length=30)] = ""
    contact_email: Annotated[str, Meta(max_length=254)] = ""


class EmployerSignUp(Struct, forbid_unknown_fields=True):
    organization: OrganizationIn
    login: Login
    password: Password


class AttendeeIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    phone: Annotated[str, Meta(min_length=1, max_length=30)]
    consent: bool
    home_area_id: Id
    email: Annotated[str, Meta(max_length=254)] = ""
    skills: Annotated[list[Tag], Meta(max_length=30)] = []
    desired_industries: Annotated[list[Tag], Meta(max_length=20)] = []
    priority_groups: Annotated[list[Tag], Meta(max_length=10)] = []
    language: Literal["zh", "en"] = "zh"
    birth_year: int | None = None
    """From 1930 to 14 years before this year; none: not said."""
    certificates: list[Tag] = []
    """Certificates held (up to 20), e.g. 电工证, forklift: positions may require them."""
    max_commute_km: int | None = None
    """How far from home the person will travel to work (0–500 km); none: no limit."""
    needs_food_lodging: bool = False
    wants_part_time: bool = False


class AttendeeSignUp(Struct, forbid_unknown_fields=True):
    attendee: AttendeeIn
    login: Login
    password: Password


class AccountIn(Struct, forbid_unknown_fields=True):
    role: Literal["organizer", "staff"]
    login: Login
    password: Password
    display_name: Name
    area_id: Id | None = None
    """Organizers: the area they run (in the creator's subtree)."""
    station_id: Id | None = None
    """Staff: their service station (its area is their scope)."""
    departments: Annotated[list[Tag], Meta(max_length=10)] = []
    email: Annotated[str, Meta(max_length=254)] = ""


class AccountOut(Struct):
    account_id: int
    role: str
    organization_id: int | None = None
    attendee_id: int | None = None


# --- set-up ---------------------------------------------------------------------------------

class CampaignIn(Struct, forbid_unknown_fields=True):
    name: Name
    kind: Literal["village_tour", "festival", "other"]
    area_id: Id
    description: Annotated[str, Meta(max_length=5000)] = ""


class CampaignChangeIn(Struct, forbid_unknown_fields=True):
    name: Name | None = None
    description: Annotated[str, Meta(max_length=5000)] | None = None


class CampaignOut(Struct):
    id: int
    name: str
    kind: str
    area: int
    area_name: str
    description: str
    created_at: datetime


class BoothIn(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(min_length=1, max_length=20)]
    zone: Annotated[str, Meta(max_length=64)] = ""
    width_m: Annotated[float, Meta(gt=0, le=100)] = 3.0
    depth_m: Annotated[float, Meta(gt=0, le=100)] = 3.0
    features: Annotated[list[Tag], Meta(max_length=20)] = []


class VenueIn(Struct, forbid_unknown_fields=True):
    name: Name
    area_id: Id
    address: Annotated[str, Meta(max_length=300)] = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: Annotated[str, Meta(max_length=64)] | None = None
    """IANA zone; default FAIRS_TIMEZONE."""
    booths: Annotated[list[BoothIn], Meta(max_length=2000)] = []


class BoothOut(Struct):
    id: int
    code: str
    zone: str
    width_m: float
    depth_m: float
    features: list[str]


class VenueOut(Struct):
    id: int
    name: str
    area: int
    address: str
    latitude: float | None
    longitude: float | None
    timezone: str
    booths: list[BoothOut] = []


class EventIn(Struct, forbid_unknown_fields=True):
    campaign_id: Id
    kind: Literal["onsite_fair", "village_stop", "online_fair", "training"]
    title: Name
    starts_at: datetime
    ends_at: datetime
    venue_id: Id | None = None
    area_id: Id | None = None
    """Default: the venue's area, else the campaign's."""
    timezone: Annotated[str, Meta(max_length=64)] | None = None
    online_url: Annotated[str, Meta(max_length=500)] = ""
    interview_slot_minutes: int = 20
    interviews_per_attendee: int = 3
    booth_mode: Literal["direct", "application"] = "direct"
    """direct: employers hold and confirm; application: ranked preferences, allocated at the window's close."""
    applications_close_at: datetime | None = None
    booths_per_organization: Annotated[int, Meta(ge=1, le=50)] = 1
    events_per_organization_per_month: Annotated[int, Meta(ge=1, le=100)] | None = None
    capacity: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None
    interview_blocks: list[Block] = []
    """Parts of the interview day (e.g. morning and afternoon) as `[[first slot, last slot], ...]`: slot
    indexes of the grid of `interview_slot_minutes` from `starts_at`, ascending, not overlapping.
    Empty: one block, the whole day."""


class EventChangeIn(Struct, forbid_unknown_fields=True):
    status: Literal["published", "closed", "cancelled"] | None = None
    interview_blocks: list[Block] | None = None
    """Replaces the blocks (see EventIn). Fewer blocks than before only while no registration or
    employer has chosen one of those that would go."""


class EventOut(Struct):
    id: int
    campaign: int
    venue: int | None
    area: int
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: str
    online_url: str
    interview_slot_minutes: int
    interviews_per_attendee: int
    booth_mode: str
    applications_close_at: datetime | None
    booths_per_organization: int
    events_per_organization_per_month: int | None
    capacity: int | None
    interview_blocks: list[Block]


class BoothStateOut(Struct):
    id: int
    code: str
    zone: str
    features: list[str]
    floor_plan: int | None
    x_m: float
    y_m: float
    width_m: float
    depth_m: float
    price_yuan: int | None
    fee_waived: bool
    state: Literal["free", "held", "reserved", "blocked"]


# --- employers ------------------------------------------------------------------------------

class OrganizationOut(Struct):
    id: int
    name: str
    credit_code: str
    industry: str
    contact_name: str


class PositionIn(Struct, forbid_unknown_fields=True):
    title: Name
    industry: Tag
    headcount: Annotated[int, Meta(ge=1, le=100000)] = 1
    skills: Annotated[list[Tag], Meta(max_length=30)] = []
    wage_min: Annotated[int, Meta(ge=0)] | None = None
    wage_max: Annotated[int, Meta(ge=0)] | None = None
    work_location: Text = ""
    provides_food_lodging: bool = False
    accepts_older_workers: bool = False
    part_time: bool = False
    description: Annotated[str, Meta(max_length=5000)] = ""
    work_area_id: Id | None = None
    """Where the work is (an area, as for an attendee's `home_area_id`): commutes are measured to it."""
    min_age: int | None = None
    """Age limits, 16–80 (min_age ≤ max_age); none: no limit."""
    max_age: int | None = None
    required_certificates: list[Tag] = []
    """Certificates a candidate must hold (up to 20)."""


class PositionOut(Struct):
    id: int
    organization: int
    title: str
    industry: str
    headcount: int
    skills: list[str]
    wage_min: int | None
    wage_max: int | None
    work_location: str
    provides_food_lodging: bool
    accepts_older_workers: bool
    part_time: bool
    description: str
    work_area: int | None
    min_age: int | None
    max_age: int | None
    required_certificates: list[str]


class HoldIn(Struct, forbid_unknown_fields=True):
    booth_id: Id
    interviewers: Annotated[int, Meta(ge=1, le=20)] = 2


class ReservationOut(Struct):
    id: int
    booth: int
    booth_code: str
    event: int
    organization: int
    status: str
    hold_expires_at: datetime | None
    interviewers: int
    source: str
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None


# --- registrations and interviews -----------------------------------------------------------

class RegistrationIn(Struct, forbid_unknown_fields=True):
    ranked_organizations: list[int] = []
    """Up to 5 employers (organization ids taking part in the event) I most want to meet, best first."""
    available_blocks: list[int] | None = None
    """Indexes of the event's `interview_blocks` I can come to (0 when the event has none); none: all."""


class AssistedRegistrationIn(Struct, forbid_unknown_fields=True):
    attendee: AttendeeIn
    ranked_organizations: list[int] = []
    """As in RegistrationIn."""
    available_blocks: list[int] | None = None


class RegistrationChangeIn(Struct, forbid_unknown_fields=True):
    ranked_organizations: list[int] | UnsetType = UNSET
    """Replaces the ranking (`[]` clears it); left out: unchanged."""
    available_blocks: list[int] | None | UnsetType = UNSET
    """Replaces the blocks; `null`: all blocks; left out: unchanged."""


class RegistrationOut(Struct):
    id: int
    event: int
    attendee: int
    status: str
    channel: str
    station: int | None
    offer_expires_at: datetime | None
    created_at: datetime
    event_title: str
    event_starts_at: datetime
    ranked_organizations: list[int]
    available_blocks: list[int] | None


class ProgressOut(Struct):
    phase: str
    """queued, loading, scoring, pairing, slotting, writing, done, failed"""
    percent: int
    at: str | None = None


class MatchRunOut(Struct):
    id: int
    event: int
    status: str
    parameters: dict[str, object]
    metrics: dict[str, object]
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: ProgressOut


class InterviewOut(Struct):
    id: int
    event: int
    event_title: str
    status: str
    slot_index: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    organization: int
    organization_name: str
    position: int
    position_title: str
    wage_min: int | None
    wage_max: int | None
    booth_code: str | None
    venue_name: str | None
    attendee_name: str | None = None
    attendee_phone: str | None = None


class InterviewAnswerIn(Struct, forbid_unknown_fields=True):
    answer: Literal["accepted", "declined"]


T = TypeVar("T")


# --- areas, stations, people ----------------------------------------------------------------

class AreaOut(Struct):
    id: int
    code: str
    name: str
    level: str
    parent: int | None
    path: str
    latitude: float | None
    longitude: float | None


class AreaRowIn(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(max_length=20)]
    name: Annotated[str, Meta(max_length=100)]
    level: Annotated[str, Meta(max_length=20)]
    parent_code: Annotated[str, Meta(max_length=20)] = ""
    latitude: float | None = None
    longitude: float | None = None


class AreaImportIn(Struct, forbid_unknown_fields=True):
    rows: Annotated[list[AreaRowIn], Meta(min_length=1, max_length=20000)]


class AreaImportOut(Struct):
    created: int
    updated: int


class AreaChangeIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(max_length=100)] | None = None
    latitude: float | None = None
    longitude: float | None = None


class StationIn(Struct, forbid_unknown_fields=True):
    name: Name
    kind: Literal["post_station", "gig_home", "employment_supermarket"]
    area_id: Id
    address: Annotated[str, Meta(max_length=300)] = ""


class StationOut(Struct):
    id: int
    name: str
    kind: str
    area: int
    area_name: str
    address: str


class AttendeeOut(Struct):
    id: int
    name: str
    phone: str
    email: str
    home_area: int
    home_area_name: str
    skills: list[str]
    desired_industries: list[str]
    priority_groups: list[str]
    language: str
    created_at: datetime
    birth_year: int | None
    certificates: list[str]
    max_commute_km: int | None
    needs_food_lodging: bool
    wants_part_time: bool


class AttendeeChangeIn(Struct, forbid_unknown_fields=True):
    """Fields left out (or `null` where `null` has no meaning of its own) stay as they are."""

    skills: Annotated[list[Tag], Meta(max_length=30)] | None = None
    desired_industries: Annotated[list[Tag], Meta(max_length=20)] | None = None
    priority_groups: Annotated[list[Tag], Meta(max_length=10)] | None = None
    home_area_id: Id | None = None
    birth_year: int | None | UnsetType = UNSET
    """`null` forgets it."""
    certificates: list[Tag] | None = None
    max_commute_km: int | None | UnsetType = UNSET
    """`null`: no limit."""
    needs_food_lodging: bool | None = None
    wants_part_time: bool | None = None


class AreaFiguresOut(Struct):
    area_id: int
    code: str
    name: str
    attendees: int
    registrations: int
    events: int


# --- participation and organizer booth controls --------------------------------------------

class ParticipationIn(Struct, forbid_unknown_fields=True):
    documents: Annotated[list[Annotated[str, Meta(min_length=1, max_length=200)]], Meta(max_length=20)] = []
    """Names (or links) of attached documents; `business_licence` is required for approval."""


class DecisionIn(Struct, forbid_unknown_fields=True):
    decision: Literal["approved", "rejected"]
    reason: Annotated[str, Meta(max_length=1000)] = ""
    priority: Annotated[int, Meta(ge=0, le=9)] | None = None


class ParticipationOut(Struct):
    id: int
    event: int
    organization: int
    organization_name: str
    status: str
    priority: int
    documents: list[str]
    flags: list[str]
    reason: str
    created_at: datetime
    decided_at: datetime | None
    available_blocks: list[int] | None


class AvailabilityIn(Struct, forbid_unknown_fields=True):
    available_blocks: list[int] | None
    """Indexes of the event's `interview_blocks` we interview in (0 when the event has none); `null`: all."""


class BlockIn(Struct, forbid_unknown_fields=True):
    booth_id: Id
    reason: Annotated[str, Meta(max_length=200)] = ""


class MoveIn(Struct, forbid_unknown_fields=True):
    booth_id: Id


class ZoneOccupancyOut(Struct):
    zone: str
    free: int
    held: int
    reserved: int
    blocked: int
    total: int


class PlanBoothIn(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(max_length=20)]
    zone: Annotated[str, Meta(max_length=64)] = ""
    x_m: float | None = None
    y_m: float | None = None
    width_m: float = 3.0
    depth_m: float = 3.0
    features: Annotated[list[Tag], Meta(max_length=10)] = []
    price_yuan: int | None = None
    fee_waived: bool = False


class FloorPlanIn(Struct, forbid_unknown_fields=True):
    name: Name
    booths: Annotated[list[PlanBoothIn], Meta(min_length=1, max_length=5000)]
    width_m: Annotated[float, Meta(gt=0, le=2000)] | None = None
    depth_m: Annotated[float, Meta(gt=0, le=2000)] | None = None


class FloorPlanImportOut(Struct):
    floor_plan_id: int
    created: int
    updated: int
    width_m: float
    depth_m: float


class FloorPlanOut(Struct):
    id: int
    venue: int
    name: str
    width_m: float
    depth_m: float


class BoothPreferenceIn(Struct, forbid_unknown_fields=True, omit_defaults=True):
    booth_id: Id | None = None
    zone: Annotated[str, Meta(max_length=64)] | None = None


class BoothApplicationIn(Struct, forbid_unknown_fields=True):
    preferences: Annotated[list[BoothPreferenceIn], Meta(max_length=20)]
    """Ranked, best first: a booth (`booth_id`) or any booth of a zone (`zone`)."""


class BoothApplicationOut(Struct):
    id: int
    event: int
    organization: int
    preferences: list[dict[str, object]]
    status: str
    explanation: str
    created_at: datetime


class AllocationRunOut(Struct):
    id: int
    event: int
    status: str
    seed: str
    inputs: dict[str, object]
    result: dict[str, object]
    error: str
    created_at: datetime
    finished_at: datetime | None


class WaitlistIn(Struct, forbid_unknown_fields=True):
    preferences: Annotated[list[BoothPreferenceIn], Meta(max_length=20)] = []
    """Booths or zones that would do; none = any booth."""


class WaitlistOut(Struct):
    id: int
    event: int
    organization: int
    preferences: list[dict[str, object]]
    status: str
    reservation: int | None
    created_at: datetime
    offered_at: datetime | None


# --- interview matching ---------------------------------------------------------------------

class MatchOverrideIn(Struct, forbid_unknown_fields=True):
    attendee_id: Id
    """A person registered for the event."""
    organization_id: Id
    """An employer approved to take part in the event."""
    kind: Literal["pin", "forbid"]
    """pin: propose this pair whenever it can be; forbid: never."""
    reason: Annotated[str, Meta(max_length=1000)]
    """Why (kept with the decision; required)."""


class MatchOverrideOut(Struct):
    id: int
    event: int
    attendee: int
    attendee_name: str
    organization: int
    organization_name: str
    kind: str
    reason: str
    created_by: int | None
    created_at: datetime


def convert(value: object, kind: type[T]) -> T:
    """A row (dict) as a response struct; JSON columns stored as text are decoded."""
    return msgspec.convert(value, kind, strict=False)


class ReasonOut(Struct):
    part: str
    points: int
    zh: str
    en: str


class InterviewWhyOut(Struct):
    interview_id: int
    score: int
    parts: dict[str, int]
    reasons: list[ReasonOut]
    organization_name: str
    position_title: str
    match_run: int | None


class UnmatchedAttendeeOut(Struct):
    attendee_id: int
    reason: str
    zh: str
    en: str


class UnmatchedOut(Struct):
    match_run: int | None
    attendees: list[UnmatchedAttendeeOut]


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
    capacity: int | None = None
    """Places (at least 1); none: no limit."""


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
