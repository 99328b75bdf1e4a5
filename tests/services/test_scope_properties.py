"""Over random area trees, people, events and accounts, no list and no read ever returns an
object outside the account's scope, and every list returns all that is inside it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairs.core.areas import DEPARTMENT_GROUPS, AreaRow, city_of, in_subtree
from fairs.core.errors import NotFound
from fairs.core.matching import PRIORITY_GROUPS
from fairs.db.tables import Account, Area, Attendee, Campaign, Event, Registration
from fairs.services import areas, fairs_setup, people, registrations
from fairs.services.accounts import actor_by_id
from tests.conftest import empty_tables

T0 = datetime(2027, 3, 1, tzinfo=UTC)
GROUPS = sorted(PRIORITY_GROUPS)


@st.composite
def worlds(draw: st.DrawFn) -> dict:
    """A city with counties, townships and villages; people, events and registrations placed
    at random nodes; organizer and staff accounts at random nodes, some with departments."""
    rows = [AreaRow("430200000000", "市", "city", "")]
    for c in range(draw(st.integers(1, 3))):
        county = f"4302{c + 1:02d}000000"
        rows.append(AreaRow(county, f"县{c}", "county", rows[0].code))
        for t in range(draw(st.integers(0, 3))):
            township = f"{county[:6]}{t + 1:03d}000"
            rows.append(AreaRow(township, f"镇{c}{t}", "township", county))
            for v in range(draw(st.integers(0, 2))):
                rows.append(AreaRow(f"{township[:9]}{v + 1:03d}", f"村{c}{t}{v}", "village", township))
    codes = [r.code for r in rows]
    node = st.sampled_from(codes)
    persons = draw(st.lists(st.tuples(node, st.lists(st.sampled_from(GROUPS), max_size=2, unique=True)),
                            min_size=1, max_size=8))
    events = draw(st.lists(node, min_size=1, max_size=4))
    regs = draw(st.lists(st.tuples(st.integers(0, len(persons) - 1), st.integers(0, len(events) - 1)),
                         max_size=12, unique=True))
    accounts = draw(st.lists(st.tuples(st.sampled_from(["organizer", "staff"]), node,
                                       st.lists(st.sampled_from(sorted(DEPARTMENT_GROUPS)), max_size=2, unique=True)),
                             min_size=1, max_size=4))
    return {"rows": rows, "persons": persons, "events": events, "registrations": regs, "accounts": accounts}


async def build(world: dict) -> dict:
    await empty_tables()
    await areas.import_areas(None, world["rows"])
    area = {a["code"]: a for a in await Area.select(Area.id, Area.code, Area.path)}
    campaign = Campaign(name="c", kind="other", area=area["430200000000"]["id"], created_at=T0)
    await campaign.save()
    person_rows = [Attendee(name=f"p{i}", phone=f"139{i:08d}", home_area=area[code]["id"], skills=[],
                            desired_industries=[], priority_groups=groups, consent_version="v", consent_at=T0,
                            created_at=T0) for i, (code, groups) in enumerate(world["persons"])]
    person_ids = [r["id"] for r in await Attendee.insert(*person_rows)]
    event_rows = [Event(campaign=campaign.id, area=area[code]["id"], kind="onsite_fair", title=f"e{i}",
                        status="draft" if i % 2 else "published", starts_at=T0 + timedelta(days=i),
                        ends_at=T0 + timedelta(days=i, hours=2), created_at=T0)
                  for i, code in enumerate(world["events"])]
    event_ids = [r["id"] for r in await Event.insert(*event_rows)]
    reg_ids = []
    if world["registrations"]:
        reg_ids = [r["id"] for r in await Registration.insert(*[
            Registration(attendee=person_ids[p], event=event_ids[e], created_at=T0)
            for p, e in world["registrations"]])]
    actors = []
    for i, (role, code, departments) in enumerate(world["accounts"]):
        account = Account(login=f"a{i}", password_hash="-", role=role, area=area[code]["id"],
                          departments=departments if role == "organizer" else [], created_at=T0)
        await account.save()
        actors.append(await actor_by_id(account.id))
    return {"area": area, "persons": person_ids, "events": event_ids, "registrations": reg_ids, "actors": actors}


def may_read_person(actor, home: str, groups: list[str], paths: dict) -> bool:
    if in_subtree(paths[home], actor.area_path):
        return True
    followed = {DEPARTMENT_GROUPS[d] for d in actor.departments} if actor.role == "organizer" else set()
    return bool(followed & set(groups)) and in_subtree(paths[home], city_of(actor.area_path))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(world=worlds())
async def test_no_list_or_read_leaves_the_scope(world):
    built = await build(world)
    paths = {code: a["path"] for code, a in built["area"].items()}
    for actor in built["actors"]:
        # people
        expected_people = [pid for pid, (home, groups) in zip(built["persons"], world["persons"], strict=True)
                           if may_read_person(actor, home, groups, paths)]
        listed = [p["id"] for p in await people.list_attendees(actor, limit=500)]
        assert listed == expected_people
        for pid in built["persons"]:
            try:
                await people.get_attendee(actor, pid)
                assert pid in expected_people
            except NotFound:
                assert pid not in expected_people
        # events: public ones for everybody, drafts of the area for organizers
        expected_events = sorted(
            eid for i, (eid, code) in enumerate(zip(built["events"], world["events"], strict=True))
            if i % 2 == 0 or (actor.role == "organizer" and in_subtree(paths[code], actor.area_path)))
        assert sorted(e["id"] for e in await fairs_setup.list_events(actor)) == expected_events
        # registrations: event in the area, person in the area, or (organizers) person of a followed group
        expected_regs = [
            rid for rid, (p, e) in zip(built["registrations"], world["registrations"], strict=True)
            if in_subtree(paths[world["events"][e]], actor.area_path)
            or may_read_person(actor, *world["persons"][p], paths)
        ]
        assert [r["id"] for r in await registrations.list_registrations(actor, limit=500)] == expected_regs
