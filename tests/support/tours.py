"""A small village tour through the real API: six villages around 南洲镇, a depot in the city,
two buses, four enterprises."""

from __future__ import annotations

from typing import Any

from fairs.core.areas import AreaRow
from fairs.services import areas
from tests.support import factories as f

# (code, name, latitude, longitude): villages of 南洲镇 and 龙门镇, 5–30 km from the depot
VILLAGES = (
    ("430212101002", "荷花村", 27.72, 113.17),
    ("430212101003", "石门村", 27.68, 113.12),
    ("430212101004", "枫林村", 27.66, 113.19),
    ("430212101005", "桃源村", 27.74, 113.10),
    ("430212101006", "清水村", 27.62, 113.14),
    ("430212101007", "松柏村", 27.70, 113.22),
)
DEPOT = (27.83, 113.13)
DAYS = ["2027-03-08", "2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12"]
POOL = {"industries": {"manufacturing": 40, "services": 25}, "skills": {"welding": 10, "cooking": 8},
        "priority_groups": {"rural_labour": 30, "older_worker": 12}}


async def village_areas() -> dict[str, int]:
    await f.ensure_areas()
    await areas.import_areas(None, [AreaRow(code, name, "village", f.NANZHOU, lat, lon)
                                    for code, name, lat, lon in VILLAGES])
    return await f.ensure_areas()


async def tour(client: Any, *, villages: int = 6, riders: int = 4, buses: int = 2,
               village_changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A village-tour campaign set up and ready to plan; returns headers and ids."""
    organizer = await f.sign_in_organizer(client)
    ids = await village_areas()
    campaign = await client.post("/campaigns", headers=organizer, json={
        "name": "百企进百村·春风行动", "kind": "village_tour", "area_id": ids[f.CITY]})
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["id"]
    setup = await client.put(f"/campaigns/{campaign_id}/tour", headers=organizer, json={
        "dates": DAYS, "depot_name": "株洲市人力资源服务中心", "depot_address": "天元区长江南路",
        "depot_latitude": DEPOT[0], "depot_longitude": DEPOT[1], "buses_per_day": buses, "seats": 12,
        "min_enterprises_per_stop": 2, "max_same_industry": 2})
    assert setup.status_code == 200, setup.text
    village_ids = []
    for code, *_ in VILLAGES[:villages]:
        body = {"area_id": ids[code], "opens": "08:00", "closes": "12:00", "stop_minutes": 120,
                "booth_capacity": 4, "required_stops": 1, "labour_estimate": POOL, **(village_changes or {})}
        added = await client.post(f"/campaigns/{campaign_id}/tour/villages", headers=organizer, json=body)
        assert added.status_code == 201, added.text
        village_ids.append(added.json()["id"])
    employers = []
    for n in range(1, riders + 1):
        industry = "manufacturing" if n % 2 else "services"
        headers = await f.employer(client, 100 + n, industry)
        opening = await f.position(client, headers, industry=industry,
                                   skills=["welding"] if industry == "manufacturing" else ["cooking"])
        organization_id = opening["organization"]
        joined = await client.post(f"/campaigns/{campaign_id}/tour/riders", headers=headers, json={
            "organization_id": organization_id, "travel_dates": DAYS, "staff": 2, "max_stops_per_day": 3})
        assert joined.status_code == 201, joined.text
        employers.append({"headers": headers, "organization_id": organization_id})
    return {"organizer": organizer, "campaign_id": campaign_id, "village_ids": village_ids, "employers": employers}


async def planned(client: Any, run_worker: Any, made: dict[str, Any], **body: Any) -> dict[str, Any]:
    """Ask for a plan, let the worker make it; returns the plan."""
    started = await client.post(f"/campaigns/{made['campaign_id']}/tour-plans", headers=made["organizer"],
                                json={"budget_s": 2, **body})
    assert started.status_code == 202, started.text
    counts = await run_worker()
    assert counts["failed"] == 0, counts
    plan = (await client.get(f"/tour-plans/{started.json()['id']}", headers=made["organizer"])).json()
    assert plan["status"] == "ready", plan
    return plan
