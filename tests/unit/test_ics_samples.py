"""Sample facts of every calendar item kind, shared by the test_ics_* modules.

Each kind lives through four forms: ``request`` (new, SEQUENCE 0, METHOD:REQUEST), ``update``
(changed, SEQUENCE 1, METHOD:REQUEST), ``cancel`` (SEQUENCE 2, METHOD:CANCEL) and
``download`` (the current state, SEQUENCE 1, no METHOD). The clock is fixed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from fairs.core.ics import (
    BoothReservationFacts,
    CalendarFacts,
    CalendarParty,
    DailyRepeat,
    FairEventFacts,
    InterviewFacts,
    Language,
    Method,
    TrainingCohortFacts,
    VillageRideFacts,
    VillageStop,
    build_calendar,
    calendar_entry,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
STAMP = datetime(2027, 3, 1, 20, 15, tzinfo=SHANGHAI)  # 12:15 UTC
ORGANIZER = CalendarParty("株洲市人力资源和社会保障局", "fairs@hrss.zhuzhou.example.cn")
WORKER = CalendarParty("王芳", "wangfang@example.com")  # a job seeker
EMPLOYER_CONTACT = CalendarParty("李建国", "hr.li@crrc.example.com")  # an enterprise's HR
KINDS = ("interview", "fair_event", "booth_reservation", "village_ride", "training_cohort")
FORMS = ("request", "update", "cancel", "download")
Form = Literal["request", "update", "cancel", "download"]
LIVESTREAM = "https://live.example.cn/zhuzhou/311?room=2"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=SHANGHAI)


def interview() -> InterviewFacts:
    return InterviewFacts(
        uid="3f1c9a7e-5b2d-4c11-9f0e-6a8b2d1c4e70@fairs", sequence=0,
        starts_at=at(3, 11, 9, 30), ends_at=at(3, 11, 10), timezone="Asia/Shanghai",
        event_title="株洲市2027年“311”就业服务节 现场招聘会",
        organization_name="株洲中车时代电气股份有限公司", position_title="维修电工（持证上岗）",
        booth_code="A03", venue_name="株洲国际会展中心", venue_address="湖南省株洲市天元区黄河南路1号",
        organizer=ORGANIZER, recipient=WORKER,
    )


def fair_event() -> FairEventFacts:
    return FairEventFacts(
        uid="a07d52e1c4b94f0b8e3f6a1d2c5b7e90@fairs", sequence=0,
        starts_at=at(3, 11, 8, 30), ends_at=at(3, 11, 12), timezone="Asia/Shanghai",
        title="株洲市2027年“311”就业服务节 线上线下联合招聘会", venue_name="株洲国际会展中心",
        venue_address="湖南省株洲市天元区黄河南路1号", online_url=LIVESTREAM,
        organizer=ORGANIZER, recipient=WORKER,
    )


def booth_reservation() -> BoothReservationFacts:
    return BoothReservationFacts(
        uid="5b9e0c3a7d2f4e61a8c4b1f0d9e2a736@fairs", sequence=0, timezone="Asia/Shanghai",
        event_title="株洲市2027年“311”就业服务节 现场招聘会",
        organization_name="株洲中车时代电气股份有限公司", booth_code="A03",
        venue_name="株洲国际会展中心", venue_address="湖南省株洲市天元区黄河南路1号",
        setup_starts_at=at(3, 11, 7, 30), opens_at=at(3, 11, 8, 30), closes_at=at(3, 11, 12),
        organizer=ORGANIZER, recipient=EMPLOYER_CONTACT,
    )


def village_ride() -> VillageRideFacts:
    return VillageRideFacts(
        uid="c2e84f1a9b3d4c07b6e5a2f1d8c3b940@fairs", sequence=0, timezone="Asia/Shanghai",
        campaign_title="百企进百村 第二周", bus_label="2号车",
        departure_point="株洲市人力资源市场, 湖南省株洲市天元区长江北路10号",
        departs_at=at(4, 8, 7), returns_at=at(4, 8, 16, 30),
        stops=(
            VillageStop("南洲镇杨梅村", "村委会广场", at(4, 8, 8, 30), at(4, 8, 11)),
            VillageStop("南洲镇千金村", "集市入口", at(4, 8, 12, 30), at(4, 8, 15)),
        ),
        organizer=ORGANIZER, recipient=EMPLOYER_CONTACT,
    )


def training_cohort() -> TrainingCohortFacts:
    return TrainingCohortFacts(
        uid="e91b3d7c5a2f4b08c6d4e2a1f7b3c905@fairs", sequence=0, timezone="Asia/Shanghai",
        title="“抖音达人”新媒体技能培训班（第3期）",
        first_session_starts_at=at(3, 15, 14), first_session_ends_at=at(3, 15, 17),
        schedule=DailyRepeat(count=10), venue_name="天元区零工之家",
        venue_address="湖南省株洲市天元区泰山路88号", online_url=None,
        organizer=ORGANIZER, recipient=WORKER,
    )


BASE = {
    "interview": interview,
    "fair_event": fair_event,
    "booth_reservation": booth_reservation,
    "village_ride": village_ride,
    "training_cohort": training_cohort,
}


def updated(facts: CalendarFacts) -> CalendarFacts:
    """The item after a change an organizer would make (SEQUENCE 1)."""
    if isinstance(facts, InterviewFacts):  # moved by half an hour
        return replace(facts, sequence=1, starts_at=at(3, 11, 10), ends_at=at(3, 11, 10, 30))
    if isinstance(facts, FairEventFacts):  # opens an hour later
        return replace(facts, sequence=1, starts_at=at(3, 11, 9, 30), ends_at=at(3, 11, 13))
    if isinstance(facts, BoothReservationFacts):  # open all day
        return replace(facts, sequence=1, closes_at=at(3, 11, 16))
    if isinstance(facts, VillageRideFacts):  # a third village added, back later
        extra = VillageStop("雷打石镇群丰村", "村部门口", at(4, 8, 15, 30), at(4, 8, 17))
        return replace(facts, sequence=1, stops=(*facts.stops, extra), returns_at=at(4, 8, 18))
    # one day of the course called off
    return replace(facts, sequence=1, schedule=DailyRepeat(count=10, skipped=(date(2027, 3, 18),)))


def facts_of(kind: str, form: Form) -> CalendarFacts:
    facts = BASE[kind]()
    if form == "request":
        return facts
    facts = updated(facts)
    if form == "cancel":
        return replace(facts, sequence=2, cancelled=True)
    return facts


def method_of(form: Form) -> Method | None:
    if form == "cancel":
        return "CANCEL"
    return None if form == "download" else "REQUEST"


def file_of(kind: str, form: Form, language: Language = "zh") -> bytes:
    entry = calendar_entry(facts_of(kind, form), language)
    return build_calendar([entry], stamped_at=STAMP, method=method_of(form))
