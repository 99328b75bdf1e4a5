"""The first organizer account, and the Zhuzhou (株洲市) demo data set.

All names of enterprises, villages and people are invented; the city and its districts and
counties are real (their codes official; township and village codes illustrative, see
fairs/services/demo_data.py). :func:`seed` goes through the ordinary use cases (so the data
passes the same validation as user input) inside one write transaction: it loads everything
or nothing, and a second run only reports what is there.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core.credit_code import ALPHABET, check_character
from fairs.core.errors import Conflict, InvalidInput
from fairs.core.matching import PRIORITY_GROUPS
from fairs.db.tables import (
    Account,
    Area,
    Attendee,
    Booth,
    BoothReservation,
    Campaign,
    Event,
    Position,
    Registration,
    ServiceStation,
)
from fairs.db.transactions import write_transaction
from fairs.services import areas, booths, employers, fairs_setup, participation, passwords, registrations, stations
from fairs.services.accounts import (
    OrganizationDetails,
    actor_by_id,
    create_staff_or_organizer,
    sign_up_attendee,
    sign_up_employer,
)
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock, FixedClock
from fairs.services.demo_data import (
    CITY_CODE,
    DIVISIONS,
    ENTERPRISES,
    INDUSTRIES,
    OLDER_NAMES,
    SKILLS,
    STATIONS,
    STOP_DAYS,
    STREETS,
    SURNAMES,
    TOWNS,
    YOUNGER_NAMES,
    area_code,
    area_rows,
    township_code,
    village_code,
)
from fairs.services.fairs_setup import BoothSpec, EventSpec
from fairs.services.people import AttendeeDetails, insert_attendee
from fairs.services.scope import within

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "fairs-demo-2027"
ORGANIZER, STAFF = "demo-organizer", "demo-staff"
COUNTY_ORGANIZER, TOWNSHIP_ORGANIZER, VETERANS = "demo-county-tianyuan", "demo-township-nanzhou", "demo-veterans"
EMPLOYER, ATTENDEE = "demo-employer-{:02d}", "demo-attendee-{:03d}"
PHONE_PREFIX = "1390733"  # every demo attendee's mobile number starts with this
FESTIVAL = "株洲市2027年“311”就业服务节"
VILLAGE_TOUR = "百企进百村 · 2027春季"
SELF_REGISTERED, STAFF_REGISTERED, UNREGISTERED = 60, 90, 50
GROUPS = sorted(PRIORITY_GROUPS)  # sorted: set order changes between runs
# The other organizers: login, name, area (by name), departments.
ORGANIZERS = (
    (COUNTY_ORGANIZER, "天元区人社局 · 演示", "天元区", ()),
    (TOWNSHIP_ORGANIZER, "南洲镇人社服务站 · 演示", "南洲镇", ()),
    (VETERANS, "株洲市退役军人事务局 · 演示", "株洲市", ("veterans_affairs",)),
)


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=SHANGHAI)


async def create_first_organizer(login: str, password: str, name: str, *, area_id: int,
                                 clock: Clock = SYSTEM_CLOCK) -> int:
    """An organizer account of ``area_id`` (usually a city) made without another organizer
    (the first one, or the demo's)."""
    login = login.strip()
    if not login:
        raise InvalidInput("must not be empty", "login")
    if len(password) < 8:
        raise InvalidInput("must be at least 8 characters long", "password")
    async with write_transaction():
        await areas.area_for(area_id, "area_id")
        if await Account.exists().where(Account.login == login):
            raise Conflict("this login is taken", field="login", code="login_taken")
        row = Account(login=login, password_hash=await passwords.hash_password(password),
                      role="organizer", display_name=name.strip(), area=area_id, departments=[],
                      created_at=clock.now())
        await row.save()
    return int(row.id)


def credit_code(rng: random.Random, cooperative: bool, district: str) -> str:
    """A valid, invented unified social credit code: 91 (enterprise) or 93 (cooperative),
    the district's division code, nine random symbols and the check character."""
    kind = "93" if cooperative else "91"
    first_17 = kind + DIVISIONS[district] + "".join(rng.choices(ALPHABET, k=9))
    return first_17 + check_character(first_17)


def _position(text: str, industry: str, district: str) -> employers.PositionSpec:
    title, headcount, skills, wages, flags = text.split()
    low, high = (int(w) for w in wages.split("-"))
    return employers.PositionSpec(
        title=title, industry=industry, headcount=int(headcount),
        skills=() if skills == "-" else tuple(skills.split(",")), wage_min=low, wage_max=high,
        work_location=f"株洲市{district}", provides_food_lodging="F" in flags,
        accepts_older_workers="O" in flags, part_time="P" in flags,
    )


def _name(rng: random.Random, older: bool) -> str:
    return rng.choice(SURNAMES) + rng.choice(OLDER_NAMES if older else YOUNGER_NAMES)


def people(area_ids: Mapping[str, int],
           count: int = SELF_REGISTERED + STAFF_REGISTERED + UNREGISTERED) -> list[AttendeeDetails]:
    """Invented job seekers, the same on every call: 60 % live in a village of the tour,
    the others in an urban street. ``area_ids`` maps the demo's area codes to their ids."""
    rng = random.Random(2027)
    numbers = rng.sample(range(10000), count)
    result = []
    for number in numbers:
        groups: list[str] = []
        if rng.random() < 0.4:
            groups = rng.sample(GROUPS, 2 if rng.random() < 0.25 else 1)
        if rng.random() < 0.6:
            home = village_code(rng.choice(TOWNS)[1])
        else:
            home = township_code(rng.choice(STREETS)[1])
        if "low_skill" in groups:
            skills = rng.sample(("cleaning", "packing", "planting"), rng.randint(0, 1))
        else:
            skills = rng.sample(SKILLS, rng.randint(1, 3))
        older = "older_worker" in groups or ("new_graduate" not in groups and rng.random() < 0.4)
        result.append(AttendeeDetails(
            name=_name(rng, older), phone=f"{PHONE_PREFIX}{number:04d}", consent=True,
            home_area_id=area_ids[home], skills=tuple(skills),
            desired_industries=tuple(rng.sample(INDUSTRIES, rng.randint(1, 2))),
            priority_groups=tuple(groups),
        ))
    return result


def festival_booths() -> list[BoothSpec]:
    specs = []
    rows = (("A", 20, "manufacturing"), ("B", 12, "services"), ("C", 4, "priority"),
            ("L", 4, "livestream"))
    for prefix, count, zone in rows:
        for k in range(1, count + 1):
            features = ["power"] if prefix == "L" or k % 2 == 0 else []
            if k in (1, count) or (prefix == "A" and k in (10, 11)):
                features.append("corner")
            if prefix == "C" or (prefix in "AB" and k <= 2):
                features.append("near_entrance")
            if prefix == "C" or (prefix == "B" and k <= 2):
                features.append("accessible")
            width = 4.0 if prefix == "C" else 3.0
            specs.append(BoothSpec(f"{prefix}{k:02d}", zone, width, 3.0, tuple(features)))
    return specs


async def seed() -> dict[str, Any]:
    """Load the demo once; afterwards (or if it is already there) report what is there."""
    async with write_transaction():
        if await Account.exists().where(Account.login == ORGANIZER):
            return await summary(created=False)
        await _load(FixedClock(datetime.now(UTC)))
        return await summary(created=True)


async def _actor(account_id: int) -> Actor:
    actor = await actor_by_id(account_id)
    assert actor is not None, f"account {account_id} was just created"
    return actor


async def _load(clock: Clock) -> None:
    await areas.import_areas(None, area_rows(), clock)
    area_ids = {a["code"]: a["id"] for a in await Area.select(Area.id, Area.code).where(
        within(Area.path, CITY_CODE))}
    city = area_ids[CITY_CODE]

    organizer = await _actor(await create_first_organizer(
        ORGANIZER, PASSWORD, "株洲市人社局 · 演示", area_id=city, clock=clock))
    for login, name, area, departments in ORGANIZERS:
        await create_staff_or_organizer(organizer, "organizer", login, PASSWORD, name,
                                        area_id=area_ids[area_code(area)], departments=departments, clock=clock)
    station_ids = [(await stations.create_station(organizer, name, kind, area_ids[area_code(area)], address,
                                                  clock))["id"] for name, kind, area, address in STATIONS]
    staff = await _actor(await create_staff_or_organizer(
        organizer, "staff", STAFF, PASSWORD, "嵩山路街道 · 演示工作人员", station_id=station_ids[0], clock=clock))

    festival = await fairs_setup.create_campaign(
        organizer, FESTIVAL, "festival", city, "现场招聘会、直播带岗与技能培训。", clock)
    tour = await fairs_setup.create_campaign(
        organizer, VILLAGE_TOUR, "village_tour", city, "企业代表乘大巴进村，赶集日设摊招聘。", clock)
    market = await fairs_setup.create_venue(
        organizer, "株洲市人力资源市场", area_ids[area_code("天元区")], "株洲市天元区长江北路人力资源市场一楼大厅",
        27.83, 113.13, "Asia/Shanghai", festival_booths(), clock)
    fair = await _published(organizer, EventSpec(
        festival["id"], "onsite_fair", f"{FESTIVAL} · 现场招聘会", _at(3, 11, 9), _at(3, 11, 12),
        venue_id=market["id"], interview_slot_minutes=20, interviews_per_attendee=3), clock)
    await _published(organizer, EventSpec(
        festival["id"], "online_fair", f"{FESTIVAL} · 直播带岗", _at(3, 12, 14), _at(3, 12, 16, 30),
        online_url="https://live.example.org/311"), clock)
    for (district, township, village, lat, lon), (month, day) in zip(TOWNS, STOP_DAYS, strict=True):
        venue = await fairs_setup.create_venue(
            organizer, f"{township}{village}村部广场", area_ids[village_code(township)],
            f"株洲市{district}{township}{village}", lat, lon, "Asia/Shanghai",
            [BoothSpec(f"V{k}", "village", features=("power",) if k == 1 else ()) for k in range(1, 5)], clock)
        await _published(organizer, EventSpec(
            tour["id"], "village_stop", f"百企进百村 · {township}{village}站",
            _at(month, day, 8, 30), _at(month, day, 11, 30), venue_id=venue["id"]), clock)

    booth_ids = {b["code"]: b["id"] for b in market["booths"]}
    rng = random.Random(311)
    for n, (name, district, industry, booth, positions) in enumerate(ENTERPRISES, start=1):
        employer = await sign_up_employer(OrganizationDetails(
            name=name, credit_code=credit_code(rng, "合作社" in name, district), industry=industry,
            contact_name=_name(rng, older=False), contact_phone=f"1397331{n:04d}",
            contact_email=f"hr{n:02d}@example.org"), EMPLOYER.format(n), PASSWORD, clock)
        for text in positions:
            await employers.create_position(employer, _position(text, industry, district), clock)
        if booth:
            code, interviewers = booth.split(":")
            taking_part = await participation.apply(employer, fair["id"], ("business_licence",), clock)
            await participation.decide(organizer, taking_part["id"], "approved", "", None, clock)
            held = await booths.hold_booth(employer, fair["id"], booth_ids[code], int(interviewers),
                                           hold_minutes=30, clock=clock)
            await booths.confirm_reservation(employer, held["id"], clock)

    everyone = people(area_ids)
    for i, details in enumerate(everyone[:SELF_REGISTERED], start=1):
        attendee = await sign_up_attendee(details, ATTENDEE.format(i), PASSWORD, clock)
        await registrations.register_myself(attendee, fair["id"], clock)
    for details in everyone[SELF_REGISTERED:SELF_REGISTERED + STAFF_REGISTERED]:
        await registrations.register_on_behalf(staff, fair["id"], details, clock)
    for details in everyone[SELF_REGISTERED + STAFF_REGISTERED:]:
        await insert_attendee(details, clock)


async def _published(organizer: Actor, spec: EventSpec, clock: Clock) -> dict[str, Any]:
    event = await fairs_setup.create_event(organizer, spec, clock)
    return await fairs_setup.change_event_status(organizer, event["id"], "published")


async def summary(created: bool = False) -> dict[str, Any]:
    """Counts of the demo's own rows (other data in the database is not counted)."""
    organizer = await Account.select(Account.id).where(Account.login == ORGANIZER).first()
    campaigns = await Campaign.select(Campaign.id).where(
        Campaign.created_by == (organizer["id"] if organizer else -1))
    campaign_ids = [c["id"] for c in campaigns]
    events = await Event.select(Event.id, Event.kind, Event.venue).where(
        Event.campaign.is_in(campaign_ids)) if campaign_ids else []
    fair = next((e for e in events if e["kind"] == "onsite_fair"), None)
    online = next((e for e in events if e["kind"] == "online_fair"), None)
    org_ids = [a["organization"] for a in await Account.select(Account.organization).where(
        Account.login.like("demo-employer-%"), Account.organization.is_not_null())]
    fair_id = fair["id"] if fair else -1
    levels = [a["level"] for a in await Area.select(Area.level).where(within(Area.path, CITY_CODE))]
    return {
        "created": created,
        "areas": {level: levels.count(level) for level in ("city", "county", "township", "village")},
        "stations": await ServiceStation.count().where(within(ServiceStation.area.path, CITY_CODE)),
        "organizations": len(set(org_ids)),
        "positions": await Position.count().where(Position.organization.is_in(org_ids))
        if org_ids else 0,
        "attendees": await Attendee.count().where(Attendee.phone.like(f"{PHONE_PREFIX}%")),
        "attendee_accounts": await Account.count().where(Account.login.like("demo-attendee-%")),
        "campaigns": len(campaign_ids),
        "venues": len({e["venue"] for e in events if e["venue"] is not None}),
        "events": len(events),
        "village_stop_events": sum(e["kind"] == "village_stop" for e in events),
        "festival_event_id": fair["id"] if fair else None,
        "online_event_id": online["id"] if online else None,
        "festival_booths": await Booth.count().where(Booth.venue == fair["venue"]) if fair else 0,
        "festival_registrations": await Registration.count().where(Registration.event == fair_id),
        "festival_registrations_by_staff": await Registration.count().where(
            Registration.event == fair_id, Registration.channel == "staff"),
        "confirmed_reservations": await BoothReservation.count().where(
            BoothReservation.event == fair_id, BoothReservation.status == "confirmed"),
        "logins": {
            "organizer": ORGANIZER, "county_organizer": COUNTY_ORGANIZER,
            "township_organizer": TOWNSHIP_ORGANIZER, "veterans": VETERANS, "staff": STAFF,
            "employers": f"{EMPLOYER.format(1)} … {EMPLOYER.format(len(ENTERPRISES))}",
            "attendees": f"{ATTENDEE.format(1)} … {ATTENDEE.format(SELF_REGISTERED)}",
        },
        "password": PASSWORD,
    }
