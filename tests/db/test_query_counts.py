"""Listing for an area costs a fixed number of queries, however many townships it holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fairs.core.areas import AreaRow
from fairs.db.tables import Account, Area, Attendee, Campaign, Event, Organization, Registration
from fairs.services import areas, people, registrations
from fairs.services.accounts import actor_by_id
from tests.conftest import empty_tables

T0 = datetime(2027, 3, 1, tzinfo=UTC)


@pytest.fixture
def count_queries(monkeypatch):
    engine_class = type(Organization._meta.db)
    original = engine_class.run_querystring
    seen: list[str] = []

    async def counting(self, querystring, *args, **kwargs):
        seen.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    return seen


async def county_with(townships: int) -> int:
    """A county with ``townships`` townships, each with an event, two people and their
    registrations; returns a county organizer's account id."""
    await empty_tables()
    rows = [AreaRow("430200000000", "市", "city", ""), AreaRow("430211000000", "天元区", "county", "430200000000")]
    rows += [AreaRow(f"430211{t:03d}000", f"镇{t}", "township", "430211000000") for t in range(1, townships + 1)]
    await areas.import_areas(None, rows)
    ids = {a["code"]: a["id"] for a in await Area.select(Area.id, Area.code)}
    campaign = Campaign(name="c", kind="other", area=ids["430200000000"], created_at=T0)
    await campaign.save()
    for t in range(1, townships + 1):
        home = ids[f"430211{t:03d}000"]
        event = Event(campaign=campaign.id, area=home, kind="onsite_fair", title=f"e{t}", status="published",
                      starts_at=T0 + timedelta(days=t), ends_at=T0 + timedelta(days=t, hours=2), created_at=T0)
        await event.save()
        for n in range(2):
            person = Attendee(name=f"p{t}{n}", phone=f"139{t:04d}{n:04d}", home_area=home, skills=[],
                              desired_industries=[], priority_groups=[], consent_version="v", consent_at=T0,
                              created_at=T0)
            await person.save()
            await Registration(attendee=person.id, event=event.id, created_at=T0).save()
    account = Account(login="county", password_hash="-", role="organizer", area=ids["430211000000"],
                      departments=[], created_at=T0)
    await account.save()
    return int(account.id)


@pytest.mark.parametrize("lister", ["registrations", "attendees"])
async def test_listing_for_a_county_is_one_query_with_2_or_10_townships(count_queries, lister):
    counts = {}
    for townships in (2, 10):
        actor = await actor_by_id(await county_with(townships))
        count_queries.clear()
        if lister == "registrations":
            rows = await registrations.list_registrations(actor, limit=500)
        else:
            rows = await people.list_attendees(actor, limit=500)
        assert len(rows) == 2 * townships
        counts[townships] = len(count_queries)
    assert counts == {2: 1, 10: 1}
