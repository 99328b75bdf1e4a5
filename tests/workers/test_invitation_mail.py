"""Invitations end to end, through a real SMTP server on loopback: one booth's reservation,
change and cancellation reach the employer as REQUEST, REQUEST, CANCEL of one calendar item;
a mail server down for a while delays them and loses nothing; nothing arrives twice."""

from __future__ import annotations

import email
from email.policy import default

from icalendar import Calendar

from fairs.db.tables import Outbox
from fairs.services import outbox
from fairs.services.delivery import SmtpSender, SmtpSettings
from tests.delivery.conftest import HOST, closed_port, mail_server
from tests.support import factories as f


def smtp(port: int, clock) -> SmtpSender:
    return SmtpSender(SmtpSettings(host=HOST, port=port, security="none", mail_from="hr-fair@example.org",
                                   timeout=5), clock=clock)


def calendars(arrivals) -> list[tuple[str, str, int, str]]:
    """(Content-Type method, UID, SEQUENCE, METHOD) of each calendar message, in order."""
    found = []
    for arrival in arrivals:
        message = email.message_from_bytes(arrival.content, policy=default)
        parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        if not parts:
            continue
        calendar = Calendar.from_ical(parts[0].get_payload(decode=True))
        [event] = calendar.walk("VEVENT")
        found.append((str(parts[0].get_param("method")), str(event["UID"]), int(event["SEQUENCE"]),
                      str(calendar["METHOD"])))
    return found


async def test_a_booth_booked_moved_and_cancelled_arrives_as_request_request_cancel(client, clock):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=3)
    event_id, booths = fair["event"]["id"], [b["id"] for b in fair["venue"]["booths"]]
    employer = await f.employer(client, 1)
    async with mail_server() as server:
        sender = smtp(server.port, clock)
        booked = await f.reserve(client, employer, event_id, booths[0])  # held, then confirmed
        await outbox.deliver_pending(sender, clock)
        moved = await client.post(f"/reservations/{booked['id']}/move", headers=organizer,
                                  json={"booth_id": booths[1]})
        assert moved.status_code == 200, moved.text
        await outbox.deliver_pending(sender, clock)
        cancelled = await client.post(f"/reservations/{booked['id']}/cancel", headers=employer)
        assert cancelled.status_code == 200, cancelled.text
        await outbox.deliver_pending(sender, clock)
        assert await outbox.deliver_pending(sender, clock) == {"sent": 0, "failed": 0}
        arrived = calendars(server.mailbox.arrivals)
    assert [(ct, seq, method) for ct, _, seq, method in arrived] == [
        ("REQUEST", 0, "REQUEST"), ("REQUEST", 1, "REQUEST"), ("CANCEL", 2, "CANCEL")]
    assert len({uid for _, uid, _, _ in arrived}) == 1


async def test_a_mail_server_down_for_a_while_delays_invitations_and_loses_none(client, clock, run_worker):
    ready = await f.fair_ready_for_matching(client, attendees=3)
    from fairs.db.tables import Attendee

    await Attendee.update({Attendee.email: "li@example.org"}).where(Attendee.id > 0)
    await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])
    down = smtp(closed_port(), clock)
    from fairs.services import matching

    await matching.run_match(1, clock)
    total = await Outbox.count()
    assert (await outbox.deliver_pending(down, clock))["failed"] == total
    clock.advance(minutes=1, seconds=1)
    assert (await outbox.deliver_pending(down, clock))["failed"] == total  # still down: 2nd attempt
    async with mail_server() as server:
        up = smtp(server.port, clock)
        assert await outbox.deliver_pending(up, clock) == {"sent": 0, "failed": 0}  # backing off (2 min)
        clock.advance(minutes=2, seconds=1)
        assert await outbox.deliver_pending(up, clock) == {"sent": total, "failed": 0}
        assert await outbox.deliver_pending(up, clock) == {"sent": 0, "failed": 0}
        keys = [a.content for a in server.mailbox.arrivals]
    assert len(keys) == total
    attempts = {r["attempts"] for r in await Outbox.select(Outbox.attempts)}
    assert attempts == {3}


async def test_after_redis_lost_every_job_the_periodic_relay_still_delivers(client, clock, run_worker):
    ready = await f.fair_ready_for_matching(client, attendees=2)
    await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])
    from fairs.services import matching

    await matching.run_match(1, clock)
    await client.app.state.queue.pool.flushdb()  # Redis restarted without persistence
    assert await Outbox.count().where(Outbox.sent_at.is_null()) > 0
    await run_worker()  # the relay's cron job runs at start-up and every 30 s
    assert await Outbox.count().where(Outbox.sent_at.is_null()) == 0
