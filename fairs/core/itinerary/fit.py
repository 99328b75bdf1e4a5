"""How well an enterprise fits a village's labour pool, and the checks that rest on it."""

from __future__ import annotations

from collections.abc import Sequence

from fairs.core.errors import FieldProblem, InvalidInput
from fairs.core.itinerary.model import Campaign, Enterprise, LabourPool


def stop_fit(enterprise: Enterprise, pool: LabourPool, priority_weight: int = 1) -> int:
    """The fit of an enterprise at a fair in a village with this labour pool.

    ``interested + skilled + priority_weight · welcomed`` where ``interested`` counts the
    village's people interested in the industries of the enterprise's positions, ``skilled``
    the people with a skill those positions ask for (each industry and skill counted once per
    enterprise), and ``welcomed`` the people in a priority group one of its positions
    welcomes. It is 0 — the enterprise does not fit — when ``interested + skilled`` is 0:
    welcoming a group is no fit by itself. A score, not a head count (one person may be
    counted in several terms).
    """
    industries = {p.industry for p in enterprise.positions}
    skills = {s for p in enterprise.positions for s in p.skills}
    matched = sum(pool.industries.get(i, 0) for i in industries) + sum(pool.skills.get(s, 0) for s in skills)
    if matched <= 0:
        return 0
    welcomes = {g for p in enterprise.positions for g in p.welcomes}
    return matched + priority_weight * sum(pool.priority_groups.get(g, 0) for g in welcomes)


def check_villages_fit(campaign: Campaign, enterprises: Sequence[Enterprise]) -> None:
    """Raise :class:`InvalidInput` (field ``villages[i].labour_pool``) for every village that
    no enterprise fits at all: no stop there could host anyone. Cheap; call it before routing."""
    problems = []
    for i, village in enumerate(campaign.villages):
        if not any(stop_fit(e, village.labour_pool) > 0 for e in enterprises):
            problems.append(FieldProblem(f"villages[{i}].labour_pool",
                                         f"no enterprise's positions fit the labour pool of village "
                                         f"{village.village_id}"))
    if problems:
        raise InvalidInput(problems[0].message, problems[0].field, code="no_fitting_enterprise", problems=problems)
