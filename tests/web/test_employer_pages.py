"""The employer's pages: organization and positions, taking part in fairs, the booth map
(hold, confirm, cancel, alternatives, waitlist, applications), interviews and the calendar."""

from __future__ import annotations

import re

from fairs.db.tables import BoothApplication, BoothReservation, Participation, Position, WaitlistEntry
from fairs.services import allocation
from tests.support import factories as f
from tests.support.pages import csrf_of, post_form, sign_in
from tests.support.snapshots import database_snapshot


async def employer_at_fair(client, *, approved: bool = True, booths: int = 4) -> dict:
    """A published direct-booking fair (booths A01…), employer1 signed in on the pages."""
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=booths)
    event_id = fair["event"]["id"]
    headers = await f.employer(client, 1)
    if approved:
        await f.take_part(client, headers, event_id)
    await sign_in(client, "employer1")
    booth = {b["code"]: b["id"] for b in fair["venue"]["booths"]}
    return {"organizer": organizer, "event_id": event_id, "employer": headers, "booth": booth,
            "path": f"/employer/fairs/{event_id}/booths"}


def text_of(html: str) -> str:
    """The page's visible text, tags removed and blanks squeezed (to read messages as a person does)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


POSITION = {"title": "焊工", "industry": "manufacturing", "headcount": "5", "wage_min": "5000", "wage_max": "7000",
            "min_age": "18", "max_age": "60", "skills": "焊接、 叉车,电工", "required_certificates": "焊工证",
            "work_location": "株洲市天元区", "provides_food_lodging": "1", "accepts_older_workers": "1",
            "description": "白班为主"}


async def test_an_employer_sees_its_organization_and_posts_and_edits_a_position(client):
    await employer_at_fair(client, approved=False)
    home = await client.get("/employer")
    assert home.status_code == 200
    assert "株洲测试企业1有限公司" in home.text and f.credit_code(1) in home.text
    assert "hr1@corp.example.org" in home.text
    assert "还没有发布岗位" in home.text

    posted = await post_form(client, "/employer/positions", POSITION, from_page="/employer/positions/new")
    assert (posted.status_code, posted.headers["location"]) == (303, "/employer?saved=1#positions")
    [row] = await Position.select().output(nested=False)
    assert {k: row[k] for k in ("title", "industry", "headcount", "skills", "wage_min", "wage_max", "min_age",
                                "max_age", "required_certificates", "work_location", "provides_food_lodging",
                                "accepts_older_workers", "part_time", "description")} == {
        "title": "焊工", "industry": "manufacturing", "headcount": 5, "skills": ["焊接", "叉车", "电工"],
        "wage_min": 5000, "wage_max": 7000, "min_age": 18, "max_age": 60, "required_certificates": ["焊工证"],
        "work_location": "株洲市天元区", "provides_food_lodging": True, "accepts_older_workers": True,
        "part_time": False, "description": "白班为主"}
    listed = await client.get("/employer?saved=1")
    assert "岗位已保存" in listed.text and "<li>焊接</li>" in listed.text and "5000–7000" in listed.text

    form = await client.get(f"/employer/positions/{row['id']}")
    assert 'value="焊接, 叉车, 电工"' in form.text and 'name="provides_food_lodging" value="1" checked' in form.text
    changed = await post_form(client, f"/employer/positions/{row['id']}",
                              {**POSITION, "title": "电焊工", "part_time": "1", "accepts_older_workers": "",
                               "max_age": ""}, from_page=f"/employer/positions/{row['id']}")
    assert changed.status_code == 303
    [after] = await Position.select(Position.title, Position.part_time, Position.accepts_older_workers,
                                    Position.max_age)
    assert after == {"title": "电焊工", "part_time": True, "accepts_older_workers": False, "max_age": None}


async def test_a_position_with_wage_min_above_wage_max_is_refused_next_to_the_field_and_nothing_is_written(client):
    await employer_at_fair(client, approved=False)
    before = await database_snapshot()
    refused = await post_form(client, "/employer/positions", {**POSITION, "wage_min": "8000", "wage_max": "6000"},
                              from_page="/employer/positions/new")
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    message = re.search(r'<p class="error" id="e-wage_max" role="alert">([^<]+)</p>', refused.text)
    assert message is not None and message.group(1) == "不能低于最低月薪"
    assert 'id="f-wage_max" name="wage_max" type="number" value="6000"' in refused.text  # what was typed stays
    assert 'value="焊接、 叉车,电工"' in refused.text
    not_a_number = await post_form(client, "/employer/positions", {**POSITION, "headcount": "五"},
                                   from_page="/employer/positions/new")
    assert not_a_number.status_code == 422 and 'id="e-headcount" role="alert">请填写整数。' in not_a_number.text
    too_young = await post_form(client, "/employer/positions", {**POSITION, "min_age": "14"},
                                from_page="/employer/positions/new")
    assert too_young.status_code == 422 and 'id="e-min_age"' in too_young.text
    assert await database_snapshot() == before


async def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_written(client):
    made = await employer_at_fair(client)
    before = await database_snapshot()
    await client.get(made["path"])
    for path, data in (("/employer/positions", POSITION),
                       (f"{made['path']}/hold", {"booth_id": str(made["booth"]["A01"])}),
                       (f"{made['path']}/hold", {"booth_id": str(made["booth"]["A01"]), "csrf_token": "forged"})):
        refused = await client.post(path, data=data)
        assert refused.status_code == 403 and "没有权限" in refused.text
    assert await database_snapshot() == before


async def test_an_employer_applies_to_take_part_and_reads_the_organizers_decision(client):
    made = await employer_at_fair(client, approved=False)
    event_id = made["event_id"]
    fairs = await client.get("/employer/fairs")
    assert "“311”就业服务节现场招聘会" in fairs.text and "申请参会" in fairs.text
    applied = await client.post(f"/employer/fairs/{event_id}/participation", data={
        "document": "business_licence", "other_documents": "招聘简章，授权委托书", "csrf_token": csrf_of(fairs.text)})
    assert (applied.status_code, applied.headers["location"]) == (
        303, f"/employer/fairs?applied={event_id}#fair-{event_id}")
    [row] = await Participation.select(Participation.status, Participation.documents, Participation.id)
    assert (row["status"], row["documents"]) == ("applied", ["business_licence", "招聘简章", "授权委托书"])
    waiting = await client.get(applied.headers["location"])
    assert "已申请，等待审核" in waiting.text and "已提交参会申请" in waiting.text
    again = await client.post(f"/employer/fairs/{event_id}/participation",
                              data={"document": "business_licence", "csrf_token": csrf_of(waiting.text)})
    assert again.status_code == 409 and "您已经申请过这场招聘会" in again.text
    decided = await client.post(f"/participations/{row['id']}/decision", headers=made["organizer"], json={
        "decision": "rejected", "reason": "营业执照已过期，请更新后再申请"})
    assert decided.status_code == 200
    rejected = await client.get("/employer/fairs")
    assert "未通过审核" in rejected.text and "营业执照已过期，请更新后再申请" in rejected.text
    booths = await client.get(made["path"])
    assert "您的企业还没有获准参加这场招聘会" in booths.text and "营业执照已过期" in booths.text


async def test_an_employer_not_approved_is_told_clearly_and_cannot_hold(client):
    made = await employer_at_fair(client, approved=False)
    shown = await client.get(made["path"])
    assert shown.status_code == 200 and "您的企业还没有获准参加这场招聘会" in shown.text
    assert "保留展位 A01" not in shown.text and 'class="booth-link"' in shown.text  # the map, without actions
    before = await database_snapshot()
    refused = await client.post(f"{made['path']}/hold", data={"booth_id": str(made["booth"]["A01"]),
                                                               "csrf_token": csrf_of(shown.text)})
    assert refused.status_code == 403
    assert re.search(r'<div class="refusal" role="alert" id="refusal">\s*<p>您的企业还没有获准参加这场招聘会',
                     refused.text)
    assert await database_snapshot() == before


async def test_an_approved_employer_holds_confirms_and_cancels_a_booth_from_the_map(client, clock):
    made = await employer_at_fair(client)
    shown = await client.get(made["path"])
    assert shown.status_code == 200
    link = re.search(r'<a href="([^"]+)" class="booth-link" aria-label="(A01[^"]*)">', shown.text)
    assert link is not None and link.groups() == (
        f"/employer/fairs/{made['event_id']}/booths?booth=A01#booth-panel", "A01 · 制造业 manufacturing · 空闲 Free")
    assert shown.text.count('class="booth-link"') == 4 and 'role="group"' in shown.text
    assert shown.text.count("保留展位 A0") == 4  # one button a free booth in the table

    picked = await client.get(link.group(1).split("#")[0])
    panel = text_of(picked.text.split('id="booth-panel"')[1].split("</section>")[0])
    assert "展位 A01" in panel and "制造业" in panel and "空闲" in panel and "面试官人数" in panel
    held = await client.post(f"{made['path']}/hold", data={"booth_id": str(made["booth"]["A01"]),
                                                           "interviewers": "3", "csrf_token": csrf_of(picked.text)})
    assert (held.status_code, held.headers["location"]) == (303, f"{made['path']}?held=1#mine")
    [reservation] = await BoothReservation.select(BoothReservation.id, BoothReservation.status,
                                                  BoothReservation.interviewers, BoothReservation.booth)
    assert reservation == {"id": reservation["id"], "status": "held", "interviewers": 3,
                           "booth": made["booth"]["A01"]}
    clock.advance(minutes=4, seconds=30)
    mine = await client.get(f"{made['path']}?held=1")
    assert "已为您保留展位" in mine.text and 'data-seconds="630"' in mine.text and "10 分 30 秒" in mine.text
    assert "3月1日 周一 10:15" in mine.text  # the expiry, in the event's zone
    assert "A01 · 制造业 manufacturing · 保留中 Held · 您的展位 your booth" in mine.text
    assert mine.text.count("保留展位 A0") == 3

    confirmed = await client.post(f"/employer/reservations/{reservation['id']}/confirm",
                                  data={"csrf_token": csrf_of(mine.text)})
    assert (confirmed.status_code, confirmed.headers["location"]) == (303, f"{made['path']}?confirmed=1#mine")
    after = await client.get(confirmed.headers["location"])
    assert "展位已确认" in after.text and "已确认" in after.text and "countdown" not in after.text.split("<style>")[0]
    assert await BoothReservation.select(BoothReservation.status) == [{"status": "confirmed"}]
    cancelled = await client.post(f"/employer/reservations/{reservation['id']}/cancel",
                                  data={"csrf_token": csrf_of(after.text)})
    assert cancelled.status_code == 303
    assert await BoothReservation.select(BoothReservation.status) == [{"status": "cancelled"}]
    assert "预订已取消" in (await client.get(cancelled.headers["location"])).text


async def test_a_taken_booth_is_answered_with_free_alternatives_and_nothing_is_written(client):
    made = await employer_at_fair(client)
    other = await f.employer(client, 2)
    await f.take_part(client, other, made["event_id"])
    taken = await client.post(f"/events/{made['event_id']}/reservations", headers=other,
                              json={"booth_id": made["booth"]["A02"]})
    assert taken.status_code == 201
    shown = await client.get(made["path"])
    before = await database_snapshot()
    refused = await client.post(f"{made['path']}/hold", data={"booth_id": str(made["booth"]["A02"]),
                                                              "csrf_token": csrf_of(shown.text)})
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("text/html")
    assert "这个展位已被保留、预订或不可用" in refused.text
    alternatives = refused.text.split('id="alternatives"')[1].split("</section>")[0]
    assert re.findall(r"保留展位 (A\d\d)", alternatives) == ["A01", "A03", "A04"]
    assert f'name="booth_id" value="{made["booth"]["A01"]}"' in alternatives
    assert await database_snapshot() == before
    chosen = await client.post(f"{made['path']}/hold", data={"booth_id": str(made["booth"]["A03"]),
                                                             "interviewers": "2", "csrf_token": csrf_of(refused.text)})
    assert chosen.status_code == 303


async def test_another_employers_reservation_and_position_are_not_found_and_stay_as_they_were(client):
    made = await employer_at_fair(client)
    other = await f.employer(client, 2)
    await f.take_part(client, other, made["event_id"])
    theirs = await client.post(f"/events/{made['event_id']}/reservations", headers=other,
                               json={"booth_id": made["booth"]["A02"]})
    their_position = await f.position(client, other)
    shown = await client.get(made["path"])
    before = await database_snapshot()
    for action in ("confirm", "cancel"):
        answer = await client.post(f"/employer/reservations/{theirs.json()['id']}/{action}",
                                   data={"csrf_token": csrf_of(shown.text)})
        assert answer.status_code == 404 and "没有找到这个页面" in answer.text
    assert (await client.get(f"/employer/positions/{their_position['id']}")).status_code == 404
    edited = await client.post(f"/employer/positions/{their_position['id']}",
                               data={**POSITION, "csrf_token": csrf_of(shown.text)})
    assert edited.status_code == 404 and "没有找到这个页面" in edited.text
    assert await database_snapshot() == before


async def test_an_approved_employer_joins_the_waitlist_with_preferences_and_leaves_it(client):
    made = await employer_at_fair(client)
    shown = await client.get(made["path"])
    joined = await client.post(f"/employer/fairs/{made['event_id']}/waitlist", data={
        "pref_1": f"booth:{made['booth']['A03']}", "pref_2": "zone:manufacturing", "pref_3": "",
        "csrf_token": csrf_of(shown.text)})
    assert (joined.status_code, joined.headers["location"]) == (303, f"{made['path']}?waiting=1#waitlist")
    [entry] = await WaitlistEntry.select(WaitlistEntry.id, WaitlistEntry.preferences, WaitlistEntry.status).output(
        load_json=True)
    assert entry["preferences"] == [{"booth_id": made["booth"]["A03"]}, {"zone": "manufacturing"}]
    page = await client.get(joined.headers["location"])
    assert "候补中" in page.text and "展位 A03、区域 制造业" in text_of(page.text)
    again = await client.post(f"/employer/fairs/{made['event_id']}/waitlist",
                              data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 409 and "您已经在这场招聘会的候补名单上了" in again.text
    left = await client.post(f"/employer/waitlist/{entry['id']}/withdraw", data={"csrf_token": csrf_of(page.text)})
    assert left.status_code == 303
    assert await WaitlistEntry.select(WaitlistEntry.status) == [{"status": "withdrawn"}]


async def application_fair(client) -> dict:
    organizer = await f.sign_in_organizer(client)
    campaign = await client.post("/campaigns", headers=organizer, json={
        "name": "311", "kind": "festival", "area_id": f.AREAS[f.CITY]})
    venue = await client.post("/venues", headers=organizer, json={
        "name": "会展中心", "area_id": f.AREAS[f.TIANYUAN],
        "booths": [{"code": c, "zone": z} for c, z in (("M01", "manufacturing"), ("M02", "manufacturing"),
                                                        ("S01", "services"))]})
    event = await client.post("/events", headers=organizer, json={
        "campaign_id": campaign.json()["id"], "venue_id": venue.json()["id"], "kind": "onsite_fair",
        "title": "申请制招聘会", "starts_at": "2027-03-11T09:00:00+08:00", "ends_at": "2027-03-11T12:00:00+08:00",
        "booth_mode": "application", "applications_close_at": "2027-03-05T18:00:00+08:00"})
    event_id = event.json()["id"]
    await client.patch(f"/events/{event_id}", headers=organizer, json={"status": "published"})
    headers = await f.employer(client, 1)
    await f.take_part(client, headers, event_id)
    await sign_in(client, "employer1")
    return {"event_id": event_id, "booth": {b["code"]: b["id"] for b in venue.json()["booths"]},
            "path": f"/employer/fairs/{event_id}/booths"}


async def test_an_employer_applies_with_ranked_preferences_then_reads_the_allocation_and_why(client, clock,
                                                                                           run_worker):
    made = await application_fair(client)
    shown = await client.get(made["path"])
    assert "申请截止：3月5日 周五 18:00" in shown.text and "保留展位" not in shown.text
    assert 'id="f-pref-1" name="pref_1"' in shown.text
    before = await database_snapshot()
    empty = await client.post(f"/employer/fairs/{made['event_id']}/booth-application",
                              data={"csrf_token": csrf_of(shown.text)})
    assert empty.status_code == 422 and 'id="e-preferences" role="alert">请至少选一个意向。' in empty.text
    assert await database_snapshot() == before
    applied = await client.post(f"/employer/fairs/{made['event_id']}/booth-application", data={
        "pref_1": f"booth:{made['booth']['S01']}", "pref_2": "zone:manufacturing", "csrf_token": csrf_of(shown.text)})
    assert applied.status_code == 303
    [row] = await BoothApplication.select(BoothApplication.preferences).output(load_json=True)
    assert row["preferences"] == [{"booth_id": made["booth"]["S01"]}, {"zone": "manufacturing"}]
    mine = await client.get(made["path"])
    assert "已提交，等待分配" in mine.text and "1. 展位 S01；2. 区域 制造业" in text_of(mine.text)
    assert f'<option value="booth:{made["booth"]["S01"]}" selected>' in mine.text  # the form shows the choices

    clock.advance(days=5)  # past the close on 5 March 18:00
    late = await client.post(f"/employer/fairs/{made['event_id']}/booth-application",
                             data={"pref_1": "zone:services", "csrf_token": csrf_of(mine.text)})
    assert late.status_code == 409 and "展位申请已截止" in late.text
    await allocation.close_windows(client.app.state.queue, clock.now())
    assert (await run_worker())["failed"] == 0
    result = await client.get(made["path"])
    assert "已分配到展位" in result.text and "分配结果说明" in result.text and "已截止" in result.text
    explanation = re.search(r'<p lang="en" class="explanation">([^<]+)</p>', result.text)
    assert explanation is not None and "S01" in explanation.group(1)
    assert "展位 S01" in result.text and "已确认" in result.text  # the allocated booth is mine, confirmed


async def test_the_interview_schedule_masks_phones_until_accepted_and_offers_the_calendar(client, run_worker):
    ready = await f.fair_ready_for_matching(client, attendees=2)
    await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])
    assert (await run_worker())["failed"] == 0
    accepted = (await client.get("/interviews", headers=ready["attendees"][0])).json()[0]
    answered = await client.post(f"/interviews/{accepted['id']}/answer", headers=ready["attendees"][0],
                                 json={"answer": "accepted"})
    assert answered.status_code == 200
    await sign_in(client, "employer1")
    schedule = await client.get("/employer/interviews")
    assert schedule.status_code == 200 and "共 2 场面试" in schedule.text
    assert "“311”就业服务节现场招聘会" in schedule.text and "3月11日 周四 09:" in schedule.text
    assert f.mobile(1) in schedule.text and f.mobile(2) not in schedule.text
    assert "139****0002" in schedule.text and "求职者已接受" in schedule.text and "待求职者确认" in schedule.text
    why = await client.get(f"/employer/interviews/{accepted['id']}/why")
    assert why.status_code == 200 and "技能相符" in why.text
    ics = await client.get("/employer/calendar.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert ics.text.count("BEGIN:VEVENT") == 3 and "求职者1" not in ics.text  # two interviews and the booth
    subscribed = await post_form(client, "/employer/calendar/feed", {}, from_page="/employer/interviews")
    feed = re.search(r'value="(http[^"]+/calendar/[^"]+\.ics)"', subscribed.text)
    assert subscribed.status_code == 200 and feed is not None and "webcal://" in subscribed.text
    feed_path = "/" + feed.group(1).split("/", 3)[3]
    assert (await client.get(feed_path)).status_code == 200
    revoked = await post_form(client, "/employer/calendar/feed/revoke", {}, from_page="/employer/interviews")
    assert revoked.status_code == 303
    assert (await client.get(feed_path)).status_code == 404


async def test_employer_pages_are_for_employers_and_speak_english(client):
    anonymous = await client.get("/employer/fairs")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/employer/fairs"
    made = await employer_at_fair(client)
    await sign_in(client, "organizer")
    assert (await client.get("/employer")).status_code == 403
    await sign_in(client, "employer1")
    english = await client.get(f"{made['path']}?lang=en")
    assert "Booth list" in english.text and "Hold booth A01" in english.text
    assert "A01 · manufacturing 制造业 · Free 空闲" in english.text
    assert "保留" not in text_of(english.text.split("<script")[0])
