"""Training cohorts (技能培训): free courses for job seekers, a session every day (e.g. the
10-day new-media course), given to each enrolled person as ONE recurring calendar entry
(RRULE, and an EXDATE for each cancelled day).

Each person's entry changes with iTIP semantics like every other item: enrolling makes it
(SEQUENCE 0) and sends REQUEST; cancelling a day gives it SEQUENCE + 1 and sends REQUEST (the
new file carries the EXDATE); withdrawing, or cancelling the cohort, gives SEQUENCE + 1, marks
it cancelled and sends CANCEL. People without e-mail get a plain text instead. The files are
built when the messages are sent (:mod:`fairs.services.invitations`).

Every write that changes a cohort or its enrollments locks the cohort row first, so the
capacity check, the day list and the SEQUENCE numbers are decided by one writer at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from piccolo.columns.combination import Or
from piccolo.query.functions.aggregate import Count

from fairs.core.errors import Conflict, InvalidInput, NotFound
from fairs.db.tables import Attendee, CalendarItem, TrainingCohort, TrainingEnrollment, Venue
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import scope
from fairs.services.areas import area_for, writable_area
from fairs.services.calendar import new_uid
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.fairs_setup import require_organizer
from fairs.services.invitations import calendar_content_type
from fairs.services.outbox import queue_message

MAX_DAYS = 30
COHORT: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"published", "cancelled"}),
    "published": frozenset({"cancelled"}),
    "cancelled": frozenset(),
}
ENROLLMENT: Mapping[str, frozenset[str]] = {"enrolled": frozenset({"withdrawn"}), "withdrawn": frozenset()}
PUBLIC = ["published"]


def _move(machine: str, table: Mapping[str, frozenset[str]], current: str, wanted: str) -> None:
    if wanted not in table[current]:
        raise Conflict(f"a {machine} that is {current} cannot become {wanted}", field="status",
                       code="invalid_transition")


@dataclass(frozen=True)
class CohortSpec:
    title: str
    first_session_starts_at: datetime
    first_session_ends_at: datetime
    days: int
    venue_id: int | None = None
    online_url: str = ""
    area_id: int | None = None
    """Default: the venue's area (an online cohort must name one)."""
    timezone: str | None = None
    """Default: the venue's zone, else the default zone (FAIRS_TIMEZONE)."""
    description: str = ""
    capacity: int | None = None


async def create_cohort(actor: Actor, spec: CohortSpec, clock: Clock = SYSTEM_CLOCK,
                        default_timezone: str = "Asia/Shanghai") -> dict[str, Any]:
    """A new cohort, as a draft (invisible to the public until published)."""
    require_organizer(actor)
    if not spec.title.strip():
        raise InvalidInput("must not be empty", "title")
    for field, value in (("first_session_starts_at", spec.first_session_starts_at),
                         ("first_session_ends_at", spec.first_session_ends_at)):
        if value.tzinfo is None:
            raise InvalidInput("must carry a UTC offset, e.g. 2027-03-15T09:00:00+08:00", field)
    if spec.first_session_ends_at <= spec.first_session_starts_at:
        raise InvalidInput("must be after first_session_starts_at", "first_session_ends_at")
    if spec.first_session_starts_at <= clock.now():
        raise InvalidInput("must be in the future", "first_session_starts_at")
    if not 1 <= spec.days <= MAX_DAYS:
        raise InvalidInput(f"must be 1 to {MAX_DAYS}", "days")
    if spec.capacity is not None and spec.capacity < 1:
        raise InvalidInput("must be at least 1 (leave it out for no limit)", "capacity")
    if spec.online_url and not spec.online_url.startswith(("https://", "http://")):
        raise InvalidInput("must be an http(s) link", "online_url")
    if spec.venue_id is None and not spec.online_url:
        raise InvalidInput("a cohort needs a venue or an online link", "venue_id")
    timezone, area_id, area_field = spec.timezone, spec.area_id, "area_id"
    if spec.venue_id is not None:
        venue = await Venue.select(Venue.timezone, Venue.area).where(Venue.id == spec.venue_id).first()
        if venue is None:
            raise InvalidInput("no such venue", "venue_id")
        timezone = timezone or venue["timezone"]
        if area_id is None:
            area_id, area_field = venue["area"], "venue_id"
    if area_id is None:
        raise InvalidInput("an online cohort needs its area", "area_id")
    timezone = timezone or default_timezone
    zone = _zone(timezone)
    if spec.first_session_starts_at.astimezone(zone).date() != spec.first_session_ends_at.astimezone(zone).date():
        raise InvalidInput(f"must be on the day of first_session_starts_at (in {timezone})", "first_session_ends_at")
    await writable_area(actor, area_id, area_field)
    async with write_transaction():
        created = await TrainingCohort.insert(TrainingCohort(
            area=area_id, title=spec.title.strip(), description=spec.description, venue=spec.venue_id,
            online_url=spec.online_url, timezone=timezone, first_session_starts_at=spec.first_session_starts_at,
            first_session_ends_at=spec.first_session_ends_at, days=spec.days, skipped_days=[],
            capacity=spec.capacity, status="draft", created_at=clock.now())).returning(TrainingCohort.id)
    return await get_cohort(int(created[0]["id"]), actor)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("must be an IANA time zone such as Asia/Shanghai", "timezone") from None


def _visible(actor: Actor | None) -> Any:
    """Published cohorts are public; an organizer also sees the drafts and cancelled ones of their area."""
    public = TrainingCohort.status.is_in(PUBLIC)
    if actor is not None and actor.is_organizer:
        return Or(public, scope.writable(actor, TrainingCohort.area))
    return public


def _days(cohort: Mapping[str, Any]) -> tuple[list[date], list[date]]:
    """Every day of the series in the cohort's zone, and the skipped ones."""
    first = cohort["first_session_starts_at"].astimezone(ZoneInfo(cohort["timezone"])).date()
    return [first + timedelta(days=i) for i in range(cohort["days"])], sorted(
        date.fromisoformat(d) for d in cohort["skipped_days"])


async def _enrolled_counts(cohort_ids: list[int]) -> dict[int, int]:
    rows = await TrainingEnrollment.select(TrainingEnrollment.cohort, Count()).where(
        TrainingEnrollment.cohort.is_in(cohort_ids or [-1]), TrainingEnrollment.status == "enrolled").group_by(
        TrainingEnrollment.cohort)
    return {r["cohort"]: r["count"] for r in rows}


def _shown(cohort: dict[str, Any], enrolled: int) -> dict[str, Any]:
    zone = ZoneInfo(cohort["timezone"])
    days, skipped = _days(cohort)
    return {**cohort, "first_session_starts_at": cohort["first_session_starts_at"].astimezone(zone),
            "first_session_ends_at": cohort["first_session_ends_at"].astimezone(zone),
            "skipped_days": [d.isoformat() for d in skipped],
            "session_days": [d.isoformat() for d in days if d not in skipped], "enrolled": enrolled}


async def get_cohort(cohort_id: int, actor: Actor | None = None) -> dict[str, Any]:
    cohort = await TrainingCohort.select().where(TrainingCohort.id == cohort_id, _visible(actor)).output(
        load_json=True).first()
    if cohort is None:
        raise NotFound("no such training cohort", field="cohort_id")
    return _shown(cohort, (await _enrolled_counts([cohort_id])).get(cohort_id, 0))


async def list_cohorts(actor: Actor | None = None, area_id: int | None = None) -> list[dict[str, Any]]:
    """Published cohorts (and an organizer's own drafts), soonest first: two queries."""
    query = TrainingCohort.select().where(_visible(actor)).order_by(TrainingCohort.first_session_starts_at).order_by(
        TrainingCohort.id).output(load_json=True)
    if area_id is not None:
        query = query.where(scope.in_area(TrainingCohort.area, (await area_for(area_id, "area_id"))["path"]))
    cohorts = await query
    counts = await _enrolled_counts([c["id"] for c in cohorts])
    return [_shown(c, counts.get(c["id"], 0)) for c in cohorts]


async def _locked_cohort(actor: Actor, cohort_id: int) -> dict[str, Any]:
    """The organizer's cohort, its row locked for the rest of the transaction."""
    require_organizer(actor)
    await lock_rows(TrainingCohort, [cohort_id])
    cohort = await TrainingCohort.select().where(
        TrainingCohort.id == cohort_id, scope.writable(actor, TrainingCohort.area)).output(load_json=True).first()
    if cohort is None:
        raise NotFound("no such training cohort", field="cohort_id")
    return cohort


async def publish_cohort(actor: Actor, cohort_id: int) -> dict[str, Any]:
    async with write_transaction():
        cohort = await _locked_cohort(actor, cohort_id)
        _move("training cohort", COHORT, cohort["status"], "published")
        await TrainingCohort.update({TrainingCohort.status: "published"}).where(TrainingCohort.id == cohort_id)
    return await get_cohort(cohort_id, actor)


async def cancel_cohort(actor: Actor, cohort_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Every enrolled person's entry: SEQUENCE + 1, cancelled, and one CANCEL (or a text)."""
    async with write_transaction():
        cohort = await _locked_cohort(actor, cohort_id)
        _move("training cohort", COHORT, cohort["status"], "cancelled")
        await TrainingCohort.update({TrainingCohort.status: "cancelled"}).where(TrainingCohort.id == cohort_id)
        await _change_entries(cohort, "cancelled", clock)
    return await get_cohort(cohort_id, actor)


async def cancel_day(actor: Actor, cohort_id: int, day: date, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """No session on ``day`` (a day of the series, in the cohort's zone, not yet begun); it is
    skipped, not made up. Every enrolled person's entry: SEQUENCE + 1 and one REQUEST (or a text)."""
    async with write_transaction():
        cohort = await _locked_cohort(actor, cohort_id)
        if cohort["status"] == "cancelled":
            raise Conflict("the cohort is cancelled", field="cohort_id", code="cohort_cancelled")
        days, skipped = _days(cohort)
        if day not in days:
            raise InvalidInput(f"must be a day of the cohort, {days[0]} to {days[-1]}", "date")
        if day in skipped:
            raise Conflict("this day is already cancelled", field="date", code="day_already_cancelled")
        if len(skipped) + 1 == len(days):
            raise InvalidInput("no session would be left: cancel the cohort instead", "date")
        zone = ZoneInfo(cohort["timezone"])
        session_starts = datetime.combine(day, cohort["first_session_starts_at"].astimezone(zone).time(), zone)
        if session_starts <= clock.now():
            raise InvalidInput("this day's session has already begun", "date")
        cohort["skipped_days"] = [d.isoformat() for d in sorted([*skipped, day])]
        await TrainingCohort.update({TrainingCohort.skipped_days: cohort["skipped_days"]}).where(
            TrainingCohort.id == cohort_id)
        await _change_entries(cohort, "day_cancelled", clock, day)
    return await get_cohort(cohort_id, actor)


async def enroll(actor: Actor, cohort_id: int, attendee_id: int | None, clock: Clock = SYSTEM_CLOCK
                 ) -> dict[str, Any]:
    """An attendee enrolls themselves; staff and organizers enroll a person they may change.
    Up to the cohort's capacity (counted under the cohort's row lock): beyond it 409 ``cohort_full``."""
    if actor.role == "attendee" and actor.attendee_id is not None:
        if attendee_id is not None and attendee_id != actor.attendee_id:
            raise NotFound("no such attendee", field="attendee_id")
        person_id = actor.attendee_id
    elif actor.role in scope.SCOPED_ROLES:
        if attendee_id is None:
            raise InvalidInput("say whom to enroll", "attendee_id")
        person_id = attendee_id
    else:
        raise NotFound("not found")
    async with write_transaction():
        if actor.role != "attendee" and not await Attendee.exists().where(
                Attendee.id == person_id, Attendee.id.is_in(scope.people_readable(actor, for_change=True))):
            raise NotFound("no such attendee", field="attendee_id")
        await lock_rows(TrainingCohort, [cohort_id])
        cohort = await TrainingCohort.select().where(  # a cancelled cohort was public: say why it is closed
            TrainingCohort.id == cohort_id, Or(_visible(actor), TrainingCohort.status == "cancelled")).output(
            load_json=True).first()
        if cohort is None:
            raise NotFound("no such training cohort", field="cohort_id")
        if cohort["status"] != "published":
            raise Conflict(f"the cohort is {cohort['status']}: not open for enrollment", field="cohort_id",
                           code="cohort_not_open")
        existing = await TrainingEnrollment.select(TrainingEnrollment.id).where(
            TrainingEnrollment.cohort == cohort_id, TrainingEnrollment.attendee == person_id,
            TrainingEnrollment.status == "enrolled").first()
        if existing is not None:
            raise Conflict("already enrolled in this training cohort", field="attendee_id",
                           code="training_enrollment_once", extra={"enrollment_id": existing["id"]})
        taken = (await _enrolled_counts([cohort_id])).get(cohort_id, 0)
        if cohort["capacity"] is not None and taken >= cohort["capacity"]:
            raise Conflict(f"the cohort is full ({cohort['capacity']} places)", field="cohort_id",
                           code="cohort_full")
        created = await TrainingEnrollment.insert(TrainingEnrollment(
            cohort=cohort_id, attendee=person_id, status="enrolled", created_at=clock.now())).returning(
            TrainingEnrollment.id)
        enrollment_id = int(created[0]["id"])
        item = await CalendarItem.insert(CalendarItem(
            uid=new_uid(), sequence=0, kind="training", training_enrollment=enrollment_id, cancelled=False,
            updated_at=clock.now())).returning(CalendarItem.id, CalendarItem.uid, CalendarItem.sequence)
        person = await Attendee.select(Attendee.email, Attendee.phone, Attendee.language).where(
            Attendee.id == person_id).first()
        assert person is not None
        await _tell({**item[0], **person}, "enrolled", await _wording(cohort, "enrolled", None), clock)
    return await get_enrollment(actor, enrollment_id)


def _enrollments(actor: Actor, *, for_change: bool = False) -> Any:
    """Attendees: their own. Staff: those of the people they may read (or change). Organizers:
    those too, and every enrollment in the cohorts of their area."""
    if actor.role == "attendee":
        return TrainingEnrollment.attendee == (actor.attendee_id or -1)
    if actor.role not in scope.SCOPED_ROLES:
        return TrainingEnrollment.id == -1
    condition: Any = TrainingEnrollment.attendee.is_in(scope.people_readable(actor, for_change=for_change))
    if actor.is_organizer:
        condition = Or(condition, TrainingEnrollment.cohort.is_in(
            TrainingCohort.select(TrainingCohort.id).where(scope.writable(actor, TrainingCohort.area))))
    return condition


_ENROLLMENT = (TrainingEnrollment.id, TrainingEnrollment.cohort, TrainingEnrollment.attendee,
               TrainingEnrollment.status, TrainingEnrollment.created_at)


async def get_enrollment(actor: Actor, enrollment_id: int) -> dict[str, Any]:
    row = await TrainingEnrollment.select(*_ENROLLMENT).where(
        TrainingEnrollment.id == enrollment_id, _enrollments(actor)).first()
    if row is None:
        raise NotFound("no such enrollment", field="enrollment_id")
    return row


async def list_enrollments(actor: Actor, cohort_id: int) -> list[dict[str, Any]]:
    """The enrollments of a cohort the actor may see, in order: one query."""
    return await TrainingEnrollment.select(*_ENROLLMENT).where(
        TrainingEnrollment.cohort == cohort_id, _enrollments(actor)).order_by(TrainingEnrollment.id)


async def withdraw(actor: Actor, enrollment_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """The person (or staff or an organizer for them) leaves the cohort: their entry gets
    SEQUENCE + 1, is cancelled, and they get one CANCEL (or a text)."""
    async with write_transaction():
        found = await TrainingEnrollment.select(TrainingEnrollment.cohort).where(
            TrainingEnrollment.id == enrollment_id, _enrollments(actor, for_change=True)).first()
        if found is None:
            raise NotFound("no such enrollment", field="enrollment_id")
        await lock_rows(TrainingCohort, [found["cohort"]])
        row = await TrainingEnrollment.select(TrainingEnrollment.status).where(
            TrainingEnrollment.id == enrollment_id).first()
        assert row is not None
        _move("training enrollment", ENROLLMENT, row["status"], "withdrawn")
        await TrainingEnrollment.update({TrainingEnrollment.status: "withdrawn"}).where(
            TrainingEnrollment.id == enrollment_id)
        cohort = await TrainingCohort.select().where(TrainingCohort.id == found["cohort"]).output(
            load_json=True).first()
        assert cohort is not None
        await _change_entries(cohort, "withdrawn", clock, enrollment_id=enrollment_id)
    return await get_enrollment(actor, enrollment_id)


async def _change_entries(cohort: dict[str, Any], what: str, clock: Clock, day: date | None = None,
                          enrollment_id: int | None = None) -> None:
    """Bump the live entries of the cohort's enrolled people (or of one enrollment) and tell
    each person once: ``day_cancelled`` keeps the entries (REQUEST), ``withdrawn`` and
    ``cancelled`` cancel them (CANCEL)."""
    if enrollment_id is not None:
        enrollments = TrainingEnrollment.select(TrainingEnrollment.id).where(TrainingEnrollment.id == enrollment_id)
    else:
        enrollments = TrainingEnrollment.select(TrainingEnrollment.id).where(
            TrainingEnrollment.cohort == cohort["id"], TrainingEnrollment.status == "enrolled")
    items = await CalendarItem.select(CalendarItem.id).where(
        CalendarItem.training_enrollment.is_in(enrollments), CalendarItem.cancelled.eq(False))
    if not items:
        return
    ids = [i["id"] for i in items]
    changes: dict[Any, Any] = {CalendarItem.sequence: CalendarItem.sequence + 1, CalendarItem.updated_at: clock.now()}
    if what != "day_cancelled":
        changes[CalendarItem.cancelled] = True
    await CalendarItem.update(changes).where(CalendarItem.id.is_in(ids))
    person = CalendarItem.training_enrollment.attendee
    bumped = await CalendarItem.select(
        CalendarItem.id, CalendarItem.uid, CalendarItem.sequence, person.email.as_alias("email"),
        person.phone.as_alias("phone"), person.language.as_alias("language")).where(
        CalendarItem.id.is_in(ids)).order_by(CalendarItem.id)
    wording = await _wording(cohort, what, day)
    for item in bumped:
        await _tell(item, what, wording, clock)


async def _tell(item: dict[str, Any], what: str, wording: dict[bool, tuple[str, str]], clock: Clock) -> None:
    """One message about one person's entry at its new SEQUENCE: the calendar by e-mail
    (built at delivery, in their language), or a plain text when they have no e-mail. Keyed
    ``calendar:{uid}:{sequence}:{recipient}:{channel}``, so a retried change queues nothing new.
    ``item``: the entry's id, uid and sequence and the person's email, phone and language."""
    subject, text = wording[item["language"] == "en"]
    if item["email"]:
        method = "REQUEST" if what in ("enrolled", "day_cancelled") else "CANCEL"
        await queue_message(f"calendar:{item['uid']}:{item['sequence']}:{item['email']}:email", "email",
                            item["email"], subject, text, clock, attachment_type=calendar_content_type(method),
                            calendar_item=item["id"], sequence=item["sequence"], method=method)
    else:
        await queue_message(f"calendar:{item['uid']}:{item['sequence']}:{item['phone']}:sms", "sms",
                            item["phone"], "", text, clock)


_SUBJECTS = {
    "enrolled": "培训报名成功 Training enrollment",
    "day_cancelled": "培训停课通知 Training session cancelled",
    "withdrawn": "已退出培训 Training withdrawal",
    "cancelled": "培训取消 Training cancelled",
}


async def _wording(cohort: dict[str, Any], what: str, day: date | None) -> dict[bool, tuple[str, str]]:
    """Subject and plain text, Chinese (``False``) and English (``True``), with dates and place."""
    zone = ZoneInfo(cohort["timezone"])
    start, end = (cohort[k].astimezone(zone) for k in ("first_session_starts_at", "first_session_ends_at"))
    days, skipped = _days(cohort)
    sessions, title = len(days) - len(skipped), cohort["title"]
    subject = f"{_SUBJECTS[what]} · {title}"
    if what == "day_cancelled":
        assert day is not None
        return {False: (subject, f"【就业服务】“{title}”{_day(day, False)}停课，其余课程照常（共{sessions}次课）。"),
                True: (subject, f"fairs: no {title} session on {_day(day, True)}; the other sessions go ahead "
                                f"({sessions} in all).")}
    if what == "withdrawn":
        return {False: (subject, f"【就业服务】您已退出“{title}”培训。"),
                True: (subject, f"fairs: you have left {title}.")}
    if what == "cancelled":
        return {False: (subject, f"【就业服务】“{title}”培训已取消，全部课程停止。"),
                True: (subject, f"fairs: {title} has been cancelled; there will be no sessions.")}
    parts = [cohort["online_url"]]
    if cohort["venue"] is not None:
        venue = await Venue.select(Venue.name, Venue.address).where(Venue.id == cohort["venue"]).first()
        assert venue is not None
        parts = [venue["name"], venue["address"], cohort["online_url"]]
    hours = f"{start:%H:%M}–{end:%H:%M}"
    zh_off, en_off = "、".join(_day(d, False) for d in skipped), ", ".join(_day(d, True) for d in skipped)
    zh = (f"【就业服务】您已报名“{title}”：{_day(days[0], False)}至{_day(days[-1], False)}，每天{hours}，"
          f"共{sessions}次课" + (f"（{zh_off}停课）" if zh_off else "")
          + f"。地点：{'，'.join(p for p in parts if p)}。")
    en = (f"fairs: you are enrolled in {title}: {_day(days[0], True)} to {_day(days[-1], True)}, every day "
          f"{hours}, {sessions} sessions" + (f" (none on {en_off})" if en_off else "")
          + f". Place: {', '.join(p for p in parts if p)}.")
    return {False: (subject, zh), True: (subject, en)}


def _day(day: date, en: bool) -> str:
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's
    return f"{day.day} {months[day.month - 1]} {day.year}" if en else f"{day.year}年{day.month}月{day.day}日"
