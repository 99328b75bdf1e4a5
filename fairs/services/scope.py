"""What an organizer or staff account may see and change, as query conditions.

Scope is part of the query, never a per-row check in Python: a condition on an area path
column (``…area.path`` reached through joins) is an index range scan (fairs/core/areas.py).

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
from fairs.services.context import Actor

SCOPED_ROLES = ("organizer", "staff")


def within(path_column: Column, path: str) -> And:
    """``path_column`` lies in the subtree of ``path`` (an index range)."""
    return And(path_column >= path, path_column < next_path(path))


def area_path(actor: Actor) -> str:
    """The scoped actor's area path. Organizers and staff always have one (a database check)."""
    assert actor.role in SCOPED_ROLES and actor.area_path, "only organizers and staff have an area"
    return actor.area_path


def writable(actor: Actor, path_column: Column) -> And:
    return within(path_column, area_path(actor))


def readable_people(actor: Actor, home_path_column: Column, groups_column: Column) -> Where | And | Or:
    """People (by their home area) the actor may read: the subtree, plus the department
    groups across the city."""
    condition: Any = writable(actor, home_path_column)
    groups = sorted({DEPARTMENT_GROUPS[d] for d in actor.departments if d in DEPARTMENT_GROUPS})
    if actor.role == "organizer" and groups:
        city = within(home_path_column, city_of(area_path(actor)))
        for group in groups:
            condition = Or(condition, And(city, groups_column.any(group)))
    return condition  # type: ignore[no-any-return]


def require_writable(actor: Actor, path: str, field: str) -> None:
    """Refuse (403) to create something in an area outside the actor's subtree."""
    if not in_subtree(path, area_path(actor)):
        raise Forbidden("outside your area", field=field, code="outside_area")
