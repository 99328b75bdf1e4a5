"""The first organizer account, and the Zhuzhou (株洲市) demo data set.

All names of enterprises, villages and people are invented; townships and districts are real.
:func:`seed` goes through the ordinary use cases (so the data passes the same validation as
user input) inside one write transaction: it loads everything or nothing, and a second run
only reports what is there.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fairs.core.credit_code import ALPHABET, check_character
from fairs.core.errors import Conflict, InvalidInput
from fairs.core.matching import PRIORITY_GROUPS
from fairs.db.tables import (
    Account,
    Attendee,
    Booth,
    BoothReservation,
    Campaign,
    Event,
    Position,
    Registration,
)
from fairs.db.transactions import write_transaction
from fairs.services import booths, employers, fairs_setup, passwords, registrations
from fairs.services.accounts import (
    OrganizationDetails,
    actor_of,
    create_staff_or_organizer,
    sign_up_attendee,
    sign_up_employer,
)
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.fairs_setup import BoothSpec, EventSpec
from fairs.services.people import AttendeeDetails, insert_attendee

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "fairs-demo-2027"
ORGANIZER, STAFF = "demo-organizer", "demo-staff"
EMPLOYER, ATTENDEE = "demo-employer-{:02d}", "demo-attendee-{:03d}"
PHONE_PREFIX = "1390733"  # every demo attendee's mobile number starts with this
FESTIVAL = "株洲市2027年“311”就业服务节"
VILLAGE_TOUR = "百企进百村 · 2027春季"
SELF_REGISTERED, STAFF_REGISTERED, UNREGISTERED = 60, 90, 50

DIVISIONS = {"荷塘区": "430202", "芦淞区": "430203", "石峰区": "430204", "天元区": "430211",
             "渌口区": "430212", "攸县": "430223", "茶陵县": "430224", "炎陵县": "430225",
             "醴陵市": "430281"}
# district, township, village (invented), latitude and longitude of the village square
TOWNS = (
    ("荷塘区", "仙庾镇", "枫溪村", 27.93, 113.27), ("芦淞区", "白关镇", "长岭村", 27.77, 113.25),
    ("渌口区", "南洲镇", "荷花村", 27.58, 113.06), ("渌口区", "朱亭镇", "双江村", 27.42, 113.07),
    ("醴陵市", "白兔潭镇", "桃源村", 27.85, 113.62), ("醴陵市", "王仙镇", "青山村", 27.73, 113.43),
    ("攸县", "网岭镇", "石门村", 27.17, 113.26), ("攸县", "皇图岭镇", "新塘村", 27.24, 113.38),
    ("茶陵县", "虎踞镇", "清水村", 26.88, 113.45), ("炎陵县", "霞阳镇", "金盆村", 26.50, 113.77),
)
STREETS = (("天元区", "嵩山路街道"), ("天元区", "泰山路街道"), ("芦淞区", "建宁街道"),
           ("荷塘区", "月塘街道"), ("石峰区", "龙头铺街道"))
# Market-day mornings of the village stops, one per town above (month, day).
STOP_DAYS = ((3, 15), (3, 18), (3, 22), (3, 25), (3, 29), (4, 1), (4, 6), (4, 9), (4, 13), (4, 16))

# name, district, industry, festival booth ("code:interviewers" or ""), positions as
# "title headcount skills wage_min-wage_max flags" (flags: F food & lodging, O older workers
# welcome, P part-time; "-" for none).
ENTERPRISES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("株洲湘江轨道装备配套有限公司", "石峰区", "manufacturing", "A01:3",
     ("电焊工 6 welding 6000-8500 F", "装配钳工 4 assembly 5500-7500 F",
      "车间电工 2 electrician 6000-8000 F")),
    ("株洲石峰轨交紧固件有限公司", "石峰区", "manufacturing", "A02:2",
     ("数控车工 3 cnc 5500-7500 F", "质检员 2 quality 4500-6000 -",
      "普工 10 assembly 4200-5500 FO")),
    ("株洲天元电机绕组有限公司", "天元区", "manufacturing", "A03:3",
     ("绕线工 8 assembly 4500-6000 FO", "叉车工 1 forklift 5000-6000 F")),
    ("株洲栗雨汽车零部件有限公司", "天元区", "manufacturing", "",
     ("冲压操作工 6 assembly 5000-6500 F", "设备电工 1 electrician 5500-7000 F")),
    ("醴陵白兔潭陶瓷制品有限公司", "醴陵市", "manufacturing", "A04:2",
     ("陶瓷彩绘工 5 painting 4000-6000 O", "窑炉工 3 - 4500-6000 FO",
      "包装工 6 packing 3500-4500 O")),
    ("醴陵釉下彩日用瓷有限公司", "醴陵市", "manufacturing", "",
     ("拉坯成型工 3 - 4500-6500 F", "电商客服 2 sales 3500-5000 -")),
    ("株洲芦淞服饰加工有限公司", "芦淞区", "manufacturing", "A05:3",
     ("缝纫工 12 sewing 4500-7000 FO", "整烫包装工 4 packing 3800-4800 O")),
    ("株洲荷塘冷链物流有限公司", "荷塘区", "logistics", "B01:3",
     ("叉车司机 3 forklift 5000-6500 F", "仓库理货员 6 warehouse 4200-5200 O",
      "冷链配送司机 4 driving 6000-8000 -")),
    ("株洲渌口货运服务有限公司", "渌口区", "logistics", "B02:2",
     ("货车司机 5 driving 6500-9000 F", "装卸工 8 - 4500-6000 FO")),
    ("攸县乡味食品有限公司", "攸县", "manufacturing", "",
     ("食品包装工 10 packing 3800-4800 FO", "腊味加工工 4 cooking 4000-5200 FO")),
    ("株洲湘厨餐饮管理有限公司", "天元区", "services", "B03:2",
     ("厨师 3 cooking 5000-7000 F", "帮厨 4 cooking 3500-4200 FO", "服务员 6 - 3200-4000 FP")),
    ("株洲颐康养老服务有限公司", "荷塘区", "care", "C01:3",
     ("养老护理员 10 elder_care 4000-5500 FO", "保洁员 3 cleaning 2800-3500 OP")),
    ("株洲渌江家政服务有限公司", "渌口区", "services", "C02:2",
     ("家政服务员 8 cleaning 4000-6000 O", "育婴员 3 child_care 5000-7000 -",
      "居家养老护理员 4 elder_care 4200-5800 O")),
    ("株洲建湘建筑劳务有限公司", "天元区", "construction", "",
     ("钢筋工 10 - 7000-10000 F", "木工 6 carpentry 7000-9500 FO",
      "施工电工 2 electrician 7000-9000 F", "小工 12 - 5000-6500 FO")),
    ("茶陵茶乡农业开发有限公司", "茶陵县", "agriculture", "",
     ("茶园管护工 8 planting 3000-4000 FO", "农机手 2 driving 4000-5000 F")),
    ("炎陵县霞阳黄桃种植专业合作社", "炎陵县", "agriculture", "L01:2",
     ("黄桃采摘分拣工 15 planting 3000-4000 FOP", "农产品直播主播 2 livestream 4000-8000 -")),
    ("株洲石峰物业服务有限公司", "石峰区", "services", "B04:2",
     ("保安员 6 security 3500-4200 O", "保洁员 8 cleaning 2800-3400 O")),
    ("株洲河西商贸连锁有限公司", "天元区", "retail", "",
     ("超市理货员 6 warehouse 3200-4000 O", "收银员 4 sales 3200-3800 P",
      "导购员 3 sales 3500-5000 -")),
    ("株洲湘农优品电商有限公司", "芦淞区", "retail", "",
     ("直播带货主播 3 livestream 5000-9000 -", "电商打包员 6 packing 3500-4500 O")),
    ("醴陵东富电瓷配件有限公司", "醴陵市", "manufacturing", "",
     ("电瓷成型工 6 assembly 4800-6500 FO", "质检员 2 quality 4500-5500 F")),
)

SURNAMES = "李王张刘陈杨黄赵周吴谭彭罗邓易肖唐曾龙贺胡文丁谢蒋颜尹袁段钟许朱廖"
OLDER_NAMES = ("建国 建华 秀英 桂英 国平 新民 德胜 立新 玉兰 金凤 满英 水生 "
               "长根 春花 冬梅 志强 红梅 桂兰 光明 爱民 淑珍 凤英 德明 冬生").split()
YOUNGER_NAMES = ("子涵 雨欣 浩然 梓轩 佳怡 俊杰 文博 思远 欣怡 宇航 诗琪 一鸣 "
                 "晨曦 嘉豪 心怡 婷 磊 鑫 杰 丹 静 勇 敏 芳").split()
SKILLS = ("welding forklift driving cooking cleaning sewing electrician sales warehouse elder_care "
          "livestream planting assembly packing security").split()
INDUSTRIES = ("manufacturing", "logistics", "services", "construction", "agriculture", "retail",
              "care")
GROUPS = sorted(PRIORITY_GROUPS)  # sorted: set order changes between runs


class _Fixed:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=SHANGHAI)


async def create_first_organizer(login: str, password: str, name: str,
                                 clock: Clock = SYSTEM_CLOCK) -> int:
    """An organizer account made without another organizer (the first one, or the demo's)."""
    login = login.strip()
    if not login:
        raise InvalidInput("must not be empty", "login")
    if len(password) < 8:
        raise InvalidInput("must be at least 8 characters long", "password")
    async with write_transaction():
        if await Account.exists().where(Account.login == login):
            raise Conflict("this login is taken", field="login", code="login_taken")
        row = Account(login=login, password_hash=await passwords.hash_password(password),
                      role="organizer", display_name=name.strip(), created_at=clock.now())
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


def people(count: int = SELF_REGISTERED + STAFF_REGISTERED + UNREGISTERED) -> list[AttendeeDetails]:
    """Invented job seekers, the same on every call."""
    rng = random.Random(2027)
    numbers = rng.sample(range(10000), count)
    result = []
    for number in numbers:
        groups: list[str] = []
        if rng.random() < 0.4:
            groups = rng.sample(GROUPS, 2 if rng.random() < 0.25 else 1)
        if rng.random() < 0.6:
            district, township, village, _, _ = rng.choice(TOWNS)
        else:
            (district, township), village = rng.choice(STREETS), ""
        if "low_skill" in groups:
            skills = rng.sample(("cleaning", "packing", "planting"), rng.randint(0, 1))
        else:
            skills = rng.sample(SKILLS, rng.randint(1, 3))
        older = "older_worker" in groups or ("new_graduate" not in groups and rng.random() < 0.4)
        result.append(AttendeeDetails(
            name=_name(rng, older), phone=f"{PHONE_PREFIX}{number:04d}", consent=True,
            township=district + township, village=village, skills=tuple(skills),
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
        await _load(_Fixed(datetime.now(UTC)))
        return await summary(created=True)


async def _load(clock: Clock) -> None:
    organizer_id = await create_first_organizer(ORGANIZER, PASSWORD, "株洲市人社局 · 演示", clock)
    organizer = actor_of(await Account.objects().where(Account.id == organizer_id).first())
    staff_id = await create_staff_or_organizer(
        organizer, "staff", STAFF, PASSWORD, "嵩山路街道 · 演示工作人员",
        service_station="天元区嵩山路街道就业驿站", clock=clock)
    staff = actor_of(await Account.objects().where(Account.id == staff_id).first())

    festival = await fairs_setup.create_campaign(
        organizer, FESTIVAL, "festival", "现场招聘会、直播带岗与技能培训。", clock)
    tour = await fairs_setup.create_campaign(
        organizer, VILLAGE_TOUR, "village_tour", "企业代表乘大巴进村，赶集日设摊招聘。", clock)
    market = await fairs_setup.create_venue(
        organizer, "株洲市人力资源市场", "株洲市天元区长江北路人力资源市场一楼大厅", 27.83, 113.13,
        "Asia/Shanghai", festival_booths(), clock)
    fair = await _published(organizer, EventSpec(
        festival["id"], "onsite_fair", f"{FESTIVAL} · 现场招聘会", _at(3, 11, 9), _at(3, 11, 12),
        venue_id=market["id"], interview_slot_minutes=20, interviews_per_attendee=3), clock)
    await _published(organizer, EventSpec(
        festival["id"], "online_fair", f"{FESTIVAL} · 直播带岗", _at(3, 12, 14), _at(3, 12, 16, 30),
        online_url="https://live.example.org/311"), clock)
    for (district, township, village, lat, lon), (month, day) in zip(TOWNS, STOP_DAYS, strict=True):
        venue = await fairs_setup.create_venue(
            organizer, f"{township}{village}村部广场", f"株洲市{district}{township}{village}",
            lat, lon,
            "Asia/Shanghai", [BoothSpec(f"V{k}", "village", features=("power",) if k == 1 else ())
                              for k in range(1, 5)], clock)
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
            held = await booths.hold_booth(employer, fair["id"], booth_ids[code], int(interviewers),
                                           hold_minutes=30, clock=clock)
            await booths.confirm_reservation(employer, held["id"], clock)

    everyone = people()
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
    return {
        "created": created,
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
            "organizer": ORGANIZER, "staff": STAFF,
            "employers": f"{EMPLOYER.format(1)} … {EMPLOYER.format(len(ENTERPRISES))}",
            "attendees": f"{ATTENDEE.format(1)} … {ATTENDEE.format(SELF_REGISTERED)}",
        },
        "password": PASSWORD,
    }
