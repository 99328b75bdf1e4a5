"""The itinerary model: villages, enterprises, the bus fleet and the campaign (input), and the
routes, stops and crews the planner returns (output). Plain frozen dataclasses; times of day
are local wall-clock times in the campaign's time zone, results carry aware datetimes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

GeoPoint = tuple[float, float]
"""(latitude, longitude) in degrees."""

DEPOT = "depot"
"""The depot's label in a travel-time matrix; villages are labelled ``str(village_id)``."""

ALL_WEEKDAYS = frozenset(range(1, 8))
"""ISO weekdays, 1 = Monday … 7 = Sunday."""


@dataclass(frozen=True)
class LabourPool:
    """Who lives in a village and might come to a fair, as counts of people.

    ``industries``: people interested in work in that industry; ``skills``: people with that
    skill; ``priority_groups``: people in a priority group (older workers, rural labour, …).
    The three views count the same people in different ways; they are not added up as heads.
    """

    industries: Mapping[str, int] = field(default_factory=dict)
    skills: Mapping[str, int] = field(default_factory=dict)
    priority_groups: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Village:
    """A village that wants ``required_stops`` fairs, each on a different day.

    A fair runs for ``stop_duration`` wholly inside ``opens``–``closes`` (e.g. the market-day
    morning 08:00–12:00), only on ``weekdays`` (ISO, 1 = Monday) and never on
    ``forbidden_dates``. At most ``booth_capacity`` enterprises set up at once.
    """

    village_id: int
    location: GeoPoint
    labour_pool: LabourPool
    opens: time = time(8)
    closes: time = time(12)
    stop_duration: timedelta = timedelta(hours=2)
    booth_capacity: int = 8
    required_stops: int = 1
    weekdays: frozenset[int] = ALL_WEEKDAYS
    forbidden_dates: frozenset[date] = frozenset()
    name: str = ""


@dataclass(frozen=True)
class Position:
    """An opening an enterprise brings; ``welcomes`` names the priority groups it welcomes."""

    industry: str
    skills: frozenset[str] = frozenset()
    welcomes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Enterprise:
    """An enterprise that may ride along: ``staff`` people take seats on the bus, only on
    ``travel_dates``, on a bus whose day has at most ``max_stops_per_day`` stops, on at most
    ``max_days`` days in all (``None``: no limit). ``industry`` is its sector, used for the
    mix rule at each stop."""

    enterprise_id: int
    industry: str
    positions: tuple[Position, ...]
    travel_dates: frozenset[date]
    staff: int = 2
    max_stops_per_day: int = 3
    max_days: int | None = None
    name: str = ""


@dataclass(frozen=True)
class Fleet:
    """The buses: ``buses_per_day`` identical buses of ``seats`` seats (enterprise staff) leave
    the depot no earlier than ``starts`` and are back by ``ends`` (working hours including
    travel), at most ``max_shift`` on the road and at villages (``None``: the whole window),
    at most ``max_stops_per_bus`` stops a day (``None``: no limit). ``buses_by_date`` overrides
    ``buses_per_day`` on the dates it names (a bus in the garage: fewer; 0: no bus that day);
    its dates must be campaign days and its counts not negative."""

    depot: GeoPoint
    buses_per_day: int
    seats: int
    starts: time = time(7)
    ends: time = time(19)
    max_shift: timedelta | None = None
    max_stops_per_bus: int | None = None
    buses_by_date: Mapping[date, int] = field(default_factory=dict)

    def buses_on(self, day: date) -> int:
        """How many buses run on ``day``."""
        return self.buses_by_date.get(day, self.buses_per_day)


@dataclass(frozen=True)
class Campaign:
    """One "Hundred Enterprises Entering Hundred Villages" campaign: the days it runs, the
    villages, the fleet, and how travel times are known.

    ``travel_seconds`` (label pairs → seconds, labels :data:`DEPOT` and ``str(village_id)``,
    see :func:`~fairs.core.itinerary.read_travel_matrix`) is used when given and must then hold
    every ordered pair; otherwise travel takes great-circle distance × ``detour_factor`` ÷
    ``average_speed_kmh``, rounded up to the second.
    """

    dates: tuple[date, ...]
    villages: tuple[Village, ...]
    fleet: Fleet
    time_zone: str = "Asia/Shanghai"
    travel_seconds: Mapping[tuple[str, str], int] | None = None
    detour_factor: float = 1.3
    average_speed_kmh: float = 40.0


@dataclass(frozen=True)
class VillageStop:
    """One fair: the bus arrives (it may wait), the fair runs ``starts``–``ends``, then the bus
    leaves. ``stop_number`` counts the village's stops in date order (1-based)."""

    village_id: int
    stop_number: int
    arrives: datetime
    starts: datetime
    ends: datetime


@dataclass(frozen=True)
class BusRoute:
    """What one bus does on one day: leave the depot, its stops in order, come back.
    ``bus`` numbers the day's buses 1…n (routes of a day in a stable order); after a re-plan
    (:func:`~fairs.core.itinerary.replan_routes`) kept routes keep their numbers, so a day's
    numbers may have gaps (a broken bus's number is never reused that day)."""

    day: date
    bus: int
    leaves_depot: datetime
    returns: datetime
    stops: tuple[VillageStop, ...]
    travel_seconds: int


UnservedReason = Literal["no_allowed_day", "unreachable_in_window", "too_few_allowed_days", "allowed_days_full"]


@dataclass(frozen=True)
class UnservedStop:
    """A stop a village wanted and does not get, and why.

    - ``no_allowed_day``: its weekdays and forbidden dates leave no campaign day;
    - ``unreachable_in_window``: no bus can leave the depot, hold the fair inside the village's
      window and be back within working hours;
    - ``too_few_allowed_days``: it wants more stops than it has allowed days;
    - ``allowed_days_full``: the buses of its allowed days were all needed elsewhere (the
      search found no plan serving it as well).
    """

    village_id: int
    stop_number: int
    reason: UnservedReason
    detail: str


@dataclass(frozen=True)
class RoutePlan:
    """The routes (sorted by day, then bus), the stops that cannot be served (by village, then
    stop number), and what the search did."""

    routes: tuple[BusRoute, ...]
    unserved: tuple[UnservedStop, ...]
    travel_seconds: int
    stops_wanted: int
    stops_served: int
    iterations: int
    runtime_s: float
    first_plan_s: float | None
    """Seconds from the call to the first complete plan the search held (``None``: none)."""


RoutingPhase = Literal["model", "search", "done"]


@dataclass(frozen=True)
class RoutingProgress:
    """Reported while routing: ``objective`` is the search's best cost so far (travel seconds
    plus a large penalty per stop it left out), ``None`` before the first plan. Phases:
    ``model`` (once, input checked and translated), ``search`` (on each improvement and about
    once a second), ``done`` (once, with the returned plan's figures)."""

    phase: RoutingPhase
    elapsed_s: float
    iterations: int
    objective: int | None
    stops_served: int
    stops_wanted: int


@dataclass(frozen=True)
class AssignmentRules:
    """Rules for who rides along: every stop should host at least ``min_enterprises_per_stop``
    enterprises, and at most ``max_same_industry`` of one industry (the mix rule; ``None``: no
    limit). ``priority_weight`` weighs welcomed priority-group people in the fit."""

    min_enterprises_per_stop: int = 3
    max_same_industry: int | None = 2
    priority_weight: int = 1


@dataclass(frozen=True)
class BusCrew:
    """The enterprises riding one bus on one day; they attend every stop of that route."""

    day: date
    bus: int
    enterprise_ids: tuple[int, ...]
    seats_used: int
    fit: int


@dataclass(frozen=True)
class StopShortfall:
    """A stop hosting fewer enterprises than the minimum."""

    village_id: int
    day: date
    bus: int
    hosted: int
    minimum: int


@dataclass(frozen=True)
class CrewAssignment:
    """Who rides which bus-day. ``method``: ``"flow"`` (the min-cost flow's crews fitted in the
    seats, so they are optimal) or ``"ilp"`` (they did not: integer program, SCIP);
    ``optimal`` is False only when the integer program hit its time limit.
    ``fit_upper_bound`` (:func:`~fairs.core.itinerary.fit_upper_bound`) bounds ``total_fit``
    for these routes."""

    crews: tuple[BusCrew, ...]
    shortfalls: tuple[StopShortfall, ...]
    total_fit: int
    fit_upper_bound: int
    method: Literal["flow", "ilp"]
    optimal: bool
    kept_rides: int = 0
    """Rides kept from a previous assignment (``assign_crews(..., previous=...)``; 0 without)."""

    @property
    def fit_ratio(self) -> float:
        return self.total_fit / self.fit_upper_bound if self.fit_upper_bound else 1.0
