"""An organizer, in a real browser on a phone, opens a campaign's report: charts, table, downloads."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, screenshot
from tests.support import factories as f
from tests.support.campaigns import generated_campaign


async def test_an_organizer_opens_the_campaign_report_with_its_charts(page):
    made = await generated_campaign(people=60)
    await f.organizer_account()

    await page.goto("/organizer")
    await page.get_by_label("登录名").fill("organizer")
    await page.get_by_label("密码").fill(f.PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("heading", name="活动总览").wait_for()
    await page.get_by_role("link", name="效果报告").click()

    await page.get_by_role("heading", name="效果报告 · 春风行动").wait_for()
    assert page.url.endswith(f"/organizer/campaigns/{made['campaign_id']}/report")
    assert await page.locator('svg[role="img"]').count() == 2
    assert await page.locator("#funnel rect.bar").count() == 8
    assert await page.locator("table.report-table tbody tr").count() == 3
    csv = page.get_by_role("link", name="下载 CSV")
    assert (await csv.get_attribute("href")).endswith("/report.csv?by=event")
    await assert_accessible(page)
    await screenshot(page, "organizer-report")

    await page.get_by_role("link", name="按家乡村").click()
    await page.locator('a[aria-current="page"]', has_text="按家乡村").wait_for()
    assert await page.locator("table.report-table tbody tr").count() >= 2
    await assert_accessible(page)
    await page.emulate_media(media="print")
    assert not await page.get_by_role("link", name="下载 CSV").is_visible()  # the print shows the report alone
    await screenshot(page, "organizer-report-print")
