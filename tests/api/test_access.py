"""Who sees what: another party's objects do not exist for you (404), and every route has a guard."""

from __future__ import annotations

from fairs.api.security import public
from fairs.db.tables import Position
from tests.support import factories as f
from tests.support.snapshots import database_snapshot


async def two_employers_at_a_fair(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer, booths=4)
    first, second = await f.employer(client, 1), await f.employer(client, 2)
    booths = fair["venue"]["booths"]
    mine = await f.reserve(client, first, fair["event"]["id"], booths[0]["id"])
    theirs = await f.reserve(client, second, fair["event"]["id"], booths[1]["id"])
    return organizer, fair, first, second, mine, theirs


async def test_an_employer_sees_and_changes_only_its_own_reservations(client):
    organizer, fair, first, second, mine, theirs = await two_employers_at_a_fair(client)
    assert [r["id"] for r in (await client.get("/reservations", headers=first)).json()] == [mine["id"]]
    assert (await client.get(f"/reservations/{theirs['id']}", headers=first)).status_code == 404
    before = await database_snapshot()
    assert (await client.post(f"/reservations/{theirs['id']}/cancel", headers=first)).status_code == 404
    assert await database_snapshot() == before
    assert len((await client.get("/reservations", headers=organizer)).json()) == 2


async def test_an_employer_sees_only_its_own_organization_and_positions(client):
    _, _, first, second, mine, theirs = await two_employers_at_a_fair(client)
    await f.position(client, first, title="焊工")
    await f.position(client, second, title="厨师", industry="services", skills=["cooking"])
    assert [p["title"] for p in (await client.get("/positions", headers=first)).json()] == ["焊工"]
    assert await Position.count() == 2
    assert [o["id"] for o in (await client.get("/organizations", headers=first)).json()] == [mine["organization"]]
    other = await client.get(f"/organizations/{theirs['organization']}", headers=first)
    assert other.status_code == 404


async def test_an_attendee_sees_only_their_own_registrations(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    event_id = fair["event"]["id"]
    one, two = await f.attendee(client, 1), await f.attendee(client, 2)
    r1 = (await client.post(f"/events/{event_id}/registrations", headers=one)).json()
    r2 = (await client.post(f"/events/{event_id}/registrations", headers=two)).json()
    assert [r["id"] for r in (await client.get("/registrations", headers=one)).json()] == [r1["id"]]
    before = await database_snapshot()
    assert (await client.post(f"/registrations/{r2['id']}/cancel", headers=one)).status_code == 404
    assert await database_snapshot() == before
    staff = await f.staff(client, organizer)
    assert (await client.get("/registrations", headers=staff)).json() == []
    assert len((await client.get("/registrations", headers=organizer)).json()) == 2


async def test_staff_see_the_registrations_they_made_and_existing_people_are_found_by_phone(client):
    organizer = await f.sign_in_organizer(client)
    fair = await f.published_fair(client, organizer)
    event_id = fair["event"]["id"]
    self_signed = await f.attendee(client, 1)
    staff = await f.staff(client, organizer)
    response = await client.post(f"/events/{event_id}/assisted-registrations", headers=staff,
                                 json={"attendee": f.attendee_body(1, phone="+86 139-0000-0001")})
    assert response.status_code == 201, response.text
    mine = (await client.get("/registrations", headers=self_signed)).json()
    assert [(r["id"], r["channel"]) for r in mine] == [(response.json()["id"], "staff")]
    assert [r["id"] for r in (await client.get("/registrations", headers=staff)).json()] == [response.json()["id"]]


async def test_every_route_declares_a_guard(client):
    unguarded = []
    for route in client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = getattr(handler, "http_methods", set())
            if methods == {"OPTIONS"}:
                continue  # Litestar's own CORS pre-flight answer
            if not handler.resolve_guards():
                unguarded.append(f"{sorted(methods)} {route.path}")
    assert unguarded == []


async def test_the_openapi_document_lists_the_journey(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path, method in [
        ("/auth/login", "post"), ("/signup/employer", "post"), ("/signup/attendee", "post"),
        ("/campaigns", "post"), ("/venues", "post"), ("/events", "post"), ("/events/{event_id}", "patch"),
        ("/events/{event_id}/reservations", "post"), ("/reservations/{reservation_id}/confirm", "post"),
        ("/positions", "post"), ("/events/{event_id}/registrations", "post"),
        ("/events/{event_id}/assisted-registrations", "post"), ("/events/{event_id}/match-runs", "post"),
        ("/interviews", "get"), ("/interviews/{interview_id}/calendar.ics", "get"),
        ("/events/{event_id}/calendar.ics", "get"), ("/healthz", "get"), ("/readyz", "get"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} missing from OpenAPI"
    assert public is not None


async def test_the_openapi_document_declares_problem_answers_and_who_must_sign_in(client):
    """What Schemathesis checks answers against (tests/api/test_schema_fuzz.py)."""
    schema = (await client.get("/schema/openapi.json")).json()
    assert "security" not in schema  # per operation, not for the whole document
    health, move = schema["paths"]["/healthz"]["get"], schema["paths"]["/reservations/{reservation_id}/move"]["post"]
    assert "security" not in health and move["security"] == [{"BearerToken": []}]
    assert set(move["responses"]) >= {"200", "400", "401", "403", "404", "409", "422", "503"}
    assert "403" not in health["responses"]
    for answer in (move["responses"]["400"], move["responses"]["404"], health["responses"]["401"]):
        assert answer["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert schema["components"]["schemas"]["Problem"]["required"] == ["detail", "errors", "status", "title", "type"]
    # an interview block is a pair of slot indexes: a valid 3.1 schema (a tuple was written as
    # OpenAPI 3.0's `items: [..]`, which no 3.1 validator accepts)
    block = schema["components"]["schemas"]["EventIn"]["properties"]["interview_blocks"]["items"]
    assert block["type"] == "array" and block["items"]["type"] == "integer"
    # ids in paths are bounded like the int4 columns they name
    parameter = move["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    assert not any(path.startswith("/schema") for path in schema["paths"])  # the document's own pages
