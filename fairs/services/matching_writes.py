"""What a matching run writes: its interviews, their calendar items and their invitations.

At festival scale (235,000 interviews) PostgreSQL takes seconds to index and check the new
interview rows (five indexes; the no-overlap rule and the references, once per statement:
``constraints.OVERLAP_IN_BULK``, ``INTERVIEW_REFERENCES_IN_BULK``), so the records of the
calendar items and the invitations are made in a thread while it does, and written after.
Everything is inside the run's one transaction: a crash leaves all of it or none. The
interviews' ids are drawn first, so nothing needs to be read back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core import matching
from fairs.db.tables import CalendarItem, InterviewSlot, Outbox
from fairs.db.transactions import copy_rows, new_ids
from fairs.services.calendar import new_uids
from fairs.services.invitations import calendar_content_type
from fairs.services.matching_data import Loaded

_INTERVIEW_COLUMNS = ("id", "event", "organization", "position", "attendee", "booth_reservation", "match_run",
                      "slot_index", "starts_at", "ends_at", "status", "fit_score", "fit_parts", "created_at")
_ITEM_COLUMNS = ("id", "uid", "sequence", "kind", "event", "interview_slot", "cancelled", "updated_at")
_OUTBOX_COLUMNS = ("idempotency_key", "channel", "recipient", "subject", "body", "attachment", "attachment_type",
                   "calendar_item", "sequence", "method", "created_at")


async def write_run(loaded: Loaded, interviews: Sequence[matching.ProposedInterview], event: dict[str, Any],
                    run_id: int, now: datetime) -> int:
    """Write the new interviews (``fit_parts`` empty: worked out on the first "why?", see
    :func:`fairs.services.interviews.why`), a calendar item for each and one invitation
    each, in the outbox: an e-mail with the calendar entry when the person has a mailbox,
    otherwise a text message (many attendees have no e-mail). Returns how many."""
    if not interviews:
        return 0
    ids = await new_ids(InterviewSlot, len(interviews))
    items = await new_ids(CalendarItem, len(interviews))
    grid, booth_of, event_id = loaded.grid, loaded.booth_of, event["id"]
    writing = asyncio.create_task(copy_rows(InterviewSlot, _INTERVIEW_COLUMNS, [
        (slot_id, event_id, p.organization_id, p.position_id, p.attendee_id, booth_of.get(p.organization_id), run_id,
         p.slot_index, grid[p.slot_index].starts_at, grid[p.slot_index].ends_at, "proposed", p.score, "{}", now)
        for slot_id, p in zip(ids, interviews, strict=True)]))
    try:
        calendar, messages = await asyncio.to_thread(_records, loaded, interviews, event, ids, items, now)
    finally:
        await writing  # its error, if any, before the thread's: the transaction is lost either way
    await copy_rows(CalendarItem, _ITEM_COLUMNS, calendar)
    await copy_rows(Outbox, _OUTBOX_COLUMNS, messages)
    return len(interviews)


def _records(loaded: Loaded, interviews: Sequence[matching.ProposedInterview], event: dict[str, Any],
             ids: list[int], items: list[int], now: datetime) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The calendar items' and the invitations' records (made while the interviews are written)."""
    event_id, title = event["id"], event["title"]
    calendar = [(item, uid, 0, "interview", event_id, slot_id, False, now)
                for item, uid, slot_id in zip(items, new_uids(len(items)), ids, strict=True)]
    zone = ZoneInfo(event["timezone"])
    at = [slot.starts_at.astimezone(zone).strftime("%m-%d %H:%M") for slot in loaded.grid]
    names, titles, booths, contacts = (loaded.organization_names, loaded.position_titles, loaded.booth_code_of,
                                       loaded.contacts)
    request = calendar_content_type("REQUEST")
    messages: list[tuple[Any, ...]] = []
    for slot_id, item, p in zip(ids, items, interviews, strict=True):
        person = contacts[p.attendee_id]
        text = invitation_text(person.language == "en", names[p.organization_id], titles[p.position_id],
                               at[p.slot_index], title, booths.get(p.organization_id))
        if person.email:  # the calendar file is built when the e-mail is sent (fairs/services/invitations.py)
            messages.append((f"interview-invite:{slot_id}:0:email", "email", person.email, text, text, "", request,
                             item, 0, "REQUEST", now))
        else:
            messages.append((f"interview-invite:{slot_id}:0:sms", "sms", person.phone, "", text, "", "", None, None,
                             "", now))
    return calendar, messages


def invitation_text(en: bool, organization: str, position: str, at: str, event_title: str,
                    booth_code: str | None) -> str:
    """The invitation's words; ``at`` is the start in the event's zone, ``MM-DD HH:MM``."""
    if en:
        booth = f", booth {booth_code}" if booth_code else ""
        return f"fairs: interview with {organization} ({position}) on {at}, {event_title}{booth}."
    booth = f"，展位{booth_code}" if booth_code else ""
    return f"【就业服务】您有一场面试：{organization}（{position}），{at}，{event_title}{booth}。"
