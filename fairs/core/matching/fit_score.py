"""Whether one attendee fits one position, and by how much; the distance they share with the
vectorised scoring."""

from __future__ import annotations

import numpy as np

from fairs.core.matching.model import (
    COMMUTE_BANDS_KM,
    EARTH_RADIUS_KM,
    FOOD_AND_LODGING_POINTS,
    INDUSTRY_POINTS,
    PART_TIME_POINTS,
    RANK_POINTS,
    SKILL_POINTS,
    SKILLS_COUNTED,
    Candidate,
    FitScore,
    Floats,
    GeoPoint,
    Opening,
)


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in km, rounded to the metre (the vectorised scoring uses the same
    formula, so both agree)."""
    return float(_haversine(np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]))[0])


def _haversine(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    km: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return np.floor(km * 1000.0 + 0.5) / 1000.0


def _commute_points(km: float | None) -> int:
    if km is None:
        return 0
    for limit, points in COMMUTE_BANDS_KM:
        if km <= limit:
            return points
    return 0


def _rank_points(rank: int) -> int:
    """``rank`` is 1-based; 0 means not ranked."""
    return 0 if rank <= 0 else RANK_POINTS[min(rank, len(RANK_POINTS)) - 1]


def fit(candidate: Candidate, opening: Opening) -> FitScore | None:
    """The fit of one attendee for one position, or ``None`` when a hard rule excludes it.

    Hard rules: an older worker never meets a position that does not accept older workers; a
    known age must lie within the position's ``min_age``/``max_age``; the attendee must hold
    every required certificate; with both places known and a commute limit, the workplace must
    be within it (haversine, km rounded to the metre); a position asking for skills needs at
    least one of them, unless its industry is one the attendee wishes for. Unknown data never
    excludes. The score's scale is documented on :class:`FitScore`.
    """
    if "older_worker" in candidate.priority_groups and not opening.accepts_older_workers:
        return None
    if candidate.age is not None and (
            (opening.min_age is not None and candidate.age < opening.min_age)
            or (opening.max_age is not None and candidate.age > opening.max_age)):
        return None
    if not opening.required_certificates <= candidate.certificates:
        return None
    km = None
    if candidate.home is not None and opening.work_location is not None:
        km = haversine_km(candidate.home, opening.work_location)
        if candidate.max_commute_km is not None and km > candidate.max_commute_km:
            return None
    shared = len(candidate.skills & opening.skills)
    wished = opening.industry in candidate.desired_industries
    if opening.skills and not shared and not wished:
        return None
    ranked = candidate.ranked_organizations
    rank = ranked.index(opening.organization_id) + 1 if opening.organization_id in ranked else 0
    return FitScore(
        skills=SKILL_POINTS * min(shared, SKILLS_COUNTED),
        industry_wish=INDUSTRY_POINTS if wished else 0,
        commute=_commute_points(km),
        conditions=(FOOD_AND_LODGING_POINTS if candidate.needs_food_and_lodging and opening.provides_food_and_lodging
                    else 0) + (PART_TIME_POINTS if candidate.wants_part_time and opening.part_time else 0),
        own_ranking=_rank_points(rank),
    )
