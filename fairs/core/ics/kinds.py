"""One builder per kind of calendar item: plain facts to a :class:`CalendarEntry` in the
recipient's language (Chinese unless ``"en"``).
"""

from __future__ import annotations

from datetime import date, datetime

from fairs.core.ics.entries import (
    CalendarEntry,
    Conference,
    Language,
    _aware,
    _invalid,
    _series_days,
    _span,
    _zone,
)
from fairs.core.ics.facts import (
    BoothReservationFacts,
    CalendarFacts,
    FairEventFacts,
    InterviewFacts,
    TrainingCohortFacts,
    VillageRideFacts,
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def calendar_entry(facts: CalendarFacts, language: Language) -> CalendarEntry:
    """The entry for any kind of facts (dispatches to the builder of that kind)."""
    if isinstance(facts, InterviewFacts):
        return interview_entry(facts, language)
    if isinstance(facts, FairEventFacts):
        return fair_event_entry(facts, language)
    if isinstance(facts, BoothReservationFacts):
        return booth_reservation_entry(facts, language)
    if isinstance(facts, VillageRideFacts):
        return village_ride_entry(facts, language)
    return training_cohort_entry(facts, language)


def interview_entry(facts: InterviewFacts, language: Language) -> CalendarEntry:
    """Calendar entry for one interview, written for ``facts.recipient`` only.

    Summary, description and location are in the recipient's language (Chinese unless
    ``language == "en"``). The recipient is the only ATTENDEE: the file holds no other
    person's data (no candidate name in the employer's copy, no contact in the candidate's).
    An online interview (``meeting_url``) carries URL and CONFERENCE; its LOCATION is the
    venue when there is one, else the meeting link.
    """
    _span(facts.starts_at, facts.ends_at, "starts_at", "ends_at")
    en = language == "en"
    booth = facts.booth_code.strip() if facts.booth_code else ""
    place = _joined(facts.venue_name, facts.venue_address)
    if booth:
        place = _joined(place, f"Booth {booth}" if en else f"展位 {booth}")
    if en:
        summary = f"Interview: {facts.organization_name} · {facts.position_title}"
        lines = [
            facts.event_title,
            f"Employer: {facts.organization_name}",
            f"Position: {facts.position_title}",
            f"Place: {place}" if place else "",
            f"Online: {facts.meeting_url}" if facts.meeting_url else "",
            "Bring your check-in code. No ID card is needed to register.",
        ]
    else:
        summary = f"面试：{facts.organization_name} · {facts.position_title}"
        lines = [
            facts.event_title,
            f"单位：{facts.organization_name}",
            f"岗位：{facts.position_title}",
            f"地点：{place}" if place else "",
            f"线上面试：{facts.meeting_url}" if facts.meeting_url else "",
            "请带好签到码到场签到，报名无需身份证。",
        ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        timezone=facts.timezone,
        summary=_summary(summary, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "interview", en),
        location=place or facts.meeting_url or "",
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        url=facts.meeting_url or None,
        conference=_conference(facts.meeting_url, "Video interview" if en else "视频面试"),
        cancelled=facts.cancelled,
        categories=("Interview",) if en else ("面试",),
    )


def fair_event_entry(facts: FairEventFacts, language: Language) -> CalendarEntry:
    """Calendar entry for the fair itself; its recipient, if any, is the only ATTENDEE.

    The summary is the fair's title as written (marked when cancelled). LOCATION is "venue, address" when the fair
    has a venue; an online fair without a venue gets its URL as LOCATION. With an online URL
    the entry also carries URL and CONFERENCE (the livestream room).
    """
    _span(facts.starts_at, facts.ends_at, "starts_at", "ends_at")
    en = language == "en"
    venue = _joined(facts.venue_name, facts.venue_address)
    lines = [
        facts.title,
        (f"Place: {venue}" if en else f"地点：{venue}") if venue else "",
        (f"Online: {facts.online_url}" if en else f"线上参加：{facts.online_url}") if facts.online_url else "",
    ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        timezone=facts.timezone,
        summary=_summary(facts.title, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "fair", en),
        location=venue or facts.online_url or "",
        organizer=facts.organizer,
        attendees=(facts.recipient,) if facts.recipient else (),
        url=facts.online_url or None,
        conference=_conference(facts.online_url, "Livestream room" if en else "直播间"),
        cancelled=facts.cancelled,
        categories=("Job fair",) if en else ("招聘会",),
    )


def booth_reservation_entry(facts: BoothReservationFacts, language: Language) -> CalendarEntry:
    """Calendar entry for an employer's reserved booth, for ``facts.recipient`` (its contact).

    The item spans setup start to closing; the description gives setup time and open hours
    separately, in the entry's zone. Requires ``setup_starts_at <= opens_at < closes_at``.
    """
    _span(facts.opens_at, facts.closes_at, "opens_at", "closes_at")
    _aware(facts.setup_starts_at, "setup_starts_at")
    if facts.setup_starts_at > facts.opens_at:
        raise _invalid("setup_starts_at", "setup_starts_at must not be after opens_at")
    en = language == "en"
    zone = _zone(facts.timezone, "timezone")
    setup, opens, closes = (t.astimezone(zone) for t in (facts.setup_starts_at, facts.opens_at, facts.closes_at))
    venue = _joined(facts.venue_name, facts.venue_address)
    if en:
        summary = f"Booth {facts.booth_code} · {facts.event_title}"
        lines = [
            facts.event_title,
            f"Employer: {facts.organization_name}",
            f"Booth: {facts.booth_code}",
            f"Setup: {_moment(setup, en)}–{_moment(opens, en, setup)}",
            f"Open: {_moment(opens, en)}–{_moment(closes, en, opens)}",
            f"Place: {venue}",
        ]
    else:
        summary = f"展位 {facts.booth_code} · {facts.event_title}"
        lines = [
            facts.event_title,
            f"单位：{facts.organization_name}",
            f"展位：{facts.booth_code}",
            f"布展：{_moment(setup, en)}–{_moment(opens, en, setup)}",
            f"开放：{_moment(opens, en)}–{_moment(closes, en, opens)}",
            f"地点：{venue}",
        ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.setup_starts_at,
        ends_at=facts.closes_at,
        timezone=facts.timezone,
        summary=_summary(summary, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "booth", en),
        location=_joined(venue, f"Booth {facts.booth_code}" if en else f"展位 {facts.booth_code}"),
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        cancelled=facts.cancelled,
        categories=("Booth",) if en else ("展位",),
    )


def village_ride_entry(facts: VillageRideFacts, language: Language) -> CalendarEntry:
    """Calendar entry for an employer riding a Hundred-Villages bus for one day.

    The item runs from departure to return; LOCATION is the departure point (where to be);
    the summary names the villages in order and the description lists each stop's hours.
    Requires at least one stop, stops in time order without overlap, all within the ride.
    """
    _span(facts.departs_at, facts.returns_at, "departs_at", "returns_at")
    if not facts.stops:
        raise _invalid("stops", "stops must name at least one village stop")
    previous, previous_field = facts.departs_at, "departs_at"
    for i, stop in enumerate(facts.stops):
        _span(stop.arrives_at, stop.leaves_at, f"stops[{i}].arrives_at", f"stops[{i}].leaves_at")
        if stop.arrives_at < previous:
            raise _invalid(f"stops[{i}].arrives_at", f"stops[{i}].arrives_at must not be before {previous_field}")
        previous, previous_field = stop.leaves_at, f"stops[{i}].leaves_at"
    if facts.returns_at < previous:
        raise _invalid("returns_at", f"returns_at must not be before {previous_field}")
    en = language == "en"
    zone = _zone(facts.timezone, "timezone")
    departs, returns = facts.departs_at.astimezone(zone), facts.returns_at.astimezone(zone)
    route = " → ".join(stop.village_name for stop in facts.stops)
    stops = [
        f"{n}. {_moment(s.arrives_at.astimezone(zone), en, departs)}–"
        f"{_moment(s.leaves_at.astimezone(zone), en, departs)} "
        + (f"{s.village_name} ({s.place})" if en else f"{s.village_name}（{s.place}）")
        for n, s in enumerate(facts.stops, start=1)
    ]
    if en:
        summary = f"{facts.campaign_title}: {facts.bus_label}, {route}"
        lines = [
            facts.campaign_title,
            f"Bus: {facts.bus_label}",
            f"Departure: {_moment(departs, en)}, {facts.departure_point}",
            "Stops:",
            *stops,
            f"Back: about {_moment(returns, en, departs)}, at {facts.departure_point}",
        ]
    else:
        summary = f"{facts.campaign_title}：{facts.bus_label} {route}"
        lines = [
            facts.campaign_title,
            f"车辆：{facts.bus_label}",
            f"出发：{_moment(departs, en)}，{facts.departure_point}",
            "当日站点：",
            *stops,
            f"返回：约 {_moment(returns, en, departs)} 回到{facts.departure_point}",
        ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.departs_at,
        ends_at=facts.returns_at,
        timezone=facts.timezone,
        summary=_summary(summary, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "ride", en),
        location=facts.departure_point,
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        cancelled=facts.cancelled,
        categories=("Hundred Villages",) if en else ("百企进百村",),
    )


def training_cohort_entry(facts: TrainingCohortFacts, language: Language) -> CalendarEntry:
    """Calendar entry for a training cohort: ONE recurring item, a session every day.

    DTSTART/DTEND are the first session; RRULE repeats it daily (COUNT or UNTIL); each
    skipped (cancelled) day is an EXDATE. The description states the daily hours, the number
    of sessions or the last day, and the skipped days, in the recipient's language.
    """
    _span(facts.first_session_starts_at, facts.first_session_ends_at, "first_session_starts_at",
          "first_session_ends_at")
    en = language == "en"
    zone = _zone(facts.timezone, "timezone")
    start = facts.first_session_starts_at.astimezone(zone)
    end = facts.first_session_ends_at.astimezone(zone)
    days = _series_days(start.date(), facts.schedule, "schedule")
    hours = f"{start:%H:%M}–{_moment(end, en, start)}"
    sessions = len(days) - len(facts.schedule.skipped)
    venue = _joined(facts.venue_name, facts.venue_address)
    skipped = ", ".join(_day(d, en) for d in sorted(facts.schedule.skipped)) if en else "、".join(
        _day(d, en) for d in sorted(facts.schedule.skipped))
    if en:
        lines = [
            facts.title,
            f"Every day {hours}, from {_day(days[0], en)} to {_day(days[-1], en)}, "
            + (f"{sessions} sessions" if sessions > 1 else "1 session"),
            f"No session on: {skipped}" if skipped else "",
            f"Place: {venue}" if venue else "",
            f"Online: {facts.online_url}" if facts.online_url else "",
        ]
    else:
        lines = [
            facts.title,
            f"时间：{_day(days[0], en)}至{_day(days[-1], en)}，每天 {hours}，共 {sessions} 次课",
            f"停课：{skipped}" if skipped else "",
            f"地点：{venue}" if venue else "",
            f"线上参加：{facts.online_url}" if facts.online_url else "",
        ]
    return CalendarEntry(
        uid=facts.uid,
        sequence=facts.sequence,
        starts_at=facts.first_session_starts_at,
        ends_at=facts.first_session_ends_at,
        timezone=facts.timezone,
        summary=_summary(facts.title, facts.cancelled, en),
        description=_description(lines, facts.cancelled, "training", en),
        location=venue or facts.online_url or "",
        organizer=facts.organizer,
        attendees=(facts.recipient,),
        url=facts.online_url or None,
        conference=_conference(facts.online_url, "Online class" if en else "线上课堂"),
        repeat=facts.schedule,
        cancelled=facts.cancelled,
        categories=("Training",) if en else ("培训",),
    )


# --- helpers: text -----------------------------------------------------------------------

_CANCELLED = {
    ("interview", False): "此面试已取消。",
    ("interview", True): "This interview has been cancelled.",
    ("fair", False): "此招聘会已取消。",
    ("fair", True): "This fair has been cancelled.",
    ("booth", False): "此展位预订已取消。",
    ("booth", True): "This booth reservation has been cancelled.",
    ("ride", False): "此行程已取消。",
    ("ride", True): "This ride has been cancelled.",
    ("training", False): "此培训已取消。",
    ("training", True): "This training has been cancelled.",
}


def _description(lines: list[str], cancelled: bool, kind: str, en: bool) -> str:
    kept = [line for line in lines if line]
    return "\n".join([_CANCELLED[kind, en], *kept] if cancelled else kept)


def _summary(summary: str, cancelled: bool, en: bool) -> str:
    """A cancelled item says so in its title too: some calendars show it despite STATUS."""
    return ("Cancelled: " if en else "已取消：") + summary if cancelled else summary


def _joined(*parts: str | None) -> str:
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _day(day: date, en: bool) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}" if en else f"{day.year}年{day.month}月{day.day}日"


def _moment(at: datetime, en: bool, same_day_as: datetime | None = None) -> str:
    """``HH:MM``, with the date in front unless it is the date of ``same_day_as``."""
    if same_day_as is not None and at.date() == same_day_as.date():
        return f"{at:%H:%M}"
    return f"{_day(at.date(), en)} {at:%H:%M}"


def _conference(uri: str | None, label: str) -> Conference | None:
    return Conference(uri, label) if uri else None
