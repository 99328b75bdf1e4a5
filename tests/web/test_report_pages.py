"""Outcome pages: the organizer's campaign report (charts, table, downloads) and contact reads,
the station's follow-up calls, and a job seeker's own data (download, delete)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime

from fairs.db.tables import Account, Attendee, ContactRead, FollowUp, InterviewSlot, Registration, ServiceStation
from fairs.services import reports
from tests.support import factories as f
from tests.support.campaigns import generated_campaign
from tests.support.pages import csrf_of, post_form, sign_in
from tests.support.tours import tour

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def campaign_and_organizer(client) -> dict:
    made = await generated_campaign(people=60)
    made["organizer"] = await f.sign_in_organizer(client)
    await sign_in(client, "organizer")
    return made


# ------------------------------------------------------------------ the report


async def test_the_report_draws_the_funnel_and_priority_shares_and_tables_every_stage(client):
    made = await campaign_and_organizer(client)
    cid = made["campaign_id"]
    expected = (await client.get(f"/campaigns/{cid}/report?by=event", headers=made["organizer"])).json()

    shown = await client.get(f"/organizer/campaigns/{cid}/report")

    assert shown.status_code == 200
    assert shown.text.count('role="img"') == 2 and 'id="funnel"' in shown.text and 'id="priority"' in shown.text
    totals = expected["totals"]
    assert f'data-value="{totals["registrations"]}" data-label="报名"' in shown.text
    footer = re.search(r"<tfoot>.*?</tfoot>", shown.text, re.S).group(0)
    cells = re.findall(r"<strong>(\d+)</strong> <small>\((\d+)\)</small>", footer)
    stages = reports.STAGES
    assert cells == [(str(totals[s]), str(totals[f"priority_{s}"])) for s in stages]
    for title in ("招聘会1", "招聘会2", "招聘会3"):
        assert f'<th scope="row">{title}</th>' in shown.text
    assert f'href="/organizer/campaigns/{cid}/report.csv?by=event"' in shown.text
    assert 'aria-current="page">按招聘会</a>' in shown.text and "@media print" in shown.text
    dashboard = await client.get("/organizer")
    assert f'href="/organizer/campaigns/{cid}/report"' in dashboard.text

    for by, label in (("village", "南洲村"), ("employer", "企业0"), ("industry", "制造业"),
                      ("priority_group", "大龄（50 岁以上）")):
        other = await client.get(f"/organizer/campaigns/{cid}/report?by={by}")
        assert other.status_code == 200, by
        assert label in other.text, by
    english = await client.get(f"/organizer/campaigns/{cid}/report?by=industry&lang=en")
    assert "Manufacturing" in english.text and "Registered" in english.text


async def test_the_report_downloads_as_csv_and_xlsx(client):
    made = await campaign_and_organizer(client)
    cid = made["campaign_id"]

    csv = await client.get(f"/organizer/campaigns/{cid}/report.csv?by=village")
    xlsx = await client.get(f"/organizer/campaigns/{cid}/report.xlsx?by=employer")

    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == f'attachment; filename="campaign-{cid}-village.csv"'
    assert csv.content.startswith("\ufeff".encode()) and "合计 total" in csv.content.decode("utf-8-sig")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX
    assert xlsx.headers["content-disposition"] == f'attachment; filename="campaign-{cid}-employer.xlsx"'
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        sheets = book.read("xl/workbook.xml").decode()
    assert 'name="report"' in sheets and 'name="funnel"' in sheets


async def test_a_bad_dimension_another_areas_campaign_and_other_roles_are_refused_as_pages(client):
    made = await campaign_and_organizer(client)
    cid = made["campaign_id"]

    bad = await client.get(f"/organizer/campaigns/{cid}/report?by=shoe_size")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    missing = await client.get(f"/organizer/campaigns/{cid + 99}/report")
    assert missing.status_code == 404 and "没有找到这个页面" in missing.text

    await f.organizer_account("nanzhou", area=f.NANZHOU)
    await sign_in(client, "nanzhou")
    for path in (f"/organizer/campaigns/{cid}/report", f"/organizer/campaigns/{cid}/report.csv",
                 f"/organizer/campaigns/{cid}/report.xlsx"):
        answer = await client.get(path)
        assert answer.status_code == 404 and "没有找到这个页面" in answer.text, path

    await f.employer(client, 1)
    await sign_in(client, "employer1")
    for path in (f"/organizer/campaigns/{cid}/report", "/organizer/contact-reads"):
        answer = await client.get(path)
        assert answer.status_code == 403 and "没有权限" in answer.text, path
    client.cookies.clear()
    anonymous = await client.get(f"/organizer/campaigns/{cid}/report.csv")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")


async def test_a_village_tour_report_shows_its_uncovered_villages(client):
    made = await tour(client, villages=3, riders=0)
    await sign_in(client, "organizer")

    shown = await client.get(f"/organizer/campaigns/{made['campaign_id']}/report")

    assert shown.status_code == 200 and "村庄覆盖" in shown.text
    assert "巡回计划中的 3 个村，已有 0 个村办过招聘会（0.0%）" in shown.text
    assert len(re.findall(r"<li>[^<]+村</li>", shown.text)) == 3
    assert "暂无数据" in shown.text  # no registrations yet: empty charts say so


# ------------------------------------------------------------------ contact reads


async def test_contact_reads_list_who_saw_whose_phone_newest_first_and_filter_by_organization(client):
    made = await campaign_and_organizer(client)
    await f.employer(client, 1)
    account = (await Account.select(Account.id).where(Account.login == "employer1").first())["id"]
    first, second = made["organizations"][:2]
    person = made["attendees"][0]
    for n, organization in enumerate((first, second, first)):
        await ContactRead(account=account, organization=organization, attendee=person, via="interviews",
                          at=datetime(2027, 2, 1 + n, 2, 0, tzinfo=UTC)).save()

    everything = await client.get("/organizer/contact-reads")
    filtered = await client.get(f"/organizer/contact-reads?organization_id={second}")

    assert everything.status_code == 200 and "共 3 条记录" in everything.text
    times = re.findall(r"<td>(2月\d+日[^<]*)</td>", everything.text)
    assert [t.split()[0] for t in times] == ["2月3日", "2月2日", "2月1日"]
    assert "employer1" in everything.text and "求职者0000号" in everything.text and "面试名单" in everything.text
    assert filtered.status_code == 200 and "共 1 条记录" in filtered.text and "企业1" in filtered.text
    assert f'<option value="{second}" selected>' in filtered.text
    bad = await client.get("/organizer/contact-reads?organization_id=abc")
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html")


# ------------------------------------------------------------------ follow-up calls


async def station_with_calls(client) -> dict:
    made = await generated_campaign(people=60)
    organizer = await f.sign_in_organizer(client)
    await f.staff(client, organizer)
    station = (await ServiceStation.select(ServiceStation.id).first())["id"]
    hire = await InterviewSlot.select().where(InterviewSlot.outcome == "hired").first()
    came = await Registration.select().where(Registration.status == "checked_in").first()
    await FollowUp.delete().where(FollowUp.interview == hire["id"])  # the generated calls of this hire
    calls = {}
    for kind, interview, registration, attendee in (("retention_3m", hire["id"], None, hire["attendee"]),
                                                    ("no_offer", None, came["id"], came["attendee"])):
        row = FollowUp(attendee=attendee, interview=interview, registration=registration, kind=kind, station=station,
                       due_on="2027-03-05", status="open", answer="", note="", created_at=datetime.now(UTC))
        await row.save()
        calls[kind] = int(row.id)
    await sign_in(client, "staff1")
    return {**made, "calls": calls, "hire": hire}


async def test_staff_see_their_open_calls_and_record_an_answer(client):
    made = await station_with_calls(client)
    retention, no_offer = made["calls"]["retention_3m"], made["calls"]["no_offer"]

    shown = await client.get("/station/follow-ups")

    assert shown.status_code == 200
    for text in ("3个月回访", "未录用帮扶", "仍在岗", "推荐参加技能培训", "待回访（2）", "2027-03-05"):
        assert text in shown.text, text
    person = await Attendee.select(Attendee.name, Attendee.phone).where(
        Attendee.id == made["hire"]["attendee"]).first()
    assert person["name"] in shown.text and person["phone"] in shown.text
    block = re.search(rf'<li id="f{retention}">.*?</li>', shown.text, re.S).group(0)
    assert "岗位" in block and 'value="found_work"' not in block  # a hire's call offers its own answers
    station = await client.get("/station")
    assert 'href="/station/follow-ups"' in station.text

    done = await post_form(client, f"/station/follow-ups/{retention}/answer",
                           {"answer": "still_employed", "note": "工作稳定"}, from_page="/station/follow-ups")

    assert done.status_code == 303 and done.headers["location"].startswith("/station/follow-ups?answered=")
    row = await FollowUp.select(FollowUp.status, FollowUp.answer, FollowUp.note).where(FollowUp.id == retention).first()
    assert row == {"status": "done", "answer": "still_employed", "note": "工作稳定"}
    after = await client.get(done.headers["location"])
    assert "已记录回访结果" in after.text and "待回访（1）" in after.text and "工作稳定" in after.text
    assert (await FollowUp.select(FollowUp.status).where(FollowUp.id == no_offer).first())["status"] == "open"


async def test_a_refused_answer_is_said_next_to_its_field_and_a_post_without_csrf_is_forbidden(client):
    made = await station_with_calls(client)
    call = made["calls"]["no_offer"]
    path = f"/station/follow-ups/{call}/answer"

    empty = await post_form(client, path, {"note": "没接"}, from_page="/station/follow-ups")
    wrong = await post_form(client, path, {"answer": "still_employed"}, from_page="/station/follow-ups")
    long = await post_form(client, path, {"answer": "unreachable", "note": "x" * 2001}, from_page="/station/follow-ups")
    forged = await client.post(path, data={"answer": "unreachable"})

    assert empty.status_code == 422 and re.search(rf'id="e-{call}-answer" role="alert">请选择回访结果', empty.text)
    assert "没接" in empty.text  # what was typed stays
    assert wrong.status_code == 422 and f'id="e-{call}-answer"' in wrong.text
    assert long.status_code == 422 and f'id="e-{call}-note"' in long.text
    assert forged.status_code == 403
    assert (await FollowUp.select(FollowUp.status).where(FollowUp.id == call).first())["status"] == "open"
    elsewhere = await post_form(client, "/station/follow-ups/99999/answer", {"answer": "left"},
                                from_page="/station/follow-ups")
    assert elsewhere.status_code == 404 and "没有找到这个页面" in elsewhere.text


# ------------------------------------------------------------------ my data


async def signed_in_attendee(client) -> int:
    await f.attendee(client, 1)
    await sign_in(client, "attendee1")
    return (await Attendee.select(Attendee.id).first())["id"]


async def test_a_person_downloads_everything_held_about_them(client):
    await signed_in_attendee(client)
    mine = await client.get("/my")
    assert 'href="/my/data"' in mine.text
    shown = await client.get("/my/data")
    assert shown.status_code == 200 and 'href="/my/data/download"' in shown.text

    download = await client.get("/my/data/download")

    assert download.status_code == 200 and download.headers["content-type"].startswith("application/json")
    assert download.headers["content-disposition"] == 'attachment; filename="my-data.json"'
    held = json.loads(download.content)
    assert held["attendee"]["name"] == "求职者1" and held["account"]["login"] == "attendee1"


async def test_deleting_needs_the_box_ticked_and_a_csrf_token(client):
    person = await signed_in_attendee(client)
    confirm = await client.get("/my/data/delete")
    assert confirm.status_code == 200 and "会保留的" in confirm.text and "会删除的" in confirm.text

    unticked = await client.post("/my/data/delete", data={"csrf_token": csrf_of(confirm.text)})
    forged = await client.post("/my/data/delete", data={"confirm": "yes"})

    assert unticked.status_code == 422 and re.search(r'id="e-confirm" role="alert">请先勾选', unticked.text)
    assert forged.status_code == 403
    row = await Attendee.select(Attendee.name, Attendee.anonymised_at).where(Attendee.id == person).first()
    assert row == {"name": "求职者1", "anonymised_at": None}
    assert (await client.get("/my")).status_code == 200  # still signed in


async def test_after_deleting_the_person_is_anonymised_signed_out_and_cannot_sign_in(client):
    person = await signed_in_attendee(client)

    done = await post_form(client, "/my/data/delete", {"confirm": "yes"})

    assert done.status_code == 200 and "您的账号已注销" in done.text
    assert re.search(r'fairs_session=""?;', done.headers["set-cookie"])
    row = await Attendee.select(Attendee.name, Attendee.phone).where(Attendee.id == person).first()
    assert row["name"] == "已注销" and row["phone"] != f.mobile(1)
    again = await post_form(client, "/login", {"login": "attendee1", "password": f.PASSWORD})
    assert again.status_code == 401
    assert (await client.get("/my")).status_code == 303  # back to the sign-in page
