"""Campaigns, venues, events, booths, employers' positions and floor plans."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from fairs.api.schemas.common import Block, Id, Name, Tag, Text

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
    wage_min: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None
    wage_max: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None
    """Monthly wage range in yuan (stored as int4: an unbounded number used to answer 500)."""
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


# --- floor plans ----------------------------------------------------------------------------

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
