"""Reports equal an independent count straight from the tables; deletion keeps the totals and
leaves nothing that names the person anywhere in the database."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from fairs.db.tables import (
    TABLES,
    Account,
    Attendee,
    ContactRead,
    FollowUp,
    InterviewSlot,
    Organization,
    Outbox,
    Position,
    Registration,
    WalkIn,
)
from fairs.services import data_rights, reports
from fairs.services.context import Actor
from tests.support.campaigns import generated_campaign

ORGANIZER = Actor(account_id=1, role="organizer", area_path="430200000000")
MARKED = {"attended", "offer", "hired"}


async def independent_count(by: str) -> dict[Any, dict[str, int]]:
    """The funnel counted in Python from the raw rows (no SQL aggregation)."""
    people = {a["id"]: a for a in await Attendee.select()}
    interviews = await InterviewSlot.select()
    follow = defaultdict(set)
    for fu in await FollowUp.select():
        if fu["status"] == "done" and fu["answer"] == "still_employed":
            follow[fu["interview"]].add(fu["kind"])
    industry = {p["id"]: p["industry"] for p in await Position.select(Position.id, Position.industry)}
    out: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in await Registration.select():
        if r["status"] not in ("registered", "checked_in"):
            continue
        mine = [i for i in interviews if i["event"] == r["event"] and i["attendee"] == r["attendee"]
                and i["status"] in ("proposed", "accepted")]
        person = people[r["attendee"]]
        if by in ("employer", "industry"):  # each kept interview is a unit
            keyed = [(i["organization"] if by == "employer" else industry[i["position"]], [i]) for i in mine]
        elif by == "priority_group":
            keyed = [(g, mine) for g in person["priority_groups"]]
        else:
            keyed = [({"campaign": 0, "event": r["event"], "village": person["home_area"]}[by], mine)]
        for key, ivs in keyed:
            row = out[key]
            stages = {"registrations": True, "attended": r["status"] == "checked_in",
                      "interviewed": any(i["outcome"] in MARKED for i in ivs),
                      "offers": any(i["outcome"] in ("offer", "hired") for i in ivs),
                      "hires": any(i["outcome"] == "hired" for i in ivs)}
            for m in ("1m", "3m", "6m"):
                stages[f"retained_{m}"] = any(f"retention_{m}" in follow[i["id"]] for i in ivs)
            for stage, yes in stages.items():
                row[stage] += int(yes)
                row[f"priority_{stage}"] += int(yes and bool(person["priority_groups"]))
    return {k: dict(v) for k, v in out.items()}


@pytest.mark.parametrize("by", reports.DIMENSIONS)
async def test_the_funnel_equals_an_independent_count_from_the_tables(by: str) -> None:
    made = await generated_campaign()
    report = await reports.campaign_report(ORGANIZER, made["campaign_id"], by)
    expected = await independent_count(by)
    got = {row["key"]: {k: v for k, v in row.items() if k not in ("key", "label")} for row in report["rows"]}
    assert got == expected
    assert report["totals"]["registrations"] == sum(
        1 for r in await Registration.select() if r["status"] != "cancelled")
    funnel = [report["totals"][s] for s in ("registrations", "interviewed", "offers", "hires")]
    assert funnel == sorted(funnel, reverse=True) and funnel[-1] > 0  # it narrows, and someone was hired


async def test_csv_and_xlsx_carry_the_same_figures() -> None:
    import csv
    import io
    import re
    import zipfile

    made = await generated_campaign(people=40)
    report = await reports.campaign_report(ORGANIZER, made["campaign_id"], "event")
    lines = list(csv.reader(io.StringIO(reports.report_csv(report).lstrip("\ufeff"))))
    assert lines[0][:3] == ["event", "registrations", "attended"]
    assert [int(v) for v in lines[-1][1:9]] == [report["totals"][s] for s in reports.STAGES]
    sheet = zipfile.ZipFile(io.BytesIO(reports.report_xlsx(report))).read("xl/worksheets/sheet1.xml").decode()
    last = re.findall(r'<row r="(\d+)"[^>]*>(.*?)</row>', sheet)[-1][1]
    numbers = [int(float(v)) for v in re.findall(r"<c r=\"[B-Z]\d+\"[^>]*><v>([^<]+)</v>", last)]
    assert numbers[:8] == [report["totals"][s] for s in reports.STAGES]


async def test_deletion_keeps_every_total_and_leaves_no_personal_field_anywhere(clock) -> None:
    made = await generated_campaign()
    before = {by: (await reports.campaign_report(ORGANIZER, made["campaign_id"], by))["rows"]
              for by in reports.DIMENSIONS}
    person = await Attendee.select().where(Attendee.email != "").first()
    assert person is not None
    account = Account(login="seeker-to-delete", password_hash="x", role="attendee", display_name=person["name"],
                      email=person["email"], attendee=person["id"], departments=[], created_at=clock.now())
    await account.save()
    org = await Organization.select(Organization.id).first()
    await Outbox(idempotency_key=f"k:{person['phone']}:sms", channel="sms", recipient=person["phone"],
                 subject="", body=f"{person['name']}，您好", created_at=clock.now()).save()
    await Outbox(idempotency_key=f"k:{person['email']}:email", channel="email", recipient=person["email"],
                 subject=f"致 {person['name']}", body="…", created_at=clock.now()).save()
    await WalkIn(event=made["events"][0], organization=org["id"], attendee=person["id"], name=person["name"],
                 phone=person["phone"], number=1, created_at=clock.now()).save()
    await ContactRead(account=account.id, organization=org["id"], attendee=person["id"], via="interviews",
                      at=clock.now()).save()
    await FollowUp.update({FollowUp.note: f"{person['name']} 说还在上班，电话 {person['phone']}"}).where(
        FollowUp.attendee == person["id"])

    assert await data_rights.anonymise(person["id"], clock)
    assert not await data_rights.anonymise(person["id"], clock)  # once is enough

    after = {by: (await reports.campaign_report(ORGANIZER, made["campaign_id"], by))["rows"]
             for by in reports.DIMENSIONS}
    assert after == before
    leaks = await _search_every_text_column([person["name"], person["phone"], person["email"]])
    assert leaks == []
    assert (await Attendee.select(Attendee.home_area).where(Attendee.id == person["id"]).first())["home_area"] == \
        person["home_area"]


async def _search_every_text_column(needles: list[str]) -> list[str]:
    """Every (table, column) whose text holds one of the needles, over every table."""
    from piccolo.columns import JSON, Array, Text, Varchar

    found = []
    for table in TABLES:
        for column in table._meta.columns:
            if not isinstance(column, Varchar | Text | JSON | Array):
                continue
            name = column._meta.db_column_name
            for needle in needles:
                rows = await table.raw(f'SELECT count(*) AS n FROM "{table._meta.tablename}" '
                                       f'WHERE CAST("{name}" AS TEXT) LIKE {{}}', f"%{needle}%")
                if rows[0]["n"]:
                    found.append(f"{table._meta.tablename}.{name} ∋ {needle}")
    return found


async def test_another_areas_campaign_is_not_found_and_a_bad_dimension_is_refused() -> None:
    from fairs.core.errors import InvalidInput, NotFound

    made = await generated_campaign(people=5)
    elsewhere = Actor(account_id=2, role="organizer", area_path="430200000000430211000000430211002000")
    with pytest.raises(NotFound):
        await reports.campaign_report(elsewhere, made["campaign_id"], "event")
    with pytest.raises(InvalidInput) as refused:
        await reports.campaign_report(ORGANIZER, made["campaign_id"], "shoe_size")
    assert refused.value.field == "by"
    employer = Actor(account_id=3, role="employer", organization_id=made["organizations"][0])
    with pytest.raises(NotFound):
        await reports.campaign_report(employer, made["campaign_id"], "event")
