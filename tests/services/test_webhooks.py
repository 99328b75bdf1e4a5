"""Signed outbound webhooks, against a real HTTP receiver on loopback: what is written in the
change's transaction, how it is signed, retried, given up, and never sent twice at once."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

import pytest

from fairs.core.checkin import checkin_code
from fairs.core.webhooks import EVENT_TYPES, verify_signature
from fairs.db.tables import Account, Attendee, InterviewSlot, Organization, Registration, WebhookDelivery
from fairs.db.transactions import write_transaction
from fairs.services import bulk_registrations, checkin, data_rights, outcomes, webhooks
from fairs.services.accounts import actor_by_id
from tests.delivery.conftest import closed_port, silent_server
from tests.support import factories as f
from tests.support.webhook_receiver import receiver

DESK_SECRET = "a-desk-test-secret-that-is-long-enough"


async def actor(login: str):
    account = await Account.select(Account.id).where(Account.login == login).first()
    return await actor_by_id(int(account["id"]))


async def fair_with_endpoint(client, clock, url: str, event_types=EVENT_TYPES) -> dict:
    """A published fair in 天元区 with one employer (booth, welding position) and a city
    organizer's endpoint at ``url``; nobody registered yet."""
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    event_id = fair["event"]["id"]
    welders = await f.employer(client, 1)
    await f.reserve(client, welders, event_id, fair["venue"]["booths"][0]["id"])
    await f.position(client, welders)
    boss = await actor("organizer")
    endpoint = await webhooks.create_endpoint(boss, url, event_types, clock=clock)
    return {"organizer": organizer, "actor": boss, "event_id": event_id, "employer": welders,
            "endpoint": endpoint, "venue": fair["venue"]}


async def register(client, event_id: int, n: int) -> int:
    answer = await client.post(f"/events/{event_id}/registrations", headers=await f.attendee(client, n))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


async def deliveries(**where) -> list[dict]:
    rows = await WebhookDelivery.select().order_by(WebhookDelivery.id)
    for row in rows:
        row["payload"] = json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


async def test_a_delivery_is_signed_with_the_endpoints_secret_and_no_other(client, clock):
    async with receiver(200) as hook:
        made = await fair_with_endpoint(client, clock, hook.url)
        registration_id = await register(client, made["event_id"], 1)
        [queued] = await deliveries()
        assert (queued["status"], queued["event_type"]) == ("pending", "registration.created")

        assert await webhooks.deliver_due(clock) == {"delivered": 1, "failed": 0, "dead": 0}

    [request] = hook.received
    secret = made["endpoint"]["secret"]
    header = request.headers["fairs-signature"]
    now = clock.now().timestamp()
    assert header.startswith(f"t={int(now)},v1=")
    assert verify_signature(secret, header, request.body, now)
    assert not verify_signature(webhooks.new_secret(), header, request.body, now)
    assert not verify_signature(secret, header, request.body + b" ", now)  # the body was changed
    assert not verify_signature(secret, header, request.body, now + 301)  # an old signature replayed
    assert request.headers["fairs-event"] == "registration.created"
    assert request.headers["fairs-delivery"] == str(queued["id"])
    assert request.headers["fairs-event-id"] == f"registration.created:{registration_id}" == request.json["id"]
    assert request.json["data"]["registration_id"] == registration_id
    [sent] = await deliveries()
    assert (sent["status"], sent["attempts"], sent["last_status_code"], sent["delivered_at"]) == (
        "delivered", 1, 200, clock.now())


async def test_a_rotated_secret_signs_alongside_the_new_one_for_a_day(client, clock):
    async with receiver(200) as hook:
        made = await fair_with_endpoint(client, clock, hook.url)
        rotated = await webhooks.rotate_secret(made["actor"], made["endpoint"]["id"], clock)
        await register(client, made["event_id"], 1)
        await webhooks.deliver_due(clock)
        clock.advance(hours=25)
        await register(client, made["event_id"], 2)
        await webhooks.deliver_due(clock)

    first, second = hook.received
    old, new = made["endpoint"]["secret"], rotated["secret"]
    assert old != new
    at_first = int(first.headers["fairs-signature"].split(",")[0][2:])
    assert verify_signature(new, first.headers["fairs-signature"], first.body, at_first)
    assert verify_signature(old, first.headers["fairs-signature"], first.body, at_first)
    at_second = int(second.headers["fairs-signature"].split(",")[0][2:])
    assert verify_signature(new, second.headers["fairs-signature"], second.body, at_second)
    assert not verify_signature(old, second.headers["fairs-signature"], second.body, at_second)


async def test_a_failed_delivery_is_retried_after_its_backoff_then_delivered(client, clock):
    async with receiver(500, 200) as hook:
        made = await fair_with_endpoint(client, clock, hook.url)
        await register(client, made["event_id"], 1)

        assert await webhooks.deliver_due(clock) == {"delivered": 0, "failed": 1, "dead": 0}
        [failed] = await deliveries()
        assert (failed["status"], failed["attempts"], failed["last_status_code"], failed["last_error"]) == (
            "failed", 1, 500, "HTTP 500")
        assert failed["next_attempt_at"] == clock.now() + webhooks.retry_delay(1) == clock.now() + timedelta(minutes=1)

        clock.advance(seconds=59)
        assert await webhooks.deliver_due(clock) == {"delivered": 0, "failed": 0, "dead": 0}  # not due yet
        clock.advance(seconds=1)
        assert await webhooks.deliver_due(clock) == {"delivered": 1, "failed": 0, "dead": 0}

    [done] = await deliveries()
    assert (done["status"], done["attempts"], done["last_status_code"], done["last_error"]) == (
        "delivered", 2, 200, "")
    assert len(hook.received) == 2
    assert hook.received[0].body == hook.received[1].body  # the same event, byte for byte
    assert hook.received[0].headers["fairs-delivery"] == hook.received[1].headers["fairs-delivery"]


async def test_a_receiver_that_never_answers_is_a_failure_after_the_timeout_not_a_hang(client, clock):
    async with silent_server() as port:
        made = await fair_with_endpoint(client, clock, f"http://127.0.0.1:{port}/hook")
        await register(client, made["event_id"], 1)
        started = time.monotonic()
        counts = await asyncio.wait_for(webhooks.deliver_due(clock, seconds=0.5), timeout=10)
        took = time.monotonic() - started

    assert counts == {"delivered": 0, "failed": 1, "dead": 0}
    assert took < 5
    [row] = await deliveries()
    assert (row["status"], row["attempts"], row["last_status_code"], row["last_error"]) == (
        "failed", 1, None, "Timeout")


async def test_after_the_last_try_a_delivery_is_dead_and_no_longer_sent(client, clock):
    made = await fair_with_endpoint(client, clock, f"http://127.0.0.1:{closed_port()}/hook")
    await register(client, made["event_id"], 1)
    first_try = clock.now()
    for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
        counts = await webhooks.deliver_due(clock)
        [row] = await deliveries()
        assert row["attempts"] == attempt
        if attempt < webhooks.MAX_ATTEMPTS:
            assert counts == {"delivered": 0, "failed": 1, "dead": 0}
            assert (row["status"], row["last_error"]) == ("failed", "ConnectError")
            clock.advance(seconds=webhooks.retry_delay(attempt).total_seconds())
    assert counts == {"delivered": 0, "failed": 0, "dead": 1}
    assert row["status"] == "dead"
    assert timedelta(hours=18) < clock.now() - first_try < timedelta(hours=26)  # tries spread over about a day
    clock.advance(days=2)
    assert await webhooks.deliver_due(clock) == {"delivered": 0, "failed": 0, "dead": 0}
    assert (await deliveries())[0]["attempts"] == webhooks.MAX_ATTEMPTS


async def test_a_rolled_back_change_leaves_no_delivery(client, clock):
    made = await fair_with_endpoint(client, clock, "http://127.0.0.1:9/hook")
    await f.attendee(client, 1)
    person = await actor("attendee1")
    from fairs.services import registrations

    with pytest.raises(RuntimeError):
        async with write_transaction():
            await registrations.register_myself(person, made["event_id"], clock)
            assert len(await deliveries()) == 1  # written in the same transaction
            raise RuntimeError("the change fails after the event was written")

    assert await deliveries() == []
    assert await Registration.count() == 0


async def test_an_event_written_twice_is_delivered_once(client, clock):
    made = await fair_with_endpoint(client, clock, "http://127.0.0.1:9/hook")
    for _ in range(2):  # a job that runs again writes the same event again
        async with write_transaction():
            await webhooks.emit("interviews.scheduled", 77, {"match_run_id": 77}, fair_event_id=made["event_id"],
                                clock=clock)
    assert [d["event_id"] for d in await deliveries()] == ["interviews.scheduled:77"]


async def test_two_workers_delivering_at_once_send_each_delivery_once(client, clock):
    async with receiver(200, delay=0.02) as hook:
        made = await fair_with_endpoint(client, clock, hook.url)
        async with write_transaction():
            for n in range(40):
                await webhooks.emit("interviews.scheduled", n, {"match_run_id": n}, fair_event_id=made["event_id"],
                                    clock=clock)
        first, second = await asyncio.gather(webhooks.deliver_due(clock, batch=5), webhooks.deliver_due(clock, batch=5))

    assert first["delivered"] + second["delivered"] == 40
    assert first["delivered"] > 0 and second["delivered"] > 0  # both took part
    sent = [r.headers["fairs-delivery"] for r in hook.received]
    assert len(sent) == len(set(sent)) == 40
    assert {(d["status"], d["attempts"]) for d in await deliveries()} == {("delivered", 1)}


async def test_a_fair_outside_the_endpoints_area_sends_it_nothing(client, clock):
    made = await fair_with_endpoint(client, clock, "http://127.0.0.1:9/city")
    await f.sign_in_organizer(client, "lukou", area=f.LUKOU)
    elsewhere = await webhooks.create_endpoint(await actor("lukou"), "http://127.0.0.1:9/lukou", EVENT_TYPES,
                                               clock=clock)
    only_cancellations = await webhooks.create_endpoint(made["actor"], "http://127.0.0.1:9/cancel",
                                                        ["registration.cancelled"], clock=clock)
    paused = await webhooks.create_endpoint(made["actor"], "http://127.0.0.1:9/paused", EVENT_TYPES, clock=clock)
    await webhooks.change_endpoint(made["actor"], paused["id"], active=False)

    await register(client, made["event_id"], 1)

    assert [d["endpoint"] for d in await deliveries()] == [made["endpoint"]["id"]]
    assert elsewhere["id"] != only_cancellations["id"]


async def test_each_write_path_emits_its_event_with_figures_and_no_personal_data(client, clock, run_worker):
    made = await fair_with_endpoint(client, clock, "http://127.0.0.1:9/hook")
    event_id = made["event_id"]
    first = await register(client, event_id, 1)
    await register(client, event_id, 2)
    third = await register(client, event_id, 3)
    cancelled = await client.post(f"/registrations/{third}/cancel", headers=await f.login(client, "attendee3"))
    assert cancelled.status_code == 200, cancelled.text
    assert (await client.post(f"/events/{event_id}/match-runs", headers=made["organizer"])).status_code == 202
    assert (await run_worker())["failed"] == 0
    clock.advance(days=10, hours=1)  # the fair has begun
    await checkin.check_in(made["actor"], event_id, checkin_code(first, DESK_SECRET), DESK_SECRET, clock)
    interview = await InterviewSlot.select().where(InterviewSlot.event == event_id).order_by(InterviewSlot.id).first()
    employer = await actor("employer1")
    await outcomes.mark_outcome(employer, interview["id"], "attended", clock=clock)
    await outcomes.mark_outcome(employer, interview["id"], "attended", clock=clock)  # the same again: no event
    clock.advance(minutes=5)
    await outcomes.mark_outcome(employer, interview["id"], "hired", interview["position"], "2027-03-20", clock=clock)

    rows = await deliveries()
    assert [d["event_type"] for d in rows] == [
        "registration.created", "registration.created", "registration.created", "registration.cancelled",
        "interviews.scheduled", "checkin.created", "interview.outcome", "interview.outcome"]
    assert len({d["event_id"] for d in rows}) == len(rows)
    data = [d["payload"]["data"] for d in rows]
    person = await Attendee.select().where(Attendee.id == interview["attendee"]).first()
    home = f.NANZHOU
    assert data[0] == {"registration_id": first, "event_id": event_id, "attendee_id": data[0]["attendee_id"],
                       "status": "registered", "channel": "self", "station_id": None,
                       "registered_at": data[0]["registered_at"], "event_area_code": f.TIANYUAN,
                       "attendee_home_area_code": home}
    assert data[3]["registration_id"] == third and data[3]["previous_status"] == "registered"
    scheduled = data[4]
    assert scheduled["event_id"] == event_id and scheduled["trigger"] == "organizer"
    assert scheduled["candidates"] == 2 and scheduled["attendees_with_interview"] == 2
    assert scheduled["coverage"] == 1.0 and scheduled["priority_coverage"] == 1.0
    assert scheduled["interviews_created"] == await InterviewSlot.count().where(InterviewSlot.event == event_id)
    assert "uncovered" not in scheduled and "unmet_pins" not in scheduled
    assert data[5]["registration_id"] == first and data[5]["synced_offline"] is False
    assert {k: data[6][k] for k in ("interview_id", "organization_id", "position_id", "outcome", "previous_outcome",
                                    "start_date", "hired_position_id")} == {
        "interview_id": interview["id"], "organization_id": interview["organization"],
        "position_id": interview["position"], "outcome": "attended", "previous_outcome": None, "start_date": None,
        "hired_position_id": None}
    assert (data[7]["outcome"], data[7]["previous_outcome"], data[7]["start_date"], data[7]["hired_position_id"]) == (
        "hired", "attended", "2027-03-20", interview["position"])

    # no personal data: no name, phone, e-mail of anyone, nor the employer's name
    text = json.dumps([d["payload"] for d in rows], ensure_ascii=False)
    people = await Attendee.select(Attendee.name, Attendee.phone, Attendee.email)
    organization = await Organization.select(Organization.name, Organization.contact_email).first()
    for secret in [p["name"] for p in people] + [p["phone"] for p in people] + [
            p["email"] for p in people if p["email"]] + [organization["name"], organization["contact_email"]]:
        assert secret not in text, secret
    assert person["phone"] not in text


async def test_a_bulk_import_writes_its_events_with_a_fixed_number_of_queries(client, clock, count_queries):
    made = await fair_with_endpoint(client, clock, "http://127.0.0.1:9/hook")
    staff = await f.staff(client, made["organizer"])
    assert staff
    desk = await actor("staff1")
    vocabulary = bulk_registrations.Vocabulary(work={}, groups={})

    async def upload(first: int, people: int) -> int:
        lines = ["姓名,手机号,地区,本人同意"] + [f"人{n},{f.mobile(100 + n)},{f.NANZHOU},是"
                                           for n in range(first, first + people)]
        count_queries.clear()
        done = await bulk_registrations.import_registrations(desk, made["event_id"], "\n".join(lines).encode(),
                                                             vocabulary, clock)
        assert len(done) == people
        return sum(1 for q in count_queries if "webhook_" in q)

    assert await upload(1, 2) == await upload(10, 8) == 2  # subscribers once, one insert, whatever the size
    rows = await deliveries()
    assert len(rows) == 10 and {d["event_type"] for d in rows} == {"registration.created"}
    assert {d["payload"]["data"]["channel"] for d in rows} == {"staff"}
    assert {d["payload"]["data"]["attendee_home_area_code"] for d in rows} == {f.NANZHOU}


async def test_without_endpoints_a_registration_costs_one_webhook_query(client, clock, count_queries):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    headers = await f.attendee(client, 1)
    count_queries.clear()
    answer = await client.post(f"/events/{fair['event']['id']}/registrations", headers=headers)
    assert answer.status_code == 201
    assert len([q for q in count_queries if "webhook_" in q]) == 1  # the subscribers: none
    assert await WebhookDelivery.count() == 0


async def test_retention_deletes_old_finished_deliveries_only(client, clock):
    made = await fair_with_endpoint(client, clock, "http://127.0.0.1:9/hook")
    async with write_transaction():
        for n, status in enumerate(("delivered", "dead", "failed", "pending")):
            await webhooks.emit("interviews.scheduled", n, {}, fair_event_id=made["event_id"], clock=clock)
            await WebhookDelivery.update({WebhookDelivery.status: status}).where(
                WebhookDelivery.event_id == f"interviews.scheduled:{n}")
    clock.advance(days=40)
    async with write_transaction():
        await webhooks.emit("interviews.scheduled", 9, {}, fair_event_id=made["event_id"], clock=clock)
        await WebhookDelivery.update({WebhookDelivery.status: "delivered"}).where(
            WebhookDelivery.event_id == "interviews.scheduled:9")

    done = await data_rights.purge_expired(timedelta(days=30), clock)

    assert done["webhook_deliveries"] == 2
    assert [d["event_id"] for d in await deliveries()] == [
        "interviews.scheduled:2", "interviews.scheduled:3", "interviews.scheduled:9"]


@pytest.fixture
def count_queries(monkeypatch):
    """Every query the engine runs (as tests/db/test_query_counts.py counts them)."""
    engine_class = type(Organization._meta.db)
    original = engine_class.run_querystring
    seen: list[str] = []

    async def counting(self, querystring, *args, **kwargs):
        seen.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    return seen
