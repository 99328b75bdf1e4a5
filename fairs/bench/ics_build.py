"""Interview invitations (METHOD:REQUEST) built to bytes: fairs.core.ics against bare icalendar.

The baseline is the least icalendar code that writes the same bytes: one VTIMEZONE built once
and re-added to every calendar, the same properties and alarms, ``Calendar.to_ical()``. It has
no validation and no languages. Both run over the same facts, interleaved in small chunks and
timed in process CPU time, so that other work on the machine hits both alike; ``ratio`` is our
time over the baseline's (lower is better).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress

from fairs.bench.common import machine
from fairs.core import ics

SHANGHAI = ZoneInfo("Asia/Shanghai")
STAMP = datetime(2027, 3, 1, 12, 15, tzinfo=UTC)
ORGANIZER = ics.CalendarParty("株洲市人力资源和社会保障局", "fairs@hrss.zhuzhou.example.cn")
EMPLOYERS = [
    ("株洲中车时代电气股份有限公司", "维修电工（持证上岗）", "A03"),
    ("湖南华联瓷业股份有限公司", "包装工（可接受50岁以上）", "B12"),
    ("株洲千金药业股份有限公司", "仓库管理员", "C07"),
    ("三一重工股份有限公司", "叉车司机", None),
]


def synthetic_invites(count: int) -> list[ics.InterviewFacts]:
    """``count`` interviews of one fair day, 20-minute slots from 09:00, distinct people."""
    day = datetime(2027, 3, 11, 9, 0, tzinfo=SHANGHAI)
    invites = []
    for i in range(count):
        organization, position, booth = EMPLOYERS[i % len(EMPLOYERS)]
        starts = day + timedelta(minutes=20 * (i % 24))
        invites.append(ics.InterviewFacts(
            uid=f"{i:032x}@fairs", sequence=0, starts_at=starts, ends_at=starts + timedelta(minutes=20),
            timezone="Asia/Shanghai", event_title="株洲市2027年“311”就业服务节 现场招聘会",
            organization_name=organization, position_title=position, booth_code=booth,
            venue_name="株洲国际会展中心", venue_address="湖南省株洲市天元区黄河南路1号",
            organizer=ORGANIZER, recipient=ics.CalendarParty(f"求职者{i}", f"seeker{i}@example.com"),
        ))
    return invites


def ours(invites: list[ics.InterviewFacts]) -> list[bytes]:
    return [
        ics.build_calendar([ics.interview_entry(facts, "zh")], stamped_at=STAMP, method="REQUEST")
        for facts in invites
    ]


def _party(party: ics.CalendarParty, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{party.email}")
    address.params["CN"] = party.name
    for key, value in params.items():
        address.params[key] = value
    return address


def baseline(invites: list[ics.InterviewFacts]) -> list[bytes]:
    timezone = Timezone.from_tzinfo(SHANGHAI, "Asia/Shanghai", date(2027, 3, 10), date(2027, 3, 12))
    out = []
    for f in invites:
        calendar = Calendar()
        calendar.add("prodid", ics.PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "REQUEST")
        calendar.add_component(timezone)
        place = f"{f.venue_name}, {f.venue_address}" + (f", 展位 {f.booth_code}" if f.booth_code else "")
        summary = f"面试：{f.organization_name} · {f.position_title}"
        event = Event()
        event.add("uid", f.uid)
        event.add("sequence", f.sequence)
        event.add("dtstamp", STAMP)
        event.add("dtstart", f.starts_at)
        event.add("dtend", f.ends_at)
        event.add("summary", summary)
        event.add("description", f"{f.event_title}\n单位：{f.organization_name}\n岗位：{f.position_title}\n"
                                 f"地点：{place}\n请带好签到码到场签到，报名无需身份证。")
        event.add("location", place)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        event.add("organizer", _party(f.organizer))
        event.add("attendee", _party(f.recipient, CUTYPE="INDIVIDUAL", ROLE="REQ-PARTICIPANT",
                                     PARTSTAT="NEEDS-ACTION", RSVP="FALSE"))
        event.add("categories", ["面试"])
        for before in (timedelta(days=1), timedelta(hours=1)):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", -before)
            alarm.add("description", summary)
            event.add_component(alarm)
        calendar.add_component(event)
        out.append(calendar.to_ical())
    return out


@dataclass
class _Timing:
    ours: float = 0.0
    baseline: float = 0.0


def bench_ics_build(size: int) -> dict[str, Any]:
    """Build ``size`` (default 100,000) interview invitations with both builders; check the
    bytes agree on a sample, then time both over the same facts in alternating chunks."""
    count = size or 100_000
    invites = synthetic_invites(count)
    sample = invites[:50]
    if ours(sample) != baseline(sample):
        raise AssertionError("the baseline does not write the same bytes as fairs.core.ics")
    timing = _Timing()
    chunk = 1_000
    for n, first in enumerate(range(0, count, chunk)):
        part = invites[first:first + chunk]
        for name in (("ours", "baseline") if n % 2 == 0 else ("baseline", "ours")):
            started = time.process_time()
            (ours if name == "ours" else baseline)(part)
            setattr(timing, name, getattr(timing, name) + time.process_time() - started)
    return {
        "benchmark": "ics-build", "invites": count,
        "invites_per_s": round(count / timing.ours), "baseline_per_s": round(count / timing.baseline),
        "ratio": round(timing.ours / timing.baseline, 3),
        "cpu_seconds": round(timing.ours, 2), "baseline_cpu_seconds": round(timing.baseline, 2),
        **machine(),
    }
