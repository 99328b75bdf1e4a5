"""Real objects through the real API, for tests to build on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fairs.core.areas import AreaRow
from fairs.core.credit_code import ALPHABET, check_character
from fairs.db.tables import Account, Area
from fairs.services import areas, passwords

PASSWORD = "correct-horse-battery"

# A small Zhuzhou: the city, two districts, three townships, one village.
TREE = (
    AreaRow("430200000000", "株洲市", "city", ""),
    AreaRow("430211000000", "天元区", "county", "430200000000"),
    AreaRow("430211001000", "嵩山路街道", "township", "430211000000"),
    AreaRow("430211002000", "栗雨街道", "township", "430211000000"),
    AreaRow("430212000000", "渌口区", "county", "430200000000"),
    AreaRow("430212101000", "南洲镇", "township", "430212000000"),
    AreaRow("430212101001", "南洲村", "village", "430212101000", 27.70, 113.15),
)
CITY, TIANYUAN, SONGSHAN, LIYU, LUKOU, NANZHOU, NANZHOU_VILLAGE = (row.code for row in TREE)
AREAS: dict[str, int] = {}
"""Area ids by code for the current test (filled by ensure_areas)."""


async def ensure_areas() -> dict[str, int]:
    """The small tree above, created once per test."""
    if not await Area.count():
        await areas.import_areas(None, list(TREE))
    AREAS.clear()
    AREAS.update({a["code"]: a["id"] for a in await Area.select(Area.code, Area.id)})
    return AREAS


def credit_code(n: int) -> str:
    """A valid unified social credit code, different for every ``n``."""
    digits = ""
    for _ in range(9):
        n, rest = divmod(n, 31)
        digits = ALPHABET[rest] + digits
    body = "91430200" + digits
    return body + check_character(body)


def mobile(n: int) -> str:
    return f"139{n:08d}"


async def organizer_account(login: str = "organizer", area: str = CITY, departments: tuple[str, ...] = ()) -> int:
    """An organizer of ``area`` (a division code; the city by default)."""
    await ensure_areas()
    row = Account(login=login, password_hash=await passwords.hash_password(PASSWORD), role="organizer",
                  display_name="组织者", email=f"{login}@hr.example.org", area=AREAS[area],
                  departments=list(departments), created_at=datetime(2027, 3, 1, tzinfo=UTC))
    await row.save()
    return int(row.id)


async def login(client: Any, name: str) -> dict[str, str]:
    response = await client.post("/auth/login", json={"login": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


ORGANIZERS: list[dict[str, str]] = []
"""The organizers signed in during this test, first first (the first decides participations)."""


async def sign_in_organizer(client: Any, name: str = "organizer", area: str = CITY,
                            departments: tuple[str, ...] = ()) -> dict[str, str]:
    if not await Account.exists().where(Account.role == "organizer"):
        ORGANIZERS.clear()
    await organizer_account(name, area, departments)
    headers = await login(client, name)
    ORGANIZERS.append(headers)
    return headers


async def take_part(client: Any, employer_headers: dict[str, str], event_id: int, priority: int = 0) -> dict[str, Any]:
    """The employer applies to take part and the test's first organizer approves."""
    applied = await client.post(f"/events/{event_id}/participations", headers=employer_headers,
                                json={"documents": ["business_licence"]})
    if applied.status_code == 409 and applied.json()["type"].endswith("participation_exists"):
        return applied.json()
    assert applied.status_code == 201, applied.text
    decided = await client.post(f"/participations/{applied.json()['id']}/decision", headers=ORGANIZERS[0],
                                json={"decision": "approved", "priority": priority})
    assert decided.status_code == 200, decided.text
    return decided.json()


async def employer(client: Any, n: int, industry: str = "manufacturing") -> dict[str, str]:
    response = await client.post("/signup/employer", json={
        "organization": {"name": f"株洲测试企业{n}有限公司", "credit_code": credit_code(n), "industry": industry,
                         "contact_name": f"人事{n}", "contact_email": f"hr{n}@corp.example.org"},
        "login": f"employer{n}", "password": PASSWORD,
    })
    assert response.status_code == 201, response.text
    return await login(client, f"employer{n}")


def attendee_body(n: int, home: str = NANZHOU, **changes: Any) -> dict[str, Any]:
    """Call after ensure_areas() (any organizer or attendee factory does)."""
    body = {"name": f"求职者{n}", "phone": mobile(n), "consent": True, "home_area_id": AREAS[home],
            "skills": ["welding"], "desired_industries": ["manufacturing"], "priority_groups": []}
    body.update(changes)
    return body


async def attendee(client: Any, n: int, **changes: Any) -> dict[str, str]:
    await ensure_areas()
    response = await client.post("/signup/attendee", json={
        "attendee": attendee_body(n, **changes), "login": f"attendee{n}", "password": PASSWORD})
    assert response.status_code == 201, response.text
    return await login(client, f"attendee{n}")


async def station(client: Any, organizer: dict[str, str], area: str = SONGSHAN,
                  name: str = "嵩山路街道就业驿站") -> dict[str, Any]:
    response = await client.post("/stations", headers=organizer, json={
        "name": name, "kind": "post_station", "area_id": AREAS[area]})
    assert response.status_code == 201, response.text
    return response.json()


async def staff(client: Any, organizer: dict[str, str], name: str = "staff1", area: str = SONGSHAN) -> dict[str, str]:
    """A staff account at a new service station in ``area``."""
    post = await station(client, organizer, area, name=f"{name}的驿站")
    response = await client.post("/accounts", headers=organizer, json={
        "role": "staff", "login": name, "password": PASSWORD, "display_name": "驿站工作人员",
        "station_id": post["id"]})
    assert response.status_code == 201, response.text
    return await login(client, name)


async def published_fair(client: Any, organizer: dict[str, str], booths: int = 10, campaign_area: str = CITY,
                         venue_area: str = TIANYUAN) -> dict[str, Any]:
    """A festival campaign with an on-site fair (09:00–10:00 Asia/Shanghai, 20-minute slots)
    at a venue in ``venue_area`` (the event's area)."""
    campaign = await client.post("/campaigns", headers=organizer, json={
        "name": "株洲市2027年“311”就业服务节", "kind": "festival", "area_id": AREAS[campaign_area]})
    assert campaign.status_code == 201, campaign.text
    venue = await client.post("/venues", headers=organizer, json={
        "name": "株洲市人力资源市场", "area_id": AREAS[venue_area], "address": "株洲市天元区长江北路",
        "latitude": 27.83, "longitude": 113.13,
        "booths": [{"code": f"A{i:02d}", "zone": "manufacturing"} for i in range(1, booths + 1)]})
    assert venue.status_code == 201, venue.text
    event = await client.post("/events", headers=organizer, json={
        "campaign_id": campaign.json()["id"], "venue_id": venue.json()["id"], "kind": "onsite_fair",
        "title": "“311”就业服务节现场招聘会", "starts_at": "2027-03-11T09:00:00+08:00",
        "ends_at": "2027-03-11T10:00:00+08:00", "interview_slot_minutes": 20, "interviews_per_attendee": 2})
    assert event.status_code == 201, event.text
    published = await client.patch(f"/events/{event.json()['id']}", headers=organizer, json={"status": "published"})
    assert published.status_code == 200, published.text
    return {"event": published.json(), "venue": venue.json(), "campaign": campaign.json()}


async def reserve(client: Any, employer_headers: dict[str, str], event_id: int, booth_id: int,
                  interviewers: int = 2) -> dict[str, Any]:
    await take_part(client, employer_headers, event_id)
    held = await client.post(f"/events/{event_id}/reservations", headers=employer_headers,
                             json={"booth_id": booth_id, "interviewers": interviewers})
    assert held.status_code == 201, held.text
    confirmed = await client.post(f"/reservations/{held.json()['id']}/confirm", headers=employer_headers)
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()


async def position(client: Any, employer_headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    body = {"title": "焊工", "industry": "manufacturing", "headcount": 5, "skills": ["welding"],
            "wage_min": 5000, "wage_max": 7000, "accepts_older_workers": True}
    body.update(changes)
    response = await client.post("/positions", headers=employer_headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def fair_ready_for_matching(client: Any, attendees: int = 2, interviewers: int = 2) -> dict[str, Any]:
    """A published fair, one employer (`employer1`) with a confirmed booth and a welding
    position, and ``attendees`` registered welders (`attendee1`…)."""
    organizer = await sign_in_organizer(client)
    fair = await published_fair(client, organizer)
    event_id = fair["event"]["id"]
    welders = await employer(client, 1)
    await reserve(client, welders, event_id, fair["venue"]["booths"][0]["id"], interviewers=interviewers)
    await position(client, welders)
    people = []
    for n in range(1, attendees + 1):
        headers = await attendee(client, n)
        response = await client.post(f"/events/{event_id}/registrations", headers=headers)
        assert response.status_code == 201, response.text
        people.append(headers)
    return {"organizer": organizer, "event_id": event_id, "employer": welders, "attendees": people}


async def fair_with_blocks(client: Any, blocks: list[list[int]] | None = None, employers: int = 2) -> dict[str, Any]:
    """published_fair (three 20-minute slots, 09:00–10:00) cut into interview blocks (by
    default morning-early [0, 0] and later [1, 2]), with ``employers`` approved employers
    (`employer1`…)."""
    organizer = await sign_in_organizer(client)
    fair = await published_fair(client, organizer)
    event_id = fair["event"]["id"]
    changed = await client.patch(f"/events/{event_id}", headers=organizer,
                                 json={"interview_blocks": [[0, 0], [1, 2]] if blocks is None else blocks})
    assert changed.status_code == 200, changed.text
    headers, participations = [], []
    for n in range(1, employers + 1):
        headers.append(await employer(client, n))
        participations.append(await take_part(client, headers[-1], event_id))
    return {"organizer": organizer, "event_id": event_id, "event": changed.json(), "employers": headers,
            "participations": participations, "organizations": [p["organization"] for p in participations],
            "venue": fair["venue"], "campaign": fair["campaign"]}
