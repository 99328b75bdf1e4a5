"""Staff register many people for one fair from a CSV file (a list made on paper or in Excel
at the service station).

**All or nothing.** Every row is checked first (the same rules as one registration:
``people.validate_attendee``, the area, the file's own duplicates, people already registered
for the fair); if any row is wrong, nothing is written and the refusal lists every problem
as ``rows[N].column`` (N: the line of the file, the header being line 1), so staff fix those
lines and upload the same file again — never half a list in the database and half on paper.
When every row is right, all are registered in one transaction (``register_on_behalf``: a
person already known by phone is kept as they are).

The file: UTF-8 (with or without BOM; Excel's GB18030 is read too), a header row, one person
a row. Columns (Chinese or English names): 姓名/name, 手机号/phone, 地区/area (the township's or
village's name or 12-digit code), 想做的工作/work, 重点群体/priority_groups (both: several
separated by ``;`` ``、`` or ``|``, as codes or as their Chinese names, which the caller's
``Vocabulary`` maps), 本人同意/consent (是/yes/1 when the person agreed).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fairs.core.contact import normalize_mobile
from fairs.core.errors import DomainError, FieldProblem, InvalidInput
from fairs.db.tables import Attendee, Event, Registration
from fairs.db.transactions import write_transaction
from fairs.services import webhooks
from fairs.services.areas import list_areas
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.people import AttendeeDetails, validate_attendee
from fairs.services.registrations import register_on_behalf

MAX_ROWS = 500
MAX_BYTES = 1_000_000
COLUMNS = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机", "phone"),
    "area": ("地区", "乡镇/村", "area"),
    "work": ("想做的工作", "work"),
    "priority_groups": ("重点群体", "priority_groups"),
    "consent": ("本人同意", "本人已同意", "consent"),
}
REQUIRED = ("name", "phone", "area", "consent")
YES = {"是", "同意", "yes", "y", "1", "true", "√", "✓"}
_SEPARATORS = re.compile(r"[;；、|,，]")


@dataclass(frozen=True)
class Vocabulary:
    """What the ``work`` and ``priority_groups`` cells may say: each accepted word (a code or
    its Chinese name) → (industries, skills), and → a priority group code."""

    work: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    groups: Mapping[str, str]


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else GB18030 (Excel's default in China)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // 1000} kB", "file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput("save the file as CSV UTF-8", "file") from None


def _header(names: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, name in enumerate(names):
        for column, aliases in COLUMNS.items():
            if name.strip().lower() in aliases:
                found[column] = i
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise InvalidInput("the header row must name the columns 姓名, 手机号, 地区 and 本人同意", "file")
    return found


def _words(cell: str) -> list[str]:
    return [w.strip() for w in _SEPARATORS.split(cell) if w.strip()]


def _details(cells: dict[str, str], areas: Mapping[str, int], vocabulary: Vocabulary,
             problems: list[tuple[str, str]]) -> AttendeeDetails:
    area_id = areas.get(cells.get("area", "").strip())
    if area_id is None:
        problems.append(("area", "no such township or village"))
    industries: list[str] = []
    skills: list[str] = []
    for word in _words(cells.get("work", "")):
        if word not in vocabulary.work:
            problems.append(("work", "unknown kind of work"))
            continue
        industries += [i for i in vocabulary.work[word][0] if i not in industries]
        skills += [s for s in vocabulary.work[word][1] if s not in skills]
    groups = []
    for word in _words(cells.get("priority_groups", "")):
        if word not in vocabulary.groups:
            problems.append(("priority_groups", "unknown group"))
        else:
            groups.append(vocabulary.groups[word])
    return AttendeeDetails(name=cells.get("name", "").strip(), phone=cells.get("phone", "").strip(),
                           consent=cells.get("consent", "").strip().lower() in YES, home_area_id=area_id or 0,
                           skills=tuple(skills), desired_industries=tuple(industries),
                           priority_groups=tuple(groups))


async def read_rows(actor: Actor, event_id: int, text: str, vocabulary: Vocabulary,
                    clock: Clock = SYSTEM_CLOCK) -> list[tuple[int, AttendeeDetails]]:
    """The file's rows as (line, details) after every check; raises InvalidInput listing all
    problems (``rows[line].column``) when any row is wrong."""
    event = await Event.select(Event.status).where(Event.id == event_id).first()
    if event is None or event["status"] != "published":
        raise InvalidInput("this event is not open for registration", "event_id")
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise InvalidInput("the file is empty", "file")
    header = _header(lines[0])
    body = [(n, row) for n, row in enumerate(lines[1:], start=2) if any(cell.strip() for cell in row)]
    if not body:
        raise InvalidInput("the file has a header but no people", "file")
    if len(body) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} people in one file", "file")
    places = [a for a in await list_areas() if a["level"] in ("township", "village")]
    areas = {a["code"]: a["id"] for a in places}
    names = [a["name"] for a in places]
    areas.update({a["name"]: a["id"] for a in places if names.count(a["name"]) == 1})
    problems: list[FieldProblem] = []
    rows: list[tuple[int, AttendeeDetails]] = []
    seen: dict[str, int] = {}
    for line, row in body:
        cells = {column: row[i] if i < len(row) else "" for column, i in header.items()}
        found: list[tuple[str, str]] = []
        details = _details(cells, areas, vocabulary, found)
        try:
            phone = validate_attendee(details, "", clock)
        except DomainError as error:
            found += [(p.field, p.message) for p in error.problems]
            phone = _phone_or_empty(details.phone)
        if phone and phone in seen:
            found.append(("phone", "the same phone number is on an earlier line"))
        elif phone:
            seen[phone] = line
        problems += [FieldProblem(f"rows[{line}].{field}", message) for field, message in found]
        rows.append((line, details))
    already = await _already_registered(event_id, list(seen))
    problems += [FieldProblem(f"rows[{seen[phone]}].phone", "already registered for this event") for phone in already]
    if problems:
        problems.sort(key=lambda p: int(p.field.split("[")[1].split("]")[0]))
        raise InvalidInput(f"{len({p.field.split('.')[0] for p in problems})} rows have problems; nothing was "
                           "registered", "file", problems=problems)
    return rows


def _phone_or_empty(raw: str) -> str:
    try:
        return normalize_mobile(raw)
    except InvalidInput:
        return ""


async def _already_registered(event_id: int, phones: list[str]) -> set[str]:
    if not phones:
        return set()
    rows = await Registration.select(Registration.attendee.phone.as_alias("phone")).where(
        Registration.event == event_id, Registration.status.not_in(["cancelled", "expired"]),
        Registration.attendee.is_in(Attendee.select(Attendee.id).where(Attendee.phone.is_in(phones))))
    return {r["phone"] for r in rows}


async def import_registrations(actor: Actor, event_id: int, data: bytes, vocabulary: Vocabulary,
                               clock: Clock = SYSTEM_CLOCK) -> list[dict[str, Any]]:
    """Register every person of the file for the event, all or nothing (see the module's
    docstring); returns the registrations in file order."""
    rows = await read_rows(actor, event_id, decode(data), vocabulary, clock)
    done = []
    async with write_transaction(), webhooks.collecting(clock):  # one webhook insert for the file
        for line, details in rows:
            try:
                done.append(await register_on_behalf(actor, event_id, details, clock))
            except DomainError as error:  # changed since the check (another desk): the whole file rolls back
                raise type(error)(error.detail, code=error.code, problems=[
                    FieldProblem(f"rows[{line}].{p.field.removeprefix('attendee.')}", p.message)
                    for p in error.problems] or [FieldProblem(f"rows[{line}].file", error.detail)]) from error
    return done
