"""Figures rolled up by area: how many people, registrations and events each area of one
level holds (its whole subtree), within the caller's own area. The outcomes reports build on
this.

An area's ancestor at a level is a prefix of its path (12 digits per level), so a roll-up is
one GROUP BY over a substring of the path: three queries whatever the size of the tree.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import Or

from fairs.core.areas import CODE_LENGTH, LEVELS, next_path
from fairs.core.errors import InvalidInput
from fairs.db.tables import Area, Campaign, Event
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


async def area_campaigns(actor: Actor) -> list[dict[str, Any]]:
    """The organizer's dashboard: campaigns of their area, and campaigns with events in it,
    each with those events (every status, soonest first) and per event how many people are
    registered (or checked in), how many employers are approved and how many booths are
    taken (held or reserved). Five queries whatever the number of events."""
    events = await Event.select(Event.id, Event.campaign, Event.title, Event.kind, Event.status, Event.starts_at,
                                Event.timezone, Event.booth_mode).where(scope.writable(actor, Event.area)).order_by(
        Event.starts_at).order_by(Event.id)
    ids = [e["id"] for e in events] or [-1]
    campaigns = await Campaign.select(Campaign.id, Campaign.name, Campaign.kind, Campaign.area.name.as_alias(
        "area_name")).where(Or(scope.writable(actor, Campaign.area), Campaign.id.is_in(
            list({e["campaign"] for e in events}) or [-1]))).order_by(Campaign.id, ascending=False)
    marks = ", ".join("{}" for _ in ids)
    figures: dict[str, dict[int, int]] = {}
    for name, sql in (
        ("registrations", "SELECT event, count(*) AS n FROM registration WHERE status IN ('registered', "
                          f"'checked_in') AND event IN ({marks}) GROUP BY event"),
        ("employers", f"SELECT event, count(*) AS n FROM participation WHERE status = 'approved' AND event IN "
                      f"({marks}) GROUP BY event"),
        ("booths", f"SELECT event, count(*) AS n FROM booth_reservation WHERE status IN ('held', 'confirmed') AND "
                   f"event IN ({marks}) GROUP BY event"),
    ):
        figures[name] = {r["event"]: r["n"] for r in await Event.raw(sql, *ids)}
    by_campaign: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        event.update({name: found.get(event["id"], 0) for name, found in figures.items()})
        by_campaign.setdefault(event["campaign"], []).append(event)
    return [{**c, "events": by_campaign.get(c["id"], [])} for c in campaigns]
