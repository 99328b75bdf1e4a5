"""Two check-in desks at a village square lose the network, scan the same person, and sync."""

from __future__ import annotations

from fairs.core.checkin import checkin_code
from fairs.db.tables import Registration
from tests.browser.conftest import assert_accessible, screenshot
from tests.support import factories as f


async def sign_in_desk(page, event_id: int) -> None:
    await page.goto(f"/organizer/desk/{event_id}")
    await page.get_by_label("登录名").fill("organizer")
    await page.get_by_label("密码").fill(f.PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("heading", name="签到台").wait_for()
    await page.locator("#offline-desk[data-ready]").wait_for(state="attached")  # desk.js (deferred) has run


async def test_two_offline_desks_scan_one_person_and_syncing_counts_them_once(browser, live_server, live_client,
                                                                              page):
    made = await f.fair_ready_for_matching(live_client, attendees=2)
    ids = [r["id"] for r in await Registration.select(Registration.id).where(
        Registration.event == made["event_id"]).order_by(Registration.id)]
    code = checkin_code(ids[0], live_server.settings.secret_key)
    other = await browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                      locale="zh-CN")
    second = await other.new_page()
    try:
        for desk in (page, second):
            await desk.clock.set_fixed_time(live_server.clock.now())  # the desk's clock agrees with the server's
            await sign_in_desk(desk, made["event_id"])
            await desk.context.set_offline(True)
            await desk.get_by_label("签到码").fill(code)
            await desk.get_by_label("签到码").press("Enter")
            await desk.get_by_text("网络断开：已保存在本机，共 1 个待同步。").wait_for()
        await assert_accessible(page)
        await screenshot(page, "desk-offline")
        assert (await Registration.select(Registration.status).where(Registration.id == ids[0]).first())[
            "status"] == "registered"  # nothing reached the server

        for desk in (page, second):
            await desk.context.set_offline(False)
            await desk.evaluate("window.dispatchEvent(new Event('online'))")
            await desk.get_by_text("已同步 1 个").wait_for()
        await screenshot(second, "desk-synced")
        rows = await Registration.select(Registration.status).where(Registration.id.is_in(ids)).order_by(
            Registration.id)
        assert [r["status"] for r in rows] == ["checked_in", "registered"]
        texts = [await d.locator("#offline-status").inner_text() for d in (page, second)]
        assert sorted("新签到 1" in t for t in texts) == [False, True]  # one desk counted them, the other not
        assert await page.evaluate(f"localStorage.getItem('fairs-desk-queue-{made['event_id']}')") == "[]"
    finally:
        await other.close()
