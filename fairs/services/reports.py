"""What a campaign achieved: the funnel from registration to a job kept six months, by event,
home village, employer, industry or priority group, computed by the database.

The stages of a person at a fair (a registration that was not cancelled):

1. ``registrations``;
2. ``attended`` — checked in at the desk;
3. ``interviewed`` — at least one interview there that the employer marked attended, offer or hired;
4. ``offers`` — at least one offer (or hire);
5. ``hires`` — hired;
6. ``retained_1m`` / ``_3m`` / ``_6m`` — the follow-up call found them still employed.

By employer or industry the unit is a kept interview (a person has at most one per employer
and fair): ``registrations`` is then "interviews held", ``attended`` whether that person
checked in, and the later stages follow that interview's own outcome and calls. ``priority``
columns count the people in any priority group at each stage (the priority-group share). The
tour's village coverage is the share of its villages with at least one stop that was not
cancelled.

Every figure is one aggregate query (no per-row work in Python). By person the query reads one
row per registration: how far each person got is kept on the registration
(:mod:`fairs.services.stages`), so 300,000 interviews need not be grouped at every report
(``fairs bench reports``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fairs.core.errors import InvalidInput, NotFound
from fairs.db.engine import is_sqlite
from fairs.db.tables import Campaign, Organization
from fairs.services import scope
from fairs.services.context import Actor

DIMENSIONS = ("campaign", "event", "village", "employer", "industry", "priority_group")
STAGES = ("registrations", "attended", "interviewed", "offers", "hires", "retained_1m", "retained_3m", "retained_6m")
KEPT = "('proposed', 'accepted')"
MARKED = "('attended', 'offer', 'hired')"


def _priority(sqlite: bool) -> str:
    return "(a.priority_groups NOT IN ('[]', ''))" if sqlite else "(cardinality(a.priority_groups) > 0)"


def _bit(column: str, bit: int) -> str:
    return f"CASE WHEN ({column} & {bit}) <> 0 THEN 1 ELSE 0 END"


def _units(campaign_id: int, per_interview: bool) -> str:
    """One row per counted unit with its stage flags as 0/1: a registration (its
    ``outcome_rank`` and ``retained``, kept by fairs.services.stages); with ``per_interview``,
    a kept interview (its own outcome and ``retained``) and whether its person checked in."""
    if not per_interview:
        return ("SELECT r.event, r.attendee, CASE WHEN r.status = 'checked_in' THEN 1 ELSE 0 END AS attended, "
                "CASE WHEN r.outcome_rank >= 1 THEN 1 ELSE 0 END AS interviewed, "
                "CASE WHEN r.outcome_rank >= 2 THEN 1 ELSE 0 END AS offered, "
                "CASE WHEN r.outcome_rank = 3 THEN 1 ELSE 0 END AS hired, "
                f"{_bit('r.retained', 1)} AS r1m, {_bit('r.retained', 2)} AS r3m, {_bit('r.retained', 4)} AS r6m "
                "FROM registration r JOIN event e ON e.id = r.event "
                f"WHERE e.campaign = {int(campaign_id)} AND r.status IN ('registered', 'checked_in')")
    return ("SELECT i.event, i.attendee, i.organization, p.industry, "
            "CASE WHEN r.status = 'checked_in' THEN 1 ELSE 0 END AS attended, "
            f"CASE WHEN i.outcome IN {MARKED} THEN 1 ELSE 0 END AS interviewed, "
            "CASE WHEN i.outcome IN ('offer', 'hired') THEN 1 ELSE 0 END AS offered, "
            "CASE WHEN i.outcome = 'hired' THEN 1 ELSE 0 END AS hired, "
            f"{_bit('i.retained', 1)} AS r1m, {_bit('i.retained', 2)} AS r3m, {_bit('i.retained', 4)} AS r6m "
            "FROM interview_slot i JOIN event e ON e.id = i.event JOIN position p ON p.id = i.position "
            "JOIN registration r ON r.event = i.event AND r.attendee = i.attendee "
            "AND r.status IN ('registered', 'checked_in') "
            f"WHERE e.campaign = {int(campaign_id)} AND i.status IN {KEPT}")


def _sums(priority: str) -> str:
    flags = (("registrations", "1"), ("attended", "u.attended"), ("interviewed", "u.interviewed"),
             ("offers", "u.offered"), ("hires", "u.hired"), ("retained_1m", "u.r1m"), ("retained_3m", "u.r3m"),
             ("retained_6m", "u.r6m"))
    return ", ".join([f"sum({flag}) AS {name}" for name, flag in flags]
                     + [f"sum(CASE WHEN {priority} THEN {flag} ELSE 0 END) AS priority_{name}"
                        for name, flag in flags])


def _query(campaign_id: int, by: str, sqlite: bool, with_total: bool = False) -> str:
    priority = _priority(sqlite)
    units = _units(campaign_id, by in ("employer", "industry"))
    base = f"FROM ({units}) u JOIN attendee a ON a.id = u.attendee "
    if by == "campaign":
        key, label, joins = "0", "''", ""
    elif by == "event":
        key, label, joins = "u.event", "ev.title", "JOIN event ev ON ev.id = u.event "
    elif by == "village":
        key, label, joins = "a.home_area", "ar.name", "JOIN area ar ON ar.id = a.home_area "
    elif by == "employer":
        key, label, joins = "u.organization", "o.name", "JOIN organization o ON o.id = u.organization "
    elif by == "industry":
        key, label, joins = "u.industry", "u.industry", ""
    else:  # priority_group
        if sqlite:
            key, label, joins = "g.value", "g.value", "JOIN json_each(a.priority_groups) g "
        else:
            key, label, joins = "g.name", "g.name", "CROSS JOIN LATERAL unnest(a.priority_groups) AS g(name) "
    select = f"SELECT {key} AS key, {label} AS label, {_sums(priority)} {base}{joins}"
    if by == "campaign":  # one row, whatever the data (PostgreSQL and SQLite differ on GROUP BY a constant)
        return select
    if with_total:  # PostgreSQL: the rows and, as the row whose key is NULL, the campaign's total
        return (f"SELECT GROUPING({key}) = 1 AS total, {select[len('SELECT '):]}"
                f"GROUP BY GROUPING SETS (({key}, {label}), ()) ORDER BY total DESC, registrations DESC, label")
    return f"{select}GROUP BY {key}, {label} ORDER BY registrations DESC, label"


async def campaign_report(actor: Actor, campaign_id: int, by: str = "event") -> dict[str, Any]:
    """The funnel of the campaign by ``by``, its totals, and — for a village tour — the share
    of its villages that got a stop. Organizers of the campaign's area only."""
    if by not in DIMENSIONS:
        raise InvalidInput(f"must be one of {', '.join(DIMENSIONS)}", "by")
    if not actor.is_organizer:
        raise NotFound("no such campaign", field="campaign_id")
    campaign = await Campaign.select(Campaign.id, Campaign.name, Campaign.kind).where(
        Campaign.id == campaign_id, scope.writable(actor, Campaign.area)).first()
    if campaign is None:
        raise NotFound("no such campaign", field="campaign_id")
    engine = Organization._meta.db
    if is_sqlite(engine):
        rows = [_row(r) for r in await Organization.raw(_query(campaign_id, by, True))]
        overall = rows if by == "campaign" else await Organization.raw(_query(campaign_id, "campaign", True))
        totals = _row(overall[0] if overall else {})
    else:
        # Each person is in exactly one event and one home village, so there the total is the
        # rows' grouping set; by employer, industry or group a person may be in several rows.
        additive = by in ("event", "village")
        async with engine.transaction():
            # Room to hash 300,000 interviews in memory rather than sort them on disk.
            await Organization.raw("SET LOCAL work_mem = '64MB'")
            found = await Organization.raw(_query(campaign_id, by, False, with_total=additive))
            overall = [] if additive or by == "campaign" else await Organization.raw(
                _query(campaign_id, "campaign", False))
        if by == "campaign":
            rows, totals = [_row(r) for r in found], _row(found[0] if found else {})
        elif additive:
            totals = _row(found[0] if found and found[0]["total"] else {})
            rows = [_row(r) for r in found if not r["total"]]
        else:
            rows, totals = [_row(r) for r in found], _row(overall[0] if overall else {})
    return {"campaign": campaign, "by": by, "stages": list(STAGES), "rows": rows, "totals": totals,
            "village_coverage": await _village_coverage(campaign_id) if campaign["kind"] == "village_tour" else None}


def _row(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"key": raw.get("key"), "label": raw.get("label") or ""}
    for stage in STAGES:
        out[stage] = int(raw.get(stage) or 0)
        out[f"priority_{stage}"] = int(raw.get(f"priority_{stage}") or 0)
    return out


async def _village_coverage(campaign_id: int) -> dict[str, Any]:
    rows = await Organization.raw(
        "SELECT tv.id, ar.name, (SELECT count(*) FROM event e WHERE e.tour_village = tv.id "
        "AND e.status IN ('published', 'closed')) AS stops FROM tour_village tv JOIN area ar ON ar.id = tv.area "
        "WHERE tv.campaign = {} ORDER BY tv.id", campaign_id)
    covered = [r for r in rows if r["stops"]]
    return {"villages": len(rows), "covered": len(covered), "share": round(len(covered) / len(rows), 4) if rows else 0,
            "uncovered": [r["name"] for r in rows if not r["stops"]]}


def report_csv(report: dict[str, Any]) -> str:
    """The report's rows as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    columns = [*STAGES, *(f"priority_{s}" for s in STAGES)]
    writer.writerow([report["by"], *columns])
    for row in [*report["rows"], {**report["totals"], "label": "合计 total"}]:
        writer.writerow([row["label"], *(row[c] for c in columns)])
    return out.getvalue()


def report_xlsx(report: dict[str, Any]) -> bytes:
    """The report as an XLSX workbook: one sheet of rows and totals, one of the funnel."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("report")
    columns = [*STAGES, *(f"priority_{s}" for s in STAGES)]
    sheet.write_row(0, 0, [report["by"], *columns], bold)
    for n, row in enumerate([*report["rows"], {**report["totals"], "label": "合计 total"}], start=1):
        sheet.write_row(n, 0, [row["label"], *(row[c] for c in columns)])
    sheet.set_column(0, 0, 28)
    funnel = book.add_worksheet("funnel")
    funnel.write_row(0, 0, ["stage", "people", "priority", "priority_share"], bold)
    for n, stage in enumerate(STAGES, start=1):
        people, priority = report["totals"][stage], report["totals"][f"priority_{stage}"]
        funnel.write_row(n, 0, [stage, people, priority, round(priority / people, 4) if people else 0])
    book.close()
    return buffer.getvalue()
