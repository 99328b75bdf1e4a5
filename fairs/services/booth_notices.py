"""What employers are told when one of their reservations changes (through the outbox, in
the transaction of the change)."""

from __future__ import annotations

from fairs.db.tables import BoothReservation
from fairs.services.context import Clock
from fairs.services.outbox import queue_message

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


async def notify_reservation(reservation_id: int, what: str, clock: Clock) -> None:
    """An outbox message to the organization's contact, in the transaction of the change."""
    row = await BoothReservation.select(
        BoothReservation.organization.contact_email.as_alias("email"), BoothReservation.booth.code.as_alias("code"),
        BoothReservation.event.title.as_alias("title")).where(BoothReservation.id == reservation_id).first()
    if row is None or not row["email"]:
        return
    subject, body = _NOTICES[what]
    await queue_message(f"booth:{reservation_id}:{what}:{clock.now().isoformat()}", "email", row["email"],
                        f"{subject} · {row['code']}", f"{row['title']} · {row['code']}\n{body}", clock)
