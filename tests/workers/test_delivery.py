"""The outbox relay with the real senders: invitations of a matching run arrive at an SMTP
server on loopback; a permanent refusal is not retried; nothing is sent twice."""

from __future__ import annotations

import email
from email.policy import default

from fairs.db.tables import Attendee, Outbox
from fairs.services import matching, outbox
from fairs.services.delivery import PermanentDeliveryError, SmtpSender, SmtpSettings
from tests.delivery.conftest import HOST, mail_server
from tests.support import factories as f


async def test_a_runs_invitations_arrive_once_each_at_the_smtp_server(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=3)
    await Attendee.update({Attendee.email: "wang@example.org"}).where(Attendee.id > 0)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    await matching.run_match(run["id"], clock)
    invitations = await Outbox.count().where(Outbox.idempotency_key.like("interview-invite:%"))
    assert invitations == 3
    async with mail_server() as server:
        sender = SmtpSender(SmtpSettings(host=HOST, port=server.port, security="none", mail_from="hr-fair@example.org",
                                         timeout=5), clock=clock)
        first = await outbox.deliver_pending(sender, clock)
        again = await outbox.deliver_pending(sender, clock)
        arrived = [email.message_from_bytes(a.content, policy=default) for a in server.mailbox.arrivals]
    assert first["sent"] >= 3 and first["failed"] == 0 and again == {"sent": 0, "failed": 0}
    calendars = [m for m in arrived if any(p.get_content_type() == "text/calendar" for p in m.walk())]
    invitations = [m for m in calendars if m["To"] == "wang@example.org"]
    assert len(invitations) == 3 and len({m["Message-ID"] for m in invitations}) == 3
    # the employer's confirmed booth came with its own calendar entry, to its contact
    assert [m["To"] for m in calendars if m not in invitations] == ["hr1@corp.example.org"]
    for message in invitations:  # built at delivery: the file names the attendee and the method
        [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        text = part.get_payload(decode=True).decode()
        assert part.get_param("method") == "REQUEST" and "METHOD:REQUEST" in text
        assert "mailto:wang@example.org" in text.replace("\r\n ", "").lower()


async def test_a_permanent_refusal_is_kept_and_not_retried(client, clock):
    ready = await f.fair_ready_for_matching(client, attendees=1)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    await matching.run_match(run["id"], clock)
    calls = []

    class Refusing:
        async def send(self, message):
            calls.append(message["id"])
            raise PermanentDeliveryError("gateway answered 400")

    assert (await outbox.deliver_pending(Refusing(), clock))["failed"] >= 1
    refused = await Outbox.select(Outbox.attempts, Outbox.last_error, Outbox.sent_at).where(
        Outbox.idempotency_key.like("interview-invite:%")).first()
    assert refused == {"attempts": outbox.MAX_ATTEMPTS, "sent_at": None,
                       "last_error": "PermanentDeliveryError: gateway answered 400"}
    tried = len(calls)
    await outbox.deliver_pending(Refusing(), clock)
    assert len(calls) == tried  # given up on: not tried again


async def test_a_message_being_sent_is_claimed_first_and_a_second_relay_leaves_it_alone(clock):
    """The claim is committed before the send (an attempt counted, a lease): a relay started
    meanwhile — another worker, or this one after its database connection broke — skips it."""
    from datetime import timedelta

    await outbox.queue_message("claim-test:1", "email", "li@example.org", "通知", "内容", clock)
    seen: list[dict] = []
    others: list[int] = []

    class Other:
        async def send(self, message):
            others.append(message["id"])

    class Watching:
        async def send(self, message):
            seen.append(await Outbox.select(Outbox.attempts, Outbox.next_attempt_at).where(
                Outbox.id == message["id"]).first())
            assert await outbox.deliver_pending(Other(), clock) == {"sent": 0, "failed": 0}

    assert await outbox.deliver_pending(Watching(), clock, lease=timedelta(minutes=3)) == {"sent": 1, "failed": 0}
    assert seen == [{"attempts": 1, "next_attempt_at": clock.now() + timedelta(minutes=3)}] and others == []


async def test_a_send_cut_off_midway_is_sent_again_once_its_lease_has_run_out(clock):
    """A worker killed (or a job cancelled) mid-send leaves its claim; the message waits for the
    lease, then goes once."""
    import asyncio

    import pytest

    await outbox.queue_message("lease-test:1", "email", "li@example.org", "通知", "内容", clock)
    sent: list[int] = []

    class CutOff:
        async def send(self, message):
            raise asyncio.CancelledError

    class Working:
        async def send(self, message):
            sent.append(message["id"])

    with pytest.raises(asyncio.CancelledError):
        await outbox.deliver_pending(CutOff(), clock)
    assert await outbox.deliver_pending(Working(), clock) == {"sent": 0, "failed": 0}
    clock.advance(seconds=outbox.LEASE.total_seconds() + 1)
    assert await outbox.deliver_pending(Working(), clock) == {"sent": 1, "failed": 0}
    assert await outbox.deliver_pending(Working(), clock) == {"sent": 0, "failed": 0}
    assert len(sent) == 1
    assert (await Outbox.select(Outbox.attempts).first())["attempts"] == 2
