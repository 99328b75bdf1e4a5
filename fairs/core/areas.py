"""Administrative areas: city → county → township → village, and what a scope covers.

An area's *path* is the concatenation of the 12-digit division codes from the root down to
it (``430200000000`` for Zhuzhou, ``430200000000430211000000`` for 天元区 under it). The
subtree of an area is every path that starts with its path, which is the half-open range
``[path, next_path(path))`` of equal-length digit strings: one index range scan, no
recursion, the same on every database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fairs.core.errors import FieldProblem, InvalidInput

LEVELS = ("city", "county", "township", "village")
CODE_LENGTH = 12

# Departments that follow a group of people across the whole city (read only).
DEPARTMENT_GROUPS: Mapping[str, str] = {
    "veterans_affairs": "veteran",
    "disabled_persons_federation": "disabled",
    "education": "new_graduate",
    "agriculture_rural_affairs": "rural_labour",
    "civil_affairs": "older_worker",
}
DEPARTMENTS = frozenset(DEPARTMENT_GROUPS) | {"human_resources", "finance"}


def valid_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isdigit()


def child_path(parent_path: str, code: str) -> str:
    """The path of an area with ``code`` under a parent with ``parent_path`` ('' for a root)."""
    return parent_path + code


def next_path(path: str) -> str:
    """The smallest digit string of the same length after every path that starts with ``path``.

    ``path`` is a non-empty string of digits, not all nines (division codes never are).
    """
    if not path.isdigit() or set(path) == {"9"}:
        raise ValueError(f"not a subtree path: {path!r}")
    return str(int(path) + 1).zfill(len(path))


def in_subtree(path: str, root: str) -> bool:
    """Whether ``path`` lies in the subtree of ``root`` (``root`` itself included)."""
    return path.startswith(root)


def city_of(path: str) -> str:
    """The path of the root (city) above ``path``."""
    return path[:CODE_LENGTH]


def level_may_contain(parent_level: str, child_level: str) -> bool:
    """A child is exactly one level below its parent (village under township, …)."""
    return LEVELS.index(child_level) == LEVELS.index(parent_level) + 1


@dataclass(frozen=True)
class AreaRow:
    """One row of an area import: ``code,name,level,parent_code[,latitude,longitude]``."""

    code: str
    name: str
    level: str
    parent_code: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class KnownArea:
    code: str
    level: str
    path: str


def read_area_csv(text: str) -> list[AreaRow]:
    """Parse an area CSV (UTF-8, header ``code,name,level,parent_code,latitude,longitude``;
    the coordinates may be left out). Raises InvalidInput naming ``rows[i].field`` for every
    malformed row at once."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    needed = {"code", "name", "level", "parent_code"}
    if reader.fieldnames is None or not needed <= {f.strip() for f in reader.fieldnames}:
        raise InvalidInput("the header must name code, name, level and parent_code", "file")
    rows: list[AreaRow] = []
    problems: list[FieldProblem] = []
    for i, raw in enumerate(reader):
        record = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        coordinates: dict[str, float | None] = {}
        for name in ("latitude", "longitude"):
            value = record.get(name, "")
            try:
                coordinates[name] = float(value) if value else None
            except ValueError:
                problems.append(FieldProblem(f"rows[{i}].{name}", "must be a number"))
                coordinates[name] = None
        rows.append(AreaRow(record["code"], record["name"], record["level"], record["parent_code"],
                            coordinates["latitude"], coordinates["longitude"]))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the file", problems=problems)
    return rows


def plan_import(rows: Iterable[AreaRow], known: Mapping[str, KnownArea], root_path: str) -> list[tuple[AreaRow, str]]:
    """Check an import against the areas already known and the importer's own subtree; return
    each row with its path, parents before children.

    Every problem is reported at once, naming ``rows[i].<field>``; nothing is to be written
    when any row is wrong. A row whose code is known updates that area (its name and
    coordinates); its level and parent must not change (a moved area gets a new code).
    """
    rows = list(rows)
    problems: list[FieldProblem] = []
    by_code: dict[str, int] = {}
    for i, row in enumerate(rows):
        if not valid_code(row.code):
            problems.append(FieldProblem(f"rows[{i}].code", "must be 12 digits"))
        elif row.code in by_code:
            problems.append(FieldProblem(f"rows[{i}].code", f"appears again (first in rows[{by_code[row.code]}])"))
        else:
            by_code[row.code] = i
        if not row.name:
            problems.append(FieldProblem(f"rows[{i}].name", "must not be empty"))
        if row.level not in LEVELS:
            problems.append(FieldProblem(f"rows[{i}].level", f"must be one of {', '.join(LEVELS)}"))
        if row.latitude is not None and not -90 <= row.latitude <= 90:
            problems.append(FieldProblem(f"rows[{i}].latitude", "must be between -90 and 90"))
        if row.longitude is not None and not -180 <= row.longitude <= 180:
            problems.append(FieldProblem(f"rows[{i}].longitude", "must be between -180 and 180"))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the areas", problems=problems)

    paths: dict[str, str] = {code: area.path for code, area in known.items()}
    levels: dict[str, str] = {code: area.level for code, area in known.items()}
    ordered: list[tuple[AreaRow, str]] = []
    pending = list(enumerate(rows))
    while pending:
        waiting = []
        for i, row in pending:
            if row.parent_code and row.parent_code not in paths:
                waiting.append((i, row))
                continue
            parent_path = paths.get(row.parent_code, "") if row.parent_code else ""
            problem = _row_problem(row, known.get(row.code), parent_path, levels.get(row.parent_code), root_path)
            if problem:
                problems.append(FieldProblem(f"rows[{i}].{problem[0]}", problem[1]))
                continue
            path = child_path(parent_path, row.code)
            paths[row.code], levels[row.code] = path, row.level
            ordered.append((row, path))
        if len(waiting) == len(pending):
            problems += [FieldProblem(f"rows[{i}].parent_code", "no such area in the file or the database")
                         for i, _ in waiting]
            break
        pending = waiting
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the areas", problems=problems)
    return ordered


def _row_problem(row: AreaRow, existing: KnownArea | None, parent_path: str, parent_level: str | None,
                 root_path: str) -> tuple[str, str] | None:
    if existing is not None and (existing.level != row.level or existing.path != child_path(parent_path, row.code)):
        return "parent_code", "an existing area keeps its level and parent; a moved area gets a new code"
    if not row.parent_code:
        if row.level != "city":
            return "parent_code", "only a city has no parent"
        if root_path:
            return "parent_code", "only a national administrator may add a city"
        return None
    assert parent_level is not None
    if not level_may_contain(parent_level, row.level):
        return "level", f"a {row.level} cannot sit directly under a {parent_level}"
    if not in_subtree(parent_path, root_path):
        return "parent_code", "outside your area"
    return None
