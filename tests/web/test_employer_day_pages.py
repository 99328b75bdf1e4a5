"""The employer's day at the booth (one list, calling numbers, outcomes, the booth's QR code)
and the attendee's take-a-number page the QR code opens."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fairs.db.tables import InterviewSlot, WalkIn
from tests.support import factories as f
from tests.support.pages import csrf_of, sign_in
from tests.support.snapshots import database_snapshot

DURING_THE_FAIR = datetime(2027, 3, 11, 1, 50, tzinfo=UTC)  # 09:50 in Zhuzhou: every slot has begun


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def matched_fair(client, run_worker, attendees: int = 2) -> dict:
    """A fair matched (employer1 has its booth and interviews), with the booth's organization."""
    ready = await f.fair_ready_for_matching(client, attendees=attendees)
    started = await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])
    assert started.status_code == 202
    assert (await run_worker())["failed"] == 0
    ready["organization"] = (await client.get("/positions", headers=ready["employer"])).json()[0]["organization"]
    ready["position"] = (await client.get("/positions", headers=ready["employer"])).json()[0]
    ready["interviews"] = (await client.get("/interviews", headers=ready["employer"])).json()
    ready["day"] = f"/employer/fairs/{ready['event_id']}/day"
    assert ready["interviews"]
    return ready


async def take(client, ready, headers) -> dict:
    taken = await client.post(f"/events/{ready['event_id']}/walk-ins", headers=headers,
                              json={"organization_id": ready["organization"]})
    assert taken.status_code == 201, taken.text
    return taken.json()


async def test_the_day_is_one_list_and_the_employer_calls_and_finishes_numbers(client, run_worker, clock):
    ready = await matched_fair(client, run_worker, attendees=3)
    clock.current = DURING_THE_FAIR
    first = await take(client, ready, ready["attendees"][0])
    second = await take(client, ready, ready["attendees"][2])
    await sign_in(client, "employer1")

    shown = await client.get(ready["day"])
    assert shown.status_code == 200
    text = text_of(shown.text)
    assert "叫下一个号" in text and "正在等候：2 人" in text and "1 号" in text and "2 号" in text
    assert text.count("预约面试") == len(ready["interviews"]) and text.count("现场取号") == 2
    assert all(i["attendee_name"] in text for i in ready["interviews"])
    assert "<svg" in shown.text and f"/walk-in/{ready['event_id']}/{ready['organization']}" in shown.text
    assert 'name="outcome" value="hired"' in shown.text  # every interview has begun

    called = await client.post(f"{ready['day']}/call-next", data={"csrf_token": csrf_of(shown.text)})
    assert (called.status_code, called.headers["location"]) == (303, f"{ready['day']}?called={first['id']}#call")
    after = await client.get(called.headers["location"].split("#")[0])
    assert re.search(r'<span class="big-number">1 号</span>\s*已叫到：求职者1', after.text), text_of(after.text)
    assert await WalkIn.select(WalkIn.number, WalkIn.status).order_by(WalkIn.number) == [
        {"number": 1, "status": "called"}, {"number": 2, "status": "waiting"}]

    served = await client.post(f"{ready['day']}/walk-ins/{first['id']}/done",
                               data={"status": "served", "csrf_token": csrf_of(after.text)})
    assert (served.status_code, served.headers["location"]) == (303, f"{ready['day']}#walk-in-{first['id']}")
    again = await client.post(f"{ready['day']}/walk-ins/{first['id']}/done",
                              data={"status": "left", "csrf_token": csrf_of(after.text)})
    assert again.status_code == 409 and "这个号已经处理过了。" in again.text
    await client.post(f"{ready['day']}/walk-ins/{second['id']}/done",
                      data={"status": "left", "csrf_token": csrf_of(after.text)})
    assert [w["status"] for w in await WalkIn.select(WalkIn.status).order_by(WalkIn.number)] == ["served", "left"]

    nobody = await client.post(f"{ready['day']}/call-next", data={"csrf_token": csrf_of(after.text)})
    assert nobody.headers["location"] == f"{ready['day']}?nobody=1#call"
    told = await client.get(f"{ready['day']}?nobody=1")
    assert "现在没有人在等候" in told.text and "已离开" in told.text and "已面试" in told.text

    listed = await client.get("/employer/day")
    assert listed.status_code == 200 and f'href="{ready["day"]}"' in listed.text
    sign = await client.get(f"{ready['day']}/qr")
    assert sign.status_code == 200 and "没有预约？扫码取号" in sign.text and "<svg" in sign.text
    assert "株洲测试企业1有限公司" in sign.text


async def test_an_outcome_before_the_interview_begins_is_a_message_and_a_hire_needs_its_position(
        client, run_worker, clock):
    ready = await matched_fair(client, run_worker)
    await sign_in(client, "employer1")
    interview = ready["interviews"][0]
    path = f"{ready['day']}/interviews/{interview['id']}/outcome"
    shown = await client.get(ready["day"])
    assert "面试开始后可以在这里标记结果" in shown.text and 'name="outcome"' not in shown.text
    before = await database_snapshot()
    early = await client.post(path, data={"outcome": "attended", "csrf_token": csrf_of(shown.text)})
    assert early.status_code == 409 and early.headers["content-type"].startswith("text/html")
    assert re.search(rf'id="e-{interview["id"]}-form" role="alert">面试开始后才能标记结果。', early.text)
    assert await database_snapshot() == before

    clock.current = DURING_THE_FAIR
    no_position = await client.post(path, data={"outcome": "hired", "start_date": "2027-03-20",
                                                "csrf_token": csrf_of(shown.text)})
    assert no_position.status_code == 422
    assert re.search(rf'id="e-{interview["id"]}-hired_position_id" role="alert">录用请选择岗位。', no_position.text)
    assert 'value="2027-03-20"' in no_position.text  # what was typed stays
    assert 'value="hired" checked' in no_position.text
    assert await database_snapshot() == before

    hired = await client.post(path, data={"outcome": "hired", "hired_position_id": str(ready["position"]["id"]),
                                          "start_date": "2027-03-20", "csrf_token": csrf_of(shown.text)})
    assert (hired.status_code, hired.headers["location"]) == (
        303, f"{ready['day']}?marked={interview['id']}#interview-{interview['id']}")
    row = await InterviewSlot.select(InterviewSlot.outcome, InterviewSlot.hired_position,
                                     InterviewSlot.start_date).where(InterviewSlot.id == interview["id"]).first()
    assert row == {"outcome": "hired", "hired_position": ready["position"]["id"], "start_date": "2027-03-20"}
    after = await client.get(f"{ready['day']}?marked={interview['id']}")
    item = text_of(after.text.split(f'id="interview-{interview["id"]}"')[1].split("</li>")[0])
    assert "面试结果已保存" in item and "面试结果： 录用" in item and "焊工" in item and "2027-03-20 到岗" in item

    english = await client.get(f"{ready['day']}?lang=en")
    assert "Call the next number" in english.text


async def test_another_employers_queue_and_interviews_are_not_shown_nor_touched(client, run_worker, clock):
    ready = await matched_fair(client, run_worker)
    clock.current = DURING_THE_FAIR
    walk_in = await take(client, ready, ready["attendees"][0])
    other = await f.employer(client, 2)
    booths = (await client.get(f"/events/{ready['event_id']}/booths")).json()
    await f.reserve(client, other, ready["event_id"], booths[1]["id"])
    await f.employer(client, 3)  # no booth at the fair

    await sign_in(client, "employer2")
    theirs = await client.get(ready["day"])
    assert theirs.status_code == 200 and "还没有面试，也还没有人取号" in theirs.text
    assert all(i["attendee_name"] not in theirs.text for i in ready["interviews"])
    assert not re.search(r"求职者\d", theirs.text) and "正在等候：0 人" in text_of(theirs.text)
    token = csrf_of(theirs.text)
    before = await database_snapshot()
    nobody = await client.post(f"{ready['day']}/call-next", data={"csrf_token": token})
    assert nobody.headers["location"].endswith("?nobody=1#call")
    done = await client.post(f"{ready['day']}/walk-ins/{walk_in['id']}/done",
                             data={"status": "left", "csrf_token": token})
    assert done.status_code == 404
    marked = await client.post(f"{ready['day']}/interviews/{ready['interviews'][0]['id']}/outcome",
                               data={"outcome": "no_show", "csrf_token": token})
    assert marked.status_code == 404 and not re.search(r"求职者\d", marked.text)
    assert await database_snapshot() == before

    await sign_in(client, "employer3")
    for path in (ready["day"], f"{ready['day']}/qr"):
        refused = await client.get(path)
        assert refused.status_code == 404 and not re.search(r"求职者\d", refused.text)
    page = await client.get("/employer/day")
    assert "您还没有已确认的展位" in page.text


async def test_forms_without_their_csrf_token_are_refused_and_nothing_is_written(client, run_worker, clock):
    ready = await matched_fair(client, run_worker)
    clock.current = DURING_THE_FAIR
    walk_in = await take(client, ready, ready["attendees"][0])
    await sign_in(client, "employer1")
    await client.get(ready["day"])
    before = await database_snapshot()
    for path, data in ((f"{ready['day']}/call-next", {}),
                       (f"{ready['day']}/walk-ins/{walk_in['id']}/done", {"status": "served"}),
                       (f"{ready['day']}/interviews/{ready['interviews'][0]['id']}/outcome",
                        {"outcome": "attended", "csrf_token": "forged"}),
                       (f"/walk-in/{ready['event_id']}/{ready['organization']}", {})):
        refused = await client.post(path, data=data)
        assert refused.status_code == 403, path
    assert await database_snapshot() == before


async def test_an_attendee_takes_a_number_at_the_booth_and_sees_how_many_are_ahead(client, run_worker, clock):
    ready = await matched_fair(client, run_worker, attendees=2)
    clock.current = DURING_THE_FAIR
    path = f"/walk-in/{ready['event_id']}/{ready['organization']}"
    anonymous = await client.get(path)
    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303, f"/login?next=/walk-in/{ready['event_id']}/{ready['organization']}")
    await take(client, ready, ready["attendees"][1])  # someone is already waiting

    await sign_in(client, "attendee1")
    shown = await client.get(path)
    assert shown.status_code == 200
    assert "株洲测试企业1有限公司" in shown.text and "“311”就业服务节现场招聘会" in shown.text
    assert ">取号</button>" in shown.text and "hx-trigger" not in shown.text
    taken = await client.post(path, data={"csrf_token": csrf_of(shown.text)})
    assert (taken.status_code, taken.headers["location"]) == (303, f"{path}?taken=1#ticket")
    mine = await client.get(f"{path}?taken=1")
    assert re.search(r'class="ticket-number">2 号<', mine.text) and "前面还有 1 人" in mine.text
    assert 'hx-trigger="every 20s"' in mine.text and f'hx-get="{path}"' in mine.text
    assert f'<a href="{path}">刷新看看排到哪了</a>' in mine.text
    again = await client.post(path, data={"csrf_token": csrf_of(mine.text)})  # the same number, not another
    assert again.status_code == 303 and await WalkIn.count() == 2

    unknown = await client.get(f"/walk-in/{ready['event_id']}/999999")
    assert unknown.status_code == 404
    clock.advance(hours=1)  # the fair is over
    over = await client.post(path, data={"csrf_token": csrf_of(mine.text)})
    assert over.status_code == 409 and "这场招聘会已经结束，不能再取号。" in over.text

    await sign_in(client, "employer1")
    assert (await client.get(path)).status_code == 403
