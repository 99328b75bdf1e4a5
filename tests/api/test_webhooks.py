"""The webhook API: an organizer's endpoints, their delivery log, redelivery and ping, with a
real receiver on loopback and a real worker; others' endpoints do not exist for them."""

from __future__ import annotations

import dataclasses
import re

import httpx

from fairs.core.webhooks import EVENT_TYPES, verify_signature
from fairs.db.tables import WebhookDelivery, WebhookEndpoint
from fairs.services import webhooks
from tests.support import factories as f
from tests.support.webhook_receiver import receiver


async def create(client, headers, url: str, event_types=EVENT_TYPES, **more) -> dict:
    answer = await client.post("/webhooks", headers=headers, json={"url": url, "event_types": list(event_types),
                                                                   **more})
    assert answer.status_code == 201, answer.text
    return answer.json()


def problem_fields(answer) -> list[str]:
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    return [e["field"] for e in answer.json()["errors"]]


async def test_an_organizer_makes_lists_changes_and_removes_an_endpoint(client):
    organizer = await f.sign_in_organizer(client)
    made = await create(client, organizer, "https://stats.example.gov.cn/fairs", ["registration.created"],
                        description="省就业统计")
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 30
    assert (made["area_code"], made["active"], made["event_types"]) == (f.CITY, True, ["registration.created"])
    assert made["deliveries"] == {"pending": 0, "delivered": 0, "failed": 0, "dead": 0}

    shown = (await client.get(f"/webhooks/{made['id']}", headers=organizer)).json()
    assert "secret" not in shown and shown["url"] == "https://stats.example.gov.cn/fairs"
    assert [w["id"] for w in (await client.get("/webhooks", headers=organizer)).json()] == [made["id"]]

    changed = await client.patch(f"/webhooks/{made['id']}", headers=organizer, json={
        "active": False, "event_types": ["interviews.scheduled", "interview.outcome"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["active"], changed.json()["event_types"]) == (
        False, ["interviews.scheduled", "interview.outcome"])
    assert "secret" not in changed.json()

    rotated = await client.post(f"/webhooks/{made['id']}/rotate-secret", headers=organizer)
    assert rotated.status_code == 200 and rotated.json()["secret"] not in ("", made["secret"])

    assert (await client.delete(f"/webhooks/{made['id']}", headers=organizer)).status_code == 204
    assert (await client.get(f"/webhooks/{made['id']}", headers=organizer)).status_code == 404
    assert await WebhookEndpoint.count() == 0


async def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(client, settings, clock, queue):
    organizer = await f.sign_in_organizer(client)
    cases = [
        ({"url": "ftp://stats.example.org/x", "event_types": ["registration.created"]}, ["url"]),
        ({"url": "https://user:pw@stats.example.org/x", "event_types": ["registration.created"]}, ["url"]),
        ({"url": "https://stats.example.org/x", "event_types": ["registration.created", "registration.deleted"]},
         ["event_types[1]"]),
        ({"url": "https://stats.example.org/x", "event_types": ["checkin.created", "checkin.created"]},
         ["event_types[1]"]),
        ({"url": "https://stats.example.org/x", "event_types": []}, ["event_types"]),
        ({"url": "https://stats.example.org/x", "event_types": ["ping"]}, ["event_types[0]"]),
    ]
    for body, fields in cases:
        answer = await client.post("/webhooks", headers=organizer, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert problem_fields(answer) == fields, body
    undecodable = await client.post("/webhooks", headers=organizer, json={"url": "https://x.example.org"})
    assert undecodable.status_code == 400 and problem_fields(undecodable) == ["event_types"]
    await f.sign_in_organizer(client, "lukou", area=f.LUKOU)
    lukou = await f.login(client, "lukou")
    outside = await client.post("/webhooks", headers=lukou, json={
        "url": "https://x.example.org", "event_types": ["checkin.created"], "area_id": f.AREAS[f.TIANYUAN]})
    assert outside.status_code == 403 and problem_fields(outside) == ["area_id"]
    assert await WebhookEndpoint.count() == 0

    made = await create(client, organizer, "http://127.0.0.1:9/hook", ["checkin.created"])
    refused = await client.patch(f"/webhooks/{made['id']}", headers=organizer,
                                 json={"event_types": ["checkin.created", "nothing.happened"], "active": False})
    assert refused.status_code == 422 and problem_fields(refused) == ["event_types[1]"]
    kept = (await client.get(f"/webhooks/{made['id']}", headers=organizer)).json()
    assert (kept["event_types"], kept["active"]) == (["checkin.created"], True)

    # in production only https:// is taken
    from fairs.api.app import create_app

    production = create_app(dataclasses.replace(settings, environment="production"), clock=clock, queue=queue)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=production), base_url="http://testserver.local",
                                 ) as strict:
        plain = await strict.post("/webhooks", headers=organizer, json={
            "url": "http://stats.example.org/x", "event_types": ["checkin.created"]})
        assert plain.status_code == 422 and problem_fields(plain) == ["url"]
        assert "https" in plain.json()["errors"][0]["message"]
    assert await WebhookEndpoint.count() == 1


async def test_another_organizers_endpoints_do_not_exist_for_them(client):
    organizer = await f.sign_in_organizer(client)
    made = await create(client, organizer, "https://stats.example.org/fairs")
    await f.sign_in_organizer(client, "lukou", area=f.LUKOU)
    lukou = await f.login(client, "lukou")
    theirs = await create(client, lukou, "https://lukou.example.org/fairs")
    ping = await client.post(f"/webhooks/{made['id']}/ping", headers=organizer)
    delivery = ping.json()["id"]
    base = f"/webhooks/{made['id']}"
    for method, path, body in [
        ("GET", base, None), ("PATCH", base, {"active": False}), ("DELETE", base, None),
        ("POST", f"{base}/rotate-secret", None), ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/deliveries/{delivery}/redeliver", None), ("POST", f"{base}/ping", None),
    ]:
        answer = await client.request(method, path, headers=lukou, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
    # a delivery of another endpoint is not found through one's own
    wrong = await client.post(f"/webhooks/{theirs['id']}/deliveries/{delivery}/redeliver", headers=lukou)
    assert wrong.status_code == 404
    assert [w["id"] for w in (await client.get("/webhooks", headers=lukou)).json()] == [theirs["id"]]
    # the city organizer sees the district's endpoint (its subtree); the district not the city's
    assert {w["id"] for w in (await client.get("/webhooks", headers=organizer)).json()} == {made["id"], theirs["id"]}
    assert (await WebhookEndpoint.select(WebhookEndpoint.active).where(WebhookEndpoint.id == made["id"]).first())[
        "active"]
    # other roles are refused by the guard
    employer = await f.employer(client, 1)
    assert (await client.get("/webhooks", headers=employer)).status_code == 403


async def test_a_ping_goes_through_the_worker_signed_and_shows_in_the_log(client, run_worker, clock):
    organizer = await f.sign_in_organizer(client)
    async with receiver(200) as hook:
        made = await create(client, organizer, hook.url, ["checkin.created"])
        answer = await client.post(f"/webhooks/{made['id']}/ping", headers=organizer)
        assert answer.status_code == 202, answer.text
        assert (answer.json()["status"], answer.json()["event_type"]) == ("pending", "ping")
        assert (await run_worker())["failed"] == 0  # the job enqueued after the commit sends it

    [request] = hook.received
    assert request.headers["fairs-event"] == "ping"
    assert verify_signature(made["secret"], request.headers["fairs-signature"], request.body, clock.now().timestamp())
    assert request.json["data"] == {"webhook_id": made["id"], "event_types": list(EVENT_TYPES)}
    [logged] = (await client.get(f"/webhooks/{made['id']}/deliveries", headers=organizer)).json()
    assert (logged["id"], logged["status"], logged["attempts"], logged["last_status_code"]) == (
        answer.json()["id"], "delivered", 1, 200)
    assert logged["next_attempt_at"] is None and logged["payload"]["type"] == "ping"


async def test_the_delivery_log_pages_newest_first_filters_and_redelivers(client, clock):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    async with receiver(200, 500, 200, 500, 200) as hook:
        made = await create(client, organizer, hook.url, ["registration.created"])
        for n in range(1, 6):
            registered = await client.post(f"/events/{fair['event']['id']}/registrations",
                                           headers=await f.attendee(client, n))
            assert registered.status_code == 201
        assert await webhooks.deliver_due(clock, concurrency=1) == {"delivered": 3, "failed": 2, "dead": 0}

        log = f"/webhooks/{made['id']}/deliveries"
        everything = (await client.get(log, headers=organizer)).json()
        ids = [d["id"] for d in everything]
        assert ids == sorted(ids, reverse=True) and len(ids) == 5
        page = (await client.get(log, headers=organizer, params={"limit": 2})).json()
        following = (await client.get(log, headers=organizer, params={"limit": 2, "before": page[-1]["id"]})).json()
        assert [d["id"] for d in page + following] == ids[:4]
        failed = (await client.get(log, headers=organizer, params={"status": "failed"})).json()
        assert [d["last_error"] for d in failed] == ["HTTP 500", "HTTP 500"]
        assert all(d["next_attempt_at"] for d in failed)
        bad = await client.get(log, headers=organizer, params={"status": "lost"})
        assert bad.status_code == 400 and problem_fields(bad) == ["status"]
        counts = (await client.get(f"/webhooks/{made['id']}", headers=organizer)).json()["deliveries"]
        assert counts == {"pending": 0, "delivered": 3, "failed": 2, "dead": 0}

        # a delivered one, sent again on request: same event, same body, new signature
        again = await client.post(f"{log}/{ids[-1]}/redeliver", headers=organizer)
        assert again.status_code == 202, again.text
        assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
        assert await webhooks.deliver_due(clock) == {"delivered": 1, "failed": 0, "dead": 0}
        assert await WebhookDelivery.count().where(WebhookDelivery.id == ids[-1], WebhookDelivery.status ==
                                                   "delivered") == 1

    first = next(r for r in hook.received if r.headers["fairs-delivery"] == str(ids[-1]))
    assert hook.received[-1].body == first.body and hook.received[-1].headers["fairs-delivery"] == str(ids[-1])
    assert len(hook.received) == 6
    missing = await client.post(f"/webhooks/{made['id']}/deliveries/999999/redeliver", headers=organizer)
    assert missing.status_code == 404 and problem_fields(missing) == ["delivery_id"]


async def test_metrics_count_the_webhook_backlog(client, clock):
    organizer = await f.sign_in_organizer(client)
    made = await create(client, organizer, "http://127.0.0.1:9/hook")
    for _ in range(3):
        assert (await client.post(f"/webhooks/{made['id']}/ping", headers=organizer)).status_code == 202
    await WebhookDelivery.update({WebhookDelivery.status: "dead"}).where(
        WebhookDelivery.id == (await WebhookDelivery.select(WebhookDelivery.id).first())["id"])
    clock.advance(minutes=10)
    text = (await client.get("/metrics")).text
    assert 'fairs_webhook_deliveries{state="pending"} 2.0' in text
    assert 'fairs_webhook_deliveries{state="dead"} 1.0' in text
    age = re.search(r"^fairs_webhook_oldest_undelivered_age_seconds ([0-9.e+]+)$", text, re.M)
    assert age and float(age.group(1)) == 600.0
