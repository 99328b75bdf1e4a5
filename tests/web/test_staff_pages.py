"""Service-station staff's pages: look up, register on someone's behalf, print the slip, import a CSV list."""

from __future__ import annotations

from fairs.core.checkin import checkin_code
from fairs.db.tables import Attendee, Registration
from tests.support import factories as f
from tests.support.pages import csrf_of, post_form, sign_in

SECRET = "test-secret-key-that-is-long-enough-0123456789"


async def station_with_a_fair(client) -> dict:
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    await f.staff(client, organizer)
    await sign_in(client, "staff1")
    return {"organizer": organizer, "event_id": fair["event"]["id"]}


def behalf_form(event_id: int, n: int = 7, **changes) -> dict:
    form = {"event_id": str(event_id), "name": "李建国", "phone": f.mobile(n),
            "home_area_id": str(f.AREAS[f.SONGSHAN]), "work": ["construction", "driving"], "consent": "1"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def csv_file(*rows: str, header: str = "姓名,手机号,地区,想做的工作,重点群体,本人同意") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


async def upload(client, event_id: int, data: bytes):
    form = await client.get("/station/import")
    return await client.post("/station/import", data={"event_id": str(event_id), "csrf_token": csrf_of(form.text)},
                             files={"file": ("list.csv", data, "text/csv")})


async def test_staff_register_someone_with_their_consent_and_print_the_slip(client):
    made = await station_with_a_fair(client)
    station = await client.get("/station")
    assert station.status_code == 200 and "本人已同意（已把上面的话读给本人听）" in station.text
    assert "“311”就业服务节现场招聘会" in station.text

    done = await post_form(client, "/station/register", behalf_form(made["event_id"]), from_page="/station")

    assert done.status_code == 303 and done.headers["location"].startswith("/station/slip/")
    registration = await Registration.select().first()
    assert (registration["channel"], registration["event"]) == ("staff", made["event_id"])
    person = await Attendee.select(Attendee.name, Attendee.skills, Attendee.desired_industries).first()
    assert person == {"name": "李建国", "skills": ["carpentry", "driving"],
                      "desired_industries": ["construction", "logistics"]}
    slip = await client.get(done.headers["location"])
    assert slip.status_code == 200
    for text in ("招聘会报名回执", "李建国", "139****0007", "“311”就业服务节现场招聘会",
                 "2027年3月11日 周四 09:00 – 10:00", "株洲市人力资源市场", checkin_code(registration["id"], SECRET),
                 "<svg", "window.print()"):
        assert text in slip.text, text
    assert f.mobile(7) not in slip.text


async def test_staff_look_a_person_up_by_phone_and_the_form_is_filled_in(client):
    made = await station_with_a_fair(client)
    await post_form(client, "/station/register", behalf_form(made["event_id"]), from_page="/station")
    found = await client.get(f"/station?phone={f.mobile(7)}")
    assert "已登记的求职者" in found.text and 'value="李建国"' in found.text and f.mobile(7) in found.text
    nobody = await client.get(f"/station?phone={f.mobile(8)}")
    assert "没有找到这个手机号" in nobody.text
    bad = await client.get("/station?phone=12")
    assert bad.status_code == 422 and 'id="e-lookup" role="alert">请填写 11 位手机号' in bad.text


async def test_without_the_persons_consent_nothing_is_written(client):
    made = await station_with_a_fair(client)
    refused = await post_form(client, "/station/register", behalf_form(made["event_id"], consent=None),
                              from_page="/station")
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    assert 'id="e-consent" role="alert">需要本人同意为招聘会使用其个人信息</p>' in refused.text
    assert 'value="李建国"' in refused.text
    assert await Attendee.count() == 0 and await Registration.count() == 0


async def test_a_bad_phone_and_a_second_registration_are_said_next_to_their_fields(client):
    made = await station_with_a_fair(client)
    bad = await post_form(client, "/station/register", behalf_form(made["event_id"], phone="0731-1234"),
                          from_page="/station")
    assert bad.status_code == 422 and 'id="e-phone" role="alert">请填写 11 位手机号' in bad.text
    first = await post_form(client, "/station/register", behalf_form(made["event_id"]), from_page="/station")
    again = await post_form(client, "/station/register", behalf_form(made["event_id"]), from_page="/station")
    assert again.status_code == 409 and 'id="e-event_id" role="alert">已经报名了这场活动' in again.text
    assert f'href="{first.headers["location"]}"' in again.text  # print the slip they already have
    assert await Registration.count() == 1


async def test_a_csv_with_bad_rows_is_reported_row_by_row_and_nothing_is_written(client):
    made = await station_with_a_fair(client)
    data = csv_file(f"张秀英,{f.mobile(1)},南洲镇,保洁/家政;养老护理,大龄（50 岁以上）,是",
                    "王德胜,12345,南洲镇,建筑,,是",
                    f"刘桂兰,{f.mobile(3)},火星村,木匠,,是",
                    f"陈冬梅,{f.mobile(1)},430212101001,农业,,否")
    report = await upload(client, made["event_id"], data)
    assert report.status_code == 422
    assert "有 3 行需要改正，这次一个人也没有报名" in report.text
    rows = [(3, "手机号", "请填写 11 位手机号，例如 13812345678"), (4, "地区", "没有这个乡镇或村"),
            (4, "想做的工作", "不认识这种工作，请按示例填写"), (5, "手机号", "前面已有一行用了同一个手机号")]
    for line, column, message in rows:
        assert f"<tr><td>{line}</td><td>{column}</td><td>{message}</td></tr>" in report.text
    assert "需要本人同意" in report.text  # line 5 also lacks consent (only its first rule is told)
    assert await Attendee.count() == 0 and await Registration.count() == 0


async def test_a_good_csv_registers_everyone_with_slips(client):
    made = await station_with_a_fair(client)
    data = "\ufeff".encode() + csv_file(f"张秀英,{f.mobile(1)},南洲镇,保洁/家政;养老护理,大龄（50 岁以上）,是",
                                        f"李建国,{f.mobile(2)},430212101001,construction;驾驶,veteran,yes")
    done = await upload(client, made["event_id"], data)
    assert done.status_code == 200 and "已报名 2 人" in done.text
    people = await Attendee.select(Attendee.name, Attendee.home_area, Attendee.skills, Attendee.priority_groups
                                   ).order_by(Attendee.id)
    assert people == [
        {"name": "张秀英", "home_area": f.AREAS[f.NANZHOU], "skills": ["cleaning", "elder_care"],
         "priority_groups": ["older_worker"]},
        {"name": "李建国", "home_area": f.AREAS[f.NANZHOU_VILLAGE], "skills": ["carpentry", "driving"],
         "priority_groups": ["veteran"]}]
    registrations = await Registration.select(Registration.id, Registration.channel).order_by(Registration.id)
    assert [r["channel"] for r in registrations] == ["staff", "staff"]
    assert all(f'href="/station/slip/{r["id"]}"' in done.text for r in registrations)
    again = await upload(client, made["event_id"], data)  # the same file twice registers nobody twice
    assert again.status_code == 422 and "已经报名了这场活动" in again.text and await Registration.count() == 2


async def test_a_file_without_the_needed_columns_or_people_is_refused(client):
    made = await station_with_a_fair(client)
    no_columns = await upload(client, made["event_id"], csv_file("张三,13900000001", header="名字,电话"))
    assert no_columns.status_code == 422 and "第一行表头必须有：姓名、手机号、地区、本人同意" in no_columns.text
    empty = await upload(client, made["event_id"], csv_file())
    assert empty.status_code == 422 and "文件只有表头，没有人员" in empty.text
    template = await client.get("/station/import/template.csv")
    assert template.status_code == 200 and template.text.startswith("\ufeff姓名,手机号,地区")
    example = await upload(client, made["event_id"], template.content)  # the example itself imports
    assert example.status_code == 200 and "已报名 2 人" in example.text


async def test_station_pages_are_for_staff_and_slips_of_other_areas_are_not_found(client):
    made = await station_with_a_fair(client)
    elsewhere = await client.post(f"/events/{made['event_id']}/registrations", headers=await f.attendee(client, 5))
    other = await f.staff(client, made["organizer"], name="staff2", area=f.NANZHOU)
    ours = await client.post(f"/events/{made['event_id']}/assisted-registrations", headers=other, json={
        "attendee": f.attendee_body(6, home=f.NANZHOU)})
    assert ours.status_code == 201
    # staff1 works in 嵩山路街道; the fair is in 天元区 above it, and these people live in 南洲镇: not theirs
    missing = await client.get(f"/station/slip/{ours.json()['id']}")
    assert missing.status_code == 404 and "没有找到这个页面" in missing.text
    assert (await client.get(f"/station/slip/{elsewhere.json()['id']}")).status_code == 404
    client.cookies.clear()
    assert (await client.get("/station")).status_code == 303
    await sign_in(client, "attendee5")
    assert (await client.get("/station")).status_code == 403
    forged = await client.post("/station/register", data=behalf_form(made["event_id"]))
    assert forged.status_code == 403
