"""Messages that leave the system go through the outbox: written in the transaction of the
change that causes them, delivered later by a job, at least once, never twice queued."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from fairs.db.tables import Outbox
from fairs.services.context import SYSTEM_CLOCK, Clock
from fairs.services.invitations import attach_calendar

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


async def queue_message(key: str, channel: str, recipient: str, subject: str, body: str, clock: Clock,
                        attachment: str = "", attachment_type: str = "", *, calendar_item: int | None = None,
                        sequence: int | None = None, method: str = "") -> bool:
    """Queue one message under an idempotency key; a key already queued is left alone.
    ``calendar_item``/``sequence``/``method``: the message carries that item's calendar file,
    built when it is sent (:mod:`fairs.services.invitations`).

    Returns whether a new message was queued. Call inside the causing change's transaction.
    """
    inserted = await Outbox.insert(Outbox(
        idempotency_key=key, channel=channel, recipient=recipient, subject=subject, body=body,
        attachment=attachment, attachment_type=attachment_type, calendar_item=calendar_item, sequence=sequence,
        method=method, created_at=clock.now(),
    )).on_conflict(target=Outbox.idempotency_key, action="DO NOTHING").returning(Outbox.id)
    return bool(inserted)


class Sender(Protocol):
    async def send(self, message: dict[str, object]) -> None: ...


class FolderSender:
    """Writes each message as a JSON file (development and demo: nothing leaves the machine).
    The file is named by the idempotency key, so a message sent twice is one file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: dict[str, object]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["idempotency_key"]).replace(":", "_").replace("/", "_")
        payload = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in message.items()}
        (self.folder / f"{name}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1))


LEASE = timedelta(minutes=5)
"""How long a message being sent stays claimed (``FAIRS_OUTBOX_LEASE_SECONDS`` in the worker):
longer than any one send can take (the SMTP sender's timeout bounds each network step)."""


async def deliver_pending(sender: Sender, clock: Clock = SYSTEM_CLOCK, batch: int = 100,
                          most: int = 2000, organizer_mailbox: str = "fairs-noreply@example.org",
                          lease: timedelta = LEASE) -> dict[str, int]:
    """Send unsent messages, oldest first, in batches, up to ``most`` per call. A failure is
    counted and retried on a later call, up to MAX_ATTEMPTS. Personal data (recipients,
    bodies) is never logged."""
    sent = failed = 0
    after = 0
    while sent + failed < most:
        pending = await Outbox.select().where(
            Outbox.sent_at.is_null(), Outbox.attempts < MAX_ATTEMPTS, Outbox.id > after,
            Outbox.next_attempt_at.is_null() | (Outbox.next_attempt_at <= clock.now()),
        ).order_by(Outbox.id).limit(batch)
        if not pending:
            break
        after = pending[-1]["id"]
        counts = await _deliver(sender, pending, clock, organizer_mailbox, lease)
        sent, failed = sent + counts["sent"], failed + counts["failed"]
    return {"sent": sent, "failed": failed}


async def _claim(message_id: int, clock: Clock, lease: timedelta) -> bool:
    """Claim one due message for ``lease``, committed before it is sent (an attempt is counted
    now): no other worker takes it while it is being sent, even if this worker's database
    connection breaks meanwhile or its job is cancelled while the send goes on in a thread.
    A worker killed mid-send leaves the claim to run out; the message is sent again then."""
    now = clock.now()
    claimed = await Outbox.update({Outbox.attempts: Outbox.attempts + 1, Outbox.next_attempt_at: now + lease}).where(
        (Outbox.id == message_id) & Outbox.sent_at.is_null() & (Outbox.attempts < MAX_ATTEMPTS)
        & (Outbox.next_attempt_at.is_null() | (Outbox.next_attempt_at <= now))).returning(Outbox.id)
    return bool(claimed)


async def _deliver(sender: Sender, pending: list[dict[str, object]], clock: Clock,
                   organizer_mailbox: str, lease: timedelta) -> dict[str, int]:
    """Each message is claimed (:func:`_claim`), sent, then marked sent. No database
    transaction stays open while the channel is slow. What is left is the window between the
    channel accepting a message and the mark: a worker killed there (or losing the database
    there) sends it again once the lease runs out, with the same Message-ID / Idempotency-Key,
    so the recipient's side can tell it is one message (docs/operations.md, Faults)."""
    sent = failed = 0
    for message in pending:
        if not await _claim(int(message["id"]), clock, lease):  # type: ignore[call-overload]
            continue  # another worker has it, or had it meanwhile
        try:
            await sender.send(await attach_calendar(message, organizer_mailbox, clock))
        except Exception as error:  # noqa: BLE001 - any failure of the channel is retried later
            failed += 1
            # a permanent refusal (no such mailbox, a number the gateway rejects) is not retried
            permanent = type(error).__name__ == "PermanentDeliveryError"
            log.warning("outbox message %s failed: %s", message["id"], type(error).__name__)
            retry_at = clock.now() + backoff(int(message["attempts"]) + 1)  # type: ignore[call-overload]
            changes = {Outbox.last_error: _error_text(error), Outbox.next_attempt_at: retry_at}
            if permanent:
                changes[Outbox.attempts] = MAX_ATTEMPTS
            await Outbox.update(changes).where(Outbox.id == message["id"])
            continue
        sent += 1
        await Outbox.update({Outbox.sent_at: clock.now(), Outbox.next_attempt_at: None}).where(
            Outbox.id == message["id"])
    return {"sent": sent, "failed": failed}


def backoff(attempts: int, *, first: timedelta = timedelta(minutes=1), factor: int = 2,
            cap: timedelta = timedelta(hours=6)) -> timedelta:
    """How long to wait after the ``attempts``-th failure: ``first``, then ``factor`` times
    longer each time, at most ``cap`` (messages: 1, 2, 4 … minutes, at most 6 hours; webhooks
    use their own schedule, fairs.services.webhooks)."""
    seconds = first.total_seconds() * float(factor) ** min(max(0, attempts - 1), 64)
    return timedelta(seconds=min(seconds, cap.total_seconds()))


def _error_text(error: BaseException) -> str:
    """What is kept of a failure: its class, and its message for the delivery errors, whose
    messages carry status codes only (never an address, a number or a body)."""
    name = type(error).__name__
    if name.endswith("DeliveryError"):
        return f"{name}: {error}"[:500]
    return name
