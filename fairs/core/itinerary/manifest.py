"""What a printed bus manifest shows, per day and bus: when the bus leaves and comes back, its
stops in order with their times, and who rides along with how many staff. Plain frozen
dataclasses; the page template renders them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from fairs.core.errors import InvalidInput
from fairs.core.itinerary.model import BusCrew, CrewAssignment, RoutePlan


@dataclass(frozen=True)
class ManifestStop:
    """The ``order``-th stop of the bus (1-based); ``stop_number`` counts the village's fairs."""

    order: int
    village_id: int
    village: str
    stop_number: int
    arrives: datetime
    starts: datetime
    ends: datetime


@dataclass(frozen=True)
class ManifestRider:
    enterprise_id: int
    enterprise: str
    staff: int


@dataclass(frozen=True)
class ManifestBus:
    """One bus on one day. ``seats_used`` is the riders' staff added up; ``seats`` the bus's
    seats when known (``None``: not given)."""

    day: date
    bus: int
    departs: datetime
    returns: datetime
    stops: tuple[ManifestStop, ...]
    riders: tuple[ManifestRider, ...]
    seats_used: int
    seats: int | None
    travel_seconds: int

    @property
    def over_capacity(self) -> bool:
        return self.seats is not None and self.seats_used > self.seats


@dataclass(frozen=True)
class ManifestDay:
    day: date
    buses: tuple[ManifestBus, ...]


def manifest_rows(plan: RoutePlan, crews: CrewAssignment | None, *, enterprise_names: Mapping[int, str],
                  village_names: Mapping[int, str], staff_of: Mapping[int, int],
                  seats: int | None = None) -> list[ManifestDay]:
    """The manifest of every bus-day of ``plan``: days ascending, buses ascending, stops in route
    order, riders by enterprise id. Riders come from ``crews`` (matched by day and bus; a bus
    without a crew has none); their staff from ``staff_of`` (enterprise id → people), so
    ``seats_used`` is the sum of the riders' staff. ``seats`` is the fleet's seats per bus
    (``campaign.fleet.seats``) when the caller wants it shown. Names missing from the mappings
    read ``#<id>``. Times are the plan's aware datetimes, untouched.

    Raises :class:`InvalidInput` (field ``staff_of``) for a rider whose staff is not given.
    """
    by_bus: dict[tuple[date, int], BusCrew] = {}
    if crews is not None:
        by_bus = {(crew.day, crew.bus): crew for crew in crews.crews}
    days: dict[date, list[ManifestBus]] = {}
    for route in sorted(plan.routes, key=lambda r: (r.day, r.bus)):
        stops = tuple(
            ManifestStop(order, s.village_id, village_names.get(s.village_id) or f"#{s.village_id}", s.stop_number,
                         s.arrives, s.starts, s.ends)
            for order, s in enumerate(route.stops, start=1)
        )
        crew = by_bus.get((route.day, route.bus))
        riders = []
        for enterprise_id in sorted(crew.enterprise_ids if crew else ()):
            if enterprise_id not in staff_of:
                raise InvalidInput(f"the staff of enterprise {enterprise_id} riding bus {route.bus} on {route.day}"
                                   " is not given", "staff_of")
            name = enterprise_names.get(enterprise_id) or f"#{enterprise_id}"
            riders.append(ManifestRider(enterprise_id, name, staff_of[enterprise_id]))
        days.setdefault(route.day, []).append(ManifestBus(
            route.day, route.bus, route.leaves_depot, route.returns, stops, tuple(riders),
            sum(r.staff for r in riders), seats, route.travel_seconds))
    return [ManifestDay(day, tuple(buses)) for day, buses in days.items()]
