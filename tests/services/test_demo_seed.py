"""The Zhuzhou demo loads through the services, is valid, and loads only once."""

from __future__ import annotations

import pytest

from fairs.core.areas import AreaRow
from fairs.core.credit_code import normalize_credit_code
from fairs.core.errors import Conflict, InvalidInput
from fairs.db.tables import (
    TABLES,
    Account,
    Area,
    Attendee,
    Booth,
    BoothReservation,
    Campaign,
    Event,
    Organization,
    Position,
    Registration,
    ServiceStation,
    Venue,
)
from fairs.services import areas, demo

COUNTY_CODES = {"430202000000", "430203000000", "430204000000", "430211000000", "430212000000",
                "430223000000", "430224000000", "430225000000", "430281000000"}


async def _row_counts() -> dict[str, int]:
    return {table._meta.tablename: await table.count() for table in TABLES}


async def test_seed_loads_the_demo_once() -> None:
    summary = await demo.seed()

    assert summary["created"] is True
    expected = {
        "organizations": 20, "attendees": 200, "attendee_accounts": 60, "campaigns": 2,
        "venues": 11, "events": 12, "village_stop_events": 10, "festival_booths": 40,
        "festival_registrations": 150, "festival_registrations_by_staff": 90,
        "confirmed_reservations": 12, "stations": 3,
    }
    assert {key: summary[key] for key in expected} == expected
    assert summary["areas"]["city"] == 1 and summary["areas"]["county"] == 9
    assert summary["areas"]["township"] >= 10 and summary["areas"]["village"] == 10
    assert summary["logins"] == {
        **summary["logins"], "organizer": "demo-organizer", "county_organizer": "demo-county-tianyuan",
        "township_organizer": "demo-township-nanzhou", "veterans": "demo-veterans", "staff": "demo-staff",
    }

    # The database holds exactly that.
    assert await Organization.count() == 20
    assert await Attendee.count() == 200
    assert await Account.count().where(Account.role == "attendee") == 60
    assert await Account.count().where(Account.role == "employer") == 20
    assert await Account.count().where(Account.role == "staff") == 1
    assert await Account.count().where(Account.role == "organizer") == 4
    assert await ServiceStation.count() == 3
    assert {s["kind"] for s in await ServiceStation.select(ServiceStation.kind)} == {
        "post_station", "gig_home", "employment_supermarket"}
    fair = await Event.select().where(Event.id == summary["festival_event_id"]).first()
    assert fair["kind"] == "onsite_fair" and fair["status"] == "published"
    assert fair["interview_slot_minutes"] == 20 and fair["interviews_per_attendee"] == 3
    assert await Booth.count().where(Booth.venue == fair["venue"]) == 40
    assert await Registration.count() == 150
    assert await Registration.count().where(Registration.event == fair["id"]) == 150
    assert await Registration.count().where(Registration.channel == "staff") == 90
    assert await BoothReservation.count().where(BoothReservation.status == "confirmed") == 12
    assert await BoothReservation.count() == 12
    village_stops = Event.count().where(Event.kind == "village_stop", Event.status == "published")
    assert await village_stops == 10
    assert await Event.count().where(Event.status != "published") == 0
    assert 20 <= summary["positions"] == await Position.count() <= 80
    for org in await Organization.select(Organization.credit_code):
        assert normalize_credit_code(org["credit_code"]) == org["credit_code"]
    for venue in await Event.select(Event.venue.latitude, Event.venue.longitude).where(
        Event.kind == "village_stop"
    ):
        assert 26.4 <= venue["venue.latitude"] <= 28.0
        assert 113.0 <= venue["venue.longitude"] <= 113.9
    priority = await Attendee.count().where(Attendee.priority_groups != [])
    assert 50 <= priority <= 110  # about 40 % of 200

    # A second run reports the same and writes nothing.
    before = await _row_counts()
    again = await demo.seed()
    assert again["created"] is False
    assert {**again, "created": True} == summary
    assert await _row_counts() == before


async def test_the_area_tree_of_zhuzhou() -> None:
    await demo.seed()

    tree = {a["id"]: a for a in await Area.select()}
    by_level = {level: [a for a in tree.values() if a["level"] == level]
                for level in ("city", "county", "township", "village")}
    [city] = by_level["city"]
    assert (city["code"], city["name"], city["path"]) == ("430200000000", "株洲市", "430200000000")
    assert city["parent"] is None
    assert {a["code"] for a in by_level["county"]} == COUNTY_CODES
    assert {a["name"] for a in by_level["county"]} >= {"天元区", "渌口区", "醴陵市", "炎陵县"}
    assert len(by_level["village"]) == 10
    for area in tree.values():
        if area["level"] == "city":
            continue
        parent = tree[area["parent"]]
        assert area["path"] == parent["path"] + area["code"]
        assert area["path"].startswith(parent["path"])
        assert (parent["level"], area["level"]) in {("city", "county"), ("county", "township"),
                                                    ("township", "village")}
        if area["level"] == "township":
            assert area["code"][:6] == parent["code"][:6] and area["code"].endswith("000")
        if area["level"] == "village":
            assert area["code"][:9] == parent["code"][:9]
            assert 26.4 <= area["latitude"] <= 28.0 and 113.0 <= area["longitude"] <= 113.9
    names = {a["name"]: a for a in tree.values()}
    assert tree[names["嵩山路街道"]["parent"]]["name"] == "天元区"
    assert tree[names["南洲镇"]["parent"]]["name"] == "渌口区"
    assert tree[names["白兔潭镇"]["parent"]]["name"] == "醴陵市"


async def test_everything_of_the_demo_has_an_area() -> None:
    summary = await demo.seed()

    city = await Area.select(Area.id).where(Area.level == "city").first()
    township_or_village = {a["id"] for a in await Area.select(Area.id).where(
        Area.level.is_in(["township", "village"]))}
    homes = await Attendee.select(Attendee.home_area)
    assert len(homes) == 200 and {h["home_area"] for h in homes} <= township_or_village
    assert len({h["home_area"] for h in homes}) > 5

    campaigns = await Campaign.select(Campaign.area)
    assert len(campaigns) == 2 and all(c["area"] == city["id"] for c in campaigns)
    venues = await Venue.select(Venue.name, Venue.area.name.as_alias("area_name"),
                                Venue.area.level.as_alias("area_level"))
    assert len(venues) == 11 and all(v["area_name"] for v in venues)
    market = next(v for v in venues if v["name"] == "株洲市人力资源市场")
    assert market["area_name"] == "天元区"
    assert all(v["area_level"] == "village" for v in venues if v["name"] != "株洲市人力资源市场")
    for event in await Event.select(Event.id, Event.area, Event.venue.area.as_alias("venue_area")):
        assert event["area"] is not None
        if event["id"] == summary["online_event_id"]:
            assert event["area"] == city["id"]  # no venue: the campaign's area
        else:
            assert event["area"] == event["venue_area"]


async def test_the_demo_accounts_and_stations() -> None:
    await demo.seed()

    accounts = {a["login"]: a for a in await Account.select(
        Account.login, Account.role, Account.departments, Account.station,
        Account.area.name.as_alias("area_name"), Account.area.level.as_alias("area_level"),
    ).where(Account.role.is_in(["organizer", "staff"]))}
    assert accounts["demo-organizer"]["area_level"] == "city"
    assert accounts["demo-county-tianyuan"]["area_name"] == "天元区"
    assert accounts["demo-township-nanzhou"]["area_name"] == "南洲镇"
    assert accounts["demo-veterans"]["departments"] == ["veterans_affairs"]
    assert accounts["demo-veterans"]["area_level"] == "city"
    assert accounts["demo-organizer"]["departments"] == []
    staff = accounts["demo-staff"]
    assert staff["role"] == "staff" and staff["area_name"] == "嵩山路街道"
    station = await ServiceStation.select().where(ServiceStation.id == staff["station"]).first()
    assert (station["name"], station["kind"]) == ("天元区嵩山路街道就业驿站", "post_station")
    stations = {s["kind"]: s for s in await ServiceStation.select(
        ServiceStation.kind, ServiceStation.area.name.as_alias("area_name"))}
    assert stations["gig_home"]["area_name"] == "南洲镇"
    assert stations["employment_supermarket"]["area_name"] == "醴陵市"

    assisted = await Registration.select(Registration.station, Registration.registered_by.login.as_alias("by")).where(
        Registration.channel == "staff")
    assert len(assisted) == 90
    assert all(r["station"] == staff["station"] and r["by"] == "demo-staff" for r in assisted)
    assert await Registration.count().where(Registration.channel == "self", Registration.station.is_null()) == 60


async def _city() -> int:
    await areas.import_areas(None, [AreaRow("430200000000", "株洲市", "city", "")])
    row = await Area.select(Area.id).where(Area.code == "430200000000").first()
    return int(row["id"])


async def test_first_organizer_login_must_be_free() -> None:
    city = await _city()
    account_id = await demo.create_first_organizer("bureau-admin", "a-long-password", "人社局", area_id=city)
    row = await Account.select().where(Account.id == account_id).first()
    assert row["role"] == "organizer" and row["password_hash"] != "a-long-password"
    assert row["area"] == city
    with pytest.raises(Conflict) as refused:
        await demo.create_first_organizer("bureau-admin", "another-password", "人社局", area_id=city)
    assert refused.value.field == "login"
    assert await Account.count().where(Account.login == "bureau-admin") == 1


async def test_first_organizer_needs_an_existing_area() -> None:
    with pytest.raises(InvalidInput) as refused:
        await demo.create_first_organizer("bureau-admin", "a-long-password", "人社局", area_id=12345)
    assert refused.value.field == "area_id"
    assert await Account.count() == 0
