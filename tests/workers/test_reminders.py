"""Reminders the day before and two hours before each interview: planned when their time
comes near (however far ahead the interview is), re-planned when it moves, silent when it is
cancelled or declined, written once however often a job runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fairs.db.tables import Attendee, CalendarItem, InterviewSlot, Outbox
from fairs.services import matching, reminders
from tests.support import factories as f
from workers import reminders as reminder_jobs

KEEP_RESULT = timedelta(hours=1)
JOBS = {job.__name__: job for job in reminder_jobs.FUNCTIONS}


@dataclass
class QueuedJob:
    function: str
    args: tuple[Any, ...]
    run_at: datetime
    ran_at: datetime | None = None


class ArqLikeQueue:
    """The rules of arq that matter here, on the test's clock: an id that is queued, or ran
    less than an hour ago (its result kept), is not enqueued again; a job runs once its
    time has come."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.jobs: dict[str, QueuedJob] = {}
        self.enqueued: list[tuple[str, tuple[Any, ...], str, datetime | None]] = []

    async def enqueue(self, function: str, *args: Any, job_id: str, defer_until: datetime | None = None) -> None:
        held = self.jobs.get(job_id)
        if held and (held.ran_at is None or self.clock.now() < held.ran_at + KEEP_RESULT):
            return
        self.jobs[job_id] = QueuedJob(function, args, defer_until or self.clock.now())
        self.enqueued.append((function, args, job_id, defer_until))

    async def run_due(self) -> dict[str, str]:
        """Run the jobs whose time has come, as a worker would; their results by job id."""
        results = {}
        for job_id, job in self.jobs.items():
            if job.ran_at is None and job.run_at <= self.clock.now():
                results[job_id] = await JOBS[job.function]({"clock": self.clock}, *job.args)
                job.ran_at = self.clock.now()
        return results


async def interviews(client: Any, clock: Any, attendees: int = 1) -> list[dict[str, Any]]:
    """Matched interviews at the factory fair (2027-03-11 09:00 Asia/Shanghai), one per attendee."""
    ready = await f.fair_ready_for_matching(client, attendees=attendees)
    run = await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])
    await matching.run_match(run.json()["id"], clock)
    rows = await CalendarItem.select(
        CalendarItem.id, CalendarItem.uid, CalendarItem.sequence, CalendarItem.interview_slot.as_alias("slot"),
        CalendarItem.interview_slot.starts_at.as_alias("starts_at"),
        CalendarItem.interview_slot.attendee.as_alias("attendee"),
    ).where(CalendarItem.kind == "interview").order_by(CalendarItem.interview_slot.attendee)
    for row, headers in zip(rows, ready["attendees"], strict=True):
        row.update(headers=headers, event_id=ready["event_id"], organizer=ready["organizer"])
    return rows


async def move(item: dict[str, Any], starts_at: datetime) -> dict[str, Any]:
    """What the code that moves an interview does: new times, SEQUENCE + 1."""
    await InterviewSlot.update({InterviewSlot.starts_at: starts_at,
                                InterviewSlot.ends_at: starts_at + timedelta(minutes=20)}).where(
        InterviewSlot.id == item["slot"])
    await CalendarItem.update({CalendarItem.sequence: CalendarItem.sequence + 1}).where(
        CalendarItem.id == item["id"])
    return {**item, "starts_at": starts_at, "sequence": item["sequence"] + 1}


async def reminder_rows() -> list[dict[str, Any]]:
    return await Outbox.select(Outbox.idempotency_key, Outbox.channel, Outbox.recipient, Outbox.subject,
                               Outbox.body).where(Outbox.idempotency_key.like("reminder:%")).order_by(Outbox.id)


async def reminder_keys() -> list[str]:
    return [row["idempotency_key"] for row in await reminder_rows()]


def job_ids(item: dict[str, Any], *which: str) -> list[str]:
    return [f"reminder:{item['uid']}:{item['sequence']}:{w}" for w in which]


# --- when reminders are due (pure) ------------------------------------------------------------

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)


def test_an_item_fifty_hours_ahead_has_its_day_before_reminder_planned_for_its_time():
    starts = NOW + timedelta(hours=50)
    assert reminders.due_reminders(starts, NOW) == [("day", starts - timedelta(days=1))]


def test_an_item_a_second_further_than_the_window_has_nothing_planned():
    assert reminders.due_reminders(NOW + timedelta(hours=50, seconds=1), NOW) == []
    assert reminders.due_reminders(NOW + timedelta(days=90), NOW) == []


def test_an_item_a_day_ahead_has_both_reminders_planned():
    starts = NOW + timedelta(hours=24)
    assert reminders.due_reminders(starts, NOW) == [("day", NOW), ("2h", starts - timedelta(hours=2))]


def test_a_day_before_reminder_past_its_time_is_caught_up_until_two_hours_before_the_start():
    starts = NOW + timedelta(hours=5)
    assert reminders.due_reminders(starts, NOW) == [("day", None), ("2h", starts - timedelta(hours=2))]
    assert reminders.due_reminders(starts, NOW, sent={"day"}) == [("2h", starts - timedelta(hours=2))]
    at_two_hours = NOW + timedelta(hours=2)
    assert reminders.due_reminders(at_two_hours, NOW) == [("2h", NOW)]
    assert reminders.due_reminders(NOW + timedelta(minutes=90), NOW) == [("2h", None)]
    assert reminders.due_reminders(NOW + timedelta(minutes=90), NOW, sent={"2h"}) == []


def test_nothing_is_planned_for_an_item_that_has_started():
    assert reminders.due_reminders(NOW, NOW) == []
    assert reminders.due_reminders(NOW - timedelta(minutes=1), NOW) == []


# --- planning and sending -----------------------------------------------------------------

async def test_an_interview_ninety_days_ahead_is_reminded_once_a_day_before_and_once_two_hours_before(
        client, clock):
    [item] = await interviews(client, clock)
    starts = clock.now() + timedelta(days=90)
    item = await move(item, starts)
    queue = ArqLikeQueue(clock)
    written_at: dict[str, datetime] = {}
    planned_at: dict[str, datetime] = {}

    async def tick() -> None:
        await reminders.plan_reminders(queue, clock)
        for _, _, job, _ in queue.enqueued:
            planned_at.setdefault(job, clock.now())
        await queue.run_due()
        for key in await reminder_keys():
            written_at.setdefault(key, clock.now())

    for _ in range(87):  # a tick a day for 87 days: nothing is planned, nothing written
        await tick()
        clock.advance(days=1)
    assert (queue.enqueued, written_at) == ([], {})
    while clock.now() <= starts + timedelta(hours=1):  # then every 10 minutes, as the cron job
        await tick()
        clock.advance(minutes=10)

    day, two_hours = job_ids(item, "day", "2h")
    assert queue.enqueued == [
        ("send_reminder", (item["uid"], 1, "day"), day, starts - timedelta(days=1)),
        ("send_reminder", (item["uid"], 1, "2h"), two_hours, starts - timedelta(hours=2)),
    ]
    assert planned_at == {day: starts - timedelta(hours=50), two_hours: starts - timedelta(hours=28)}
    assert written_at == {f"{day}:sms": starts - timedelta(days=1), f"{two_hours}:sms": starts - timedelta(hours=2)}


async def test_the_cron_job_puts_deferred_jobs_with_deterministic_ids_in_redis(client, clock, queue):
    items = await interviews(client, clock, attendees=2)
    starts = items[0]["starts_at"]
    clock.current = starts - timedelta(hours=25)
    ctx = {"redis": queue.pool, "clock": clock}
    assert await reminder_jobs.plan_reminders(ctx) == {"planned": 4, "caught_up": 0}
    assert await reminder_jobs.plan_reminders(ctx) == {"planned": 4, "caught_up": 0}  # arq ignores held ids

    def ms(moment: datetime) -> int:
        return int(moment.timestamp() * 1000)

    queued = sorted((j.job_id, j.function, j.args, j.score) for j in await queue.pool.queued_jobs()
                    if j.function == "send_reminder")
    expected = sorted(
        (job_id, "send_reminder", (item["uid"], 0, job_id.rsplit(":", 1)[1]), ms(item["starts_at"] - before))
        for item in items for job_id, before in zip(job_ids(item, "day", "2h"), reminders.BEFORE.values(),
                                                    strict=True))
    assert [i["starts_at"] for i in items] == [starts, starts + timedelta(minutes=20)]
    assert queued == expected
    cron = reminder_jobs.CRON_JOBS[0].coroutine  # wrapped for logs and metrics (fairs/observe/jobs.py)
    assert getattr(cron, "__wrapped__", cron) is reminder_jobs.plan_reminders
    assert reminder_jobs.CRON_JOBS[0].minute == {0, 10, 20, 30, 40, 50}


async def test_a_moved_interview_gets_new_reminders_and_its_old_jobs_write_nothing(client, clock):
    [item] = await interviews(client, clock)
    old_start = item["starts_at"]
    clock.current = old_start - timedelta(hours=25)
    queue = ArqLikeQueue(clock)
    await reminders.plan_reminders(queue, clock)
    moved = await move(item, old_start + timedelta(hours=3))
    assert await reminders.plan_item(moved["id"], queue, clock) == {"planned": 2, "caught_up": 0}
    assert [(job, at) for _, _, job, at in queue.enqueued] == [
        (job_ids(item, "day")[0], old_start - timedelta(days=1)),
        (job_ids(item, "2h")[0], old_start - timedelta(hours=2)),
        (job_ids(moved, "day")[0], moved["starts_at"] - timedelta(days=1)),
        (job_ids(moved, "2h")[0], moved["starts_at"] - timedelta(hours=2)),
    ]

    clock.current = old_start - timedelta(days=1)
    assert await queue.run_due() == {job_ids(item, "day")[0]: "moved"}
    clock.current = moved["starts_at"] - timedelta(days=1)
    assert await queue.run_due() == {job_ids(moved, "day")[0]: "sent"}
    clock.current = old_start - timedelta(hours=2)
    assert await queue.run_due() == {job_ids(item, "2h")[0]: "moved"}
    clock.current = moved["starts_at"] - timedelta(hours=2)
    assert await queue.run_due() == {job_ids(moved, "2h")[0]: "sent"}
    assert await reminder_keys() == [f"{job_ids(moved, 'day')[0]}:sms", f"{job_ids(moved, '2h')[0]}:sms"]
    assert "12:00" in (await reminder_rows())[0]["body"]  # 09:00 + 3 h, Beijing time


async def test_a_cancelled_event_silences_the_reminders_already_planned(client, clock):
    [item] = await interviews(client, clock)
    clock.current = item["starts_at"] - timedelta(hours=25)
    queue = ArqLikeQueue(clock)
    await reminders.plan_reminders(queue, clock)
    cancelled = await client.patch(f"/events/{item['event_id']}", headers=item["organizer"],
                                   json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    assert await reminders.plan_item(item["id"], queue, clock) == {"planned": 0, "caught_up": 0}
    assert await reminders.plan_reminders(queue, clock) == {"planned": 0, "caught_up": 0}
    clock.current = item["starts_at"] - timedelta(hours=1)
    assert await queue.run_due() == {job: "moved" for job in job_ids(item, "day", "2h")}
    assert await reminders.send_reminder(item["uid"], 1, "2h", clock) == "cancelled"
    assert await reminder_keys() == []


async def test_a_declined_interview_gets_no_reminder(client, clock):
    [item] = await interviews(client, clock)
    clock.current = item["starts_at"] - timedelta(hours=25)
    queue = ArqLikeQueue(clock)
    await reminders.plan_reminders(queue, clock)
    declined = await client.post(f"/interviews/{item['slot']}/answer", headers=item["headers"],
                                 json={"answer": "declined"})
    assert declined.status_code == 200, declined.text
    assert await reminders.plan_reminders(queue, clock) == {"planned": 0, "caught_up": 0}
    assert await reminders.plan_item(item["id"], queue, clock) == {"planned": 0, "caught_up": 0}
    clock.current = item["starts_at"] - timedelta(days=1)
    assert await queue.run_due() == {job_ids(item, "day")[0]: "moved"}
    assert await reminders.send_reminder(item["uid"], 1, "day", clock) == "cancelled"
    assert await reminder_keys() == []


async def test_an_interview_called_off_while_its_calendar_item_stands_gets_no_reminder(client, clock):
    [item] = await interviews(client, clock)
    await InterviewSlot.update({InterviewSlot.status: "cancelled"}).where(InterviewSlot.id == item["slot"])
    clock.current = item["starts_at"] - timedelta(hours=3)
    queue = ArqLikeQueue(clock)
    assert await reminders.plan_reminders(queue, clock) == {"planned": 0, "caught_up": 0}
    assert await reminders.send_reminder(item["uid"], 0, "2h", clock) == "declined"
    assert await reminder_keys() == []


async def test_a_reminder_job_run_twice_writes_one_message(client, clock):
    [item] = await interviews(client, clock)
    clock.current = item["starts_at"] - timedelta(days=1)
    ctx = {"clock": clock}
    assert await reminder_jobs.send_reminder(ctx, item["uid"], 0, "day") == "sent"
    assert await reminder_jobs.send_reminder(ctx, item["uid"], 0, "day") == "already_sent"
    assert await reminder_rows() == [{
        "idempotency_key": f"{job_ids(item, 'day')[0]}:sms", "channel": "sms", "recipient": f.mobile(1),
        "subject": "",
        "body": "【就业服务】提醒：明天 09:00 您在 株洲市人力资源市场 "
                "有一场面试（株洲测试企业1有限公司，焊工），展位A01。",
    }]


async def test_reminders_speak_each_persons_language_and_reach_only_them(client, clock):
    items = await interviews(client, clock, attendees=2)
    await Attendee.update({Attendee.email: "welder2@example.org", Attendee.language: "en"}).where(
        Attendee.id == items[1]["attendee"])
    for item in items:
        clock.current = item["starts_at"] - timedelta(hours=2)
        assert await reminders.send_reminder(item["uid"], 0, "2h", clock) == "sent"
    assert await reminder_rows() == [
        {"idempotency_key": f"{job_ids(items[0], '2h')[0]}:sms", "channel": "sms", "recipient": f.mobile(1),
         "subject": "",
         "body": "【就业服务】提醒：今天 09:00 您在 株洲市人力资源市场 "
                 "有一场面试（株洲测试企业1有限公司，焊工），展位A01。"},
        {"idempotency_key": f"{job_ids(items[1], '2h')[0]}:email", "channel": "email",
         "recipient": "welder2@example.org", "subject": "Interview reminder: today at 09:20",
         "body": "fairs reminder: today at 09:20 you have an interview with 株洲测试企业1有限公司 (焊工) "
                 "at 株洲市人力资源市场, booth A01."},
    ]
    for row in await reminder_rows():
        for secret in (f.mobile(1), f.mobile(2), "welder2@example.org", "求职者"):
            assert secret not in row["body"] + row["subject"]


async def test_reminders_lost_with_redis_are_caught_up_but_never_sent_twice(client, clock):
    [item] = await interviews(client, clock)
    starts = item["starts_at"]
    clock.current = starts - timedelta(hours=5)  # the day-before job was lost and never ran
    queue = ArqLikeQueue(clock)
    assert await reminders.plan_reminders(queue, clock) == {"planned": 1, "caught_up": 1}
    assert await queue.run_due() == {job_ids(item, "day")[0]: "sent"}
    assert "今天 09:00" in (await reminder_rows())[0]["body"]

    clock.advance(hours=1, minutes=30)
    restarted = ArqLikeQueue(clock)  # Redis lost everything again; the day-before one was sent
    assert await reminders.plan_reminders(restarted, clock) == {"planned": 1, "caught_up": 0}
    assert restarted.enqueued == [("send_reminder", (item["uid"], 0, "2h"), job_ids(item, "2h")[0],
                                   starts - timedelta(hours=2))]


async def test_a_day_before_reminder_is_not_caught_up_in_the_last_two_hours(client, clock):
    [item] = await interviews(client, clock)
    clock.current = item["starts_at"] - timedelta(minutes=90)
    queue = ArqLikeQueue(clock)
    assert await reminders.plan_reminders(queue, clock) == {"planned": 0, "caught_up": 1}
    assert await queue.run_due() == {job_ids(item, "2h")[0]: "sent"}
    assert await reminders.send_reminder(item["uid"], 0, "day", clock) == "too_late"
    assert await reminder_keys() == [f"{job_ids(item, '2h')[0]}:sms"]


async def test_an_interview_that_has_started_is_never_reminded(client, clock):
    [item] = await interviews(client, clock)
    queue = ArqLikeQueue(clock)
    for after in (timedelta(0), timedelta(minutes=5)):
        clock.current = item["starts_at"] + after
        assert await reminders.plan_reminders(queue, clock) == {"planned": 0, "caught_up": 0}
        assert await reminders.plan_item(item["id"], queue, clock) == {"planned": 0, "caught_up": 0}
        assert await reminders.send_reminder(item["uid"], 0, "2h", clock) == "started"
    assert (queue.enqueued, await reminder_keys()) == ([], [])


async def test_an_item_planned_right_after_it_is_created_far_ahead_gets_nothing_yet(client, clock):
    [item] = await interviews(client, clock)
    queue = ArqLikeQueue(clock)
    assert await reminders.plan_item(item["id"], queue, clock) == {"planned": 0, "caught_up": 0}
    assert await reminders.send_reminder(item["uid"], 0, "day", clock) == "early"
    assert (queue.enqueued, await reminder_keys()) == ([], [])
