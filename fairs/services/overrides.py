"""Organizers' pins and bans for interview matching: before a run, an organizer of the event's
area may insist that a registered person meets an employer taking part (``pin``: proposed
whenever it can be), or must never be paired with it (``forbid``). One decision per pair and
event; the database refuses a second (``match_override_once``)."""

from __future__ import annotations

from typing import Any

from fairs.core.errors import InvalidInput, NotFound
from fairs.db.tables import Event, MatchOverride, Participation, Registration
from fairs.db.transactions import write_transaction
from fairs.services import scope
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.fairs_setup import require_organizer
from fairs.services.registrations import ACTIVE

KINDS = ("pin", "forbid")

_COLUMNS = (MatchOverride.id, MatchOverride.event, MatchOverride.attendee,
            MatchOverride.attendee.name.as_alias("attendee_name"), MatchOverride.organization,
            MatchOverride.organization.name.as_alias("organization_name"), MatchOverride.kind,
            MatchOverride.reason, MatchOverride.created_by, MatchOverride.created_at)


async def _event_of_my_area(actor: Actor, event_id: int) -> None:
    require_organizer(actor)
    if not await Event.exists().where(Event.id == event_id, scope.writable(actor, Event.area)):
        raise NotFound("no such event", field="event_id")


async def create_override(actor: Actor, event_id: int, attendee_id: int, organization_id: int, kind: str,
                          reason: str, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Pin or forbid one pair. The person must hold an active registration for the event
    (waitlisted counts: the pin applies once they have a place), the employer an approved
    participation."""
    await _event_of_my_area(actor, event_id)
    if kind not in KINDS:
        raise InvalidInput(f"must be one of {', '.join(KINDS)}", "kind")
    if not reason.strip():
        raise InvalidInput("say why: the decision is kept with its reason", "reason")
    async with write_transaction():
        if not await Registration.exists().where(Registration.event == event_id, Registration.attendee == attendee_id,
                                                 Registration.status.is_in(list(ACTIVE))):
            raise InvalidInput("this person is not registered for the event", "attendee_id")
        if not await Participation.exists().where(Participation.event == event_id,
                                                  Participation.organization == organization_id,
                                                  Participation.status == "approved"):
            raise InvalidInput("this employer does not take part in the event", "organization_id")
        row = MatchOverride(event=event_id, attendee=attendee_id, organization=organization_id, kind=kind,
                            reason=reason.strip(), created_by=actor.account_id, created_at=clock.now())
        await row.save()
    found = await MatchOverride.select(*_COLUMNS).where(MatchOverride.id == row.id).first()
    assert found is not None
    return found


async def list_overrides(actor: Actor, event_id: int) -> list[dict[str, Any]]:
    await _event_of_my_area(actor, event_id)
    return await MatchOverride.select(*_COLUMNS).where(MatchOverride.event == event_id).order_by(MatchOverride.id)


async def delete_override(actor: Actor, override_id: int) -> None:
    require_organizer(actor)
    async with write_transaction():
        mine = MatchOverride.event.is_in(scope.events_of_area(actor))
        if not await MatchOverride.exists().where(MatchOverride.id == override_id, mine):
            raise NotFound("no such match override", field="override_id")
        await MatchOverride.delete().where(MatchOverride.id == override_id)
