"""The day at the booth in real browsers on phones: an attendee scans the booth's code and
takes a number; the employer calls it and marks an interview's outcome (a hire without its
position is refused next to the field first)."""

from __future__ import annotations

from datetime import UTC, datetime

from fairs.db.tables import InterviewSlot
from tests.browser.conftest import PHONE, TIMEOUT_MS, assert_accessible, screenshot
from tests.support import factories as f

DURING_THE_FAIR = datetime(2027, 3, 11, 1, 50, tzinfo=UTC)  # 09:50 in Zhuzhou: every slot has begun


async def sign_in_here(page, login: str) -> None:
    await page.get_by_label("登录名").fill(login)
    await page.get_by_label("密码").fill(f.PASSWORD)
    await page.get_by_role("button", name="登录").click()


async def test_an_attendee_takes_a_number_and_the_employer_calls_it_and_marks_an_outcome(
        page, browser, live_server, live_client, run_worker, clock):
    ready = await f.fair_ready_for_matching(live_client, attendees=2)
    event_id = ready["event_id"]
    assert (await live_client.post(f"/events/{event_id}/match-runs", headers=ready["organizer"])).status_code == 202
    assert (await run_worker())["failed"] == 0
    position = (await live_client.get("/positions", headers=ready["employer"])).json()[0]
    organization = position["organization"]
    interview = (await live_client.get("/interviews", headers=ready["employer"])).json()[0]
    clock.current = DURING_THE_FAIR

    # the attendee, on a phone, scans the booth's code: sign in, then one button
    await page.goto(f"/walk-in/{event_id}/{organization}")
    await sign_in_here(page, "attendee2")
    await page.get_by_role("heading", name="株洲测试企业1有限公司").wait_for()
    await page.get_by_role("button", name="取号").click()
    await page.locator(".ticket-number").wait_for()
    assert await page.locator(".ticket-number").inner_text() == "1 号"
    assert "下一个就是您" in await page.locator(".ahead").inner_text()
    assert await page.locator("#ticket").get_attribute("hx-trigger") == "every 20s"
    await assert_accessible(page)
    await screenshot(page, "attendee-walk-in-number")

    # the employer, on another phone, at the booth
    context = await browser.new_context(base_url=live_server.url, viewport=PHONE, device_scale_factor=2,
                                        is_mobile=True, has_touch=True, locale="zh-CN",
                                        timezone_id="Asia/Shanghai", bypass_csp=True)
    context.set_default_timeout(TIMEOUT_MS)
    booth = await context.new_page()
    try:
        await booth.goto(f"/employer/fairs/{event_id}/day")
        await sign_in_here(booth, "employer1")
        await booth.get_by_role("heading", name="现场叫号").wait_for()
        assert "正在等候：1 人" in await booth.locator("#call").inner_text()
        assert await booth.locator("#qr svg").count() == 1
        await assert_accessible(booth)
        await screenshot(booth, "employer-day")

        await booth.get_by_role("button", name="叫下一个号").click()  # HTMX: the list is replaced in place
        await booth.get_by_text("已叫到：求职者2").wait_for()
        assert "1 号" in await booth.locator(".called-now").inner_text()
        assert "已叫号" in await booth.locator(".walk-in").first.inner_text()

        item = booth.locator(f"#interview-{interview['id']}")
        await item.get_by_text("录用", exact=True).click()
        await item.get_by_label("录用岗位").wait_for()  # the hire's fields show once "hired" is chosen
        await item.get_by_label("到岗日期").fill("2027-03-20")
        await item.get_by_role("button", name="保存结果").click()
        error = booth.locator(f"#e-{interview['id']}-hired_position_id")
        await error.wait_for()
        assert await error.inner_text() == "录用请选择岗位。"
        item = booth.locator(f"#interview-{interview['id']}")
        assert await item.get_by_label("录用岗位").get_attribute("aria-invalid") == "true"
        await assert_accessible(booth)
        await screenshot(booth, "employer-day-hire-refused")

        await item.get_by_label("录用岗位").select_option(label="焊工")
        await item.get_by_role("button", name="保存结果").click()
        await booth.get_by_text("面试结果已保存。").wait_for()
        assert "录用" in await booth.locator(f"#interview-{interview['id']} .outcome").inner_text()
        await booth.get_by_role("button", name="1 号已面试").click()
        await booth.locator(".walk-in.served").wait_for()
        await assert_accessible(booth)
        await screenshot(booth, "employer-day-marked")
    finally:
        await context.close()

    assert await InterviewSlot.select(InterviewSlot.outcome, InterviewSlot.hired_position, InterviewSlot.start_date
                                      ).where(InterviewSlot.id == interview["id"]).first() == {
        "outcome": "hired", "hired_position": position["id"], "start_date": "2027-03-20"}
    await page.reload()
    await page.get_by_text("您的 1 号已经办完").wait_for()
    await assert_accessible(page)
    await screenshot(page, "attendee-walk-in-done")
