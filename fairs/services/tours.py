"""Setting up a village tour ("Hundred Enterprises Entering Hundred Villages", 百企进百村): the
campaign's days, depot and buses, its villages, and the enterprises that ride along; and
loading all of it as the itinerary core's input (:func:`load_tour`).

A village's labour pool is the staff's estimate merged with the people registered in the
system who live there: for each industry, skill and priority group the larger of the two
counts (the estimate is meant to include the registered people, so adding would count them
twice).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from fairs.core import itinerary as it
from fairs.core.booth_rows import BoothRow
from fairs.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from fairs.core.matching import PRIORITY_GROUPS
from fairs.db.tables import (
    Area,
    Attendee,
    Campaign,
    Event,
    Organization,
    Position,
    TourEnterprise,
    TourSetup,
    TourVillage,
)
from fairs.db.transactions import write_transaction
from fairs.services import scope
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.fairs_setup import MAIN_PLAN, BoothSpec, create_venue, require_organizer
from fairs.services.floorplans import import_plan

MAX_DAYS = 120
MAX_STOPS = 30


def _clock_time(text: str, name: str) -> time:
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        raise InvalidInput("must be a time of day as HH:MM, e.g. 08:00", name) from None
    if len(text) != 5 or parsed.second or parsed.microsecond:
        raise InvalidInput("must be a time of day as HH:MM, e.g. 08:00", name)
    return parsed


def _iso_dates(values: list[str], name: str) -> list[date]:
    out = []
    for i, value in enumerate(values):
        try:
            out.append(date.fromisoformat(value))
        except (TypeError, ValueError):
            raise InvalidInput("must be a date as YYYY-MM-DD", f"{name}[{i}]") from None
        if out[-1] in out[:-1]:
            raise InvalidInput(f"{value} appears twice", f"{name}[{i}]")
    return out


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def tour_campaign(actor: Actor, campaign_id: int) -> dict[str, Any]:
    """The village-tour campaign the organizer may change; 404 outside their area."""
    require_organizer(actor)
    row = await Campaign.select(Campaign.id, Campaign.kind, Campaign.name, Campaign.area).where(
        Campaign.id == campaign_id, scope.writable(actor, Campaign.area)).first()
    if row is None:
        raise NotFound("no such campaign", field="campaign_id")
    if row["kind"] != "village_tour":
        raise Conflict("only a village-tour campaign has villages, buses and riders", field="campaign_id",
                       code="not_a_village_tour")
    return row


# ---------------------------------------------------------------- setup


@dataclass(frozen=True)
class SetupSpec:
    dates: list[str]
    depot_name: str
    depot_latitude: float
    depot_longitude: float
    buses_per_day: int
    seats: int
    depot_address: str = ""
    timezone: str = "Asia/Shanghai"
    day_starts: str = "07:00"
    day_ends: str = "19:00"
    max_stops_per_bus: int | None = None
    detour_factor: float = 1.3
    average_speed_kmh: float = 40.0
    min_enterprises_per_stop: int = 2
    max_same_industry: int | None = 2


def _check_setup(spec: SetupSpec) -> None:
    problems: list[FieldProblem] = []

    def bad(name: str, message: str) -> None:
        problems.append(FieldProblem(name, message))

    days = _iso_dates(spec.dates, "dates")
    if not days:
        bad("dates", "name at least one campaign day")
    elif len(days) > MAX_DAYS:
        bad("dates", f"at most {MAX_DAYS} days")
    if not spec.depot_name.strip():
        bad("depot_name", "must not be empty")
    if not -90 <= spec.depot_latitude <= 90:
        bad("depot_latitude", "must be between -90 and 90")
    if not -180 <= spec.depot_longitude <= 180:
        bad("depot_longitude", "must be between -180 and 180")
    starts, ends = _clock_time(spec.day_starts, "day_starts"), _clock_time(spec.day_ends, "day_ends")
    if ends <= starts:
        bad("day_ends", "must be after day_starts")
    if spec.buses_per_day < 0:
        bad("buses_per_day", "must not be negative")
    if spec.seats < 1:
        bad("seats", "must be at least 1")
    if spec.max_stops_per_bus is not None and spec.max_stops_per_bus < 1:
        bad("max_stops_per_bus", "must be at least 1")
    if not 1.0 <= spec.detour_factor <= 5.0:
        bad("detour_factor", "must be between 1 and 5")
    if not 5.0 <= spec.average_speed_kmh <= 120.0:
        bad("average_speed_kmh", "must be between 5 and 120 km/h")
    if spec.min_enterprises_per_stop < 0:
        bad("min_enterprises_per_stop", "must not be negative")
    if spec.max_same_industry is not None and spec.max_same_industry < 1:
        bad("max_same_industry", "must be at least 1")
    if problems:
        raise InvalidInput(problems[0].message, problems[0].field, problems=problems)


async def set_setup(actor: Actor, campaign_id: int, spec: SetupSpec, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Create or replace the tour's days, depot, buses and rules."""
    from fairs.services.fairs_setup import _zone

    await tour_campaign(actor, campaign_id)
    _zone(spec.timezone, "timezone")
    _check_setup(spec)
    values = {
        "timezone": spec.timezone, "dates": json.dumps(sorted(spec.dates)), "depot_name": spec.depot_name.strip(),
        "depot_address": spec.depot_address, "depot_latitude": spec.depot_latitude,
        "depot_longitude": spec.depot_longitude, "buses_per_day": spec.buses_per_day, "seats": spec.seats,
        "day_starts": spec.day_starts, "day_ends": spec.day_ends, "max_stops_per_bus": spec.max_stops_per_bus,
        "detour_factor": spec.detour_factor, "average_speed_kmh": spec.average_speed_kmh,
        "min_enterprises_per_stop": spec.min_enterprises_per_stop, "max_same_industry": spec.max_same_industry,
        "updated_at": clock.now(),
    }
    async with write_transaction():
        existing = await TourSetup.select(TourSetup.id).where(TourSetup.campaign == campaign_id).first()
        if existing is None:
            await TourSetup(campaign=campaign_id, **values).save()
        else:
            await TourSetup.update({getattr(TourSetup, k): v for k, v in values.items()}).where(
                TourSetup.id == existing["id"])
    return await get_setup(actor, campaign_id)


async def get_setup(actor: Actor, campaign_id: int) -> dict[str, Any]:
    await tour_campaign(actor, campaign_id)
    row = await TourSetup.select().where(TourSetup.campaign == campaign_id).output(load_json=True).first()
    if row is None:
        raise NotFound("this tour has no days, depot and buses yet (PUT /campaigns/{id}/tour)", field="campaign_id")
    row["has_travel_matrix"] = bool(row.pop("travel_matrix"))
    return row


async def set_travel_matrix(actor: Actor, campaign_id: int, text: str, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Store the organizer's road-time matrix (CSV, see :func:`fairs.core.itinerary.read_travel_matrix`);
    an empty text goes back to great-circle estimates. Pairs it lacks are named when a plan
    is asked for (the villages may change until then)."""
    await tour_campaign(actor, campaign_id)
    pairs = it.read_travel_matrix(text) if text.strip() else {}
    async with write_transaction():
        updated = await TourSetup.update({TourSetup.travel_matrix: text if pairs else "",
                                          TourSetup.updated_at: clock.now()}).where(
            TourSetup.campaign == campaign_id).returning(TourSetup.id)
        if not updated:
            raise Conflict("set the tour's days, depot and buses first", field="campaign_id", code="tour_not_set_up")
    labels = {a for a, _ in pairs} | {b for _, b in pairs}
    return {"campaign_id": campaign_id, "pairs": len(pairs), "places": len(labels)}


# ---------------------------------------------------------------- villages


@dataclass(frozen=True)
class VillageSpec:
    area_id: int
    opens: str = "08:00"
    closes: str = "12:00"
    stop_minutes: int = 120
    booth_capacity: int = 8
    required_stops: int = 1
    weekdays: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7])
    forbidden_dates: list[str] = field(default_factory=list)
    labour_estimate: dict[str, dict[str, int]] = field(default_factory=dict)
    place: str = ""
    """Where the booths stand (e.g. 村部广场); default: the village committee square."""


LABOUR_KEYS = ("industries", "skills", "priority_groups")


def _check_village(spec: VillageSpec) -> None:
    opens, closes = _clock_time(spec.opens, "opens"), _clock_time(spec.closes, "closes")
    if closes <= opens:
        raise InvalidInput("must be after opens", "closes")
    window = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    if not 15 <= spec.stop_minutes <= 12 * 60:
        raise InvalidInput("must be between 15 and 720 minutes", "stop_minutes")
    if spec.stop_minutes > window:
        raise InvalidInput(f"a {spec.stop_minutes}-minute fair does not fit in the window {spec.opens}–{spec.closes}",
                           "stop_minutes", code="infeasible_window")
    if not 1 <= spec.booth_capacity <= 200:
        raise InvalidInput("must be between 1 and 200", "booth_capacity")
    if not 0 <= spec.required_stops <= MAX_STOPS:
        raise InvalidInput(f"must be between 0 and {MAX_STOPS}", "required_stops")
    if not spec.weekdays:
        raise InvalidInput("name at least one weekday (1 = Monday … 7 = Sunday)", "weekdays")
    for i, day in enumerate(spec.weekdays):
        if day not in range(1, 8):
            raise InvalidInput("must be 1 (Monday) … 7 (Sunday)", f"weekdays[{i}]")
    _iso_dates(spec.forbidden_dates, "forbidden_dates")
    for key, counts in spec.labour_estimate.items():
        if key not in LABOUR_KEYS:
            raise InvalidInput(f"must be one of {', '.join(LABOUR_KEYS)}", f"labour_estimate.{key}")
        for name, count in counts.items():
            if not isinstance(count, int) or count < 0:
                raise InvalidInput("must be a count of people (0 or more)", f"labour_estimate.{key}.{name}")
            if key == "priority_groups" and name not in PRIORITY_GROUPS:
                raise InvalidInput(f"must be one of {', '.join(sorted(PRIORITY_GROUPS))}",
                                   f"labour_estimate.{key}.{name}")


async def add_village(actor: Actor, campaign_id: int, spec: VillageSpec, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Put a village on the tour: its square becomes a venue with ``booth_capacity`` booths."""
    campaign = await tour_campaign(actor, campaign_id)
    _check_village(spec)
    area = await Area.select(Area.id, Area.name, Area.level, Area.path, Area.latitude, Area.longitude).where(
        Area.id == spec.area_id).first()
    if area is None:
        raise InvalidInput("no such area", "area_id")
    scope.require_writable(actor, area["path"], "area_id")
    if area["level"] != "village":
        raise InvalidInput("must be a village (community), not a " + area["level"], "area_id")
    if area["latitude"] is None or area["longitude"] is None:
        raise InvalidInput("the village has no coordinates: set its latitude and longitude first", "area_id",
                           code="village_without_location")
    setup = await TourSetup.select(TourSetup.timezone).where(TourSetup.campaign == campaign_id).first()
    zone = setup["timezone"] if setup else "Asia/Shanghai"
    async with write_transaction():
        if await TourVillage.exists().where(TourVillage.campaign == campaign_id, TourVillage.area == spec.area_id):
            raise Conflict("this village is already on the tour", field="area_id", code="tour_village_once")
        place = spec.place.strip() or f"{area['name']}村委会广场"
        venue = await create_venue(actor, place, spec.area_id, f"{area['name']} · {place}", area["latitude"],
                                   area["longitude"], zone, _booths(1, spec.booth_capacity), clock)
        row = TourVillage(campaign=campaign["id"], area=spec.area_id, venue=venue["id"], opens=spec.opens,
                          closes=spec.closes, stop_minutes=spec.stop_minutes, booth_capacity=spec.booth_capacity,
                          required_stops=spec.required_stops, weekdays=json.dumps(sorted(set(spec.weekdays))),
                          forbidden_dates=json.dumps(sorted(spec.forbidden_dates)),
                          labour_estimate=json.dumps(spec.labour_estimate), created_at=clock.now())
        await row.save()
    return await get_village(actor, int(row.id))


def _booths(first: int, last: int) -> list[BoothSpec]:
    return [BoothSpec(f"V{k}", "village", features=("power",) if k == 1 else ()) for k in range(first, last + 1)]


VILLAGE_COLUMNS = (TourVillage.id, TourVillage.campaign, TourVillage.area, TourVillage.area.name.as_alias("name"),
                   TourVillage.area.latitude.as_alias("latitude"), TourVillage.area.longitude.as_alias("longitude"),
                   TourVillage.venue, TourVillage.venue.name.as_alias("place"),
                   TourVillage.venue.address.as_alias("address"), TourVillage.opens, TourVillage.closes,
                   TourVillage.stop_minutes, TourVillage.booth_capacity, TourVillage.required_stops,
                   TourVillage.weekdays, TourVillage.forbidden_dates, TourVillage.labour_estimate)


async def get_village(actor: Actor, village_id: int) -> dict[str, Any]:
    require_organizer(actor)
    row = await TourVillage.select(*VILLAGE_COLUMNS).where(
        TourVillage.id == village_id, scope.writable(actor, TourVillage.campaign.area)).output(load_json=True).first()
    if row is None:
        raise NotFound("no such tour village", field="village_id")
    return row


async def list_villages(actor: Actor, campaign_id: int) -> list[dict[str, Any]]:
    await tour_campaign(actor, campaign_id)
    return await TourVillage.select(*VILLAGE_COLUMNS).where(TourVillage.campaign == campaign_id).order_by(
        TourVillage.id).output(load_json=True)


async def change_village(actor: Actor, village_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a village's window, stops, capacity, days or estimate (the next plan uses them).
    A larger capacity adds booths to its square; a smaller one leaves the extra booths unused."""
    current = await get_village(actor, village_id)
    merged = {k: current[k] for k in ("opens", "closes", "stop_minutes", "booth_capacity", "required_stops",
                                      "weekdays", "forbidden_dates", "labour_estimate")}
    merged.update({k: v for k, v in changes.items() if v is not None})
    spec = VillageSpec(area_id=current["area"], **merged)
    _check_village(spec)
    async with write_transaction():
        await TourVillage.update({
            TourVillage.opens: spec.opens, TourVillage.closes: spec.closes,
            TourVillage.stop_minutes: spec.stop_minutes, TourVillage.booth_capacity: spec.booth_capacity,
            TourVillage.required_stops: spec.required_stops,
            TourVillage.weekdays: json.dumps(sorted(set(spec.weekdays))),
            TourVillage.forbidden_dates: json.dumps(sorted(spec.forbidden_dates)),
            TourVillage.labour_estimate: json.dumps(spec.labour_estimate),
        }).where(TourVillage.id == village_id)
        if spec.booth_capacity > current["booth_capacity"]:
            await import_plan(actor, int(current["venue"]), MAIN_PLAN, None, None,
                              [BoothRow(b.code, b.zone, features=b.features) for b in _booths(1, spec.booth_capacity)])
    return await get_village(actor, village_id)


async def remove_village(actor: Actor, village_id: int) -> None:
    """Take a village off the tour before it has any stop; after, set its stops to 0 and re-plan."""
    await get_village(actor, village_id)
    async with write_transaction():
        if await Event.exists().where(Event.tour_village == village_id):
            raise Conflict("the village has stops in a plan: set required_stops to 0 and re-plan instead",
                           field="village_id", code="village_has_stops")
        await TourVillage.delete().where(TourVillage.id == village_id)


# ---------------------------------------------------------------- enterprises


@dataclass(frozen=True)
class RiderSpec:
    organization_id: int
    travel_dates: list[str]
    staff: int = 2
    max_stops_per_day: int = 3
    max_days: int | None = None


async def _campaign_days(campaign_id: int) -> list[str]:
    setup = await TourSetup.select(TourSetup.dates).where(TourSetup.campaign == campaign_id).output(
        load_json=True).first()
    if setup is None:
        raise Conflict("set the tour's days, depot and buses first", field="campaign_id", code="tour_not_set_up")
    return list(setup["dates"])


def _check_rider(spec: RiderSpec, days: list[str]) -> None:
    _iso_dates(spec.travel_dates, "travel_dates")
    if not spec.travel_dates:
        raise InvalidInput("name at least one day the enterprise can travel", "travel_dates")
    for i, day in enumerate(spec.travel_dates):
        if day not in days:
            raise InvalidInput(f"{day} is not a day of the tour", f"travel_dates[{i}]")
    if not 1 <= spec.staff <= 20:
        raise InvalidInput("must be between 1 and 20", "staff")
    if not 1 <= spec.max_stops_per_day <= 10:
        raise InvalidInput("must be between 1 and 10", "max_stops_per_day")
    if spec.max_days is not None and spec.max_days < 1:
        raise InvalidInput("must be at least 1", "max_days")


def _campaign_readable(actor: Actor) -> Any:
    """Campaigns an actor may sign riders up for: an organizer's area; any tour for an employer
    (it signs up itself)."""
    return scope.writable(actor, Campaign.area) if actor.is_organizer else Campaign.kind == "village_tour"


async def join_tour(actor: Actor, campaign_id: int, spec: RiderSpec, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Sign an enterprise up to ride along: the organizer for any enterprise, an employer for its own."""
    if actor.role == "employer":
        if spec.organization_id != actor.organization_id:
            raise InvalidInput("an employer signs up its own organization", "organization_id")
    else:
        require_organizer(actor)
    campaign = await Campaign.select(Campaign.id, Campaign.kind).where(
        Campaign.id == campaign_id, _campaign_readable(actor)).first()
    if campaign is None:
        raise NotFound("no such campaign", field="campaign_id")
    if campaign["kind"] != "village_tour":
        raise Conflict("only a village-tour campaign has riders", field="campaign_id", code="not_a_village_tour")
    _check_rider(spec, await _campaign_days(campaign_id))
    if not await Organization.exists().where(Organization.id == spec.organization_id):
        raise InvalidInput("no such organization", "organization_id")
    if not await Position.exists().where(Position.organization == spec.organization_id, Position.active.eq(True)):
        raise InvalidInput("the enterprise has no open position to bring to the villages", "organization_id",
                           code="no_positions")
    async with write_transaction():
        existing = await TourEnterprise.select(TourEnterprise.id).where(
            TourEnterprise.campaign == campaign_id, TourEnterprise.organization == spec.organization_id).first()
        values = {TourEnterprise.travel_dates: json.dumps(sorted(spec.travel_dates)), TourEnterprise.staff: spec.staff,
                  TourEnterprise.max_stops_per_day: spec.max_stops_per_day, TourEnterprise.max_days: spec.max_days,
                  TourEnterprise.status: "joined"}
        if existing is None:
            row = TourEnterprise(campaign=campaign_id, organization=spec.organization_id, created_at=clock.now(),
                                 **{c._meta.name: v for c, v in values.items()})
            await row.save()
            rider_id = int(row.id)
        else:
            rider_id = existing["id"]
            await TourEnterprise.update(values).where(TourEnterprise.id == rider_id)
    return await _rider(rider_id)


RIDER_COLUMNS = (TourEnterprise.id, TourEnterprise.campaign, TourEnterprise.organization,
                 TourEnterprise.organization.name.as_alias("name"),
                 TourEnterprise.organization.industry.as_alias("industry"), TourEnterprise.travel_dates,
                 TourEnterprise.staff, TourEnterprise.max_stops_per_day, TourEnterprise.max_days, TourEnterprise.status)


async def _rider(rider_id: int) -> dict[str, Any]:
    row = await TourEnterprise.select(*RIDER_COLUMNS).where(TourEnterprise.id == rider_id).output(
        load_json=True).first()
    assert row is not None
    return row


async def list_riders(actor: Actor, campaign_id: int) -> list[dict[str, Any]]:
    await tour_campaign(actor, campaign_id)
    return await TourEnterprise.select(*RIDER_COLUMNS).where(TourEnterprise.campaign == campaign_id).order_by(
        TourEnterprise.id).output(load_json=True)


async def drop_out(actor: Actor, campaign_id: int, organization_id: int) -> dict[str, Any]:
    """An enterprise no longer rides (the organizer, or the employer itself): the next plan
    leaves it out; the published plan still has it until a new one is published."""
    if actor.role == "employer":
        if organization_id != actor.organization_id:
            raise NotFound("no such rider", field="organization_id")
    else:
        await tour_campaign(actor, campaign_id)
    async with write_transaction():
        done = await TourEnterprise.update({TourEnterprise.status: "dropped"}).where(
            TourEnterprise.campaign == campaign_id, TourEnterprise.organization == organization_id).returning(
            TourEnterprise.id)
    if not done:
        raise NotFound("no such rider", field="organization_id")
    return await _rider(done[0]["id"])


# ---------------------------------------------------------------- the core's input


@dataclass(frozen=True)
class LoadedTour:
    """A tour as the itinerary core takes it, and what the service needs to write a plan back."""

    campaign: it.Campaign
    enterprises: list[it.Enterprise]
    rules: it.AssignmentRules
    setup: dict[str, Any]
    villages: dict[int, dict[str, Any]]
    """Tour village id → its row (name, area, venue, place, address)."""
    riders: dict[int, dict[str, Any]]
    """Organization id → its tour_enterprise row (staff, name)."""


async def load_tour(campaign_id: int) -> LoadedTour:
    """Read a campaign's tour in a few queries. Raises :class:`Conflict` when it is not set up."""
    setup = await TourSetup.select().where(TourSetup.campaign == campaign_id).output(load_json=True).first()
    if setup is None:
        raise Conflict("set the tour's days, depot and buses first", field="campaign_id", code="tour_not_set_up")
    campaign_row = await Campaign.select(Campaign.name).where(Campaign.id == campaign_id).first()
    setup["campaign_name"] = campaign_row["name"] if campaign_row else ""
    village_rows = await TourVillage.select(*VILLAGE_COLUMNS).where(TourVillage.campaign == campaign_id).order_by(
        TourVillage.id).output(load_json=True)
    pools = await _registered_pools([v["area"] for v in village_rows])
    villages = tuple(_village(v, pools.get(v["area"])) for v in village_rows)
    if not villages:
        raise InvalidInput("the tour has no villages yet", "villages", code="no_villages")
    matrix = it.read_travel_matrix(setup["travel_matrix"]) if setup["travel_matrix"] else None
    campaign = it.Campaign(
        dates=tuple(sorted(date.fromisoformat(d) for d in setup["dates"])), villages=villages,
        fleet=it.Fleet(depot=(setup["depot_latitude"], setup["depot_longitude"]), buses_per_day=setup["buses_per_day"],
                       seats=setup["seats"], starts=time.fromisoformat(setup["day_starts"]),
                       ends=time.fromisoformat(setup["day_ends"]), max_stops_per_bus=setup["max_stops_per_bus"]),
        time_zone=setup["timezone"], travel_seconds=matrix, detour_factor=setup["detour_factor"],
        average_speed_kmh=setup["average_speed_kmh"])
    rider_rows = await TourEnterprise.select(*RIDER_COLUMNS).where(
        TourEnterprise.campaign == campaign_id, TourEnterprise.status == "joined").order_by(
        TourEnterprise.organization).output(load_json=True)
    positions = await _positions([r["organization"] for r in rider_rows])
    enterprises = [it.Enterprise(
        enterprise_id=r["organization"], industry=r["industry"], positions=positions.get(r["organization"], ()),
        travel_dates=frozenset(date.fromisoformat(d) for d in r["travel_dates"]), staff=r["staff"],
        max_stops_per_day=r["max_stops_per_day"], max_days=r["max_days"], name=r["name"]) for r in rider_rows]
    rules = it.AssignmentRules(min_enterprises_per_stop=setup["min_enterprises_per_stop"],
                               max_same_industry=setup["max_same_industry"])
    return LoadedTour(campaign, enterprises, rules, setup, {v["id"]: v for v in village_rows},
                      {r["organization"]: r for r in rider_rows})


def _village(row: dict[str, Any], registered: dict[str, Counter[str]] | None) -> it.Village:
    estimate = row["labour_estimate"] or {}
    merged = {}
    for key in LABOUR_KEYS:
        counts = Counter({k: int(v) for k, v in (estimate.get(key) or {}).items()})
        for name, seen in (registered or {}).get(key, Counter()).items():
            counts[name] = max(counts[name], seen)
        merged[key] = dict(counts)
    opens, closes = time.fromisoformat(row["opens"]), time.fromisoformat(row["closes"])
    return it.Village(
        village_id=row["id"], location=(row["latitude"], row["longitude"]),
        labour_pool=it.LabourPool(merged["industries"], merged["skills"], merged["priority_groups"]),
        opens=opens, closes=closes, stop_duration=timedelta(minutes=row["stop_minutes"]),
        booth_capacity=row["booth_capacity"], required_stops=row["required_stops"],
        weekdays=frozenset(row["weekdays"]), forbidden_dates=frozenset(date.fromisoformat(d)
                                                                      for d in row["forbidden_dates"]),
        name=row["name"])


async def _registered_pools(area_ids: list[int]) -> dict[int, dict[str, Counter[str]]]:
    """Per village area: counts of the registered people living there by desired industry,
    skill and priority group."""
    pools: dict[int, dict[str, Counter[str]]] = {}
    if not area_ids:
        return pools
    rows = await Attendee.select(Attendee.home_area, Attendee.desired_industries, Attendee.skills,
                                 Attendee.priority_groups).where(Attendee.home_area.is_in(area_ids))
    for row in rows:
        pool = pools.setdefault(row["home_area"], {k: Counter() for k in LABOUR_KEYS})
        pool["industries"].update(set(row["desired_industries"] or ()))
        pool["skills"].update(set(row["skills"] or ()))
        pool["priority_groups"].update(set(row["priority_groups"] or ()))
    return pools


async def _positions(organizations: list[int]) -> dict[int, tuple[it.Position, ...]]:
    """Each enterprise's open positions as the core sees them. A position welcomes every
    priority group it does not turn away: older workers only where it accepts them."""
    out: dict[int, list[it.Position]] = {}
    if not organizations:
        return {}
    rows = await Position.select(Position.organization, Position.industry, Position.skills,
                                 Position.accepts_older_workers).where(
        Position.organization.is_in(organizations), Position.active.eq(True)).order_by(Position.id)
    for row in rows:
        welcomes = PRIORITY_GROUPS if row["accepts_older_workers"] else PRIORITY_GROUPS - {"older_worker"}
        out.setdefault(row["organization"], []).append(
            it.Position(row["industry"], frozenset(row["skills"] or ()), frozenset(welcomes)))
    return {k: tuple(v) for k, v in out.items()}
