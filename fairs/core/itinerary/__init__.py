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

Travel times come from a road-time matrix (:func:`read_travel_matrix`) when given, otherwise
great-circle distance × detour factor ÷ average speed (:func:`estimated_seconds`).
Bad input raises :class:`~fairs.core.errors.InvalidInput` naming the field.
"""

from fairs.core.itinerary.crew_problem import CrewProblem, crew_problem, fit_upper_bound
from fairs.core.itinerary.crews import assign_crews
from fairs.core.itinerary.fit import check_villages_fit, stop_fit
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
    "Fleet",
    "GeoPoint",
    "LabourPool",
    "Position",
    "RoutePlan",
    "RoutingProgress",
    "SearchOutcome",
    "SearchState",
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
    "plan_routes",
    "read_travel_matrix",
    "run_search",
    "stop_fit",
    "validate_campaign",
    "validate_enterprises",
]
