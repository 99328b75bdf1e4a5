"""Outcomes, follow-up calls, reports and data rights."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from fairs.api.schemas.calendar import IsoDay
from fairs.api.schemas.common import Id


class OutcomeIn(Struct, forbid_unknown_fields=True):
    outcome: Literal["no_show", "attended", "offer", "hired"]
    hired_position_id: Id | None = None
    """A hire: the position (of this employer)."""
    start_date: IsoDay | None = None
    """A hire: the first working day (YYYY-MM-DD)."""


class OutcomeOut(Struct):
    id: int
    event: int
    status: str
    outcome: str
    hired_position: int | None
    start_date: str | None
    organization: int
    attendee: int


class FollowUpOut(Struct):
    id: int
    kind: str
    """retention_1m, retention_3m, retention_6m (a hire), no_offer (came, got no offer)"""
    due_on: str
    status: str
    answer: str
    note: str
    attendee: int
    attendee_name: str
    attendee_phone: str
    interview: int | None
    organization_name: str | None
    position_title: str | None
    start_date: str | None
    registration: int | None
    event_title: str | None
    station: int | None
    done_at: datetime | None


class FollowUpAnswerIn(Struct, forbid_unknown_fields=True):
    answer: Annotated[str, Meta(min_length=1, max_length=16)]
    """retention: still_employed, left, unreachable; no_offer: found_work, referred_fair,
    referred_training, not_looking, unreachable"""
    note: Annotated[str, Meta(max_length=2000)] = ""


class ReportRowOut(Struct):
    key: int | str | None
    label: str
    registrations: int
    attended: int
    interviewed: int
    offers: int
    hires: int
    retained_1m: int
    retained_3m: int
    retained_6m: int
    priority_registrations: int
    priority_attended: int
    priority_interviewed: int
    priority_offers: int
    priority_hires: int
    priority_retained_1m: int
    priority_retained_3m: int
    priority_retained_6m: int


class VillageCoverageOut(Struct):
    villages: int
    covered: int
    share: float
    uncovered: list[str]


class ReportOut(Struct):
    campaign: dict[str, object]
    by: str
    stages: list[str]
    rows: list[ReportRowOut]
    totals: ReportRowOut
    village_coverage: VillageCoverageOut | None


class ContactReadOut(Struct):
    id: int
    at: datetime
    via: str
    attendee: int
    organization: int
    organization_name: str
    account: str
    interview: int | None


class WalkInIn(Struct, forbid_unknown_fields=True):
    organization_id: Id
    """The employer whose booth the queue is at."""
    name: Annotated[str, Meta(max_length=100)] = ""
    phone: Annotated[str, Meta(max_length=20)] = ""
    """Desk staff taking a number for someone: their name, and a mobile for the text."""


class WalkInOut(Struct):
    id: int
    event: int
    organization: int
    organization_name: str
    number: int
    status: str
    """waiting, called, served, left"""
    ahead: int
    """Waiting numbers before this one."""
    created_at: datetime


class WalkInDoneIn(Struct, forbid_unknown_fields=True):
    status: Literal["served", "left"]


class BoothListRowOut(Struct):
    kind: Literal["interview", "walk_in"]
    id: int
    at: datetime
    name: str
    status: str
    position: str | None
    number: int | None


class BoothListOut(Struct):
    event_id: int
    waiting: int
    rows: list[BoothListRowOut]


class CheckInIn(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(min_length=1, max_length=40)]
    """The check-in code as scanned or typed (case, spaces and dashes do not matter)."""


class CheckInOut(Struct):
    registration_id: int
    event_id: int
    attendee_name: str
    checked_in_at: datetime | None
    timezone: str
    already: bool
    """Checked in before: nothing counted this time."""
    client_id: str | None = None


class ScanIn(Struct, forbid_unknown_fields=True):
    code: Annotated[str, Meta(min_length=1, max_length=40)]
    scanned_at: datetime
    """When the desk scanned it, with the UTC offset (within the last two days)."""
    client_id: Annotated[str, Meta(min_length=1, max_length=100)]
    """The desk's own id for this scan (echoed back; syncing it twice changes nothing)."""


class ScanSyncIn(Struct, forbid_unknown_fields=True):
    scans: Annotated[list[ScanIn], Meta(max_length=500)]


class ScanResultOut(Struct):
    client_id: str
    result: Literal["checked_in", "already", "refused"]
    field: str | None
    message: str
    registration_id: int | None
    name: str
    checked_in_at: datetime | None
