"""An organizer, in a real browser on a phone, runs interview matching and watches it to the end."""

from __future__ import annotations

import asyncio

from tests.browser.conftest import assert_accessible, screenshot
from tests.support import factories as f


async def test_an_organizer_runs_matching_and_watches_progress_to_the_end(page, live_client, run_worker):
    made = await f.fair_ready_for_matching(live_client, attendees=3)  # through the live API

    await page.goto("/organizer")
    await page.get_by_label("登录名").fill("organizer")
    await page.get_by_label("密码").fill(f.PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_role("heading", name="活动总览").wait_for()
    await assert_accessible(page)
    await screenshot(page, "organizer-dashboard")

    await page.get_by_role("link", name="“311”就业服务节现场招聘会").click()
    await page.get_by_role("button", name="开始面试匹配").click()
    await page.get_by_text("正在匹配").wait_for()  # the live progress bar, fed by the stream
    assert await page.locator("progress#bar").count() == 1
    assert "/organizer/match-runs/" in page.url

    worked = asyncio.create_task(run_worker())  # the job runs while the page listens
    await page.get_by_role("heading", name="主要指标").wait_for(timeout=20_000)  # "done" reloaded the page
    assert (await worked)["failed"] == 0

    assert await page.locator("progress#bar").count() == 0
    assert await page.locator('svg[role="img"]').count() == 4
    figures = await page.locator("dl.figures").inner_text()
    assert "获得面试的求职者" in figures and "3（100%）" in figures
    await assert_accessible(page)
    await screenshot(page, "organizer-matching-results")
    assert made["event_id"] > 0
