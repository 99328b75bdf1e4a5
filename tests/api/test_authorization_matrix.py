"""Every API operation, called by every kind of caller: anonymous, each role, and a member of
another organization or area. Derived from the application's own routes and guards, so a
new endpoint is checked without anyone remembering to add it here.

- anonymous → 401 on every operation that is not public;
- a role the operation's guard does not name → 403;
- an allowed role asking for another party's object → 404 (it does not exist for them), never
  its data; nothing answers 5xx.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.handlers import HTTPRouteHandler

from fairs.db.tables import Account, Booth, BoothReservation, InterviewSlot, Position, Registration
from tests.support import factories as f

ROLES = ("organizer", "employer", "staff", "attendee")
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def operations(app: Any) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """(method, path template, roles the guard allows — None for public) of every API operation."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or not handler.include_in_schema:
                continue
            guards = [g.__name__ for layer in handler.ownership_layers for g in (layer.guards or [])]
            roles: tuple[str, ...] | None = None
            for name in guards:
                if name.startswith("role_"):
                    roles = tuple(name[len("role_"):].split("_"))
                elif name == "signed_in":
                    roles = ROLES
            if "public" in guards and roles is None:
                continue
            for method in handler.http_methods:
                if method in ("HEAD", "OPTIONS"):
                    continue
                found.append((method, route.path, roles))
    return sorted(set(found))


async def world(client: Any) -> dict[str, Any]:
    """Party A: a matched fair (organizer, employer1, attendee1…). Party B: employer 2 of
    another organization, attendee 9, an organizer of another district, a staff member."""
    ready = await f.fair_ready_for_matching(client)
    assert (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).status_code \
        == 202
    headers = {
        "organizer": ready["organizer"], "employer": ready["employer"], "attendee": ready["attendees"][0],
        "staff": await f.staff(client, ready["organizer"]),
        "other_employer": await f.employer(client, 2),
        "other_attendee": await f.attendee(client, 9),
        "other_organizer": await f.sign_in_organizer(client, "lukou", area=f.LUKOU),
    }
    ids = {
        "event_id": ready["event_id"],
        "reservation_id": (await BoothReservation.select(BoothReservation.id).first())["id"],
        "position_id": (await Position.select(Position.id).first())["id"],
        "booth_id": (await Booth.select(Booth.id).first())["id"],
        "registration_id": (await Registration.select(Registration.id).first())["id"],
    }
    hook = await client.post("/webhooks", headers=ready["organizer"], json={
        "url": "http://127.0.0.1:9/hook", "event_types": ["registration.created"]})  # loopback, nobody listening
    assert hook.status_code == 201, hook.text
    ping = await client.post(f"/webhooks/{hook.json()['id']}/ping", headers=ready["organizer"])
    assert ping.status_code == 202, ping.text
    ids.update(webhook_id=hook.json()["id"], delivery_id=ping.json()["id"])
    return {"headers": headers, "ids": ids, "ready": ready}


def filled(path: str, ids: dict[str, Any]) -> str:
    return PARAM.sub(lambda m: str(ids.get(m.group(1), 1)), path)


async def call(client: Any, method: str, path: str, headers: dict[str, str] | None) -> Any:
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return await client.request(method, path, **kwargs)


async def test_every_operation_refuses_the_anonymous_and_the_wrong_roles(client, run_worker):
    made = await world(client)
    assert (await run_worker())["failed"] == 0
    ops = operations(client._transport.app if hasattr(client._transport, "app") else client.app)
    assert len(ops) > 60, "the route table was not read"
    problems = []
    for method, template, roles in ops:
        path = filled(template, made["ids"])
        anonymous = await call(client, method, path, None)
        if anonymous.status_code != 401:
            problems.append(f"{method} {template} anonymous → {anonymous.status_code}")
        for role in ROLES:
            if (method, template) == ("DELETE", "/me") and role == "attendee":
                continue  # it would delete the caller: tested in test_outcomes
            answer = await call(client, method, path, made["headers"][role])
            if answer.status_code >= 500:
                problems.append(f"{method} {template} as {role} → {answer.status_code}")
            elif roles is not None and role not in roles and answer.status_code != 403:
                problems.append(f"{method} {template} as {role} (not allowed) → {answer.status_code}")
    assert problems == [], "\n".join(problems)


async def test_another_partys_objects_do_not_exist_for_them(client, run_worker):
    made = await world(client)
    assert (await run_worker())["failed"] == 0
    mine = (await Account.select(Account.attendee).where(Account.login == "attendee1").first())["attendee"]
    interview = (await InterviewSlot.select(InterviewSlot.id).where(InterviewSlot.attendee == mine).first())["id"]
    ids = {**made["ids"], "interview_id": interview}
    h = made["headers"]
    cases = [
        ("GET", "/reservations/{reservation_id}", "other_employer"),
        ("POST", "/reservations/{reservation_id}/confirm", "other_employer"),
        ("GET", "/interviews/{interview_id}", "other_employer"),
        ("GET", "/interviews/{interview_id}", "other_attendee"),
        ("GET", "/interviews/{interview_id}/why", "other_attendee"),
        ("GET", "/interviews/{interview_id}/calendar.ics", "other_attendee"),
        ("POST", "/interviews/{interview_id}/outcome", "other_employer"),
        ("POST", "/registrations/{registration_id}/cancel", "other_attendee"),
        ("GET", "/match-runs/1", "other_organizer"),
        ("POST", "/events/{event_id}/match-runs", "other_organizer"),
        ("GET", "/events/{event_id}/unmatched", "other_organizer"),
        ("GET", "/webhooks/{webhook_id}", "other_organizer"),
        ("GET", "/webhooks/{webhook_id}/deliveries", "other_organizer"),
        ("POST", "/webhooks/{webhook_id}/rotate-secret", "other_organizer"),
        ("POST", "/webhooks/{webhook_id}/ping", "other_organizer"),
        ("POST", "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", "other_organizer"),
        ("DELETE", "/webhooks/{webhook_id}", "other_organizer"),
    ]
    problems = []
    bodies = {"/interviews/{interview_id}/outcome": {"outcome": "no_show"}}
    for method, template, who in cases:
        answer = await client.request(method, filled(template, ids), headers=h[who],
                                      json=bodies.get(template, {}) if method == "POST" else None)
        if answer.status_code != 404:
            problems.append(f"{method} {template} as {who} → {answer.status_code}: {answer.text[:120]}")
    assert problems == [], "\n".join(problems)
    # and the owners do see them
    assert (await client.get(filled("/reservations/{reservation_id}", ids), headers=h["employer"])).status_code == 200
    assert (await client.get(filled("/interviews/{interview_id}", ids), headers=h["attendee"])).status_code == 200
