"""A job seeker on a phone: signs up, registers for a fair, sees their interview slot, accepts
it and downloads it to their calendar; every page accessible."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, screenshot
from tests.support import factories as f


async def a_fair_with_a_welding_employer(live_client) -> dict:
    organizer = await f.sign_in_organizer(live_client)
    fair = await f.published_fair(live_client, organizer)
    welders = await f.employer(live_client, 1)
    await f.reserve(live_client, welders, fair["event"]["id"], fair["venue"]["booths"][0]["id"])
    await f.position(live_client, welders)
    return {"organizer": organizer, "event_id": fair["event"]["id"]}


async def test_an_attendee_registers_and_sees_and_downloads_their_slot(page, live_client, run_worker):
    fair = await a_fair_with_a_welding_employer(live_client)

    await page.goto("/register")
    await page.get_by_label("姓名").fill("张秀英")
    await page.get_by_label("手机号").fill(f.mobile(1))
    await page.get_by_label("住在哪个乡镇/村").select_option(label="南洲镇 · 南洲村")
    await page.get_by_label("制造/普工").check()
    await page.get_by_label("我已阅读并同意").check()
    await page.get_by_label("设置密码").fill(f.PASSWORD)
    await assert_accessible(page)
    await screenshot(page, "attendee-sign-up")
    await page.get_by_role("button", name="报名", exact=True).click()
    await page.wait_for_url("**/my")

    await page.goto(f"/fairs/{fair['event_id']}")
    await page.get_by_role("link", name="报名参加").click()
    await assert_accessible(page)
    await page.get_by_role("button", name="确认报名").click()
    await page.wait_for_url("**/my")
    assert "面试安排出来后会显示在这里" in await page.locator("main").inner_text()

    started = await live_client.post(f"/events/{fair['event_id']}/match-runs", headers=fair["organizer"])
    assert started.status_code == 202, started.text
    assert (await run_worker())["failed"] == 0
    await page.reload()
    slot = page.locator("main li").first
    text = await slot.inner_text()
    for part in ("09:00–09:20", "A01", "株洲测试企业1有限公司", "焊工", "月薪 5000–7000 元", "待您确认"):
        assert part in text, part
    await assert_accessible(page)
    await screenshot(page, "attendee-my-slot")

    await page.get_by_role("button", name="接受面试").click()
    await page.wait_for_url("**/my")
    assert "已接受" in await page.locator("main li").first.inner_text()
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="加入手机日历").click()
    download = await downloading.value
    body = (await download.path()).read_text(encoding="utf-8")
    assert download.suggested_filename.endswith(".ics")
    assert "BEGIN:VCALENDAR" in body and "A01" in body and "TZID=Asia/Shanghai" in body

    await page.get_by_role("link", name="签到码").click()
    assert await page.locator(".qr svg").count() == 1
    await assert_accessible(page)
    await page.goto(f"/my/day/{fair['event_id']}")
    await assert_accessible(page)
    await page.emulate_media(media="print")
    assert not await page.locator("header").is_visible()  # the print sheet is the page alone
    await screenshot(page, "attendee-fair-day-print")
