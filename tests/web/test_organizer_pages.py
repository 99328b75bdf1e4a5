"""The organizer's pages: dashboard, set-up, decisions, runs, the check-in desk, the admin."""

from __future__ import annotations

import re

from fairs.core.checkin import checkin_code
from fairs.db.tables import Booth, Campaign, Event, FloorPlan, MatchRun, Participation, Registration, Venue
from tests.support import factories as f
from tests.support.pages import csrf_of, post_form, sign_in


async def matching_fair(client) -> dict:
    """fair_ready_for_matching, then the API's headers dropped and the organizer signed in on the pages."""
    made = await f.fair_ready_for_matching(client, attendees=3)
    await sign_in(client, "organizer")
    return made


async def test_the_dashboard_lists_my_campaigns_with_their_events_and_figures(client):
    made = await matching_fair(client)
    await client.post("/campaigns", headers=made["organizer"], json={
        "name": "渌口区百企进百村", "kind": "village_tour", "area_id": f.AREAS[f.LUKOU]})

    dashboard = await client.get("/organizer")

    assert dashboard.status_code == 200
    row = re.search(r"“311”就业服务节现场招聘会</a>.*?</tr>", dashboard.text, re.S).group(0)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["已发布", "3", "1", "1"]
    tour = await Campaign.select(Campaign.id).where(Campaign.kind == "village_tour").first()
    assert f'href="/organizer/tours/{tour["id"]}"' in dashboard.text
    english = await client.get("/organizer?lang=en")
    assert "Campaign dashboard" in english.text and "Published" in english.text


async def test_an_organizer_sets_up_a_campaign_a_venue_and_an_event_from_the_forms(client):
    await f.organizer_account()
    await sign_in(client, "organizer")
    await f.ensure_areas()

    made = await post_form(client, "/organizer/campaigns", {"name": "春风行动", "kind": "festival",
                                                            "area_id": f.AREAS[f.CITY]}, from_page="/organizer/setup")
    venue = await post_form(client, "/organizer/venues", {
        "name": "天元区人力资源市场", "area_id": f.AREAS[f.TIANYUAN], "latitude": "27.83", "longitude": "113.13",
        "booth_count": "4", "zone": "manufacturing"}, from_page="/organizer/setup")
    campaign = await Campaign.select(Campaign.id).first()
    hall = await Venue.select(Venue.id, Venue.latitude).first()
    event = await post_form(client, "/organizer/events", {
        "campaign_id": campaign["id"], "venue_id": hall["id"], "kind": "onsite_fair", "title": "春风行动专场",
        "day": "2027-03-20", "starts": "09:00", "ends": "11:30", "booth_mode": "direct"}, from_page="/organizer/setup")

    assert (made.status_code, made.headers["location"]) == (303, "/organizer?done=campaign")
    assert venue.status_code == 303 and hall["latitude"] == 27.83
    assert await Booth.count().where(Booth.venue == hall["id"]) == 4
    created = await Event.select(Event.id, Event.status, Event.starts_at, Event.ends_at).first()
    assert event.headers["location"] == f"/organizer/events/{created['id']}"
    assert created["status"] == "draft"
    assert (created["starts_at"].isoformat(), created["ends_at"].isoformat()) == (
        "2027-03-20T01:00:00+00:00", "2027-03-20T03:30:00+00:00")
    page = await client.get(event.headers["location"])
    published = await client.post(f"/organizer/events/{created['id']}/status",
                                  data={"status": "published", "csrf_token": csrf_of(page.text)})
    assert published.status_code == 303
    assert (await Event.select(Event.status).first())["status"] == "published"


async def test_refused_set_up_forms_say_why_next_to_the_field_and_write_nothing(client):
    await f.organizer_account()
    await sign_in(client, "organizer")
    await f.ensure_areas()

    nameless = await post_form(client, "/organizer/campaigns", {
        "name": " ", "kind": "festival", "area_id": f.AREAS[f.CITY]}, from_page="/organizer/setup")
    no_day = await post_form(client, "/organizer/events", {
        "campaign_id": "1", "title": "x", "day": "", "starts": "09:00", "ends": "10:00"}, from_page="/organizer/setup")
    bad_latitude = await post_form(client, "/organizer/venues", {"name": "场地", "area_id": f.AREAS[f.CITY],
                                                                 "latitude": "north"}, from_page="/organizer/setup")

    assert nameless.status_code == 422
    assert re.search(r'id="e-name" role="alert">不能为空', nameless.text)
    assert no_day.status_code == 422 and re.search(r'id="e-starts" role="alert">请填写日期和时间', no_day.text)
    assert bad_latitude.status_code == 422 and 'id="e-latitude"' in bad_latitude.text
    assert 'value="场地"' in bad_latitude.text  # what was typed stays
    assert (await Campaign.count(), await Event.count(), await Venue.count()) == (0, 0, 0)


async def test_another_areas_event_is_a_not_found_page(client):
    made = await f.fair_ready_for_matching(client, attendees=1)
    await f.organizer_account("nanzhou", area=f.NANZHOU)
    await sign_in(client, "nanzhou")

    for path in (f"/organizer/events/{made['event_id']}", f"/organizer/events/{made['event_id']}/participations",
                 f"/organizer/desk/{made['event_id']}"):
        answer = await client.get(path)
        assert answer.status_code == 404 and "没有找到这个页面" in answer.text, path
    home = await client.get("/organizer")
    refused = await client.post(f"/organizer/events/{made['event_id']}/match-runs",
                                data={"csrf_token": csrf_of(home.text)})
    assert refused.status_code == 404 and await MatchRun.count() == 0


async def test_a_bad_floor_plan_csv_shows_its_row_errors_and_writes_nothing(client):
    made = await matching_fair(client)
    path = f"/organizer/events/{made['event_id']}"
    before = await Booth.count()
    page = await client.get(path)
    bad = "code,zone,x_m,width_m,features\nB01,services,2,abc,power\nB02,services,x,3,wings\n"

    refused = await client.post(f"{path}/floor-plan", data={"name": "二号馆", "csrf_token": csrf_of(page.text)},
                                files={"file": ("plan.csv", bad.encode(), "text/csv")})

    assert refused.status_code == 422
    assert "文件有 2 处问题，什么都没有导入" in refused.text
    assert "第 2 行 · width_m：" in refused.text and "第 3 行 · x_m：" in refused.text
    assert (await Booth.count(), await FloorPlan.count()) == (before, 1)
    good = "code,zone,x_m,y_m\nB01,services,2,2\nB02,services,6,2\n"
    imported = await client.post(f"{path}/floor-plan", data={"name": "二号馆", "csrf_token": csrf_of(page.text)},
                                 files={"file": ("plan.csv", good.encode("utf-8-sig"), "text/csv")})
    assert imported.status_code == 303 and imported.headers["location"] == f"{path}?imported=2"
    assert (await Booth.count(), await FloorPlan.count()) == (before + 2, 2)


async def test_a_form_without_its_csrf_token_is_refused(client):
    made = await matching_fair(client)
    await client.get(f"/organizer/events/{made['event_id']}")

    forged = await client.post(f"/organizer/events/{made['event_id']}/status", data={"status": "cancelled"})
    scan = await client.post(f"/organizer/desk/{made['event_id']}", data={"code": "x", "csrf_token": "forged"})

    assert forged.status_code == 403 and scan.status_code == 403 and "没有权限" in forged.text
    assert (await Event.select(Event.status).first())["status"] == "published"


async def test_participation_decisions_need_a_reason_to_reject_and_set_the_tier(client):
    made = await f.fair_with_blocks(client, employers=1)
    newcomer = await f.employer(client, 2)
    applied = await client.post(f"/events/{made['event_id']}/participations", headers=newcomer,
                                json={"documents": []})
    await sign_in(client, "organizer")
    path = f"/organizer/events/{made['event_id']}/participations"
    page = await client.get(path)
    pid = applied.json()["id"]
    assert "missing document business_licence" in page.text

    refused = await client.post(f"/organizer/participations/{pid}/decision",
                                data={"decision": "rejected", "reason": "", "csrf_token": csrf_of(page.text)})
    approved = await client.post(f"/organizer/participations/{pid}/decision",
                                 data={"decision": "approved", "priority": "2", "csrf_token": csrf_of(page.text)})

    assert refused.status_code == 422 and f'id="e-reason-{pid}" role="alert"' in refused.text
    assert approved.status_code == 303 and approved.headers["location"] == f"{path}#p{pid}"
    row = await Participation.select(Participation.status, Participation.priority).where(
        Participation.id == pid).first()
    assert row == {"status": "approved", "priority": 2}


async def test_an_organizer_starts_matching_watches_it_and_reads_the_figures(client, run_worker):
    made = await matching_fair(client)
    event_page = await client.get(f"/organizer/events/{made['event_id']}")
    started = await client.post(f"/organizer/events/{made['event_id']}/match-runs",
                                data={"csrf_token": csrf_of(event_page.text)})
    assert started.status_code == 303
    run_path = started.headers["location"]
    running = await client.get(run_path)
    assert "<progress" in running.text and f'EventSource("{run_path}/progress")' in running.text

    again = await client.post(f"/organizer/events/{made['event_id']}/match-runs",
                              data={"csrf_token": csrf_of(event_page.text)})
    assert again.status_code == 409 and "已有一次匹配在排队或进行中" in again.text
    assert f'href="{run_path}"' in again.text and await MatchRun.count() == 1

    assert (await run_worker())["failed"] == 0
    done = await client.get(run_path)
    assert "主要指标" in done.text and "获得面试的求职者" in done.text
    assert done.text.count('role="img"') == 4
    assert 'id="fit-title">面试匹配度分布' in done.text and 'id="zones-title"' in done.text
    stream = await client.get(f"{run_path}/progress")
    assert "event: done" in stream.text and '"status": "succeeded"' in stream.text


async def test_the_desk_checks_people_in_once_and_says_what_is_wrong(client):
    made = await matching_fair(client)
    other = await f.published_fair(client, made["organizer"])
    secret = client.app.state.settings.secret_key
    first, second = [r["id"] for r in await Registration.select(Registration.id).order_by(Registration.id)][:2]
    path = f"/organizer/desk/{made['event_id']}"

    desk = await client.get(path)
    token = csrf_of(desk.text)
    checked = await client.post(path, data={"code": checkin_code(first, secret), "csrf_token": token})
    twice = await client.post(path, data={"code": checkin_code(first, secret).lower(), "csrf_token": token},
                              headers={"HX-Request": "true"})
    typo = await client.post(path, data={"code": "ABCD-EFGH-JKMN", "csrf_token": token})
    elsewhere = await client.post(f"/organizer/desk/{other['event']['id']}",
                                  data={"code": checkin_code(second, secret), "csrf_token": token})

    assert checked.status_code == 200 and "求职者1 签到成功（10:00）" in checked.text
    assert "已签到 1 人，共报名 3 人" in checked.text
    assert twice.status_code == 200 and "求职者1 已签到，签到时间 10:00。不重复计数。" in twice.text
    assert typo.status_code == 422 and 'id="e-code" role="alert"' in typo.text
    assert elsewhere.status_code == 404 and "这个签到码不是本场招聘会的" in elsewhere.text
    assert [r["status"] for r in await Registration.select(Registration.status).order_by(Registration.id)] == [
        "checked_in", "registered", "registered"]


async def test_allocation_on_a_direct_booking_event_is_refused_with_a_message(client):
    made = await matching_fair(client)
    page = await client.get(f"/organizer/events/{made['event_id']}")

    refused = await client.post(f"/organizer/events/{made['event_id']}/allocation-runs",
                                data={"csrf_token": csrf_of(page.text)})

    assert refused.status_code == 409 and "this event books booths directly" in refused.text


async def test_the_admin_is_for_signed_in_city_organizers_only(client):
    await f.organizer_account()
    await f.organizer_account("nanzhou", area=f.NANZHOU)
    await f.employer(client, 1)

    anonymous = await client.get("/admin/")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=/admin")
    await sign_in(client, "employer1")
    assert (await client.get("/admin/")).status_code == 403
    assert (await client.get("/admin/api/tables/")).status_code == 403
    await sign_in(client, "nanzhou")
    assert (await client.get("/admin/")).status_code == 403
    await sign_in(client, "organizer")
    shell = await client.get("/admin/")
    tables = await client.get("/admin/api/tables/")
    user = await client.get("/admin/api/user/")
    assert shell.status_code == 200 and "<html" in shell.text.lower()
    assert tables.status_code == 200 and "event" in tables.json() and "account" not in tables.json()
    assert user.json()["username"] == "组织者"
    events = await client.get("/admin/api/tables/event/")
    assert events.status_code == 200 and events.json()["rows"] == []
    assert (await client.get("/admin/public/login/")).status_code == 404
    assert (await client.post("/admin/api/tables/area/", json={"name": "x"})).status_code in (403, 405)
