"""Who is acting, and what time it is: passed into every use case, never read from globals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


SYSTEM_CLOCK = SystemClock()


class FixedClock:
    """A clock stopped at one instant (a decision taken "as of" a time)."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

ROLES = ("organizer", "employer", "staff", "attendee")


@dataclass(frozen=True)
class Actor:
    """The logged-in account, as the services see it."""

    account_id: int
    role: str
    organization_id: int | None = None
    attendee_id: int | None = None
    display_name: str = ""
    area_path: str | None = None
    """Organizers and staff act within this area's subtree (see services/scope.py)."""
    departments: frozenset[str] = frozenset()
    station_id: int | None = None

    @property
    def is_organizer(self) -> bool:
        return self.role == "organizer"
