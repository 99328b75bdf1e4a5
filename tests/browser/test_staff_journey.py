"""A service-station staff member registers an older villager for a fair, with their consent
read to them, and prints the slip; every page accessible."""

from __future__ import annotations

from fairs.db.tables import Attendee, Registration
from tests.browser.conftest import assert_accessible, screenshot
from tests.support import factories as f


async def test_a_staff_member_registers_someone_and_prints_the_slip(page, live_client):
    organizer = await f.sign_in_organizer(live_client)
    await f.published_fair(live_client, organizer)
    await f.staff(live_client, organizer)

    await page.goto("/login")
    await page.get_by_label("登录名").fill("staff1")
    await page.get_by_label("密码").fill(f.PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/station")

    await page.get_by_label("按手机号查找求职者").fill(f.mobile(7))
    await page.get_by_role("button", name="查找").click()
    assert "没有找到这个手机号" in await page.locator("main").inner_text()
    await page.get_by_label("招聘会").select_option(index=1)
    await page.get_by_label("姓名").fill("李建国")
    await page.locator("#f-phone").fill(f.mobile(7))
    await page.get_by_label("住在哪个乡镇/村").select_option(label="渌口区 · 南洲镇")
    await page.get_by_label("建筑").check()
    await page.get_by_label("驾驶").check()
    await page.locator("summary").click()
    await page.get_by_label("大龄（50 岁以上）").check()
    await assert_accessible(page)
    await screenshot(page, "staff-station-form")

    await page.get_by_role("button", name="报名并打印回执").click()  # consent not ticked: refused
    assert await page.locator("#e-consent").inner_text() == "需要本人同意为招聘会使用其个人信息"
    assert await Attendee.count() == 0
    await assert_accessible(page)
    await page.get_by_label("本人已同意（已把上面的话读给本人听）").check()
    await page.get_by_role("button", name="报名并打印回执").click()
    await page.wait_for_url("**/station/slip/*")

    sheet = await page.locator("main").inner_text()
    for part in ("李建国", "139****0007", "“311”就业服务节现场招聘会", "株洲市人力资源市场", "签到码"):
        assert part in sheet, part
    assert f.mobile(7) not in sheet
    assert await page.locator(".qr svg").count() == 1
    assert (await Registration.select(Registration.channel).first())["channel"] == "staff"
    await assert_accessible(page)
    await page.emulate_media(media="print")
    assert not await page.locator("header").is_visible() and not await page.locator(".no-print").is_visible()
    await screenshot(page, "staff-slip-print")
