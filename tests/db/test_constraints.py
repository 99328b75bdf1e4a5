"""What must never happen is refused by the database itself, on both engines."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from fairs.db.integrity import constraint_name
from fairs.db.tables import (
    Attendee,
    Booth,
    Campaign,
    Event,
    InterviewSlot,
    Organization,
    Position,
    Registration,
    Venue,
)

T0 = datetime(2027, 3, 11, 1, 0, tzinfo=UTC)


async def world() -> dict[str, int]:
    campaign = Campaign(name="c", kind="festival", created_at=T0)
    await campaign.save()
    venue = Venue(name="v", created_at=T0)
    await venue.save()
    event = Event(campaign=campaign.id, venue=venue.id, kind="onsite_fair", title="e", starts_at=T0,
                  ends_at=T0 + timedelta(hours=3), created_at=T0)
    await event.save()
    org = Organization(name="o", credit_code="91430200MA4L0000X0", industry="x", created_at=T0)
    await org.save()
    org2 = Organization(name="o2", credit_code="91430200MA4L0000X1", industry="x", created_at=T0)
    await org2.save()
    position = Position(organization=org.id, title="p", industry="x", created_at=T0)
    await position.save()
    position2 = Position(organization=org2.id, title="p2", industry="x", created_at=T0)
    await position2.save()
    person = Attendee(name="a", phone="13900000001", consent_version="v", consent_at=T0, created_at=T0,
                      skills=[], desired_industries=[], priority_groups=[])
    await person.save()
    return {"event": event.id, "org": org.id, "org2": org2.id, "position": position.id,
            "position2": position2.id, "attendee": person.id, "venue": venue.id}


def interview(w: dict[str, int], start: datetime, minutes: int = 20, org: str = "org", **extra) -> InterviewSlot:
    return InterviewSlot(event=w["event"], organization=w[org], position=w["position" if org == "org" else "position2"],
                         attendee=w["attendee"], slot_index=0, starts_at=start,
                         ends_at=start + timedelta(minutes=minutes), created_at=T0, **extra)


async def refused(row, name: str) -> None:
    with pytest.raises(Exception) as error:
        await row.save()
    assert constraint_name(error.value) == name


async def test_an_attendee_cannot_have_two_overlapping_interviews():
    w = await world()
    await interview(w, T0).save()
    await refused(interview(w, T0 + timedelta(minutes=10), org="org2"), "interview_no_overlap")
    # back to back is fine, and a cancelled interview does not block the time
    await interview(w, T0 + timedelta(minutes=20), org="org2").save()
    assert await InterviewSlot.count() == 2


async def test_a_cancelled_interview_frees_its_time():
    w = await world()
    first = interview(w, T0, status="cancelled")
    await first.save()
    await interview(w, T0, org="org2").save()
    assert await InterviewSlot.count() == 2


async def test_moving_an_interview_onto_another_is_refused():
    w = await world()
    await interview(w, T0).save()
    later = interview(w, T0 + timedelta(hours=1), org="org2")
    await later.save()
    with pytest.raises(Exception) as error:
        await InterviewSlot.update({InterviewSlot.starts_at: T0 + timedelta(minutes=5),
                                    InterviewSlot.ends_at: T0 + timedelta(minutes=25)}).where(
            InterviewSlot.id == later.id)
    assert constraint_name(error.value) == "interview_no_overlap"


async def test_an_attendee_meets_an_employer_once_per_event():
    w = await world()
    await interview(w, T0).save()
    await refused(interview(w, T0 + timedelta(hours=1)), "interview_once_per_employer")


async def test_one_registration_per_attendee_and_event():
    w = await world()
    await Registration(attendee=w["attendee"], event=w["event"], created_at=T0).save()
    await refused(Registration(attendee=w["attendee"], event=w["event"], created_at=T0),
                  "registration_once_per_event")


async def test_booth_codes_are_unique_per_venue():
    w = await world()
    await Booth(venue=w["venue"], code="A01", features=[]).save()
    await refused(Booth(venue=w["venue"], code="A01", features=[]), "booth_code_per_venue")


@pytest.mark.parametrize(("changes", "name"), [
    ({"status": "maybe"}, "event_status"),
    ({"kind": "party"}, "event_kind"),
    ({"ends_at": T0 - timedelta(hours=1)}, "event_times"),
    ({"interview_slot_minutes": 0}, "event_interview_settings"),
])
async def test_event_rules_are_checked_by_the_database(changes, name):
    w = await world()
    columns = {"campaign": 1, "venue": w["venue"], "kind": "onsite_fair", "title": "e", "starts_at": T0,
               "ends_at": T0 + timedelta(hours=1), "created_at": T0, **changes}
    campaign = await Campaign.select(Campaign.id).first()
    columns["campaign"] = campaign["id"]
    await refused(Event(**columns), name)


async def test_an_interview_cannot_end_before_it_starts():
    w = await world()
    await refused(interview(w, T0, minutes=-20), "interview_times")


async def second_event(w: dict[str, int]) -> int:
    """Another event of the same campaign and venue, at the same time (an online fair, say)."""
    first = await Event.select(Event.campaign).where(Event.id == w["event"]).first()
    other = Event(campaign=first["campaign"], venue=w["venue"], kind="online_fair", title="e2", starts_at=T0,
                  ends_at=T0 + timedelta(hours=3), created_at=T0)
    await other.save()
    return int(other.id)


async def test_an_interview_of_another_event_at_the_same_time_is_refused():
    w = await world()
    await interview(w, T0).save()
    elsewhere = interview(w, T0 + timedelta(minutes=19), org="org2")
    elsewhere.event = await second_event(w)
    await refused(elsewhere, "interview_no_overlap")
    assert await InterviewSlot.count() == 1


async def test_overlapping_interviews_written_in_one_statement_are_refused_and_none_is_written():
    """A bulk write (as a matching run's) is checked as a whole, itself included."""
    w = await world()
    with pytest.raises(Exception) as error:
        await InterviewSlot.insert(interview(w, T0 + timedelta(hours=1)),
                                   interview(w, T0 + timedelta(hours=1, minutes=5), org="org2"))
    assert constraint_name(error.value) == "interview_no_overlap"
    assert await InterviewSlot.count() == 0
    await InterviewSlot.insert(interview(w, T0), interview(w, T0 + timedelta(minutes=20), org="org2"))
    assert await InterviewSlot.count() == 2


_INSERT = ("INSERT INTO interview_slot (event, organization, position, attendee, slot_index, starts_at, ends_at, "
           "status, fit_score, fit_parts, created_at) VALUES ($1, $2, $3, $4, 0, $5, $6, 'proposed', 0, '{}', $5)")


@pytest.mark.parametrize("first_ends", ["commit", "rollback"])
async def test_two_transactions_giving_one_attendee_overlapping_interviews_cannot_both_commit(first_ends):
    """Two events' writers, each in its own transaction, give the same attendee interviews at
    the same time. The second waits for the first (the attendee is locked) and then sees what
    it wrote: refused if the first committed, written if it rolled back. Without the wait
    (a check that only sees committed rows), both would commit."""
    from tests.conftest import DATABASE_URL, ENGINE

    if ENGINE != "postgres":
        pytest.skip("SQLite: one writer at a time, its row triggers see everything before them")
    import asyncpg

    w = await world()
    other = await second_event(w)
    first, second = await asyncpg.connect(DATABASE_URL), await asyncpg.connect(DATABASE_URL)
    try:
        one = first.transaction()
        await one.start()
        await first.execute(_INSERT, w["event"], w["org"], w["position"], w["attendee"], T0,
                            T0 + timedelta(minutes=20))

        async def write_second() -> None:
            async with second.transaction():
                await second.execute(_INSERT, other, w["org2"], w["position2"], w["attendee"],
                                     T0 + timedelta(minutes=10), T0 + timedelta(minutes=30))

        writing = asyncio.create_task(write_second())
        waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
        for _ in range(250):
            if await first.fetchval(waiting):
                break
            assert not writing.done(), "the second writer did not wait for the first"
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the second writer never waited for the first")
        await (one.commit() if first_ends == "commit" else one.rollback())
        if first_ends == "commit":
            with pytest.raises(asyncpg.ExclusionViolationError) as error:
                await asyncio.wait_for(writing, 10)
            assert constraint_name(error.value) == "interview_no_overlap"
        else:
            await asyncio.wait_for(writing, 10)
    finally:
        await first.close()
        await second.close()
    assert await InterviewSlot.count() == 1


async def test_an_update_that_moves_nothing_does_not_wait_for_a_writer_of_the_same_attendee():
    """Recording an outcome or a fit's parts cannot make an overlap, so it does not lock the
    attendee: it goes through while another transaction (a matching run, say) is writing
    interviews for the same person."""
    from tests.conftest import DATABASE_URL, ENGINE

    if ENGINE != "postgres":
        pytest.skip("SQLite: one writer at a time")
    import asyncpg

    w = await world()
    kept = interview(w, T0)
    await kept.save()
    other = await second_event(w)
    writer = await asyncpg.connect(DATABASE_URL)
    try:
        async with writer.transaction():
            await writer.execute(_INSERT, other, w["org2"], w["position2"], w["attendee"], T0 + timedelta(hours=1),
                                 T0 + timedelta(hours=1, minutes=20))
            async with asyncio.timeout(2):
                await InterviewSlot.update({InterviewSlot.fit_parts: {"skills": 4}}).where(InterviewSlot.id == kept.id)
            moving = asyncio.create_task(InterviewSlot.update({
                InterviewSlot.starts_at: T0 + timedelta(minutes=30), InterviewSlot.ends_at: T0 + timedelta(minutes=50),
            }).where(InterviewSlot.id == kept.id).run())
            await asyncio.sleep(0.3)
            assert not moving.done(), "moving an interview must wait for the other writer of its attendee"
        await asyncio.wait_for(moving, 10)
    finally:
        await writer.close()
    row = await InterviewSlot.select(InterviewSlot.starts_at).where(InterviewSlot.id == kept.id).first()
    assert row["starts_at"] == T0 + timedelta(minutes=30)


# --- the interviews' references (PostgreSQL: checked per statement, INTERVIEW_REFERENCES_IN_BULK)


def _refused_reference(error: BaseException, column: str, table: str = "interview_slot") -> None:
    from tests.conftest import ENGINE

    if ENGINE == "postgres":
        import asyncpg

        assert isinstance(error, asyncpg.ForeignKeyViolationError), error
        assert constraint_name(error) == f"{table}_{column}_fkey"
    else:
        assert "FOREIGN KEY constraint failed" in str(error)


@pytest.mark.parametrize("column", ["event", "organization", "position", "attendee", "booth_reservation",
                                    "match_run", "hired_position", "outcome_by"])
async def test_an_interview_refers_only_to_rows_that_exist(column):
    w = await world()
    row = interview(w, T0)
    setattr(row, column, 987_654)
    with pytest.raises(Exception) as error:
        await row.save()
    _refused_reference(error.value, column)
    assert await InterviewSlot.count() == 0
    kept = interview(w, T0)
    await kept.save()
    with pytest.raises(Exception) as error:  # moving a reference is checked too
        await InterviewSlot.update({getattr(InterviewSlot, column): 987_654}).where(InterviewSlot.id == kept.id)
    _refused_reference(error.value, column)


@pytest.mark.parametrize(("table", "column"), [(Attendee, "attendee"), (Position, "position"),
                                               (Organization, "organization"), (Event, "event")])
async def test_what_an_interview_refers_to_cannot_be_deleted(table, column):
    w = await world()
    await interview(w, T0).save()
    with pytest.raises(Exception) as error:
        await table.delete().where(table.id == w[column if column != "organization" else "org"])
    _refused_reference(error.value, column)
    if column == "position":  # the other organization's position has no interview: it may go
        await Position.delete().where(Position.id == w["position2"])
        assert not await Position.exists().where(Position.id == w["position2"])


async def test_deleting_a_match_run_or_booth_reservation_empties_its_interviews_references():
    from fairs.db.tables import BoothReservation, MatchRun

    w = await world()
    run = MatchRun(event=w["event"], created_at=T0)
    await run.save()
    booth = Booth(venue=w["venue"], code="A01", zone="z", features=[])
    await booth.save()
    reservation = BoothReservation(booth=booth.id, event=w["event"], organization=w["org"], status="confirmed",
                                   interviewers=1, source="hold", created_at=T0)
    await reservation.save()
    kept = interview(w, T0, match_run=run.id, booth_reservation=reservation.id)
    await kept.save()
    await MatchRun.delete().where(MatchRun.id == run.id)
    await BoothReservation.delete().where(BoothReservation.id == reservation.id)
    row = await InterviewSlot.select(InterviewSlot.match_run, InterviewSlot.booth_reservation).where(
        InterviewSlot.id == kept.id).first()
    assert row == {"match_run": None, "booth_reservation": None}


async def test_the_position_someone_was_hired_for_stays_and_the_recorder_of_an_outcome_may_go():
    from fairs.db.tables import Account

    w = await world()
    recorder = Account(login="clerk", password_hash="-", role="employer", organization=w["org2"], departments=[],
                       created_at=T0)
    await recorder.save()
    hired = interview(w, T0, hired_position=w["position2"], outcome_by=recorder.id)
    await hired.save()
    with pytest.raises(Exception) as error:
        await Position.delete().where(Position.id == w["position2"])
    _refused_reference(error.value, "hired_position")
    await Account.delete().where(Account.id == recorder.id)
    row = await InterviewSlot.select(InterviewSlot.hired_position, InterviewSlot.outcome_by).where(
        InterviewSlot.id == hired.id).first()
    assert row == {"hired_position": w["position2"], "outcome_by": None}


@pytest.mark.parametrize("parent", ["attendee", "position"])
@pytest.mark.parametrize("first", ["interview", "deletion"])
async def test_an_interview_and_the_deletion_of_what_it_refers_to_cannot_both_commit(first, parent):
    """Two transactions: one writes an interview, the other deletes its attendee or position.
    Whichever comes second waits for the first and is then refused. (The position is locked
    by the reference check alone; the attendee by the overlap check too.)"""
    from tests.conftest import DATABASE_URL, ENGINE

    if ENGINE != "postgres":
        pytest.skip("SQLite: one writer at a time")
    import asyncpg

    w = await world()
    writes = {
        "interview": lambda c: c.execute(_INSERT, w["event"], w["org"], w["position"], w["attendee"], T0,
                                         T0 + timedelta(minutes=20)),
        "deletion": lambda c: c.execute(f'DELETE FROM "{parent}" WHERE id = $1', w[parent]),
    }
    second_kind = "deletion" if first == "interview" else "interview"
    one, two = await asyncpg.connect(DATABASE_URL), await asyncpg.connect(DATABASE_URL)
    try:
        opened = one.transaction()
        await opened.start()
        await writes[first](one)

        async def then() -> None:
            async with two.transaction():
                await writes[second_kind](two)

        waiting = asyncio.create_task(then())
        for _ in range(250):
            if await one.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"):
                break
            assert not waiting.done(), "the second did not wait for the first"
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the second never waited for the first")
        await opened.commit()
        with pytest.raises(asyncpg.ForeignKeyViolationError) as error:
            await asyncio.wait_for(waiting, 10)
        assert constraint_name(error.value) == f"interview_slot_{parent}_fkey"
    finally:
        await one.close()
        await two.close()
    assert await InterviewSlot.count() == (1 if first == "interview" else 0)
    table = Attendee if parent == "attendee" else Position
    assert await table.exists().where(table.id == w[parent]) == (first == "interview")


async def test_a_calendar_item_refers_only_to_rows_that_exist_and_keeps_its_event_and_interview():
    from fairs.db.tables import CalendarItem

    w = await world()
    kept = interview(w, T0)
    await kept.save()
    for column in ("event", "interview_slot", "booth_reservation", "training_enrollment", "tour_ride"):
        item = CalendarItem(uid=f"missing-{column}", kind="interview", event=w["event"], interview_slot=kept.id,
                            updated_at=T0)
        setattr(item, column, 987_654)
        with pytest.raises(Exception) as error:
            await item.save()
        _refused_reference(error.value, column, "calendar_item")
    item = CalendarItem(uid="kept", kind="interview", event=w["event"], interview_slot=kept.id, updated_at=T0)
    await item.save()
    with pytest.raises(Exception) as error:
        await InterviewSlot.delete().where(InterviewSlot.id == kept.id)
    _refused_reference(error.value, "interview_slot", "calendar_item")
    other = await second_event(w)  # an event with a calendar item and no interview
    await CalendarItem(uid="fair", kind="fair_event", event=other, updated_at=T0).save()
    with pytest.raises(Exception) as error:
        await Event.delete().where(Event.id == other)
    _refused_reference(error.value, "event", "calendar_item")
    await CalendarItem.delete().where(CalendarItem.uid == "fair")
    await Event.delete().where(Event.id == other)
    assert await CalendarItem.count() == 1


async def test_a_booth_reservation_with_a_calendar_item_cannot_be_deleted():
    from fairs.db.tables import BoothReservation, CalendarItem

    w = await world()
    booth = Booth(venue=w["venue"], code="A01", zone="z", features=[])
    await booth.save()
    reservation = BoothReservation(booth=booth.id, event=w["event"], organization=w["org"], status="confirmed",
                                   interviewers=1, source="hold", created_at=T0)
    await reservation.save()
    await CalendarItem(uid="booth", kind="booth_reservation", event=w["event"], booth_reservation=reservation.id,
                       updated_at=T0).save()
    with pytest.raises(Exception) as error:
        await BoothReservation.delete().where(BoothReservation.id == reservation.id)
    _refused_reference(error.value, "booth_reservation", "calendar_item")
    assert await BoothReservation.exists().where(BoothReservation.id == reservation.id)


async def test_an_invitation_refers_only_to_a_calendar_item_that_exists_and_loses_it_when_it_goes():
    from fairs.db.tables import CalendarItem, Outbox

    w = await world()
    item = CalendarItem(uid="one", kind="fair_event", event=w["event"], updated_at=T0)
    await item.save()
    with pytest.raises(Exception) as error:
        await Outbox(idempotency_key="missing", channel="email", calendar_item=987_654).save()
    _refused_reference(error.value, "calendar_item", "outbox")
    message = Outbox(idempotency_key="kept", channel="email", calendar_item=item.id)
    await message.save()
    with pytest.raises(Exception) as error:  # moving the reference is checked too
        await Outbox.update({Outbox.calendar_item: 987_654}).where(Outbox.id == message.id)
    _refused_reference(error.value, "calendar_item", "outbox")
    await CalendarItem.delete().where(CalendarItem.id == item.id)
    assert await Outbox.select(Outbox.calendar_item).where(Outbox.id == message.id).first() == {
        "calendar_item": None}
