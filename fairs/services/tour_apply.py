"""Bring a campaign's live objects in line with a tour plan: the village-stop events, their
booths (one per riding enterprise, with its participation approved), and each enterprise's
ride — its day on the bus, which its calendar entry shows.

Live objects keep their identity across plans, so calendars update instead of duplicating:

- a village's stops are matched to its live events by date first, then in date order; a
  matched event that changes time is *moved* (its interviews and calendar entries with it), a
  left-over event is cancelled, a left-over stop becomes a new event;
- a ride is one per enterprise and day: same bus, times and stops → untouched; anything
  different → updated with a higher SEQUENCE; gone from the plan → cancelled (CANCEL with a
  higher SEQUENCE).

When publishing, only those affected are told: riders whose ride is new, changed or
cancelled (an iTIP REQUEST or CANCEL by e-mail, a text when there is no e-mail), and people
registered for a stop that moved or was cancelled. The first publication tells every rider.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import states
from fairs.db.tables import (
    Attendee,
    Booth,
    BoothReservation,
    CalendarItem,
    Event,
    Organization,
    Participation,
    Registration,
    TourRide,
    TourStop,
)
from fairs.db.transactions import copy_rows, new_ids
from fairs.services.calendar import new_uid
from fairs.services.context import Clock
from fairs.services.fairs_setup import _cancel_calendar_entries
from fairs.services.invitations import calendar_content_type
from fairs.services.outbox import queue_message
from fairs.services.reschedule import move_event
from fairs.services.tour_rows import plan_rows
from fairs.services.tours import LoadedTour

LIVE = ("draft", "published")


async def apply_plan(plan_id: int, tour: LoadedTour, clock: Clock, *, publish: bool, everyone: bool = False) -> int:
    """Reconcile events, booths and rides with the plan (inside the caller's transaction).
    ``publish``: events become published and the affected are told; ``everyone``: every rider
    is told (the first publication). Returns how many enterprises and people were told."""
    campaign_id = int(tour.setup["campaign"])
    zone = ZoneInfo(tour.campaign.time_zone)
    bus_days, stops, riders = await plan_rows(plan_id)
    riders_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in riders:
        riders_of[r["bus_day"]].append(r)
    people: set[int] = set()  # registered for a published stop that moved or was cancelled
    event_of_stop = await _events(campaign_id, stops, tour, zone, clock, publish, people)
    booth_of = await _booths(event_of_stop, stops, riders_of, clock)
    told = await _rides(campaign_id, tour, bus_days, stops, riders_of, event_of_stop, booth_of, clock,
                        publish=publish, everyone=everyone)
    return told + len(people)


async def _events(campaign_id: int, stops: list[dict[str, Any]], tour: LoadedTour, zone: ZoneInfo, clock: Clock,
                  publish: bool, people: set[int]) -> dict[int, int]:
    """Stop id → its event: matched, moved, created; left-over events cancelled."""
    live = await Event.select(Event.id, Event.tour_village, Event.starts_at, Event.ends_at, Event.status,
                              Event.title, Event.timezone).where(
        Event.campaign == campaign_id, Event.kind == "village_stop", Event.tour_village.is_not_null(),
        Event.status.is_in(list(LIVE))).order_by(Event.starts_at)
    live_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event in live:
        live_of[event["tour_village"]].append(event)
    stops_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for stop in sorted(stops, key=lambda s: s["starts_at"]):
        stops_of[stop["village"]].append(stop)
    matched: dict[int, int] = {}
    to_create: list[dict[str, Any]] = []
    to_cancel: list[dict[str, Any]] = []
    for village in set(live_of) | set(stops_of):
        events, wanted = list(live_of.get(village, ())), list(stops_of.get(village, ()))
        day = {e["id"]: e["starts_at"].astimezone(zone).date() for e in events}
        for stop in list(wanted):  # same day first
            same = next((e for e in events if day[e["id"]] == stop["starts_at"].astimezone(zone).date()), None)
            if same is not None:
                matched[stop["id"]] = same["id"]
                events.remove(same)
                wanted.remove(stop)
                await _move_if_needed(same, stop, clock, people)
        for event, stop in zip(list(events), list(wanted), strict=False):  # then in date order
            matched[stop["id"]] = event["id"]
            events.remove(event)
            wanted.remove(stop)
            await _move_if_needed(event, stop, clock, people)
        to_cancel += events
        to_create += wanted
    for event in to_cancel:
        await _cancel_event(event, clock, people)
    matched.update(await _create_events(campaign_id, to_create, tour, clock))
    for stop_id, event_id in matched.items():
        await TourStop.update({TourStop.event: event_id}).where(TourStop.id == stop_id)
    if publish:
        await Event.update({Event.status: "published"}).where(
            Event.id.is_in(sorted(set(matched.values())) or [-1]), Event.status == "draft")
    return matched


async def _move_if_needed(event: dict[str, Any], stop: dict[str, Any], clock: Clock, people: set[int]) -> None:
    if event["starts_at"] == stop["starts_at"] and event["ends_at"] == stop["ends_at"]:
        return
    if event["status"] == "published":
        people.update(await _registered(event["id"]))
    await move_event(event, stop["starts_at"], stop["ends_at"], clock)


async def _registered(event_id: int) -> set[int]:
    return {r["attendee"] for r in await Registration.select(Registration.attendee).where(
        Registration.event == event_id, Registration.status.is_in(["registered", "checked_in"]))}


async def _cancel_event(event: dict[str, Any], clock: Clock, people: set[int]) -> None:
    """The plan has no stop for it any more: cancelled, its booths released, registrants told."""
    states.move("event", event["status"], "cancelled")
    await Event.update({Event.status: "cancelled"}).where(Event.id == event["id"])
    await BoothReservation.update({BoothReservation.status: "cancelled", BoothReservation.cancelled_at: clock.now()}
                                  ).where(BoothReservation.event == event["id"],
                                          BoothReservation.status.is_in(list(states.ACTIVE_RESERVATION)))
    await _cancel_calendar_entries(event["id"], clock)
    if event["status"] != "published":
        return
    registered = await _registered(event["id"])
    people.update(registered)
    zone = ZoneInfo(event["timezone"])
    when = event["starts_at"].astimezone(zone).strftime("%m-%d %H:%M")
    text = f"【就业服务】{event['title']}（{when}）取消，请关注下一站安排。"
    text_en = f"fairs: {event['title']} ({when}) is cancelled; watch for the next stop."
    for person in await Attendee.select(Attendee.id, Attendee.email, Attendee.phone, Attendee.language).where(
            Attendee.id.is_in(sorted(registered) or [-1])):
        channel, address = ("email", person["email"]) if person["email"] else ("sms", person["phone"])
        await queue_message(f"cancelled:{event['id']}:{address}:{channel}", channel, address,
                            f"取消 Cancelled · {event['title']}" if channel == "email" else "",
                            text_en if person["language"] == "en" else text, clock)


async def _create_events(campaign_id: int, stops: list[dict[str, Any]], tour: LoadedTour, clock: Clock
                         ) -> dict[int, int]:
    if not stops:
        return {}
    ids = await new_ids(Event, len(stops))
    now = clock.now()
    campaign_title = tour.setup.get("campaign_name", "")
    rows = []
    for event_id, stop in zip(ids, stops, strict=True):
        village = tour.villages[stop["village"]]
        title = f"百企进百村 · {village['name']} 第{stop['stop_number']}站"
        if campaign_title:
            title = f"{campaign_title} · {village['name']} 第{stop['stop_number']}站"
        rows.append((event_id, campaign_id, village["venue"], village["area"], "village_stop", title[:200],
                     stop["starts_at"], stop["ends_at"], tour.campaign.time_zone, "draft", "", 20, 3, "direct", 1,
                     "[]", stop["village"], now))
    await copy_rows(Event, ("id", "campaign", "venue", "area", "kind", "title", "starts_at", "ends_at", "timezone",
                            "status", "online_url", "interview_slot_minutes", "interviews_per_attendee",
                            "booth_mode", "booths_per_organization", "interview_blocks", "tour_village",
                            "created_at"), rows)
    await copy_rows(CalendarItem, ("uid", "sequence", "kind", "event", "cancelled", "updated_at"),
                    [(new_uid(), 0, "fair_event", event_id, False, now) for event_id in ids])
    return {stop["id"]: event_id for event_id, stop in zip(ids, stops, strict=True)}


async def _booths(event_of_stop: dict[int, int], stops: list[dict[str, Any]],
                  riders_of: dict[int, list[dict[str, Any]]], clock: Clock) -> dict[tuple[int, int], str]:
    """One confirmed booth per riding enterprise at each stop (kept when it already has one),
    its participation approved; booths of enterprises no longer riding are released.
    Returns (event, organization) → booth code."""
    events = sorted(set(event_of_stop.values()))
    if not events:
        return {}
    now = clock.now()
    wanted = {event_of_stop[s["id"]]: {r["organization"]: r["staff"] for r in riders_of.get(s["bus_day"], ())}
              for s in stops}
    held = await BoothReservation.select(BoothReservation.id, BoothReservation.event, BoothReservation.organization,
                                         BoothReservation.booth, BoothReservation.booth.code.as_alias("code")).where(
        BoothReservation.event.is_in(events), BoothReservation.status.is_in(list(states.ACTIVE_RESERVATION)))
    venue_of = {e["id"]: e["venue"] for e in await Event.select(Event.id, Event.venue).where(Event.id.is_in(events))}
    booths_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for booth in await Booth.select(Booth.id, Booth.code, Booth.venue).where(
            Booth.venue.is_in(sorted(set(venue_of.values())) or [-1])):
        booths_of[booth["venue"]].append(booth)
    code_of: dict[tuple[int, int], str] = {}
    taken: dict[int, set[int]] = defaultdict(set)
    release = []
    for row in held:
        if row["organization"] in wanted.get(row["event"], {}):
            code_of[(row["event"], row["organization"])] = row["code"]
            taken[row["event"]].add(row["booth"])
        else:
            release.append(row["id"])
    if release:
        await BoothReservation.update({BoothReservation.status: "cancelled", BoothReservation.cancelled_at: now}
                                      ).where(BoothReservation.id.is_in(release))
        await CalendarItem.update({CalendarItem.sequence: CalendarItem.sequence + 1, CalendarItem.cancelled: True,
                                   CalendarItem.updated_at: now}).where(CalendarItem.booth_reservation.is_in(release))
    new_rows = []
    for event_id, organizations in wanted.items():
        free = sorted((b for b in booths_of[venue_of[event_id]] if b["id"] not in taken[event_id]),
                      key=lambda b: (len(b["code"]), b["code"]))
        for organization, staff in sorted(organizations.items()):
            if (event_id, organization) in code_of:
                continue
            booth = free.pop(0)  # the crews never exceed the square's booth capacity
            code_of[(event_id, organization)] = booth["code"]
            new_rows.append((booth["id"], event_id, organization, "confirmed", staff, "tour", now, now))
    await copy_rows(BoothReservation, ("booth", "event", "organization", "status", "interviewers", "source",
                                       "created_at", "confirmed_at"), new_rows)
    await _participations(wanted, now)
    return code_of


async def _participations(wanted: dict[int, dict[int, int]], now: datetime) -> None:
    """Riders take part (approved); an enterprise no longer at a stop has withdrawn from it."""
    events = sorted(wanted)
    existing = {(p["event"], p["organization"]): p for p in await Participation.select(
        Participation.id, Participation.event, Participation.organization, Participation.status).where(
        Participation.event.is_in(events))}
    add = [Participation(event=e, organization=o, status="approved", priority=0, documents=[], flags=["tour"],
                         reason="", created_at=now, decided_at=now)
           for e, organizations in wanted.items() for o in organizations if (e, o) not in existing]
    if add:
        await Participation.insert(*add)
    back = [p["id"] for key, p in existing.items() if key[1] in wanted[key[0]] and p["status"] != "approved"]
    gone = [p["id"] for key, p in existing.items() if key[1] not in wanted[key[0]] and p["status"] == "approved"]
    if back:
        await Participation.update({Participation.status: "approved", Participation.decided_at: now}).where(
            Participation.id.is_in(back))
    if gone:
        await Participation.update({Participation.status: "withdrawn", Participation.decided_at: now}).where(
            Participation.id.is_in(gone))


async def _rides(campaign_id: int, tour: LoadedTour, bus_days: list[dict[str, Any]], stops: list[dict[str, Any]],
                 riders_of: dict[int, list[dict[str, Any]]], event_of_stop: dict[int, int],
                 booth_of: dict[tuple[int, int], str], clock: Clock, *, publish: bool, everyone: bool) -> int:
    now = clock.now()
    stops_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for stop in stops:
        stops_of[stop["bus_day"]].append(stop)
    target: dict[tuple[int, str], dict[str, Any]] = {}
    for bus_day in bus_days:
        for rider in riders_of.get(bus_day["id"], ()):
            organization = rider["organization"]
            target[(organization, bus_day["day"])] = {
                "bus": bus_day["bus"], "departs_at": bus_day["leaves_at"], "returns_at": bus_day["returns_at"],
                "stops": [{"village": tour.villages[s["village"]]["name"],
                           "place": _place(tour.villages[s["village"]],
                                           booth_of.get((event_of_stop[s["id"]], organization))),
                           "arrives_at": s["arrives_at"].isoformat(), "leaves_at": s["ends_at"].isoformat()}
                          for s in sorted(stops_of[bus_day["id"]], key=lambda s: s["position"])]}
    live = {(r["organization"], r["day"]): r for r in await TourRide.select().where(
        TourRide.campaign == campaign_id).output(load_json=True)}
    changed: list[tuple[int, str]] = []  # (ride id, method)
    for key, ride in target.items():
        old = live.get(key)
        if old is None:
            row = TourRide(campaign=campaign_id, organization=key[0], day=key[1], bus=ride["bus"],
                           departs_at=ride["departs_at"], returns_at=ride["returns_at"],
                           stops=json.dumps(ride["stops"], ensure_ascii=False), cancelled=False, updated_at=now)
            await row.save()
            await CalendarItem(uid=new_uid(), sequence=0, kind="village_stop", tour_ride=row.id, cancelled=False,
                               updated_at=now).save()
            changed.append((int(row.id), "REQUEST"))
        elif old["cancelled"] or _differs(old, ride):
            await TourRide.update({TourRide.bus: ride["bus"], TourRide.departs_at: ride["departs_at"],
                                   TourRide.returns_at: ride["returns_at"],
                                   TourRide.stops: json.dumps(ride["stops"], ensure_ascii=False),
                                   TourRide.cancelled: False, TourRide.updated_at: now}).where(TourRide.id == old["id"])
            await CalendarItem.update({CalendarItem.sequence: CalendarItem.sequence + 1, CalendarItem.cancelled: False,
                                       CalendarItem.updated_at: now}).where(CalendarItem.tour_ride == old["id"])
            changed.append((old["id"], "REQUEST"))
        elif everyone:
            changed.append((old["id"], "REQUEST"))
    for key, old in live.items():
        if key not in target and not old["cancelled"]:
            await TourRide.update({TourRide.cancelled: True, TourRide.updated_at: now}).where(TourRide.id == old["id"])
            await CalendarItem.update({CalendarItem.sequence: CalendarItem.sequence + 1, CalendarItem.cancelled: True,
                                       CalendarItem.updated_at: now}).where(CalendarItem.tour_ride == old["id"])
            changed.append((old["id"], "CANCEL"))
    if not publish:
        return 0
    return await _tell_riders(changed, tour, clock)


def _place(village: dict[str, Any], booth: str | None) -> str:
    place = village["place"] or village["name"]
    return f"{place} {booth}号展位" if booth else place


def _differs(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return (old["bus"] != new["bus"] or old["departs_at"] != new["departs_at"]
            or old["returns_at"] != new["returns_at"] or list(old["stops"] or []) != new["stops"])


async def _tell_riders(changed: list[tuple[int, str]], tour: LoadedTour, clock: Clock) -> int:
    """One message per ride that is new, changed or cancelled: its calendar file by e-mail
    (REQUEST or CANCEL, built when sent), else a text."""
    if not changed:
        return 0
    method_of = dict(changed)
    rides = await TourRide.select(TourRide.id, TourRide.organization, TourRide.day, TourRide.bus,
                                  TourRide.departs_at).where(TourRide.id.is_in(sorted(method_of)))
    items = {i["tour_ride"]: i for i in await CalendarItem.select(
        CalendarItem.id, CalendarItem.uid, CalendarItem.sequence, CalendarItem.tour_ride).where(
        CalendarItem.tour_ride.is_in(sorted(method_of)))}
    contacts = {o["id"]: o for o in await Organization.select(
        Organization.id, Organization.contact_email, Organization.contact_phone).where(
        Organization.id.is_in(sorted({r["organization"] for r in rides}) or [-1]))}
    zone = ZoneInfo(tour.campaign.time_zone)
    title = tour.setup.get("campaign_name") or "百企进百村"
    told: set[int] = set()
    for ride in rides:
        method, item = method_of[ride["id"]], items[ride["id"]]
        contact = contacts[ride["organization"]]
        departs = ride["departs_at"].astimezone(zone).strftime("%m-%d %H:%M")
        if method == "CANCEL":
            text = f"【就业服务】{title}：您单位 {ride['day']} 的乘车安排已取消。"
            text_en = f"fairs: {title}: your ride on {ride['day']} is cancelled."
        else:
            text = f"【就业服务】{title}：您单位 {ride['day']} 乘 {ride['bus']} 号车，{departs} 出发，详见日程。"
            text_en = f"fairs: {title}: your ride on {ride['day']} is bus {ride['bus']}, leaving {departs}."
        if contact["contact_email"]:
            await queue_message(f"calendar:{item['uid']}:{item['sequence']}:{contact['contact_email']}:email", "email",
                                contact["contact_email"], f"{'取消' if method == 'CANCEL' else '乘车安排'} · {title}",
                                f"{text}\n{text_en}", clock, attachment_type=calendar_content_type(method),
                                calendar_item=item["id"], sequence=item["sequence"], method=method)
        elif contact["contact_phone"]:
            await queue_message(f"ride:{item['uid']}:{item['sequence']}:{contact['contact_phone']}:sms", "sms",
                                contact["contact_phone"], "", text, clock)
        else:
            continue
        told.add(ride["organization"])
    return len(told)
