"""Job seekers' pages: sign up, register for a fair, see and answer slots, calendar, check-in code, day sheet."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fairs.core.checkin import checkin_code, read_checkin_code
from fairs.db.tables import Account, Attendee, InterviewSlot, Registration
from tests.support import factories as f
from tests.support.pages import csrf_of, post_form, sign_in

SECRET = "test-secret-key-that-is-long-enough-0123456789"


def sign_up_form(n: int = 1, **changes: str | list[str]) -> dict:
    form = {"name": "张秀英", "phone": f.mobile(n), "home_area_id": str(f.AREAS[f.NANZHOU_VILLAGE]),
            "work": ["factory", "cleaning"], "priority_groups": ["older_worker"], "consent": "1",
            "password": f.PASSWORD}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


async def fair_with_welders(client) -> dict:
    """A published fair (09:00–10:00), employer1 at booth A01 with a welding position."""
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    welders = await f.employer(client, 1)
    await f.reserve(client, welders, fair["event"]["id"], fair["venue"]["booths"][0]["id"])
    await f.position(client, welders)
    return {"organizer": organizer, "event_id": fair["event"]["id"], **fair}


async def test_a_person_signs_up_in_a_few_taps_and_lands_on_my_page(client):
    await f.ensure_areas()
    form_page = await client.get("/register")
    assert form_page.status_code == 200
    assert "🏭" in form_page.text and "制造/普工" in form_page.text and 'name="work" value="factory"' in form_page.text
    assert "南洲镇 · 南洲村" in form_page.text and "不收集身份证号" in form_page.text

    signed = await post_form(client, "/register", sign_up_form(), from_page="/register")

    assert signed.status_code == 303 and signed.headers["location"] == "/my"
    assert "fairs_session=" in signed.headers["set-cookie"]
    person = await Attendee.select().first()
    shown = ("name", "phone", "home_area", "desired_industries", "skills", "priority_groups")
    assert {k: person[k] for k in shown} == {
        "name": "张秀英", "phone": f.mobile(1), "home_area": f.AREAS[f.NANZHOU_VILLAGE],
        "desired_industries": ["manufacturing", "services"], "skills": ["assembly", "packing", "cleaning"],
        "priority_groups": ["older_worker"]}
    assert (await Account.select(Account.login, Account.role).first()) == {"login": f.mobile(1), "role": "attendee"}
    mine = await client.get("/my")
    assert mine.status_code == 200 and "您还没有报名招聘会" in mine.text


async def test_a_bad_phone_is_said_next_to_the_field_and_nothing_is_written(client):
    await f.ensure_areas()
    refused = await post_form(client, "/register", sign_up_form(phone="1234"), from_page="/register")

    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    assert re.search(r'id="f-phone"[^>]*aria-invalid="true"[^>]*aria-describedby="e-phone"', refused.text)
    assert '<p class="error" id="e-phone" role="alert">请填写 11 位手机号，例如 13812345678</p>' in refused.text
    assert 'value="张秀英"' in refused.text and 'value="factory" checked' in refused.text  # kept, but no password
    assert f.PASSWORD not in refused.text
    assert await Attendee.count() == 0 and await Account.count() == 0
    english = await post_form(client, "/register?lang=en", sign_up_form(phone="1234"), from_page="/register?lang=en")
    assert "must be a mainland China mobile number" in english.text and "Phone number" in english.text


async def test_without_consent_sign_up_is_refused_and_nothing_is_written(client):
    await f.ensure_areas()
    refused = await post_form(client, "/register", sign_up_form(consent=None), from_page="/register")

    assert refused.status_code == 422
    assert 'id="e-consent" role="alert">需要本人同意为招聘会使用其个人信息</p>' in refused.text
    assert await Attendee.count() == 0 and await Account.count() == 0


async def test_a_phone_already_signed_up_is_told_to_sign_in(client):
    await f.ensure_areas()
    await post_form(client, "/register", sign_up_form(), from_page="/register")
    client.cookies.delete("fairs_session")
    again = await post_form(client, "/register", sign_up_form(name="别人"), from_page="/register")
    assert again.status_code == 422 and "这个手机号已经注册过，请直接登录。" in again.text
    assert await Attendee.count() == 1


async def test_a_form_without_csrf_is_refused_and_nothing_is_written(client):
    await f.ensure_areas()
    await client.get("/register")
    forged = await client.post("/register", data=sign_up_form())
    assert forged.status_code == 403 and "没有权限" in forged.text
    assert await Attendee.count() == 0


async def test_an_attendee_registers_sees_answers_and_downloads_their_slot(client, run_worker):
    fair = await fair_with_welders(client)
    event_id = fair["event_id"]
    await post_form(client, "/register", sign_up_form(), from_page="/register")
    assert f'href="/my/register/{event_id}"' in (await client.get(f"/fairs/{event_id}")).text
    form = await client.get(f"/my/register/{event_id}")
    assert "株洲测试企业1有限公司（展位 A01）" in form.text
    organization_id = (await client.get("/organizations", headers=fair["organizer"])).json()[0]["id"]
    registered = await client.post(f"/my/register/{event_id}", data={
        "rank1": str(organization_id), "csrf_token": csrf_of(form.text)})
    assert registered.status_code == 303 and registered.headers["location"] == "/my"
    registration = await Registration.select().first()
    assert (registration["channel"], registration["ranked_organizations"]) == ("self", [organization_id])
    assert "面试安排出来后会显示在这里" in (await client.get("/my")).text

    started = await client.post(f"/events/{event_id}/match-runs", headers=fair["organizer"])
    assert started.status_code == 202 and (await run_worker())["failed"] == 0
    mine = await client.get("/my")
    assert "株洲测试企业1有限公司 · 焊工" in mine.text and "月薪 5000–7000 元" in mine.text
    assert "09:00–09:20" in mine.text and "展位 <strong>A01</strong>" in mine.text and "待您确认" in mine.text
    slot = await InterviewSlot.select().first()

    accepted = await client.post(f"/my/interviews/{slot['id']}/answer",
                                 data={"answer": "accepted", "csrf_token": csrf_of(mine.text)})
    assert accepted.status_code == 303
    assert (await InterviewSlot.select(InterviewSlot.status).first())["status"] == "accepted"
    assert "已接受" in (await client.get("/my")).text
    ics = await client.get(f"/my/interviews/{slot['id']}/calendar.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "attachment" in ics.headers["content-disposition"]
    assert "BEGIN:VEVENT" in ics.text and "A01" in ics.text and "TZID=Asia/Shanghai" in ics.text

    booth_map = await client.get(f"/my/map/{event_id}")
    assert booth_map.status_code == 200 and "<svg" in booth_map.text and "A01" in booth_map.text
    feed = await client.post("/my/feed", data={"csrf_token": csrf_of(mine.text)})
    assert feed.status_code == 200 and 'href="webcal://' in feed.text
    subscribed = re.search(r'value="(http[^"]+/calendar/[^"]+\.ics)"', feed.text).group(1)
    listed = await client.get(urlsplit(subscribed).path)  # the feed answers at the address given
    assert listed.status_code == 200 and "A01" in listed.text


async def test_my_check_in_code_and_day_sheet(client, run_worker):
    fair = await fair_with_welders(client)
    event_id = fair["event_id"]
    await post_form(client, "/register", sign_up_form(), from_page="/register")
    await post_form(client, f"/my/register/{event_id}", {})
    await client.post(f"/events/{event_id}/match-runs", headers=fair["organizer"])
    await run_worker()
    registration_id = (await Registration.select(Registration.id).first())["id"]

    checkin = await client.get(f"/my/checkin/{registration_id}")
    code = checkin_code(registration_id, SECRET)
    assert checkin.status_code == 200 and f'<span class="code">{code}</span>' in checkin.text
    assert "<svg" in checkin.text and 'role="img" aria-label="签到二维码"' in checkin.text
    assert read_checkin_code(code, SECRET) == registration_id
    day = await client.get(f"/my/day/{event_id}")
    assert day.status_code == 200 and "我的招聘会日程" in day.text and "window.print()" in day.text
    for text in ("2027年3月11日 周四 09:00 – 10:00", "株洲市人力资源市场", "株洲市天元区长江北路", "139****0001",
                 "09:00–09:20", "<strong>A01</strong>", "株洲测试企业1有限公司", code, "请带上"):
        assert text in day.text, text
    english = await client.get(f"/my/day/{event_id}?lang=en")
    assert "My fair day" in english.text and "Thu 11 Mar 2027 09:00" in english.text


async def test_another_attendees_registration_is_not_found(client):
    fair = await fair_with_welders(client)
    other = await f.attendee(client, 2)
    theirs = await client.post(f"/events/{fair['event_id']}/registrations", headers=other)
    await post_form(client, "/register", sign_up_form(), from_page="/register")

    for path in (f"/my/checkin/{theirs.json()['id']}", f"/my/day/{fair['event_id']}"):
        missing = await client.get(path)
        assert missing.status_code == 404 and "没有找到这个页面" in missing.text, path


async def test_registering_twice_or_for_a_closed_fair_is_said_on_the_form(client):
    fair = await fair_with_welders(client)
    await post_form(client, "/register", sign_up_form(), from_page="/register")
    assert (await post_form(client, f"/my/register/{fair['event_id']}", {})).status_code == 303
    twice = await post_form(client, f"/my/register/{fair['event_id']}", {})
    assert twice.status_code == 409 and "已经报名了这场活动" in twice.text
    assert await Registration.count() == 1


async def test_my_pages_need_an_attendee(client):
    fair = await fair_with_welders(client)
    anonymous = await client.get("/my")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/my"
    assert (await client.get(f"/my/register/{fair['event_id']}")).status_code == 303
    await sign_in(client, "employer1")
    assert (await client.get("/my")).status_code == 403


async def test_elder_mode_keeps_every_attendee_page_working_with_fewer_extras(client):
    fair = await fair_with_welders(client)
    client.cookies.set("fairs_elder", "1")
    form = await client.get("/register")
    assert form.status_code == 200 and '<body class="elder"' in form.text
    assert '<p class="extra">' in form.text  # the explanation is hidden by elder mode's CSS
    await post_form(client, "/register", sign_up_form(), from_page="/register")
    choose = await client.get(f"/my/register/{fair['event_id']}")
    assert '<body class="elder"' in choose.text and 'class="card extra' in choose.text  # ranking is optional
    assert (await post_form(client, f"/my/register/{fair['event_id']}", {})).status_code == 303
    for path in ("/my", f"/my/day/{fair['event_id']}"):
        shown = await client.get(path)
        assert shown.status_code == 200 and '<body class="elder"' in shown.text, path
