"""A person's rights over their data (PIPL, 个人信息保护法): see everything held about them,
have it deleted, and not have it kept longer than needed.

- **Export** (:func:`export_mine`): everything about the signed-in attendee as one JSON
  document — who they are, their account, registrations, interviews and outcomes, follow-up
  calls, training, queue numbers, which employers saw their phone number and when, and the
  messages sent to them.
- **Deletion** (:func:`anonymise`): the person is anonymised, not removed, so every count
  stays right: name, phone, e-mail, birth year, certificates and commute are blanked; the
  account can no longer sign in and its login is freed; messages to them, replayed answers
  and feed tokens are deleted, queue numbers and staff notes blanked. Kept, without anything
  that names them: their home area, skills, wished industries and priority groups — the
  dimensions of the reports.
- **Retention** (:func:`purge_expired`, a daily cron job): people with no activity (a
  registration, a fair, a follow-up) for ``FAIRS_RETENTION_DAYS`` (default 3 years) are
  anonymised, and sent messages, employers' contact reads, replayed answers and finished
  (delivered or dead) webhook deliveries older than that are deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fairs.core.errors import NotFound
from fairs.db.tables import (
    Account,
    Attendee,
    CalendarFeed,
    ContactRead,
    FollowUp,
    IdempotencyRecord,
    InterviewSlot,
    Outbox,
    Registration,
    TrainingEnrollment,
    WalkIn,
)
from fairs.db.transactions import lock_rows, write_transaction
from fairs.services import webhooks
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock

DELETED_NAME = "已注销"


def _me(actor: Actor) -> int:
    if actor.role != "attendee" or actor.attendee_id is None:
        raise NotFound("not found")
    return actor.attendee_id


async def export_mine(actor: Actor) -> dict[str, Any]:
    """Everything held about the signed-in attendee."""
    attendee_id = _me(actor)
    person = await Attendee.select().where(Attendee.id == attendee_id).output(load_json=True).first()
    if person is None:
        raise NotFound("not found")
    account = await Account.select(Account.login, Account.role, Account.display_name, Account.email,
                                   Account.created_at).where(Account.id == actor.account_id).first()
    recipients = [r for r in (person["phone"], person["email"]) if r]
    return {
        "attendee": person,
        "account": account,
        "registrations": await Registration.select(
            Registration.id, Registration.event, Registration.event.title.as_alias("event_title"),
            Registration.status, Registration.channel, Registration.ranked_organizations,
            Registration.available_blocks, Registration.created_at).where(Registration.attendee == attendee_id),
        "interviews": await InterviewSlot.select(
            InterviewSlot.id, InterviewSlot.event.title.as_alias("event_title"),
            InterviewSlot.organization.name.as_alias("organization"), InterviewSlot.position.title.as_alias("position"),
            InterviewSlot.starts_at, InterviewSlot.ends_at, InterviewSlot.status, InterviewSlot.fit_score,
            InterviewSlot.fit_parts, InterviewSlot.outcome, InterviewSlot.start_date).where(
            InterviewSlot.attendee == attendee_id).output(load_json=True),
        "follow_ups": await FollowUp.select(FollowUp.kind, FollowUp.due_on, FollowUp.status, FollowUp.answer,
                                            FollowUp.note, FollowUp.done_at).where(FollowUp.attendee == attendee_id),
        "training": await TrainingEnrollment.select(
            TrainingEnrollment.cohort.title.as_alias("cohort"), TrainingEnrollment.status,
            TrainingEnrollment.created_at).where(TrainingEnrollment.attendee == attendee_id),
        "queue_numbers": await WalkIn.select(WalkIn.event.title.as_alias("event_title"),
                                             WalkIn.organization.name.as_alias("organization"), WalkIn.number,
                                             WalkIn.status, WalkIn.created_at).where(WalkIn.attendee == attendee_id),
        "contact_reads": await ContactRead.select(ContactRead.organization.name.as_alias("organization"),
                                                  ContactRead.via, ContactRead.at).where(
            ContactRead.attendee == attendee_id).order_by(ContactRead.at),
        "messages": await Outbox.select(Outbox.channel, Outbox.subject, Outbox.body, Outbox.created_at,
                                        Outbox.sent_at).where(Outbox.recipient.is_in(recipients or [""])),
    }


async def delete_mine(actor: Actor, clock: Clock = SYSTEM_CLOCK) -> None:
    """The attendee asks to be deleted: anonymised at once (their session ends with it)."""
    await anonymise(_me(actor), clock)


async def anonymise(attendee_id: int, clock: Clock = SYSTEM_CLOCK) -> bool:
    """Blank every personal field of the person, keeping what the statistics count (see the
    module docstring). Returns False when they were anonymised already."""
    async with write_transaction():
        await lock_rows(Attendee, [attendee_id])
        person = await Attendee.select(Attendee.phone, Attendee.email, Attendee.anonymised_at).where(
            Attendee.id == attendee_id).first()
        if person is None:
            raise NotFound("no such attendee", field="attendee_id")
        if person["anonymised_at"] is not None:
            return False
        recipients = [r for r in (person["phone"], person["email"]) if r]
        accounts = [a["id"] for a in await Account.select(Account.id).where(Account.attendee == attendee_id)]
        await Attendee.update({
            Attendee.name: DELETED_NAME, Attendee.phone: f"x{attendee_id:010d}"[-11:], Attendee.email: "",
            Attendee.birth_year: None, Attendee.certificates: [], Attendee.max_commute_km: None,
            Attendee.anonymised_at: clock.now(),
        }).where(Attendee.id == attendee_id)
        for account_id in accounts:
            await Account.update({Account.login: f"deleted-{account_id}", Account.password_hash: "!",
                                  Account.display_name: "", Account.email: "", Account.active: False}).where(
                Account.id == account_id)
        if accounts:
            await IdempotencyRecord.delete().where(IdempotencyRecord.account.is_in(accounts))
            await CalendarFeed.delete().where(CalendarFeed.account.is_in(accounts))
        if recipients:
            await Outbox.delete().where(Outbox.recipient.is_in(recipients))
        await WalkIn.update({WalkIn.name: "", WalkIn.phone: ""}).where(WalkIn.attendee == attendee_id)
        await FollowUp.update({FollowUp.note: ""}).where(FollowUp.attendee == attendee_id)
    return True


async def purge_expired(retention: timedelta, clock: Clock = SYSTEM_CLOCK) -> dict[str, int]:
    """The retention cron job: anonymise people idle longer than ``retention`` and delete old
    messages, contact reads and replayed answers. Returns what it did."""
    cutoff = clock.now() - retention
    idle = await Attendee.raw(
        "SELECT a.id FROM attendee a WHERE a.anonymised_at IS NULL AND a.created_at < {} "
        "AND NOT EXISTS (SELECT 1 FROM registration r JOIN event e ON e.id = r.event WHERE r.attendee = a.id "
        "AND (r.created_at >= {} OR e.ends_at >= {})) "
        "AND NOT EXISTS (SELECT 1 FROM follow_up f WHERE f.attendee = a.id "
        "AND (f.done_at >= {} OR f.created_at >= {}))",
        cutoff, cutoff, cutoff, cutoff, cutoff)
    anonymised = 0
    for row in idle:
        anonymised += await anonymise(int(row["id"]), clock)
    return {"anonymised": anonymised, **await _delete_old(cutoff)}


async def _delete_old(cutoff: datetime) -> dict[str, int]:
    async with write_transaction():
        messages = await Outbox.delete().where(Outbox.sent_at.is_not_null(), Outbox.sent_at < cutoff).returning(
            Outbox.id)
        reads = await ContactRead.delete().where(ContactRead.at < cutoff).returning(ContactRead.id)
        answers = await IdempotencyRecord.delete().where(IdempotencyRecord.created_at < cutoff).returning(
            IdempotencyRecord.id)
        deliveries = await webhooks.purge_finished(cutoff)
    return {"messages": len(messages), "contact_reads": len(reads), "replayed_answers": len(answers),
            "webhook_deliveries": deliveries}


async def contact_reads(actor: Actor, attendee_id: int | None = None, organization_id: int | None = None,
                        limit: int = 200) -> list[dict[str, Any]]:
    """Organizers: which employer account saw whose phone number, when and where — for the
    people of their area."""
    from fairs.services import scope

    if not actor.is_organizer:
        raise NotFound("not found")
    query = ContactRead.select(
        ContactRead.id, ContactRead.at, ContactRead.via, ContactRead.attendee, ContactRead.organization,
        ContactRead.organization.name.as_alias("organization_name"), ContactRead.account.login.as_alias("account"),
        ContactRead.interview).where(ContactRead.attendee.is_in(scope.people_readable(actor))).order_by(
        ContactRead.at, ascending=False).limit(min(max(limit, 1), 1000))
    if attendee_id is not None:
        query = query.where(ContactRead.attendee == attendee_id)
    if organization_id is not None:
        query = query.where(ContactRead.organization == organization_id)
    return await query
