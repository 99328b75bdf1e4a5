"""Piccolo tables. What must never happen is refused by the database itself:

- single-column unique constraints are declared here;
- composite and partial unique indexes, check constraints and the no-overlap rule for
  interviews are listed once in ``fairs/db/constraints.py`` and written by a migration for
  each engine (Piccolo's own constraint migrations do not run on SQLite).

Times are ``Timestamptz`` everywhere (UTC in storage); the zone to show them in is the
event's or venue's ``timezone``.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Array,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Area(Table, tablename="area"):
    """An administrative division: city, county (district), township (street), village
    (community). ``path`` is the codes from the root down (see fairs/core/areas.py)."""

    code = Varchar(length=12, unique=True)
    name = Varchar(length=100)
    level = Varchar(length=10)
    parent = ForeignKey("self", null=True, on_delete=OnDelete.restrict)
    path = Varchar(length=60, unique=True)
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    created_at = Timestamptz()


class ServiceStation(Table, tablename="service_station"):
    """A place where staff help people: 就业驿站, 零工之家, 就业超市."""

    name = Varchar(length=200)
    kind = Varchar(length=24)
    area = ForeignKey(Area, on_delete=OnDelete.restrict)
    address = Varchar(length=300, default="")
    created_at = Timestamptz()


class Organization(Table, tablename="organization"):
    """An enterprise that recruits: identified by its unified social credit code."""

    name = Varchar(length=200)
    credit_code = Varchar(length=18, unique=True)
    industry = Varchar(length=64)
    contact_name = Varchar(length=100, default="")
    contact_phone = Varchar(length=20, default="")
    contact_email = Varchar(length=254, default="")
    created_at = Timestamptz()


class Attendee(Table, tablename="attendee"):
    """A job seeker. The phone number is stored once and shown masked to others."""

    name = Varchar(length=100)
    phone = Varchar(length=11, unique=True)
    email = Varchar(length=254, default="")
    home_area = ForeignKey(Area, on_delete=OnDelete.restrict)
    skills = Array(Varchar(length=64))
    desired_industries = Array(Varchar(length=64))
    priority_groups = Array(Varchar(length=32))
    birth_year = Integer(null=True, default=None)
    certificates = Array(Varchar(length=64))
    max_commute_km = Integer(null=True, default=None)
    """How far from the home area (township/village) the attendee will travel to work."""
    needs_food_lodging = Boolean(default=False)
    wants_part_time = Boolean(default=False)
    language = Varchar(length=2, default="zh")
    consent_version = Varchar(length=32)
    consent_at = Timestamptz()
    created_at = Timestamptz()
    anonymised_at = Timestamptz(null=True, default=None)
    """Set when the person was deleted at their request or after the retention period: every
    personal field is blanked; area, skills, industries and groups stay for the statistics."""


class Account(Table, tablename="account"):
    """Who logs in. An employer account belongs to one organization; an attendee account is
    one attendee; staff work at a service station and may register attendees for them."""

    login = Varchar(length=100, unique=True)
    password_hash = Varchar(length=200)
    role = Varchar(length=16)
    display_name = Varchar(length=100, default="")
    email = Varchar(length=254, default="")
    organization = ForeignKey(Organization, null=True, on_delete=OnDelete.restrict)
    attendee = ForeignKey(Attendee, null=True, on_delete=OnDelete.restrict)
    area = ForeignKey(Area, null=True, on_delete=OnDelete.restrict)
    departments = Array(Varchar(length=40))
    station = ForeignKey(ServiceStation, null=True, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    created_at = Timestamptz()


class Campaign(Table, tablename="campaign"):
    name = Varchar(length=200)
    kind = Varchar(length=16)
    area = ForeignKey(Area, on_delete=OnDelete.restrict)
    description = Text(default="")
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Venue(Table, tablename="venue"):
    name = Varchar(length=200)
    area = ForeignKey(Area, on_delete=OnDelete.restrict)
    address = Varchar(length=300, default="")
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    timezone = Varchar(length=64, default="Asia/Shanghai")
    created_at = Timestamptz()


class FloorPlan(Table, tablename="floor_plan"):
    """One drawing of a venue (a hall, a floor, a square), in metres."""

    venue = ForeignKey(Venue, on_delete=OnDelete.cascade)
    name = Varchar(length=100)
    width_m = DoublePrecision(default=50.0)
    depth_m = DoublePrecision(default=30.0)
    created_at = Timestamptz()


class Booth(Table, tablename="booth"):
    venue = ForeignKey(Venue, on_delete=OnDelete.cascade)
    code = Varchar(length=20)
    zone = Varchar(length=64, default="")
    width_m = DoublePrecision(default=3.0)
    depth_m = DoublePrecision(default=3.0)
    features = Array(Varchar(length=32))
    floor_plan = ForeignKey(FloorPlan, null=True, on_delete=OnDelete.set_null)
    x_m = DoublePrecision(default=0.0)
    y_m = DoublePrecision(default=0.0)
    price_yuan = Integer(null=True, default=None)
    fee_waived = Boolean(default=False)


class Event(Table, tablename="event"):
    campaign = ForeignKey(Campaign, on_delete=OnDelete.restrict)
    venue = ForeignKey(Venue, null=True, on_delete=OnDelete.restrict)
    area = ForeignKey(Area, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)
    title = Varchar(length=200)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    timezone = Varchar(length=64, default="Asia/Shanghai")
    status = Varchar(length=16, default="draft")
    online_url = Varchar(length=500, default="")
    interview_slot_minutes = Integer(default=20)
    interviews_per_attendee = Integer(default=3)
    booth_mode = Varchar(length=12, default="direct")
    applications_close_at = Timestamptz(null=True, default=None)
    booths_per_organization = Integer(default=1)
    events_per_organization_per_month = Integer(null=True, default=None)
    capacity = Integer(null=True, default=None)
    tour_village = ForeignKey("TourVillage", null=True, on_delete=OnDelete.restrict)
    """For a village stop (kind ``village_stop``): the tour village it is a stop of."""
    interview_blocks = JSON(default="[]")
    """Blocks of the interview day as ``[[first slot, last slot], …]`` (e.g. morning and
    afternoon); empty: one block, the whole day."""
    created_at = Timestamptz()


class Position(Table, tablename="position"):
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade)
    title = Varchar(length=200)
    industry = Varchar(length=64)
    headcount = Integer(default=1)
    skills = Array(Varchar(length=64))
    wage_min = Integer(null=True, default=None)
    wage_max = Integer(null=True, default=None)
    work_location = Varchar(length=200, default="")
    work_area = ForeignKey(Area, null=True, on_delete=OnDelete.restrict)
    """Where the work is (its coordinates measure commutes); none: not said."""
    min_age = Integer(null=True, default=None)
    max_age = Integer(null=True, default=None)
    required_certificates = Array(Varchar(length=64))
    provides_food_lodging = Boolean(default=False)
    accepts_older_workers = Boolean(default=False)
    part_time = Boolean(default=False)
    description = Text(default="")
    active = Boolean(default=True)
    created_at = Timestamptz()


class Registration(Table, tablename="registration"):
    attendee = ForeignKey(Attendee, on_delete=OnDelete.restrict)
    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="registered")
    registered_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    station = ForeignKey(ServiceStation, null=True, on_delete=OnDelete.restrict)
    channel = Varchar(length=8, default="self")
    offer_expires_at = Timestamptz(null=True, default=None)
    ranked_organizations = Array(Integer())
    """Employers the attendee would most like to meet at this event, best first."""
    available_blocks = Array(Integer(), null=True, default=None)
    """Indexes of the event's interview blocks the attendee can come to; none: all."""
    checked_in_at = Timestamptz(null=True, default=None)
    """When the person arrived (the desk's scan; an offline desk's scan time when it syncs)."""
    checked_in_by = ForeignKey("Account", null=True, on_delete=OnDelete.set_null)
    check_in_client_id = Varchar(length=100, default="")
    """The desk's own id for the scan that checked them in (offline desks sync with it)."""
    outcome_rank = Integer(default=0)
    """How far the person got at this fair, from their kept interviews' outcomes: 0 nothing
    marked (or no-show), 1 interviewed, 2 an offer, 3 hired. Kept by fairs.services.stages."""
    retained = Integer(default=0)
    """Still employed at the follow-up calls of a hire here: 1 (1 month) + 2 (3) + 4 (6)."""
    created_at = Timestamptz()


class Participation(Table, tablename="participation"):
    """An employer's request to take part in an event, and the organizer's decision.
    Only approved employers hold, apply for or are given booths."""

    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    status = Varchar(length=12, default="applied")
    priority = Integer(default=0)
    documents = Array(Varchar(length=200))
    flags = Array(Varchar(length=200))
    reason = Text(default="")
    decided_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    available_blocks = Array(Integer(), null=True, default=None)
    """Indexes of the event's interview blocks the employer interviews in; none: all."""
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)


class BoothBlock(Table, tablename="booth_block"):
    """A booth the organizer keeps out of an event (a pillar, a stage, the organizer's desk)."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade)
    booth = ForeignKey(Booth, on_delete=OnDelete.cascade)
    reason = Varchar(length=200, default="")
    created_at = Timestamptz()


class BoothApplication(Table, tablename="booth_application"):
    """Ranked booth or zone preferences, given during an event's application window."""

    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    preferences = JSON(default="[]")
    status = Varchar(length=12, default="submitted")
    explanation = Text(default="")
    created_at = Timestamptz()


class AllocationRun(Table, tablename="allocation_run"):
    """One allocation of all booths of an event, reproducible from its seed and inputs."""

    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    status = Varchar(length=12, default="queued")
    seed = Varchar(length=40)
    inputs = JSON(default="{}")
    result = JSON(default="{}")
    error = Text(default="")
    requested_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class BoothReservation(Table, tablename="booth_reservation"):
    booth = ForeignKey(Booth, on_delete=OnDelete.restrict)
    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="held")
    hold_expires_at = Timestamptz(null=True, default=None)
    interviewers = Integer(default=2)
    source = Varchar(length=12, default="hold")
    created_at = Timestamptz()
    confirmed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)


class WaitlistEntry(Table, tablename="waitlist_entry"):
    """An employer waiting for a booth of an event: the first whose preferences fit a freed
    booth gets it held for a limited time (an offer)."""

    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    preferences = JSON(default="[]")
    status = Varchar(length=12, default="waiting")
    reservation = ForeignKey(BoothReservation, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    offered_at = Timestamptz(null=True, default=None)


class MatchRun(Table, tablename="match_run"):
    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="queued")
    parameters = JSON(default="{}")
    metrics = JSON(default="{}")
    error = Text(default="")
    requested_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)


class MatchOverride(Table, tablename="match_override"):
    """An organizer's decision about one pair before a run: ``pin`` (they must meet, if at all
    possible) or ``forbid`` (never)."""

    event = ForeignKey(Event, on_delete=OnDelete.cascade)
    attendee = ForeignKey(Attendee, on_delete=OnDelete.cascade)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade)
    kind = Varchar(length=8)
    reason = Text(default="")
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class InterviewSlot(Table, tablename="interview_slot"):
    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    position = ForeignKey(Position, on_delete=OnDelete.restrict)
    attendee = ForeignKey(Attendee, on_delete=OnDelete.restrict)
    booth_reservation = ForeignKey(BoothReservation, null=True, on_delete=OnDelete.set_null)
    match_run = ForeignKey(MatchRun, null=True, on_delete=OnDelete.set_null)
    slot_index = Integer()
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    status = Varchar(length=16, default="proposed")
    fit_score = Integer(default=0)
    fit_parts = JSON(default="{}")
    """The score's parts when the pair was made (skills, industry_wish, commute, conditions,
    own_ranking): why this pairing."""
    outcome = Varchar(length=12, default="")
    """What happened, as the employer marks it: ``no_show``, ``attended``, ``offer``, ``hired``
    (empty: not marked yet)."""
    hired_position = ForeignKey(Position, null=True, on_delete=OnDelete.restrict)
    start_date = Varchar(length=10, null=True, default=None)
    """The first working day of a hire (ISO date)."""
    outcome_at = Timestamptz(null=True, default=None)
    outcome_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    retained = Integer(default=0)
    """Still employed at this hire's follow-up calls: 1 (1 month) + 2 (3) + 4 (6)."""
    created_at = Timestamptz()


class TrainingCohort(Table, tablename="training_cohort"):
    """A free training course for job seekers (e.g. the 10-day new-media cohort): a session
    every day at the hours of the first one, ``days`` days long, minus ``skipped_days``."""

    area = ForeignKey(Area, on_delete=OnDelete.restrict)
    title = Varchar(length=200)
    description = Text(default="")
    venue = ForeignKey(Venue, null=True, on_delete=OnDelete.restrict)
    online_url = Varchar(length=500, default="")
    timezone = Varchar(length=64, default="Asia/Shanghai")
    first_session_starts_at = Timestamptz()
    first_session_ends_at = Timestamptz()
    """Same day as the start, in ``timezone``."""
    days = Integer(default=1)
    skipped_days = JSON(default="[]")
    """Cancelled days of the series as ISO dates (``["2027-03-18"]``), in ``timezone``."""
    capacity = Integer(null=True, default=None)
    status = Varchar(length=12, default="draft")
    created_at = Timestamptz()


class TrainingEnrollment(Table, tablename="training_enrollment"):
    """One person's place in a cohort; one active (``enrolled``) per person and cohort."""

    cohort = ForeignKey(TrainingCohort, on_delete=OnDelete.restrict)
    attendee = ForeignKey(Attendee, on_delete=OnDelete.restrict)
    status = Varchar(length=12, default="enrolled")
    created_at = Timestamptz()


class CalendarItem(Table, tablename="calendar_item"):
    """One calendar entry for its whole life: UID never changes, SEQUENCE goes up."""

    uid = Varchar(length=100, unique=True)
    sequence = Integer(default=0)
    kind = Varchar(length=24)
    event = ForeignKey(Event, null=True, on_delete=OnDelete.restrict)
    interview_slot = ForeignKey(InterviewSlot, null=True, unique=True, on_delete=OnDelete.restrict)
    booth_reservation = ForeignKey(BoothReservation, null=True, on_delete=OnDelete.restrict)
    """Unique when set (index ``calendar_item_per_booth``)."""
    training_enrollment = ForeignKey(TrainingEnrollment, null=True, on_delete=OnDelete.restrict)
    """The attendee's recurring entry for a cohort; unique when set (index ``calendar_item_per_enrollment``)."""
    tour_ride = ForeignKey("TourRide", null=True, on_delete=OnDelete.restrict)
    """An employer's day on a tour bus; unique when set (index ``calendar_item_per_ride``)."""
    cancelled = Boolean(default=False)
    updated_at = Timestamptz()


class Outbox(Table, tablename="outbox"):
    """A message to leave the system, written in the transaction of the change that causes it."""

    idempotency_key = Varchar(length=200, unique=True)
    channel = Varchar(length=8)
    recipient = Varchar(length=254)
    subject = Varchar(length=300, default="")
    body = Text(default="")
    attachment = Text(default="")
    attachment_type = Varchar(length=100, default="")
    calendar_item = ForeignKey(CalendarItem, null=True, on_delete=OnDelete.set_null)
    """An invitation, update or cancellation of this item: when ``attachment`` is empty, the
    calendar file is built when the message is sent, at ``sequence`` with ``method``."""
    sequence = Integer(null=True, default=None)
    method = Varchar(length=8, default="")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    """After a failure, not before this (back-off); none: as soon as possible."""
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class CalendarFeed(Table, tablename="calendar_feed"):
    """A personal calendar subscription (``webcal://…/calendar/<token>.ics``): only the token's
    SHA-256 is kept; re-issuing revokes the previous one."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class IdempotencyRecord(Table, tablename="idempotency_record"):
    """The first answer to a client's write, replayed to any retry with the same key."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)
    key = Varchar(length=200)
    fingerprint = Varchar(length=64)
    status_code = Integer()
    response = Text()
    created_at = Timestamptz()




class TourSetup(Table, tablename="tour_setup"):
    """What a village-tour campaign plans with, besides its villages and enterprises: the days
    it runs, the depot and the buses, how travel times are known, and the rules for who rides.
    Times of day are ``HH:MM`` in ``timezone``."""

    campaign = ForeignKey(Campaign, unique=True, on_delete=OnDelete.cascade)
    timezone = Varchar(length=64, default="Asia/Shanghai")
    dates = JSON(default="[]")
    """The campaign days (ISO dates)."""
    depot_name = Varchar(length=200)
    depot_address = Varchar(length=300, default="")
    depot_latitude = DoublePrecision()
    depot_longitude = DoublePrecision()
    buses_per_day = Integer(default=1)
    seats = Integer(default=30)
    day_starts = Varchar(length=5, default="07:00")
    day_ends = Varchar(length=5, default="19:00")
    max_stops_per_bus = Integer(null=True, default=None)
    detour_factor = DoublePrecision(default=1.3)
    average_speed_kmh = DoublePrecision(default=40.0)
    travel_matrix = Text(default="")
    """The organizer's road-time matrix (CSV) as given; empty: great-circle estimates."""
    min_enterprises_per_stop = Integer(default=2)
    max_same_industry = Integer(null=True, default=2)
    updated_at = Timestamptz()


class TourVillage(Table, tablename="tour_village"):
    """A village of the tour: where (its area's coordinates), when a fair can work there, how
    many stops it wants, how many booths its square holds (booths of ``venue``), and the
    staff's estimate of its labour pool (``{"industries": {…}, "skills": {…},
    "priority_groups": {…}}``, counts of people)."""

    campaign = ForeignKey(Campaign, on_delete=OnDelete.cascade)
    area = ForeignKey(Area, on_delete=OnDelete.restrict)
    venue = ForeignKey(Venue, on_delete=OnDelete.restrict)
    opens = Varchar(length=5, default="08:00")
    closes = Varchar(length=5, default="12:00")
    stop_minutes = Integer(default=120)
    booth_capacity = Integer(default=8)
    required_stops = Integer(default=1)
    weekdays = JSON(default="[1, 2, 3, 4, 5, 6, 7]")
    forbidden_dates = JSON(default="[]")
    labour_estimate = JSON(default="{}")
    created_at = Timestamptz()


class TourEnterprise(Table, tablename="tour_enterprise"):
    """An enterprise signed up to ride along: on which days, how many staff, how many stops a
    day at most, on how many days at most. ``status``: ``joined`` or ``dropped``."""

    campaign = ForeignKey(Campaign, on_delete=OnDelete.cascade)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    travel_dates = JSON(default="[]")
    staff = Integer(default=2)
    max_stops_per_day = Integer(default=3)
    max_days = Integer(null=True, default=None)
    status = Varchar(length=8, default="joined")
    created_at = Timestamptz()


class TourPlan(Table, tablename="tour_plan"):
    """One plan of a campaign's tour, made by a job: the routes, who rides, and what changed
    against the plan it was ``based_on`` (the published one when it was asked for)."""

    campaign = ForeignKey(Campaign, on_delete=OnDelete.restrict)
    based_on = ForeignKey("self", null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=12, default="queued")
    parameters = JSON(default="{}")
    """Time budget, seed, and the change being planned for (rained out, broken buses, …)."""
    metrics = JSON(default="{}")
    unserved = JSON(default="[]")
    shortfalls = JSON(default="[]")
    diff = JSON(default="{}")
    applied = Boolean(default=False)
    """Its stops are the campaign's village-stop events (as drafts until published)."""
    error = Text(default="")
    requested_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)


class TourBusDay(Table, tablename="tour_bus_day"):
    """What one bus does on one day of a plan (a manifest's heading)."""

    plan = ForeignKey(TourPlan, on_delete=OnDelete.cascade)
    day = Varchar(length=10)
    bus = Integer()
    leaves_at = Timestamptz()
    returns_at = Timestamptz()
    travel_seconds = Integer(default=0)
    seats_used = Integer(default=0)
    fit = Integer(default=0)
    """How well its riders fit the villages of the route (see fairs.core.itinerary.stop_fit)."""


class TourStop(Table, tablename="tour_stop"):
    """A fair of a plan at a village: the ``position``-th stop of its bus-day, the village's
    ``stop_number``-th; ``event`` once the plan is applied."""

    plan = ForeignKey(TourPlan, on_delete=OnDelete.cascade)
    bus_day = ForeignKey(TourBusDay, on_delete=OnDelete.cascade)
    village = ForeignKey(TourVillage, on_delete=OnDelete.cascade)
    position = Integer()
    stop_number = Integer()
    arrives_at = Timestamptz()
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    event = ForeignKey(Event, null=True, on_delete=OnDelete.set_null)


class TourRider(Table, tablename="tour_rider"):
    """An enterprise riding a bus-day of a plan (a manifest's line)."""

    plan = ForeignKey(TourPlan, on_delete=OnDelete.cascade)
    bus_day = ForeignKey(TourBusDay, on_delete=OnDelete.cascade)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    staff = Integer()


class TourRide(Table, tablename="tour_ride"):
    """An employer's day on a tour bus as the applied plan has it: what its calendar entry
    says. One per campaign, organization and day; cancelled when the plan no longer has it."""

    campaign = ForeignKey(Campaign, on_delete=OnDelete.restrict)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    day = Varchar(length=10)
    bus = Integer()
    departs_at = Timestamptz()
    returns_at = Timestamptz()
    stops = JSON(default="[]")
    """``[{"village": name, "place": address, "arrives_at": iso, "leaves_at": iso}, …]``"""
    cancelled = Boolean(default=False)
    updated_at = Timestamptz()


class FollowUp(Table, tablename="follow_up"):
    """A call the staff of the person's service station owe them: for a hire, whether they are
    still employed 1, 3 and 6 months after starting (``retention_1m`` …); for someone who came
    and got no offer, help with what next (``no_offer``: next fairs, training)."""

    attendee = ForeignKey(Attendee, on_delete=OnDelete.restrict)
    interview = ForeignKey(InterviewSlot, null=True, on_delete=OnDelete.restrict)
    registration = ForeignKey(Registration, null=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)
    due_on = Varchar(length=10)
    station = ForeignKey(ServiceStation, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=8, default="open")
    answer = Varchar(length=16, default="")
    note = Text(default="")
    done_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    done_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class ContactRead(Table, tablename="contact_read"):
    """An employer's account saw an attendee's full phone number (kept for the organizers)."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)
    organization = ForeignKey(Organization, on_delete=OnDelete.cascade)
    attendee = ForeignKey(Attendee, on_delete=OnDelete.cascade)
    interview = ForeignKey(InterviewSlot, null=True, on_delete=OnDelete.set_null)
    via = Varchar(length=60)
    at = Timestamptz()


class WalkIn(Table, tablename="walk_in"):
    """A queue number at a busy booth for someone without an interview slot."""

    event = ForeignKey(Event, on_delete=OnDelete.restrict)
    organization = ForeignKey(Organization, on_delete=OnDelete.restrict)
    attendee = ForeignKey(Attendee, null=True, on_delete=OnDelete.set_null)
    name = Varchar(length=100, default="")
    phone = Varchar(length=11, default="")
    number = Integer()
    status = Varchar(length=8, default="waiting")
    notified_at = Timestamptz(null=True, default=None)
    called_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class WebhookEndpoint(Table, tablename="webhook_endpoint"):
    """Where an organizer's own system (a city's or province's statistics) takes events: every
    event of the ``area``'s subtree of the subscribed ``event_types`` is POSTed to ``url``,
    signed with ``secret`` (shown once, when made or rotated). After a rotation the previous
    secret still signs, alongside, until ``previous_secret_expires_at``."""

    area = ForeignKey(Area, on_delete=OnDelete.restrict)
    url = Varchar(length=500)
    description = Varchar(length=200, default="")
    secret = Varchar(length=100, secret=True)
    previous_secret = Varchar(length=100, default="", secret=True)
    previous_secret_expires_at = Timestamptz(null=True, default=None)
    event_types = Array(Varchar(length=40))
    active = Boolean(default=True)
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event for one endpoint, written in the transaction of the change (an outbox), sent
    by a job: ``pending`` → ``delivered`` | ``failed`` (will be retried at
    ``next_attempt_at``) → … → ``dead`` (given up). ``event_id`` is stable and unique per
    endpoint, so a repeated write of the same event never sends it twice."""

    endpoint = ForeignKey(WebhookEndpoint, on_delete=OnDelete.cascade)
    event_type = Varchar(length=40)
    event_id = Varchar(length=120)
    payload = JSON(default="{}")
    """The whole body sent: ``{"id", "type", "created_at", "data"}``."""
    status = Varchar(length=12, default="pending")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_status_code = Integer(null=True, default=None)
    last_error = Varchar(length=300, default="")
    """Why the last attempt failed (``HTTP 500``, ``ReadTimeout``): never a body or a URL."""
    delivered_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


TABLES: list[type[Table]] = [  # in dependency order: a table only points at tables above it
    Area,
    ServiceStation,
    Organization,
    Attendee,
    Account,
    Campaign,
    Venue,
    FloorPlan,
    Booth,
    TourSetup,
    TourVillage,
    Event,
    Position,
    Registration,
    Participation,
    BoothBlock,
    BoothApplication,
    AllocationRun,
    BoothReservation,
    WaitlistEntry,
    MatchRun,
    MatchOverride,
    InterviewSlot,
    TrainingCohort,
    TrainingEnrollment,
    TourEnterprise,
    TourPlan,
    TourBusDay,
    TourStop,
    TourRider,
    TourRide,
    FollowUp,
    ContactRead,
    WalkIn,
    CalendarItem,
    Outbox,
    CalendarFeed,
    IdempotencyRecord,
    WebhookEndpoint,
    WebhookDelivery,
]
