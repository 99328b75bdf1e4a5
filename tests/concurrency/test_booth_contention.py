"""Many employers, few booths, all at once (pretix's recipe): first the race is shown to be
real with the lock and the unique index switched off, then shown to be prevented."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest

from fairs.api.security import issue_token
from fairs.db.statements import Statement
from fairs.db.tables import Account, BoothReservation, Organization, Outbox, Participation
from fairs.services import booths as booth_service
from fairs.services import limits, quick_holds
from fairs.services.context import Actor
from tests.conftest import ENGINE
from tests.support import factories as f

T0 = datetime(2027, 3, 1, tzinfo=UTC)


async def crowd(client, employers: int, booth_count: int) -> tuple[int, list[int], list[dict[str, str]]]:
    """A published fair with ``booth_count`` booths and ``employers`` approved employers with
    signed tokens (made directly in the database: the race, not the set-up, is under test)."""
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=booth_count)
    event_id = fair["event"]["id"]
    organizations = await Organization.insert(*[
        Organization(name=f"企业{n}", credit_code=f.credit_code(n), industry="manufacturing",
                     contact_email=f"hr{n}@corp.example.org", created_at=T0) for n in range(1, employers + 1)])
    ids = [o["id"] for o in organizations]
    accounts = await Account.insert(*[
        Account(login=f"crowd{n}", password_hash="-", role="employer", organization=org, departments=[],
                created_at=T0) for n, org in enumerate(ids, start=1)])
    await Participation.insert(*[Participation(event=event_id, organization=org, status="approved", documents=[],
                                               flags=[], created_at=T0) for org in ids])
    secret = client.app.state.settings.secret_key
    headers = [{"Authorization": "Bearer " + issue_token(Actor(a["id"], "employer", organization_id=org), secret,
                                                         datetime.now(UTC))[0]}
               for a, org in zip(accounts, ids, strict=True)]
    return event_id, [b["id"] for b in fair["venue"]["booths"]], headers


async def rush(client, event_id: int, booth_ids: list[int], headers: list[dict[str, str]]) -> Counter:
    path = f"/events/{event_id}/reservations"
    answers = await asyncio.gather(*[
        client.post(path, headers=h, json={"booth_id": booth_ids[i % len(booth_ids)]}) for i, h in enumerate(headers)])
    return Counter(a.status_code for a in answers)


async def active_per_booth() -> Counter:
    rows = await BoothReservation.select(BoothReservation.booth).where(
        BoothReservation.status.is_in(["held", "confirmed"]))
    return Counter(r["booth"] for r in rows)


@pytest.mark.postgres
async def test_two_hundred_employers_for_ten_booths_leave_exactly_ten_holders(client):
    event_id, booth_ids, headers = await crowd(client, 200, 10)
    codes = await rush(client, event_id, booth_ids, headers)
    assert codes == Counter({201: 10, 409: 190})
    assert await active_per_booth() == Counter({b: 1 for b in booth_ids})
    assert await Outbox.count().where(Outbox.idempotency_key.like("booth:%:held:%")) == 10


@pytest.mark.postgres
async def test_without_the_lock_and_the_unique_index_the_same_rush_double_books(client, monkeypatch):
    """The control: proves the test above can fail (the row lock guards the careful path, the
    unique index both paths)."""
    event_id, booth_ids, headers = await crowd(client, 200, 10)

    async def no_lock(table, ids):
        await asyncio.sleep(0.01)  # what a slow network or a busy server adds between read and write

    monkeypatch.setattr(booth_service, "lock_rows", no_lock)
    # The per-organization hold limit asks Redis first, which spaces the rush out; the control is
    # about the database's guard, so the rush must reach the database all at once, as before.

    async def no_limit(redis, organization_id):
        return None

    monkeypatch.setattr(limits, "before_booth_hold", no_limit)
    # The quick path leans on the index alone: without it, its ON CONFLICT clause must go too.
    unguarded = quick_holds._INSERT_HOLD.replace(
        "ON CONFLICT (booth, event) WHERE status IN ('held', 'confirmed') DO NOTHING", "")
    assert unguarded != quick_holds._INSERT_HOLD
    monkeypatch.setattr(quick_holds, "_INSERT_HOLD_STATEMENT", Statement(BoothReservation, unguarded))
    engine = BoothReservation._meta.db
    await engine.run_ddl("DROP INDEX booth_reserved_once_per_event")
    try:
        codes = await rush(client, event_id, booth_ids, headers)
        doubled = {booth: n for booth, n in (await active_per_booth()).items() if n > 1}
    finally:
        await BoothReservation.update({BoothReservation.status: "cancelled"}).where(BoothReservation.id > 0)
        await engine.run_ddl("CREATE UNIQUE INDEX booth_reserved_once_per_event ON booth_reservation (booth, event) "
                             "WHERE status IN ('held', 'confirmed')")
    assert codes[201] > 10
    assert doubled, "the race did not happen: this control cannot show that the real test can fail"


@pytest.mark.skipif(ENGINE != "sqlite", reason="the SQLite variant")
async def test_on_sqlite_the_immediate_transaction_serialises_the_rush(client):
    event_id, booth_ids, headers = await crowd(client, 50, 5)
    codes = await rush(client, event_id, booth_ids, headers)
    assert codes == Counter({201: 5, 409: 45})
    assert await active_per_booth() == Counter({b: 1 for b in booth_ids})
