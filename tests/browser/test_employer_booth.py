"""An employer, in a real browser on a phone, reserves a booth on the fair's floor plan: with
the keyboard (Tab to a booth, Enter), then hold and confirm; and by tapping the map."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, screenshot
from tests.support import factories as f


async def test_an_employer_reserves_a_booth_on_the_map(page, live_client):
    organizer = await f.sign_in_organizer(live_client)
    fair = await f.published_fair(live_client, organizer, booths=6)
    event_id = fair["event"]["id"]
    employer = await f.employer(live_client, 1)
    await f.take_part(live_client, employer, event_id)

    await page.goto(f"/employer/fairs/{event_id}/booths")  # signing in brings us back here
    await page.get_by_label("登录名").fill("employer1")
    await page.get_by_label("密码").fill(f.PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("heading", name="展位平面图").wait_for()
    assert await page.locator("svg a.booth-link").count() == 6
    await assert_accessible(page)
    await screenshot(page, "employer-booth-map")

    # the keyboard: every booth is a stop of Tab, named by code, zone and state
    await page.locator("svg a.booth-link").first.focus()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "A03 · 制造业 manufacturing · 空闲 Free"
    await page.keyboard.press("Enter")
    panel = page.locator("#booth-panel")
    await panel.get_by_role("heading", name="展位 A03").wait_for()
    assert await page.evaluate("document.activeElement.id") == "booth-panel"  # focus follows the choice
    assert "空闲" in await panel.inner_text()

    await panel.get_by_label("面试官人数").fill("3")
    await panel.get_by_role("button", name="保留展位 A03").click()
    await page.get_by_text("已为您保留展位").wait_for()
    timer = page.get_by_role("timer")
    assert "分" in await timer.inner_text() and "秒" in await timer.inner_text()
    assert await page.locator('svg a.booth-link[aria-label*="A03"]').get_attribute("aria-label") == (
        "A03 · 制造业 manufacturing · 保留中 Held · 您的展位 your booth")
    await assert_accessible(page)
    await screenshot(page, "employer-booth-held")

    await page.get_by_role("button", name="确认展位 A03").click()
    await page.get_by_text("展位已确认。").wait_for()
    mine = (await live_client.get(f"/reservations?event_id={event_id}", headers=employer)).json()
    assert [(r["booth_code"], r["status"], r["interviewers"]) for r in mine] == [("A03", "confirmed", 3)]
    assert await page.get_by_role("timer").count() == 0

    # a tap on another booth of the map shows it, with its hold button
    await page.locator('svg a.booth-link[aria-label^="A05"]').click()
    await panel.get_by_role("heading", name="展位 A05").wait_for()
    assert await panel.get_by_role("button", name="保留展位 A05").count() == 1
    await assert_accessible(page)
    await screenshot(page, "employer-booth-confirmed")


async def test_the_other_employer_pages_are_accessible_and_a_bad_position_is_said_next_to_its_field(page, live_client):
    organizer = await f.sign_in_organizer(live_client)
    await f.published_fair(live_client, organizer)
    await f.employer(live_client, 1)

    await page.goto("/employer/positions/new")
    await page.get_by_label("登录名").fill("employer1")
    await page.get_by_label("密码").fill(f.PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_label("岗位名称").fill("焊工")
    await page.get_by_label("行业").fill("manufacturing")
    await page.get_by_label("最低").fill("8000")
    await page.get_by_label("最高").fill("6000")
    await page.get_by_role("button", name="保存岗位").click()
    await page.locator("#e-wage_max").wait_for()
    assert await page.locator("#e-wage_max").inner_text() == "不能低于最低月薪"
    assert await page.get_by_label("最高").get_attribute("aria-invalid") == "true"
    await assert_accessible(page)
    await screenshot(page, "employer-position-refused")

    for path, heading in (("/employer", "株洲测试企业1有限公司"), ("/employer/fairs", "招聘会与展位"),
                          ("/employer/interviews", "面试安排")):
        await page.goto(path)
        await page.get_by_role("heading", name=heading, exact=True).wait_for()
        await assert_accessible(page)
        await screenshot(page, "employer" + path.replace("/employer", "").replace("/", "-"))
