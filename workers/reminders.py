"""Reminder jobs (see fairs/services/reminders.py for the design).

``workers/settings.py`` registers :data:`FUNCTIONS` and :data:`CRON_JOBS`.
"""

from __future__ import annotations

from typing import Any

from arq import cron

from fairs.services import reminders
from fairs.services.queue import ArqQueue


async def send_reminder(ctx: dict[str, Any], uid: str, sequence: int, which: str) -> str:
    """Write one reminder to the outbox if its item is still as planned (idempotent)."""
    return await reminders.send_reminder(uid, sequence, which, ctx["clock"])


async def plan_reminders(ctx: dict[str, Any]) -> dict[str, int]:
    """Enqueue the reminders due within the planning window, and catch up lost ones."""
    return await reminders.plan_reminders(ArqQueue(ctx["redis"]), ctx["clock"])


FUNCTIONS = [send_reminder]
CRON_JOBS = [
    # Not run at startup: a burst worker in tests would wait for the deferred jobs it plans.
    cron(plan_reminders, minute=set(range(0, 60, 10)), second={50}, unique=True),
]
