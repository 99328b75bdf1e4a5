"""Interview slot grids and interval arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fairs.core.errors import InvalidInput


@dataclass(frozen=True, order=True)
class TimeSlot:
    index: int
    starts_at: datetime
    ends_at: datetime


def interview_slots(starts_at: datetime, ends_at: datetime, minutes: int) -> list[TimeSlot]:
    """Consecutive slots of ``minutes`` from ``starts_at``; the last one ends by ``ends_at``.

    Both bounds must be timezone-aware; slots keep the zone of ``starts_at``. Slot ``i``
    starts at ``starts_at + i·minutes``. A remainder shorter than a slot is left unused.
    """
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("times must carry a time zone", "starts_at")
    if minutes <= 0:
        raise InvalidInput("must be positive", "interview_slot_minutes")
    step = timedelta(minutes=minutes)
    count = int((ends_at - starts_at) / step)
    return [TimeSlot(i, starts_at + i * step, starts_at + (i + 1) * step) for i in range(count)]


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals [start, end) overlap: touching ends do not."""
    return a_start < b_end and b_start < a_end
