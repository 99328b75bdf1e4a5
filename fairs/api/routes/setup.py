"""Campaigns, venues with booths, events (organizers write; published events are public)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.params import JSONBody, QueryParameter

from fairs.api.idempotency import idempotent
from fairs.api.schemas import (
    BoothStateOut,
    CampaignChangeIn,
    CampaignIn,
    CampaignOut,
    EventChangeIn,
    EventIn,
    EventOut,
    RescheduleIn,
    VenueIn,
    VenueOut,
    convert,
)
from fairs.api.schemas.common import PathId, QueryId
from fairs.api.security import AnyRequest, actor_of, organizer, public
from fairs.services import booths, calendar, fairs_setup, reschedule

CALENDAR = "text/calendar"  # Litestar adds "; charset=utf-8" to text/* types


class SetupController(Controller):
    tags = ["campaigns and events"]

    @post("/campaigns", guards=[organizer], status_code=201)
    async def create_campaign(self, request: AnyRequest, data: JSONBody[CampaignIn]) -> Response[CampaignOut]:
        actor = actor_of(request)
        clock = request.app.state.clock

        async def write() -> CampaignOut:
            row = await fairs_setup.create_campaign(actor, data.name, data.kind, data.area_id, data.description, clock)
            return convert(row, CampaignOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/campaigns", guards=[public], description="Campaigns (public), optionally within an area.")
    async def list_campaigns(self, area_id: QueryId = None) -> list[CampaignOut]:
        return [convert(r, CampaignOut) for r in await fairs_setup.list_campaigns(area_id)]

    @get("/campaigns/{campaign_id:int}", guards=[public])
    async def get_campaign(self, campaign_id: PathId) -> CampaignOut:
        return convert(await fairs_setup.get_campaign(campaign_id), CampaignOut)

    @patch("/campaigns/{campaign_id:int}", guards=[organizer], description="Rename or describe a campaign of my area.")
    async def change_campaign(
        self, request: AnyRequest, campaign_id: PathId, data: JSONBody[CampaignChangeIn]
    ) -> CampaignOut:
        row = await fairs_setup.change_campaign(actor_of(request), campaign_id, data.name, data.description)
        return convert(row, CampaignOut)

    @post("/venues", guards=[organizer], status_code=201,
          description="A venue and its booths (the floor plan's booth list).")
    async def create_venue(self, request: AnyRequest, data: JSONBody[VenueIn]) -> Response[VenueOut]:
        actor = actor_of(request)
        clock = request.app.state.clock
        specs = [fairs_setup.BoothSpec(b.code, b.zone, b.width_m, b.depth_m, tuple(b.features)) for b in data.booths]

        async def write() -> VenueOut:
            timezone = data.timezone or request.app.state.settings.timezone
            row = await fairs_setup.create_venue(actor, data.name, data.area_id, data.address, data.latitude,
                                                 data.longitude, timezone, specs, clock)
            return convert(row, VenueOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @get("/venues", guards=[public])
    async def list_venues(self) -> list[VenueOut]:
        return [convert(r, VenueOut) for r in await fairs_setup.list_venues()]

    @get("/venues/{venue_id:int}", guards=[public])
    async def get_venue(self, venue_id: PathId) -> VenueOut:
        return convert(await fairs_setup.venue_with_booths(venue_id), VenueOut)

    @post("/events", guards=[organizer], status_code=201,
          description="Times must carry a UTC offset; the event's time zone comes from its venue.")
    async def create_event(self, request: AnyRequest, data: JSONBody[EventIn]) -> Response[EventOut]:
        actor = actor_of(request)
        clock = request.app.state.clock
        spec = fairs_setup.EventSpec(
            data.campaign_id, data.kind, data.title, data.starts_at, data.ends_at, data.venue_id, data.area_id,
            data.timezone, data.online_url, data.interview_slot_minutes, data.interviews_per_attendee,
            data.booth_mode, data.applications_close_at, data.booths_per_organization,
            data.events_per_organization_per_month, data.capacity, tuple(data.interview_blocks))

        async def write() -> EventOut:
            settings = request.app.state.settings
            return convert(await fairs_setup.create_event(actor, spec, clock, settings.timezone), EventOut)

        return await idempotent(request, actor, 201, write, clock.now())

    @patch("/events/{event_id:int}", guards=[organizer],
           description="Publish, close or cancel an event (draft → published → closed) and/or replace its "
                       "interview blocks; fields left out stay as they are.")
    async def change_event(
        self, request: AnyRequest, event_id: PathId, data: JSONBody[EventChangeIn]
    ) -> EventOut:
        blocks = None if data.interview_blocks is None else tuple(data.interview_blocks)
        row = await fairs_setup.change_event(actor_of(request), event_id, data.status, blocks,
                                             request.app.state.clock)
        return convert(row, EventOut)

    @post("/events/{event_id:int}/reschedule", guards=[organizer], status_code=200,
          description="Move the event (and with it its interviews and booths) to a new start; every calendar "
                      "entry of the event gets a higher SEQUENCE and each person concerned is told once.")
    async def reschedule(self, request: AnyRequest, event_id: PathId, data: JSONBody[RescheduleIn]) -> EventOut:
        row = await reschedule.reschedule_event(actor_of(request), event_id, data.starts_at, data.ends_at,
                                                request.app.state.clock)
        return convert(row, EventOut)

    @get("/events", guards=[public],
         description="Published events, soonest first; a signed-in organizer also sees the drafts of their area.")
    async def list_events(self, request: AnyRequest, campaign_id: QueryId = None,
                          area_id: QueryId = None) -> list[EventOut]:
        rows = await fairs_setup.list_events(request.scope.get("user"), campaign_id, area_id)
        return [convert(r, EventOut) for r in rows]

    @get("/events/{event_id:int}", guards=[public])
    async def get_event(self, request: AnyRequest, event_id: PathId) -> EventOut:
        return convert(await fairs_setup.get_event(event_id, request.scope.get("user")), EventOut)

    @get("/events/{event_id:int}/booths", guards=[public], description="Each booth's state: free, held, reserved.")
    async def event_booths(self, request: AnyRequest, event_id: PathId) -> list[BoothStateOut]:
        rows = await booths.booth_states(event_id, request.app.state.clock)
        return [convert(r, BoothStateOut) for r in rows]

    @get("/events/{event_id:int}/calendar.ics", guards=[public], media_type=CALENDAR,
         description="The fair as a calendar file (no METHOD: a download).")
    async def event_calendar(self, request: AnyRequest, event_id: PathId,
                             lang: Annotated[str, QueryParameter(pattern="^(zh|en)$")] = "zh") -> Response[bytes]:
        settings = request.app.state.settings
        body = await calendar.event_file(event_id, settings.organizer_mailbox, lang, request.app.state.clock)
        return Response(body, media_type=CALENDAR,
                        headers={"Content-Disposition": f'attachment; filename="fair-{event_id}.ics"'})
