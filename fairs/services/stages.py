"""How far each person got at each fair, kept on their registration so reports read one row
per person instead of aggregating every interview (``fairs bench reports``).

``registration.outcome_rank`` is the best outcome among the person's kept interviews at that
fair (0 nothing marked or a no-show, 1 interviewed, 2 offer, 3 hired) and
``registration.retained`` (like ``interview_slot.retained``) the answered follow-up calls that
found them still employed (1: one month, 2: three, 4: six; added up).

They are derived data, recomputed from the interviews and follow-up calls — never set by hand
— in the transaction of every change that can move them: an outcome marked, a call
answered, an interview declined or cancelled, an event cancelled. :func:`refresh` recomputes
them for any set of fairs (after a bulk load, or to repair); a test checks the reports against
an independent count straight from the interviews.
"""

from __future__ import annotations

from collections.abc import Sequence

from fairs.db.tables import Registration

RANK = ("CASE i.outcome WHEN 'hired' THEN 3 WHEN 'offer' THEN 2 WHEN 'attended' THEN 1 ELSE 0 END")
INTERVIEW_RETAINED = (
    "(SELECT coalesce(max(CASE WHEN f.kind = 'retention_1m' THEN 1 ELSE 0 END), 0) "
    "+ coalesce(max(CASE WHEN f.kind = 'retention_3m' THEN 2 ELSE 0 END), 0) "
    "+ coalesce(max(CASE WHEN f.kind = 'retention_6m' THEN 4 ELSE 0 END), 0) "
    "FROM follow_up f WHERE f.interview = interview_slot.id AND f.status = 'done' "
    "AND f.answer = 'still_employed')")


def _pairs_condition(table: str, event_ids: Sequence[int], attendee_id: int | None) -> str:
    events = ", ".join(str(int(e)) for e in sorted(set(event_ids))) or "-1"
    condition = f"{table}.event IN ({events})"
    if attendee_id is not None:
        condition += f" AND {table}.attendee = {int(attendee_id)}"
    return condition


async def refresh(event_ids: Sequence[int], attendee_id: int | None = None) -> None:
    """Recompute the interviews' ``retained`` and the registrations' ``outcome_rank`` and
    ``retained`` at these fairs (of one person, when given). Call inside the transaction of
    the change."""
    if not event_ids:
        return
    await Registration.raw(
        f"UPDATE interview_slot SET retained = {INTERVIEW_RETAINED} "
        f"WHERE {_pairs_condition('interview_slot', event_ids, attendee_id)} AND outcome = 'hired'")
    await Registration.raw(
        f"UPDATE interview_slot SET retained = 0 "
        f"WHERE {_pairs_condition('interview_slot', event_ids, attendee_id)} AND outcome <> 'hired' AND retained <> 0")
    kept = ("FROM interview_slot i WHERE i.event = registration.event AND i.attendee = registration.attendee "
            "AND i.status IN ('proposed', 'accepted')")
    retained = " | ".join(f"coalesce(max(i.retained & {bit}), 0)" for bit in (1, 2, 4))
    await Registration.raw(
        f"UPDATE registration SET outcome_rank = coalesce((SELECT max({RANK}) {kept}), 0), "
        f"retained = (SELECT {retained} {kept}) "
        f"WHERE {_pairs_condition('registration', event_ids, attendee_id)}")
