"""What employers are told when one of their reservations changes (through the outbox, in
the transaction of the change)."""

from __future__ import annotations

from datetime import datetime

from fairs.db.statements import Statement
from fairs.db.tables import BoothReservation, Outbox
from fairs.services.context import Clock
from fairs.services.invitations import READ_IT, booth_calendar_change

_NOTICES = {
    "held": ("展位已保留 Booth held", "请在保留时间内确认。Confirm before the hold expires."),
    "confirmed": ("展位已确认 Booth confirmed", "展位预订成功。Your booth is reserved."),
    "cancelled": ("展位已取消 Booth cancelled", "展位预订已取消。The booth reservation was cancelled."),
    "expired": ("展位保留已过期 Booth hold expired",
                "保留时间已过，展位已释放。The hold expired; the booth is free again."),
    "moved": ("展位已调整 Booth moved", "组织方调整了您的展位。The organizer moved your booth."),
    "allocated": ("展位分配结果 Booth allocated", "展位已分配。A booth was allocated to you."),
    "offered": ("候补展位待确认 A booth is offered to you",
                "候补到展位，请在期限内确认。A booth freed up for you: confirm it before the offer expires."),
}


def reservation_notice(reservation_id: int, what: str, email: str, booth_code: str, event_title: str,
                       now: datetime, calendar: tuple[int, int, str] | None = None) -> Outbox:
    """The outbox row telling an organization's contact that reservation ``reservation_id``
    changed (``what``: held, confirmed, cancelled, expired, moved, allocated, offered). With
    ``calendar`` (item id, SEQUENCE, METHOD) the message carries the booth's calendar entry,
    built when it is sent (see :mod:`fairs.services.invitations`)."""
    subject, body = _NOTICES[what]
    item, sequence, method = calendar if calendar else (None, None, "")
    return Outbox(idempotency_key=f"booth:{reservation_id}:{what}:{now.isoformat()}", channel="email",
                  recipient=email, subject=f"{subject} · {booth_code}", body=f"{event_title} · {booth_code}\n{body}",
                  calendar_item=item, sequence=sequence, method=method,
                  attachment_type=f"text/calendar; method={method}; charset=UTF-8" if method else "",
                  created_at=now)


_ADDRESSED = """
SELECT o.contact_email AS email, b.code AS code, e.title AS title,
       c.id AS item_id, c.sequence AS item_sequence, c.cancelled AS item_cancelled
FROM booth_reservation r
LEFT JOIN organization o ON o.id = r.organization
LEFT JOIN booth b ON b.id = r.booth
LEFT JOIN event e ON e.id = r.event
LEFT JOIN calendar_item c ON c.booth_reservation = r.id
WHERE r.id = {}"""
"""Written out: every hold, confirmation and cancellation runs it (Piccolo's joined select
costs more to build than to run). With the reservation's calendar item (at most one: index
``calendar_item_per_booth``), which :func:`booth_calendar_change` would read next."""


_ADDRESSED_STATEMENT = Statement(BoothReservation, _ADDRESSED)


async def notify_reservation(reservation_id: int, what: str, clock: Clock) -> None:
    """An outbox message to the organization's contact, in the transaction of the change."""
    rows = await _ADDRESSED_STATEMENT.rows(reservation_id)
    row = rows[0] if rows else None
    item = None if row is None or row["item_id"] is None else {
        "id": row["item_id"], "sequence": row["item_sequence"], "cancelled": row["item_cancelled"]}
    calendar = await booth_calendar_change(reservation_id, what, clock.now(), item if row is not None else READ_IT)
    if row is None or not row["email"]:
        return
    await queue_notices([reservation_notice(reservation_id, what, row["email"], row["code"], row["title"],
                                            clock.now(), calendar)])


CHUNK = 500
"""Rows per bulk statement: PostgreSQL takes at most 32,767 parameters in one query."""


_QUEUE_ONE = Statement(Outbox, """
INSERT INTO outbox (idempotency_key, channel, recipient, subject, body, attachment, attachment_type, calendar_item,
                    sequence, method, attempts, next_attempt_at, last_error, created_at, sent_at)
VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})
ON CONFLICT (idempotency_key) DO NOTHING""")
"""One notice, written out: every hold, confirmation and cancellation queues one (building the
insert with Piccolo cost more than running it)."""


async def queue_notices(notices: list[Outbox]) -> None:
    """Queue outbox rows in a few statements; keys already queued are left alone."""
    if len(notices) == 1:
        n = notices[0]
        await _QUEUE_ONE.rows(n.idempotency_key, n.channel, n.recipient, n.subject, n.body, n.attachment,
                              n.attachment_type, n.calendar_item, n.sequence, n.method, n.attempts,
                              n.next_attempt_at, n.last_error, n.created_at, n.sent_at)
        return
    for start in range(0, len(notices), CHUNK):
        await Outbox.insert(*notices[start:start + CHUNK]).on_conflict(
            target=Outbox.idempotency_key, action="DO NOTHING")
