"""Village tour itineraries for "Hundred Enterprises Entering Hundred Villages" (百企进百村).

A pure function of plain data in two steps; the service loads, calls, and saves:

1. :func:`plan_routes` — which bus goes where on which day. Every village wants
   ``required_stops`` fairs on distinct allowed days (its weekdays, minus forbidden dates),
   each wholly inside its daily window; buses leave the depot and come back within working
   hours. A multi-day VRP with time windows solved by PyVRP under a time budget (see
   :mod:`fairs.core.itinerary.routing` for the model); stops that cannot be served are listed
   with their reason.
2. :func:`assign_crews` — which enterprises ride which bus-day, attending every stop of that
   route; exact for the given routes (see :mod:`fairs.core.itinerary.crews`).

After a change (a village rained out, a bus broken, an enterprise gone, the campaign edited),
:func:`replan_routes` re-plans with the least change — the past, confirmed stops and untouched
routes stay, only displaced stops are routed again (the contract is in
:mod:`fairs.core.itinerary.replan`) — and ``assign_crews(..., previous=, previous_plan=)``
keeps enterprises on the rides they had wherever the rules allow; :func:`plan_diff` says what
changed and whom it affects, to show before publishing and to notify only those.

Travel times come from a road-time matrix (:func:`read_travel_matrix`) when given, otherwise
great-circle distance × detour factor ÷ average speed (:func:`estimated_seconds`).
Bad input raises :class:`~fairs.core.errors.InvalidInput` naming the field.
"""

from fairs.core.itinerary.crew_problem import CrewProblem, crew_problem, fit_upper_bound
from fairs.core.itinerary.crews import assign_crews
from fairs.core.itinerary.diff import (
    EnterpriseDiff,
    PlanDiff,
    Ride,
    RideChange,
    RouteChange,
    StopChange,
    StopPlace,
    plan_diff,
)
from fairs.core.itinerary.drawing import bus_label, day_heading, route_map_svg, timeline_svg
from fairs.core.itinerary.fit import check_villages_fit, stop_fit
from fairs.core.itinerary.manifest import ManifestBus, ManifestDay, ManifestRider, ManifestStop, manifest_rows
from fairs.core.itinerary.model import (
    ALL_WEEKDAYS,
    DEPOT,
    AssignmentRules,
    BusCrew,
    BusRoute,
    Campaign,
    CrewAssignment,
    Enterprise,
    Fleet,
    GeoPoint,
    LabourPool,
    Position,
    RoutePlan,
    RoutingProgress,
    StopShortfall,
    UnservedStop,
    Village,
    VillageStop,
)
from fairs.core.itinerary.replan import PlanChange, replan_routes
from fairs.core.itinerary.routing import plan_routes
from fairs.core.itinerary.search import SearchOutcome, SearchState, run_search
from fairs.core.itinerary.travel import campaign_travel_seconds, estimated_seconds, great_circle_km, read_travel_matrix
from fairs.core.itinerary.validation import validate_campaign, validate_enterprises

__all__ = [
    "ALL_WEEKDAYS",
    "DEPOT",
    "AssignmentRules",
    "BusCrew",
    "BusRoute",
    "Campaign",
    "CrewAssignment",
    "CrewProblem",
    "Enterprise",
    "EnterpriseDiff",
    "Fleet",
    "GeoPoint",
    "LabourPool",
    "PlanChange",
    "PlanDiff",
    "Position",
    "Ride",
    "RideChange",
    "RouteChange",
    "RoutePlan",
    "RoutingProgress",
    "SearchOutcome",
    "SearchState",
    "StopChange",
    "StopPlace",
    "StopShortfall",
    "UnservedStop",
    "Village",
    "VillageStop",
    "assign_crews",
    "campaign_travel_seconds",
    "check_villages_fit",
    "crew_problem",
    "estimated_seconds",
    "fit_upper_bound",
    "great_circle_km",
    "plan_diff",
    "plan_routes",
    "read_travel_matrix",
    "replan_routes",
    "run_search",
    "stop_fit",
    "validate_campaign",
    "validate_enterprises",
    "ManifestBus",
    "ManifestDay",
    "ManifestRider",
    "ManifestStop",
    "bus_label",
    "day_heading",
    "manifest_rows",
    "route_map_svg",
    "timeline_svg",
]
