"""What the organizer's page modules share: the event page's context (other pages answer on
the event page when they refuse), in the organizer's scope."""

from __future__ import annotations

from typing import Any

from fairs.core.errors import NotFound
from fairs.services import fairs_setup, floorplans, rollups
from fairs.web.view import AnyRequest, signed_in


async def event_page_context(request: AnyRequest, event_id: int) -> dict[str, Any]:
    """The event (of the organizer's area: another area's event, even a published one, is a
    404), its figures, venue, floor plans and campaign."""
    actor = signed_in(request, "organizer")
    event = await fairs_setup.get_event(event_id, actor)
    mine = {e["id"]: e for c in await rollups.area_campaigns(actor) for e in c["events"]}
    if event_id not in mine:
        raise NotFound("no such event", field="event_id")
    venue = await fairs_setup.venue_with_booths(event["venue"]) if event["venue"] else None
    plans = await floorplans.list_plans(event["venue"]) if event["venue"] else []
    campaign = await fairs_setup.get_campaign(event["campaign"])
    return {"event": event, "figures": mine[event_id], "venue": venue, "plans": plans, "campaign": campaign}
