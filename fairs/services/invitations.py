"""Calendar invitations: the item's file is built when its message is sent, not when it is
queued.

A matching run queues 235,000 invitations in one transaction; building each calendar file
there (about 1,700 a second) would take minutes. So an outbox row names the calendar item,
the SEQUENCE and the METHOD (REQUEST or CANCEL) and leaves ``attachment`` empty; the relay
calls :func:`attach_calendar` just before sending, which builds the file for that one
recipient in their language from the item's current facts, at the row's SEQUENCE and
METHOD. A later change queues its own row with a higher SEQUENCE, so every change still
reaches the calendar in order.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from fairs.core import ics
from fairs.db.tables import (
    BoothReservation,
    CalendarItem,
    InterviewSlot,
    Organization,
    TourRide,
    TourSetup,
    TrainingEnrollment,
)
from fairs.services.context import Clock

SETUP_BEFORE_OPENING = timedelta(hours=1)
"""Employers may set up their booth from an hour before the fair opens."""


def calendar_content_type(method: str) -> str:
    return f"text/calendar; method={method}; charset=UTF-8"


async def attach_calendar(message: dict[str, Any], organizer_mailbox: str, clock: Clock) -> dict[str, Any]:
    """The outbox row with its calendar file, when it names an item and has none yet."""
    if not message.get("calendar_item") or message.get("attachment"):
        return message
    calendar = await calendar_for(int(message["calendar_item"]), int(message["sequence"] or 0),
                                  str(message["method"] or "REQUEST"), str(message["recipient"]), organizer_mailbox,
                                  clock.now())
    if calendar is None:
        return message
    return {**message, "attachment": calendar.decode(), "attachment_type": calendar_content_type(
        str(message["method"] or "REQUEST"))}


async def calendar_for(item_id: int, sequence: int, method: str, recipient: str, organizer_mailbox: str,
                       now: datetime) -> bytes | None:
    """One recipient's file for the item, or ``None`` when the item is gone."""
    item = await CalendarItem.select().where(CalendarItem.id == item_id).first()
    if item is None:
        return None
    cancelled = method == "CANCEL"
    organizer = ics.CalendarParty("fairs", organizer_mailbox)
    if item["kind"] == "interview" and item["interview_slot"]:
        row = await InterviewSlot.select(
            InterviewSlot.starts_at, InterviewSlot.ends_at, InterviewSlot.event.title.as_alias("event_title"),
            InterviewSlot.event.timezone.as_alias("timezone"), InterviewSlot.event.online_url.as_alias("online_url"),
            InterviewSlot.organization.name.as_alias("organization_name"),
            InterviewSlot.position.title.as_alias("position_title"),
            InterviewSlot.booth_reservation.booth.code.as_alias("booth_code"),
            InterviewSlot.event.venue.name.as_alias("venue_name"),
            InterviewSlot.event.venue.address.as_alias("venue_address"),
            InterviewSlot.attendee.name.as_alias("name"), InterviewSlot.attendee.language.as_alias("language"),
        ).where(InterviewSlot.id == item["interview_slot"]).first()
        if row is None:
            return None
        facts = ics.InterviewFacts(
            uid=item["uid"], sequence=sequence, starts_at=row["starts_at"], ends_at=row["ends_at"],
            timezone=row["timezone"], event_title=row["event_title"], organization_name=row["organization_name"],
            position_title=row["position_title"], booth_code=row["booth_code"], venue_name=row["venue_name"] or "",
            venue_address=row["venue_address"] or "", organizer=organizer,
            recipient=ics.CalendarParty(row["name"], recipient), cancelled=cancelled,
            meeting_url=row["online_url"] or None)
        entry = ics.interview_entry(facts, "en" if row["language"] == "en" else "zh")
        return ics.build_calendar([entry], stamped_at=now, method=method)
    if item["kind"] == "booth_reservation" and item["booth_reservation"]:
        booth = await BoothReservation.select(
            BoothReservation.event.title.as_alias("event_title"), BoothReservation.event.timezone.as_alias("timezone"),
            BoothReservation.event.starts_at.as_alias("opens_at"), BoothReservation.event.ends_at.as_alias("closes_at"),
            BoothReservation.booth.code.as_alias("booth_code"),
            BoothReservation.event.venue.name.as_alias("venue_name"),
            BoothReservation.event.venue.address.as_alias("venue_address"),
            BoothReservation.organization,
        ).where(BoothReservation.id == item["booth_reservation"]).first()
        if booth is None:
            return None
        organization = await Organization.select(Organization.name, Organization.contact_name).where(
            Organization.id == booth["organization"]).first()
        assert organization is not None
        facts_b = ics.BoothReservationFacts(
            uid=item["uid"], sequence=sequence, timezone=booth["timezone"], event_title=booth["event_title"],
            organization_name=organization["name"], booth_code=booth["booth_code"],
            venue_name=booth["venue_name"] or "", venue_address=booth["venue_address"] or "",
            setup_starts_at=booth["opens_at"] - SETUP_BEFORE_OPENING, opens_at=booth["opens_at"],
            closes_at=booth["closes_at"], organizer=organizer,
            recipient=ics.CalendarParty(organization["contact_name"] or organization["name"], recipient),
            cancelled=cancelled)
        return ics.build_calendar([ics.booth_reservation_entry(facts_b, "zh")], stamped_at=now, method=method)
    if item["kind"] == "training" and item["training_enrollment"]:
        cohort, person = TrainingEnrollment.cohort, TrainingEnrollment.attendee
        enrollment = await TrainingEnrollment.select(
            cohort.title.as_alias("title"), cohort.timezone.as_alias("timezone"),
            cohort.first_session_starts_at.as_alias("first_session_starts_at"),
            cohort.first_session_ends_at.as_alias("first_session_ends_at"), cohort.days.as_alias("days"),
            cohort.skipped_days.as_alias("skipped_days"), cohort.online_url.as_alias("online_url"),
            cohort.venue.name.as_alias("venue_name"), cohort.venue.address.as_alias("venue_address"),
            person.name.as_alias("name"), person.language.as_alias("language"),
        ).where(TrainingEnrollment.id == item["training_enrollment"]).first()
        if enrollment is None:
            return None
        facts_t = training_facts(enrollment, item["uid"], sequence, organizer,
                                 ics.CalendarParty(enrollment["name"], recipient), cancelled)
        entry_t = ics.training_cohort_entry(facts_t, "en" if enrollment["language"] == "en" else "zh")
        return ics.build_calendar([entry_t], stamped_at=now, method=method)
    if item["kind"] == "village_stop" and item["tour_ride"]:
        return await _ride_calendar(item, sequence, method, recipient, organizer, now)
    return None


async def _ride_calendar(item: dict[str, Any], sequence: int, method: str, recipient: str,
                         organizer: ics.CalendarParty, now: datetime) -> bytes | None:
    """An employer's day on a tour bus: departure at the depot, the stops in order, return."""
    ride = await TourRide.select(
        TourRide.day, TourRide.bus, TourRide.departs_at, TourRide.returns_at, TourRide.stops,
        TourRide.campaign.name.as_alias("campaign_title"), TourRide.campaign,
        TourRide.organization.name.as_alias("name"),
        TourRide.organization.contact_name.as_alias("contact_name"),
    ).where(TourRide.id == item["tour_ride"]).output(load_json=True).first()
    if ride is None:
        return None
    setup = await TourSetup.select(TourSetup.timezone, TourSetup.depot_name, TourSetup.depot_address).where(
        TourSetup.campaign == ride["campaign"]).first()
    if setup is None:
        return None
    departure = " ".join(p for p in (setup["depot_name"], setup["depot_address"]) if p)
    facts = ics.VillageRideFacts(
        uid=item["uid"], sequence=sequence, timezone=setup["timezone"], campaign_title=ride["campaign_title"],
        bus_label=f"{ride['bus']}号车", departure_point=departure, departs_at=ride["departs_at"],
        returns_at=ride["returns_at"],
        stops=tuple(ics.VillageStop(s["village"], s["place"], datetime.fromisoformat(s["arrives_at"]),
                                    datetime.fromisoformat(s["leaves_at"])) for s in ride["stops"]),
        organizer=organizer, recipient=ics.CalendarParty(ride["contact_name"] or ride["name"], recipient),
        cancelled=method == "CANCEL")
    return ics.build_calendar([ics.village_ride_entry(facts, "zh")], stamped_at=now, method=method)


def training_facts(row: dict[str, Any], uid: str, sequence: int, organizer: ics.CalendarParty,
                   recipient: ics.CalendarParty, cancelled: bool) -> ics.TrainingCohortFacts:
    """A cohort row (title, timezone, first session, days, skipped_days, venue, online_url) as
    one person's recurring entry; ``skipped_days`` are ISO dates in the cohort's zone (JSON)."""
    skipped = row["skipped_days"]
    days = json.loads(skipped) if isinstance(skipped, str) else (skipped or [])
    return ics.TrainingCohortFacts(
        uid=uid, sequence=sequence, timezone=row["timezone"], title=row["title"],
        first_session_starts_at=row["first_session_starts_at"], first_session_ends_at=row["first_session_ends_at"],
        schedule=ics.DailyRepeat(count=row["days"], skipped=tuple(date.fromisoformat(d) for d in days)),
        venue_name=row["venue_name"], venue_address=row["venue_address"], online_url=row["online_url"] or None,
        organizer=organizer, recipient=recipient, cancelled=cancelled)


READ_IT: Any = object()
"""The calendar item is not known yet: :func:`booth_calendar_change` reads it."""


async def booth_calendar_change(reservation_id: int, what: str, now: datetime,
                                item: dict[str, Any] | None = READ_IT) -> tuple[int, int, str] | None:
    """Keep a booth reservation's calendar item in step with it; returns (item id, SEQUENCE,
    METHOD) for the message telling the employer, or ``None`` when calendars are not
    concerned (a hold, a hold that ran out, an offer: nothing is booked yet).

    confirmed / allocated → the item is made (SEQUENCE 0), REQUEST; moved → SEQUENCE + 1,
    REQUEST; cancelled after it was booked → SEQUENCE + 1, cancelled, CANCEL."""
    from fairs.services.calendar import new_uid  # calendar reads interviews, which this module must not need

    if item is READ_IT:  # else the caller read it in this transaction (id, sequence, cancelled), or None
        item = await CalendarItem.select(CalendarItem.id, CalendarItem.sequence, CalendarItem.cancelled).where(
            CalendarItem.booth_reservation == reservation_id).first()
    if what in ("confirmed", "allocated"):
        if item is not None:
            return None
        event = await BoothReservation.select(BoothReservation.event).where(
            BoothReservation.id == reservation_id).first()
        assert event is not None
        created = await CalendarItem.insert(CalendarItem(
            uid=new_uid(), sequence=0, kind="booth_reservation", event=event["event"],
            booth_reservation=reservation_id, cancelled=False, updated_at=now)).returning(CalendarItem.id)
        return int(created[0]["id"]), 0, "REQUEST"
    if item is None or item["cancelled"]:
        return None
    if what == "moved":
        sequence = item["sequence"] + 1
        await CalendarItem.update({CalendarItem.sequence: sequence, CalendarItem.updated_at: now}).where(
            CalendarItem.id == item["id"])
        return int(item["id"]), sequence, "REQUEST"
    if what in ("cancelled", "expired"):
        sequence = item["sequence"] + 1
        await CalendarItem.update({CalendarItem.sequence: sequence, CalendarItem.cancelled: True,
                                   CalendarItem.updated_at: now}).where(CalendarItem.id == item["id"])
        return int(item["id"]), sequence, "CANCEL"
    return None
