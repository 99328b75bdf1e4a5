"""Figures rolled up by area: how many people, registrations and events each area of one
level holds (its whole subtree), within the caller's own area. The outcomes reports build on
this.

An area's ancestor at a level is a prefix of its path (12 digits per level), so a roll-up is
one GROUP BY over a substring of the path: three queries whatever the size of the tree.
"""

from __future__ import annotations

from typing import Any

from fairs.core.areas import CODE_LENGTH, LEVELS, next_path
from fairs.core.errors import InvalidInput
from fairs.db.tables import Area
from fairs.services import scope
from fairs.services.context import Actor

_MEASURES = {
    "attendees": "SELECT substr(a.path, 1, {width}) AS prefix, count(*) AS n FROM attendee p "
                 "JOIN area a ON a.id = p.home_area WHERE a.path >= {{}} AND a.path < {{}} GROUP BY 1",
    "registrations": "SELECT substr(a.path, 1, {width}) AS prefix, count(*) AS n FROM registration r "
                     "JOIN attendee p ON p.id = r.attendee JOIN area a ON a.id = p.home_area "
                     "WHERE r.status <> 'cancelled' AND a.path >= {{}} AND a.path < {{}} GROUP BY 1",
    "events": "SELECT substr(a.path, 1, {width}) AS prefix, count(*) AS n FROM event e "
              "JOIN area a ON a.id = e.area WHERE a.path >= {{}} AND a.path < {{}} GROUP BY 1",
}


async def by_area(actor: Actor, level: str) -> list[dict[str, Any]]:
    """One row per area of ``level`` inside the actor's area (people and registrations by the
    person's home area, events by the event's area). Areas above the actor's own level
    cannot be asked for."""
    if level not in LEVELS:
        raise InvalidInput(f"must be one of {', '.join(LEVELS)}", "level")
    root = scope.area_path(actor)
    width = (LEVELS.index(level) + 1) * CODE_LENGTH
    if width < len(root):
        raise InvalidInput("must be your own area's level or below it", "level")
    areas = await Area.select(Area.id, Area.code, Area.name, Area.path).where(
        scope.within(Area.path, root), Area.level == level).order_by(Area.path)
    rows = {a["path"]: {"area_id": a["id"], "code": a["code"], "name": a["name"],
                        **{m: 0 for m in _MEASURES}} for a in areas}
    upper = next_path(root)
    for measure, sql in _MEASURES.items():
        for found in await Area.raw(sql.format(width=width), root, upper):
            if found["prefix"] in rows:
                rows[found["prefix"]][measure] = found["n"]
    return list(rows.values())
