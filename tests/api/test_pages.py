from __future__ import annotations

from tests.support import factories as f


async def test_the_home_page_lists_published_fairs_in_chinese_first_with_local_times(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html
    assert html.index("近期招聘会") < html.index("Upcoming job fairs")
    assert fair["event"]["title"] in html
    assert "2027-03-11 09:00（Asia/Shanghai）" in html
    assert f'href="/events/{fair["event"]["id"]}/calendar.ics"' in html
