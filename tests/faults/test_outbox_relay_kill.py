"""A worker killed with SIGKILL in the middle of relaying the outbox to a (slow) SMTP server on
loopback; another worker takes over. Counted by Message-ID at the server."""

from __future__ import annotations

import asyncio
import email
import time
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.faults.conftest import FAULTS, free_port, kill_group

pytestmark = FAULTS
MESSAGES = 30
LEASE = 2


@dataclass
class SlowMailbox:
    """Accepts everything, slowly: ``rcpt_delay`` before accepting each recipient. With
    ``hold_after`` set, the message of that number is kept, then the reply to its DATA waits
    (the server has it; the sender does not know yet)."""

    rcpt_delay: float = 0.05
    hold_after: int = 0
    message_ids: list[str] = field(default_factory=list)
    in_rcpt: bool = False
    holding: bool = False

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        self.in_rcpt = True
        try:
            await asyncio.sleep(self.rcpt_delay)
        finally:
            self.in_rcpt = False
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.message_ids.append(str(email.message_from_bytes(envelope.content)["Message-ID"]))
        if len(self.message_ids) == self.hold_after:
            self.holding = True
            await asyncio.sleep(30)
        return "250 accepted"


async def queue_messages(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "INSERT INTO outbox (idempotency_key, channel, recipient, subject, body, attachment, attachment_type, "
            "sequence, method, attempts, last_error, created_at) "
            "SELECT 'fault-notice:' || n, 'email', 'person' || n || '@example.org', '通知 ' || n, '内容', '', '', "
            "NULL, '', 0, '', now() FROM generate_series(1, $1) AS n", MESSAGES)
    finally:
        await connection.close()


async def outbox_rows(url: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetch("SELECT id, sent_at, attempts FROM outbox ORDER BY id")
    finally:
        await connection.close()


async def relay_with_a_kill(stack, mailbox: SlowMailbox, kill_when) -> tuple[list[asyncpg.Record], float]:
    """Queue the messages, start a worker, SIGKILL it when ``kill_when()``, start another, and
    wait until every row is marked sent. Returns the rows as the kill left them, and how long
    the second worker took."""
    await queue_messages(stack.url)
    port = free_port()
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(mailbox), "127.0.0.1", port)
    smtp = {"FAIRS_SMTP_HOST": "127.0.0.1", "FAIRS_SMTP_PORT": str(port), "FAIRS_SMTP_SECURITY": "none",
            "FAIRS_MAIL_FROM": "fairs@example.org", "FAIRS_OUTBOX_LEASE_SECONDS": str(LEASE)}
    try:
        first = stack.start_worker(**smtp)  # deliver_outbox runs at start-up
        deadline = time.monotonic() + 40
        while not kill_when():
            assert first.poll() is None, stack.log_tail("worker")
            assert time.monotonic() < deadline, "the relay never reached the moment of the kill"
            await asyncio.sleep(0.002)
        kill_group(first)
        first.wait(10)
        at_kill = await outbox_rows(stack.url)
        started = time.monotonic()
        second = stack.start_worker(**smtp)
        deadline = time.monotonic() + 45
        while any(r["sent_at"] is None for r in await outbox_rows(stack.url)):
            assert second.poll() is None, stack.log_tail("worker")
            assert time.monotonic() < deadline, "the second worker did not deliver everything"
            await asyncio.sleep(0.2)
        return at_kill, time.monotonic() - started
    finally:
        server.close()


async def test_a_worker_killed_mid_send_leaves_every_message_delivered_exactly_once(stack):
    mailbox = SlowMailbox()
    at_kill, _ = await relay_with_a_kill(stack, mailbox, lambda: len(mailbox.message_ids) >= 8 and mailbox.in_rcpt)
    sent_at_kill = sum(r["sent_at"] is not None for r in at_kill)
    assert 8 <= sent_at_kill < MESSAGES, "the kill did not land mid-relay"
    # the message being sent was claimed (an attempt counted) and is left to its lease
    claimed = [r for r in at_kill if r["sent_at"] is None and r["attempts"] == 1]
    assert len(claimed) == 1
    counts = Counter(mailbox.message_ids)
    assert len(counts) == MESSAGES and set(counts.values()) == {1}, counts.most_common(3)
    rows = await outbox_rows(stack.url)
    assert all(r["sent_at"] is not None for r in rows)
    assert [r["attempts"] for r in rows].count(2) == 1  # the one in flight: sent on its second attempt


async def test_killed_after_the_server_took_a_message_the_resend_carries_the_same_message_id(stack):
    """The window no relay can close: the server has the message, the worker dies before it
    hears so (or before it marks the row). The message goes again after the lease, with the
    same Message-ID, so the recipient's side can tell it is one message; nothing else repeats."""
    mailbox = SlowMailbox(hold_after=5)
    await relay_with_a_kill(stack, mailbox, lambda: mailbox.holding)
    counts = Counter(mailbox.message_ids)
    assert len(counts) == MESSAGES
    assert sorted(counts.values()) == [1] * (MESSAGES - 1) + [2]
    assert counts[mailbox.message_ids[4]] == 2  # the held one, and only it
