"""Floor plans: organizers import a venue's plan; anyone sees an event's plan as SVG."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fairs.core import floorplan
from fairs.core.booth_rows import BoothRow, check_rows
from fairs.core.errors import InvalidInput, NotFound
from fairs.db.tables import Booth, BoothReservation, Event, FloorPlan, Venue
from fairs.db.transactions import write_transaction
from fairs.services import scope
from fairs.services.booths import booth_states
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock

GRID_COLUMNS = 10


async def import_plan(actor: Actor, venue_id: int, name: str, width_m: float | None, depth_m: float | None,
                      rows: list[BoothRow], clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Create or replace the plan ``name`` of a venue of the organizer's area, with its booths
    (matched by code: existing booths are updated, new ones added). Rows without positions
    are laid out in a grid. All or nothing; problems name ``rows[i].field``."""
    if not name.strip():
        raise InvalidInput("must not be empty", "name")
    check_rows(rows)
    placed = _place(rows)
    width = width_m or max((b.x_m + b.width_m for b in placed), default=10.0) + 2.0
    depth = depth_m or max((b.y_m + b.depth_m for b in placed), default=10.0) + 2.0
    floorplan.validate(floorplan.Plan(name, width, depth, tuple(placed)))
    async with write_transaction():
        if not await Venue.exists().where(Venue.id == venue_id, scope.writable(actor, Venue.area)):
            raise NotFound("no such venue", field="venue_id")
        plan = await FloorPlan.select(FloorPlan.id).where(FloorPlan.venue == venue_id, FloorPlan.name == name).first()
        if plan is None:
            row = FloorPlan(venue=venue_id, name=name.strip(), width_m=width, depth_m=depth, created_at=clock.now())
            await row.save()
            plan_id = int(row.id)
        else:
            plan_id = int(plan["id"])
            await FloorPlan.update({FloorPlan.width_m: width, FloorPlan.depth_m: depth}).where(FloorPlan.id == plan_id)
        existing = {b["code"]: b["id"] for b in await Booth.select(Booth.id, Booth.code).where(Booth.venue == venue_id)}
        created = updated = 0
        for source, spot in zip(rows, placed, strict=True):
            columns = {Booth.zone: source.zone, Booth.x_m: spot.x_m, Booth.y_m: spot.y_m, Booth.width_m: source.width_m,
                       Booth.depth_m: source.depth_m, Booth.features: list(source.features),
                       Booth.price_yuan: source.price_yuan, Booth.fee_waived: source.fee_waived,
                       Booth.floor_plan: plan_id}
            if source.code in existing:
                await Booth.update(columns).where(Booth.id == existing[source.code])
                updated += 1
            else:
                values = {column._meta.name: value for column, value in columns.items()}
                await Booth.insert(Booth(venue=venue_id, code=source.code, **values))
                created += 1
    return {"floor_plan_id": plan_id, "created": created, "updated": updated, "width_m": width, "depth_m": depth}


def _place(rows: list[BoothRow]) -> list[floorplan.PlanBooth]:
    unplaced = [r.code for r in rows if r.x_m is None]
    grid = {code: (x, y) for code, x, y in floorplan.layout_grid(unplaced, GRID_COLUMNS)} if unplaced else {}
    offset_y = max((r.y_m + r.depth_m for r in rows if r.y_m is not None), default=0.0)
    placed = []
    for r in rows:
        x, y = (r.x_m, r.y_m) if r.x_m is not None and r.y_m is not None else (grid[r.code][0] + 1.0,
                                                                                 grid[r.code][1] + offset_y + 1.0)
        placed.append(floorplan.PlanBooth(r.code, r.zone, x, y, r.width_m, r.depth_m, "free", r.features))
    return placed


async def list_plans(venue_id: int) -> list[dict[str, Any]]:
    return await FloorPlan.select().where(FloorPlan.venue == venue_id).order_by(FloorPlan.id)


async def event_svg(event_id: int, plan_id: int | None, viewer: Actor | None, language: str,
                    clock: Clock = SYSTEM_CLOCK, link: Callable[[str], str] | None = None,
                    highlight_codes: Collection[str] = ()) -> str:
    """The plan of a published event with each booth's state; an employer's own booths, and
    those named in ``highlight_codes`` (an attendee's interview booths), are highlighted.
    Who holds the other booths is not shown. ``link`` (booth code → address) makes every booth
    a focusable link (a page's interactive map)."""
    event = await Event.select(Event.venue, Event.title).where(
        Event.id == event_id, Event.status.is_in(["published", "closed"])).first()
    if event is None:
        raise NotFound("no such event", field="event_id")
    plans = await FloorPlan.select().where(FloorPlan.venue == event["venue"]).order_by(FloorPlan.id)
    plan = next((p for p in plans if plan_id is None or p["id"] == plan_id), None)
    if plan is None:
        raise NotFound("this venue has no such floor plan", field="plan")
    mine: set[int] = set()
    if viewer is not None and viewer.role == "employer":
        mine = {r["booth"] for r in await BoothReservation.select(BoothReservation.booth).where(
            BoothReservation.event == event_id, BoothReservation.organization == viewer.organization_id,
            BoothReservation.status.is_in(["held", "confirmed"]))}
    booths = tuple(
        floorplan.PlanBooth(b["code"], b["zone"], b["x_m"], b["y_m"], b["width_m"], b["depth_m"], b["state"],
                            tuple(b["features"] or ()), highlight=b["id"] in mine or b["code"] in highlight_codes)
        for b in await booth_states(event_id, clock) if b["floor_plan"] == plan["id"])
    picture = floorplan.Plan(plan["name"], plan["width_m"], plan["depth_m"], booths, title=event["title"])
    links = None if link is None else {b.code: link(b.code) for b in booths}
    return floorplan.render_svg(picture, "en" if language == "en" else "zh", links)
