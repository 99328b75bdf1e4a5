"""Booth holds and reservations, participations, booth applications, allocation and waitlists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from fairs.api.schemas.common import Id

# --- holds and reservations -----------------------------------------------------------------

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
