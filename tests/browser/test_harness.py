"""The browser harness works, on the public home page — and it can fail."""

from __future__ import annotations

import os

import pytest

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    assert_accessible,
    page_resources,
    page_weight,
    screenshot,
    use_desktop,
)
from tests.support import factories as f

KB = 1024


async def test_the_home_page_loads_in_chinese_on_a_phone(page, live_server):
    response = await page.goto("/")

    assert response is not None and response.status == 200
    assert await page.get_attribute("html", "lang") == "zh-CN"
    assert page.viewport_size == PHONE
    assert await page.evaluate("window.devicePixelRatio") == 2
    assert "近期招聘会" in await page.locator("h1").inner_text()
    assert "暂无已发布的招聘会" in await page.locator("main").inner_text()  # the tables are empty
    shot = await screenshot(page, "home-phone")
    assert shot.is_file() and shot.stat().st_size > 1000


async def test_the_home_page_has_no_serious_accessibility_violations(page):
    await page.goto("/")

    await assert_accessible(page)
    await use_desktop(page)
    assert page.viewport_size == DESKTOP
    await assert_accessible(page)
    await screenshot(page, "home-desktop")


async def test_a_fair_made_through_the_live_api_is_listed_accessibly(page, live_client):
    organizer = await f.sign_in_organizer(live_client)  # the account in-process, the sign-in over HTTP
    await f.published_fair(live_client, organizer)

    await page.goto("/")

    await page.get_by_text("“311”就业服务节现场招聘会").wait_for()  # made over HTTP, read by the page
    await assert_accessible(page)
    await screenshot(page, "home-with-a-fair")


async def test_the_home_page_weighs_under_100_kb(page):
    weight = await page_weight(page, "/")

    resources = await page_resources(page, "/")
    kinds = {r.type for r in resources}
    assert {"Document", "Stylesheet"} <= kinds, resources
    assert 0 < weight < 100 * KB, resources
    await screenshot(page, "home-weighed")


async def test_the_live_server_serves_the_api_over_http(live_client, live_server):
    response = await live_client.get("/healthz")

    assert response.status_code == 200
    assert live_server.url.startswith("http://127.0.0.1:")


async def test_the_live_server_tells_this_tests_time(live_server, clock):
    before = live_server.clock.now()
    clock.advance(days=3)

    assert (live_server.clock.now() - before).days == 3


async def test_assert_accessible_fails_on_a_page_with_known_violations(page):
    await page.set_content('<html><body><img src="x.png"><input type="text"></body></html>')

    with pytest.raises(AssertionError) as failure:
        await assert_accessible(page)

    message = str(failure.value)
    assert "image-alt (critical)" in message
    assert "label (critical)" in message
    assert "html-has-lang (serious)" in message
    assert 'at img: <img src="x.png">' in message
    await screenshot(page, "known-violations")


async def test_assert_accessible_passes_an_accessible_page_and_returns_the_lesser_findings(page):
    await page.set_content(
        '<!doctype html><html lang="zh-CN"><head><title>测试</title></head><body><main><h1>标题</h1>'
        '<img src="x.png" alt="示例"><label>姓名 <input type="text"></label></main></body></html>'
    )

    violations = await assert_accessible(page)

    assert all(v["impact"] not in ("serious", "critical") for v in violations)
    await screenshot(page, "accessible-page")


async def test_the_browser_is_debians_chromium_started_quietly(browser):
    assert os.access(CHROMIUM, os.X_OK)
    assert browser.version.split(".")[0].isdigit()
    assert {"--headless=new", "--disable-background-networking", "--disable-quic"} <= set(CHROMIUM_ARGS)


async def test_a_missing_axe_core_fails_the_check_and_says_how_to_install_it(page, monkeypatch):
    import tests.browser.conftest as harness

    monkeypatch.setattr(harness, "AXE", harness.ROOT / "var" / "missing" / "axe.min.js")
    await page.set_content('<html lang="zh-CN"><body><p>内容</p></body></html>')

    with pytest.raises(AssertionError, match=r"axe-core is missing at var/missing/axe.min.js: run `make test`"):
        await assert_accessible(page)
