"""What an organizer or staff account may see and change, as query conditions.

Scope is part of the query, never a per-row check in Python: an area column must be one of
the areas whose path lies in a range, ``area IN (SELECT id FROM area WHERE path >= … AND
path < …)``, an index range scan on the paths and an index scan on the area column (see
fairs/core/areas.py). Registrations are scoped through their event and their person the same
way, so a small township's page is found through indexes, not by scanning the city's.

- Organizers and staff see and change everything in their area's subtree.
- Department tags on an organizer add *read* access, across the whole city above their area,
  to the people of the department's group (veterans' affairs → attendees tagged veteran) and
  to those people's registrations.
- An object outside scope does not exist for the caller (404); creating something in an
  area outside scope is refused with 403 naming the field.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import And, Or, Where

from fairs.core.areas import DEPARTMENT_GROUPS, city_of, in_subtree, next_path
from fairs.core.errors import Forbidden
from fairs.db.tables import Area, Attendee, Event
from fairs.services.context import Actor

SCOPED_ROLES = ("organizer", "staff")


def within(path_column: Column, path: str) -> And:
    """``path_column`` lies in the subtree of ``path`` (an index range)."""
    return And(path_column >= path, path_column < next_path(path))


def in_area(area_column: Column, path: str) -> Where:
    """``area_column`` (a foreign key to ``area``) names an area in the subtree of ``path``."""
    return area_column.is_in(Area.select(Area.id).where(within(Area.path, path)))  # type: ignore[arg-type]


def area_path(actor: Actor) -> str:
    """The scoped actor's area path. Organizers and staff always have one (a database check)."""
    assert actor.role in SCOPED_ROLES and actor.area_path, "only organizers and staff have an area"
    return actor.area_path


def writable(actor: Actor, area_column: Column) -> Where:
    """What the actor may change (and see): ``area_column`` in their subtree."""
    return in_area(area_column, area_path(actor))


def readable_people(actor: Actor) -> Where | Or:
    """Attendees the actor may read: those living in the subtree, plus, for organizers with
    department tags, the department's group across the city."""
    condition: Any = writable(actor, Attendee.home_area)
    groups = sorted({DEPARTMENT_GROUPS[d] for d in actor.departments if d in DEPARTMENT_GROUPS})
    if actor.role == "organizer" and groups:
        city = in_area(Attendee.home_area, city_of(area_path(actor)))
        for group in groups:
            condition = Or(condition, And(city, Attendee.priority_groups.any(group)))
    return condition  # type: ignore[no-any-return]


def events_of_area(actor: Actor) -> Any:
    """The ids of the events in the actor's subtree (a subquery)."""
    return Event.select(Event.id).where(writable(actor, Event.area))


def people_readable(actor: Actor, *, for_change: bool = False) -> Any:
    """The ids of the attendees the actor may read, or change (a subquery)."""
    condition = writable(actor, Attendee.home_area) if for_change else readable_people(actor)
    return Attendee.select(Attendee.id).where(condition)


def require_writable(actor: Actor, path: str, field: str) -> None:
    """Refuse (403) to create something in an area outside the actor's subtree."""
    if not in_subtree(path, area_path(actor)):
        raise Forbidden("outside your area", field=field, code="outside_area")
