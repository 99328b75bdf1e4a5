from __future__ import annotations

from tests.support import factories as f


async def test_the_home_page_lists_published_fairs_in_chinese_first_with_local_times(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html and "近期招聘会" in html
    assert fair["event"]["title"] in html
    assert "3月11日 周四 09:00" in html  # the fair's own zone, Chinese conventions
    assert f'href="/fairs/{fair["event"]["id"]}"' in html
    english = (await client.get("/?lang=en")).text
    assert "Upcoming job fairs" in english and "Thu 11 Mar 09:00" in english
    detail = await client.get(f"/fairs/{fair['event']['id']}")
    assert f'href="/events/{fair["event"]["id"]}/calendar.ics"' in detail.text
