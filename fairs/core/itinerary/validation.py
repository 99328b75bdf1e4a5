"""Checks of a campaign and its enterprises before anything is planned. Every broken rule is
collected; one :class:`InvalidInput` names the first field and lists them all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fairs.core.errors import FieldProblem, InvalidInput
from fairs.core.itinerary.model import ALL_WEEKDAYS, Campaign, Enterprise, GeoPoint


def seconds_of_day(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, first.field, code="invalid_itinerary_input", problems=problems)


def _point(point: GeoPoint, field: str, problems: list[FieldProblem]) -> None:
    lat, lon = point
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        problems.append(FieldProblem(field, f"({lat}, {lon}) is not a latitude/longitude"))


def validate_campaign(campaign: Campaign) -> None:
    """Raise :class:`InvalidInput` unless the campaign can be planned: dates given and distinct,
    a known time zone, a positive detour factor and speed; working hours that end after they
    start; for each village a distinct id, a window that ends after it starts and holds one
    stop, positive booth capacity and required stops, weekdays among 1–7. Fields are named
    like ``villages[3].closes`` (index in ``campaign.villages``)."""
    problems: list[FieldProblem] = []
    if not campaign.dates:
        problems.append(FieldProblem("dates", "the campaign has no days"))
    elif len(set(campaign.dates)) != len(campaign.dates):
        problems.append(FieldProblem("dates", "a day is listed twice"))
    try:
        ZoneInfo(campaign.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(FieldProblem("time_zone", f"unknown time zone {campaign.time_zone!r}"))
    if campaign.detour_factor <= 0:
        problems.append(FieldProblem("detour_factor", "must be positive"))
    if campaign.average_speed_kmh <= 0:
        problems.append(FieldProblem("average_speed_kmh", "must be positive"))
    fleet = campaign.fleet
    _point(fleet.depot, "fleet.depot", problems)
    if fleet.buses_per_day < 1:
        problems.append(FieldProblem("fleet.buses_per_day", "must be at least 1"))
    if fleet.seats < 1:
        problems.append(FieldProblem("fleet.seats", "must be at least 1"))
    if seconds_of_day(fleet.ends) <= seconds_of_day(fleet.starts):
        problems.append(FieldProblem("fleet.ends", f"working hours end ({fleet.ends:%H:%M}) before they start "
                                                   f"({fleet.starts:%H:%M})"))
    if fleet.max_shift is not None and fleet.max_shift <= timedelta(0):
        problems.append(FieldProblem("fleet.max_shift", "must be positive"))
    if fleet.max_stops_per_bus is not None and fleet.max_stops_per_bus < 1:
        problems.append(FieldProblem("fleet.max_stops_per_bus", "must be at least 1"))
    seen: set[int] = set()
    for i, village in enumerate(campaign.villages):
        at = f"villages[{i}]"
        if village.village_id in seen:
            problems.append(FieldProblem(f"{at}.village_id", f"village {village.village_id} is listed twice"))
        seen.add(village.village_id)
        _point(village.location, f"{at}.location", problems)
        opens, closes = seconds_of_day(village.opens), seconds_of_day(village.closes)
        stop = int(village.stop_duration.total_seconds())
        if closes <= opens:
            problems.append(FieldProblem(f"{at}.closes", f"the window ends ({_clock(closes)}) before it starts "
                                                         f"({_clock(opens)})"))
        elif stop <= 0:
            problems.append(FieldProblem(f"{at}.stop_duration", "must be positive"))
        elif stop > closes - opens:
            problems.append(FieldProblem(f"{at}.stop_duration", f"a {_clock(stop)} stop does not fit in the window "
                                                                f"{_clock(opens)}–{_clock(closes)}"))
        if village.booth_capacity < 1:
            problems.append(FieldProblem(f"{at}.booth_capacity", "must be at least 1"))
        if village.required_stops < 1:
            problems.append(FieldProblem(f"{at}.required_stops", "must be at least 1"))
        if not village.weekdays or not village.weekdays <= ALL_WEEKDAYS:
            problems.append(FieldProblem(f"{at}.weekdays", "must be ISO weekdays 1 (Monday) to 7 (Sunday)"))
        if any(count < 0 for pool in (village.labour_pool.industries, village.labour_pool.skills,
                                      village.labour_pool.priority_groups) for count in pool.values()):
            problems.append(FieldProblem(f"{at}.labour_pool", "counts must not be negative"))
    _raise(problems)


def validate_enterprises(enterprises: Sequence[Enterprise], seats: int) -> None:
    """Raise :class:`InvalidInput` unless every enterprise has a distinct id, at least one
    position, 1 ≤ staff ≤ the bus's seats, a positive stop cap and day limit. Fields are named
    like ``enterprises[2].staff``."""
    problems: list[FieldProblem] = []
    seen: set[int] = set()
    for i, enterprise in enumerate(enterprises):
        at = f"enterprises[{i}]"
        if enterprise.enterprise_id in seen:
            problems.append(FieldProblem(f"{at}.enterprise_id",
                                         f"enterprise {enterprise.enterprise_id} is listed twice"))
        seen.add(enterprise.enterprise_id)
        if not enterprise.positions:
            problems.append(FieldProblem(f"{at}.positions", "an enterprise brings at least one position"))
        if enterprise.staff < 1:
            problems.append(FieldProblem(f"{at}.staff", "must be at least 1"))
        elif enterprise.staff > seats:
            problems.append(FieldProblem(f"{at}.staff", f"{enterprise.staff} staff do not fit in a bus of "
                                                        f"{seats} seats"))
        if enterprise.max_stops_per_day < 1:
            problems.append(FieldProblem(f"{at}.max_stops_per_day", "must be at least 1"))
        if enterprise.max_days is not None and enterprise.max_days < 1:
            problems.append(FieldProblem(f"{at}.max_days", "must be at least 1"))
    _raise(problems)
