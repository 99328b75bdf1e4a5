"""Registrations, match runs, interviews, overrides and why/unmatched explanations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import UNSET, Meta, Struct, UnsetType

from fairs.api.schemas.common import MAX_ID, Id
from fairs.api.schemas.people import AttendeeIn

# --- registrations and interviews -----------------------------------------------------------

BlockIndex = Annotated[int, Meta(ge=-MAX_ID - 1, le=MAX_ID)]
"""An index into the event's ``interview_blocks``: the service checks it against the event
(422); the bounds only keep a number no column can hold from reaching a query."""


class RegistrationIn(Struct, forbid_unknown_fields=True):
    ranked_organizations: list[Id] = []
    """Up to 5 employers (organization ids taking part in the event) I most want to meet, best first."""
    available_blocks: list[BlockIndex] | None = None
    """Indexes of the event's `interview_blocks` I can come to (0 when the event has none); none: all."""


class AssistedRegistrationIn(Struct, forbid_unknown_fields=True):
    attendee: AttendeeIn
    ranked_organizations: list[Id] = []
    """As in RegistrationIn."""
    available_blocks: list[BlockIndex] | None = None


class RegistrationChangeIn(Struct, forbid_unknown_fields=True):
    ranked_organizations: list[Id] | UnsetType = UNSET
    """Replaces the ranking (`[]` clears it); left out: unchanged."""
    available_blocks: list[BlockIndex] | None | UnsetType = UNSET
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
    """queued, loading, scoring, pairing, slotting, writing, done, failed (a tour plan: loading,
    routing, riders, writing, done)"""
    percent: int
    at: str | None = None
    best: int | None = None
    """A search's best objective so far (tour plans: travel seconds plus a penalty per stop left out)."""


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
