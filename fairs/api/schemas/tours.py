"""Village tours: set-up, villages, riders, plans."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct, field

from fairs.api.schemas.calendar import IsoDay
from fairs.api.schemas.common import Id, Name
from fairs.api.schemas.matching import ProgressOut

ClockTime = Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", extra_json_schema={"example": "08:00"})]
Counts = dict[Annotated[str, Meta(min_length=1, max_length=64)], Annotated[int, Meta(ge=0)]]


class TourSetupIn(Struct, forbid_unknown_fields=True):
    dates: Annotated[list[IsoDay], Meta(min_length=1, max_length=120)]
    """The campaign days (YYYY-MM-DD)."""
    depot_name: Name
    """Where the buses leave from and come back to, e.g. 市人力资源服务中心."""
    depot_latitude: float
    depot_longitude: float
    buses_per_day: Annotated[int, Meta(ge=0, le=100)]
    seats: Annotated[int, Meta(ge=1, le=100)]
    """Seats for enterprise staff on each bus."""
    depot_address: Annotated[str, Meta(max_length=300)] = ""
    timezone: Annotated[str, Meta(max_length=64)] = "Asia/Shanghai"
    day_starts: ClockTime = "07:00"
    """Buses leave no earlier than this…"""
    day_ends: ClockTime = "19:00"
    """…and are back by this (working hours including travel)."""
    max_stops_per_bus: Annotated[int, Meta(ge=1)] | None = None
    detour_factor: float = 1.3
    """Without a road-time matrix: road distance ≈ great-circle distance × this."""
    average_speed_kmh: float = 40.0
    min_enterprises_per_stop: Annotated[int, Meta(ge=0, le=50)] = 2
    max_same_industry: Annotated[int, Meta(ge=1)] | None = 2
    """The mix rule: at most this many enterprises of one industry at a stop (none: no limit)."""


class TourSetupOut(Struct):
    id: int
    campaign: int
    timezone: str
    dates: list[str]
    depot_name: str
    depot_address: str
    depot_latitude: float
    depot_longitude: float
    buses_per_day: int
    seats: int
    day_starts: str
    day_ends: str
    max_stops_per_bus: int | None
    detour_factor: float
    average_speed_kmh: float
    min_enterprises_per_stop: int
    max_same_industry: int | None
    has_travel_matrix: bool
    updated_at: datetime


class TravelMatrixOut(Struct):
    campaign_id: int
    pairs: int
    places: int


class LabourEstimate(Struct, forbid_unknown_fields=True):
    """The staff's estimate of who lives in the village and might come (counts of people)."""

    industries: Counts = {}
    skills: Counts = {}
    priority_groups: Counts = {}


class TourVillageIn(Struct, forbid_unknown_fields=True):
    area_id: Id
    """The village (an area of level village, with coordinates)."""
    opens: ClockTime = "08:00"
    closes: ClockTime = "12:00"
    """The fair works there between these (e.g. the market-day morning)."""
    stop_minutes: int = 120
    booth_capacity: int = 8
    """How many enterprises the square holds at once."""
    required_stops: int = 1
    weekdays: list[Annotated[int, Meta(ge=1, le=7)]] = field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    """ISO weekdays a fair can be held there (1 = Monday)."""
    forbidden_dates: Annotated[list[IsoDay], Meta(max_length=366)] = []
    """Never on these dates (busy farming season, festivals)."""
    labour_estimate: LabourEstimate | None = None
    place: Annotated[str, Meta(max_length=200)] = ""


class TourVillageChangeIn(Struct, forbid_unknown_fields=True):
    opens: ClockTime | None = None
    closes: ClockTime | None = None
    stop_minutes: int | None = None
    booth_capacity: int | None = None
    required_stops: int | None = None
    weekdays: list[Annotated[int, Meta(ge=1, le=7)]] | None = None
    forbidden_dates: Annotated[list[IsoDay], Meta(max_length=366)] | None = None
    labour_estimate: LabourEstimate | None = None


class TourVillageOut(Struct):
    id: int
    campaign: int
    area: int
    name: str
    latitude: float | None
    longitude: float | None
    venue: int
    place: str
    address: str
    opens: str
    closes: str
    stop_minutes: int
    booth_capacity: int
    required_stops: int
    weekdays: list[int]
    forbidden_dates: list[str]
    labour_estimate: dict[str, dict[str, int]]


class TourRiderIn(Struct, forbid_unknown_fields=True):
    organization_id: Id
    travel_dates: Annotated[list[IsoDay], Meta(min_length=1, max_length=120)]
    """Days of the tour the enterprise can travel."""
    staff: int = 2
    max_stops_per_day: int = 3
    max_days: int | None = None


class TourRiderOut(Struct):
    id: int
    campaign: int
    organization: int
    name: str
    industry: str
    travel_dates: list[str]
    staff: int
    max_stops_per_day: int
    max_days: int | None
    status: str


class VillageDay(Struct, forbid_unknown_fields=True):
    village_id: Id
    """A tour village's id."""
    date: IsoDay


class BusDay(Struct, forbid_unknown_fields=True):
    date: IsoDay
    bus: Annotated[int, Meta(ge=1)]


class TourPlanIn(Struct, forbid_unknown_fields=True):
    budget_s: float = 20.0
    """Seconds the routing search may take (1–600); the job also loads, seats and writes."""
    seed: Annotated[int, Meta(ge=0, le=2**32 - 1)] = 0
    """The routing search's random seed (PyVRP takes an unsigned 32-bit number)."""
    rained_out: list[VillageDay] = []
    """Re-plan: no fair at these villages on these dates."""
    broken_buses: list[BusDay] = []
    """Re-plan: these buses of the published plan do not run."""
    confirmed: list[VillageDay] = []
    """Re-plan: stops of the published plan to keep exactly as they are."""
    fresh: bool = False
    """Route from scratch rather than change the published plan as little as possible."""


class TourPlanOut(Struct):
    id: int
    campaign: int
    based_on: int | None
    status: str
    """queued, running, ready, failed, published, superseded"""
    parameters: dict[str, object]
    metrics: dict[str, object]
    unserved: list[dict[str, object]]
    """Stops a village wanted and does not get, and why."""
    shortfalls: list[dict[str, object]]
    """Stops hosting fewer enterprises than the minimum."""
    diff: dict[str, object]
    """What changes against the plan it was based on (the published one)."""
    applied: bool
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    published_at: datetime | None
    progress: ProgressOut
    told: int | None = None
    """On publishing: how many enterprises and people were told of a change."""


class TourStopOut(Struct):
    village_id: int
    village: str
    stop_number: int
    arrives_at: datetime
    starts_at: datetime
    ends_at: datetime
    event_id: int | None


class TourRiderSeatOut(Struct):
    organization_id: int
    name: str
    staff: int


class TourBusDayOut(Struct):
    day: str
    bus: int
    leaves_at: datetime
    returns_at: datetime
    travel_seconds: int
    seats_used: int
    seats: int
    fit: int
    stops: list[TourStopOut]
    riders: list[TourRiderSeatOut]
