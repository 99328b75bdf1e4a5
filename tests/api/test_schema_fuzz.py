"""Schemathesis against the app's own OpenAPI document, in process (no network).

Every operation in ``/schema/openapi.json`` is called with requests generated from the
document, valid (positive) and invalid (negative), as an organizer, as an employer and with
no token at all, against a database holding a matched fair, so that path ids hit real
objects. Every response must pass:

- ``not_a_server_error``: nothing answers 5xx;
- ``status_code_conformance`` and ``response_schema_conformance``: the status is one the
  document declares, and the body matches the schema declared for it (errors too: problem
  details, see fairs/api/openapi.py);
- ``negative_data_rejection``: a request that does not fit the document is refused (4xx).

Then object-level authorization with two employers: every operation whose path names an
object of employer A (their organization, reservation, participation, interviews, walk-in
queue numbers …) is called, with a request generated from the document, as employer B, who
must get 404 — the answer for an object that does not exist — never its data and never a
403 that would say it exists (or, for a body refused before any lookup, exactly the 400/422
an id that does not exist gets).

Bounds: ``EXAMPLES`` requests per operation (``ANONYMOUS_EXAMPLES`` without a token),
derandomized (Hypothesis derives its seed from the test), so every run sends the same
requests in the same order; about 1½ minutes on a 2-core machine. The requests go through the
test's own httpx client (``ASGITransport``) rather than Schemathesis's ASGI client, which
would run the app in another event loop than the one the database pool lives in.
"""

from __future__ import annotations

import os
import re
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from fairs.api.schemas.common import MAX_ID
from fairs.db.tables import (
    Account,
    Area,
    Attendee,
    Booth,
    BoothReservation,
    Campaign,
    InterviewSlot,
    Participation,
    Position,
    Registration,
    Venue,
    WalkIn,
)
from tests.api.test_authorization_matrix import PARAM, operations, world

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, negative_data_rejection]
EXAMPLES = int(os.environ.get("FAIRS_FUZZ_EXAMPLES", "10"))
"""Requests per operation and caller, positive and negative mixed (more for a deeper run by hand)."""
ANONYMOUS_EXAMPLES = 3

EXCLUDED = {
    # Server-sent event streams never end on their own: a request waits for the next event
    # until the run ends. Their snapshot and events are tested in test_match_progress.py and
    # test_tours.py.
    ("GET", "/match-runs/{run_id}/progress"),
    ("GET", "/tour-plans/{plan_id}/progress"),
}
LAST = {("DELETE", "/me")}
"""Operations that end the caller's account: sent once everything else is done."""


def path_of(template: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)


def template(path: str) -> str:
    """A route's path as the document writes it: ``{event_id:int}`` → ``{event_id}``."""
    return PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def transport_kwargs(case: schemathesis.Case, headers: dict[str, str] | None) -> dict[str, Any]:
    """The request Schemathesis built, as keyword arguments for httpx, signed in with
    ``headers`` — unless the case is about a missing or broken token (a negative case that
    removed it), or the caller is anonymous (``None``): then no token of ours is added."""
    sent = case.as_transport_kwargs()
    sent_headers = dict(sent.get("headers") or {})
    if headers is None:
        sent_headers = {k: v for k, v in sent_headers.items() if k.lower() != "authorization"}
    elif not case.operation.schema.is_security_param_negated(case):
        sent_headers.update(headers)
    kwargs: dict[str, Any] = {"method": sent["method"], "url": sent["url"], "headers": sent_headers,
                              "params": sent.get("params")}
    if sent.get("cookies"):
        kwargs["cookies"] = sent["cookies"]
    if "json" in sent:
        kwargs["json"] = sent["json"]
    elif isinstance(sent.get("data"), bytes | str):
        kwargs["content"] = sent["data"]
    elif sent.get("data") is not None:
        kwargs["data"] = sent["data"]
    if sent.get("files"):
        kwargs["files"] = sent["files"]
    return kwargs


def draw_cases(operation: Any, path_ids: dict[str, Any], examples: int,
               modes: tuple[schemathesis.GenerationMode, ...] = tuple(schemathesis.GenerationMode)
               ) -> list[schemathesis.Case]:
    """``examples`` requests for one operation, derandomized. Where ``path_ids`` names every
    path parameter, half the strategies aim the path at those objects; the others let
    Schemathesis pick the ids (most name nothing: 404, or 400 out of range)."""
    names = [p.name for p in operation.path_parameters]
    aimed = bool(names) and all(name in path_ids for name in names)
    strategies = []
    for mode in modes:
        strategies.append(operation.as_strategy(generation_mode=mode))
        if aimed:
            strategies.append(operation.as_strategy(generation_mode=mode,
                                                    path_parameters={n: path_ids[n] for n in names}))
    drawn: list[schemathesis.Case] = []

    @hypothesis.settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.one_of(strategies))
    def collect(case: schemathesis.Case) -> None:
        drawn.append(case)

    collect()
    return drawn


def check(case: schemathesis.Case, response: Any) -> list[tuple[str, str]]:
    """(title, message) of every check the response fails."""
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as group:
        return [(failure.title, str(failure.message)) for failure in group.exceptions]
    except Exception as error:  # a schema Schemathesis cannot use, say: reported with the rest
        return [(type(error).__name__, str(error))]
    return []


def described(key: str, case: schemathesis.Case, response: Any, message: str) -> str:
    return (f"{key}\n    {case.as_curl_command()}\n    → {response.status_code} {response.text[:300]}\n"
            f"    {message[:600]}")


async def openapi(client: Any) -> Any:
    answer = await client.get("/schema/openapi.json")
    assert answer.status_code == 200, answer.text
    return schemathesis.openapi.from_dict(answer.json())


async def first_id(table: Any, *where: Any) -> int | None:
    query = table.select(table.id).order_by(table.id)
    row = await (query.where(*where) if where else query).first()
    return row["id"] if row else None


async def organization_of(login: str) -> int:
    return (await Account.select(Account.organization).where(Account.login == login).first())["organization"]


async def matched_fair(client: Any, run_worker: Any) -> dict[str, Any]:
    """The authorization matrix's world (a matched fair; employer A = employer1, employer B =
    employer2 of another organization), plus a queue number at A's booth; with the ids of
    A's side by the names the paths give them."""
    made = await world(client)
    assert (await run_worker())["failed"] == 0
    a = await organization_of("employer1")
    walk_in = await client.post(f"/events/{made['ids']['event_id']}/walk-ins", headers=made["headers"]["attendee"],
                                json={"organization_id": a})
    assert walk_in.status_code == 201, walk_in.text
    ids = {
        **made["ids"],
        "campaign_id": await first_id(Campaign),
        "venue_id": await first_id(Venue),
        "area_id": await first_id(Area),
        "attendee_id": await first_id(Attendee),
        "booth_id": await first_id(Booth),
        "registration_id": await first_id(Registration),
        "position_id": await first_id(Position, Position.organization == a),
        "organization_id": a,
        "reservation_id": await first_id(BoothReservation, BoothReservation.organization == a),
        "participation_id": await first_id(Participation, Participation.organization == a),
        "interview_id": await first_id(InterviewSlot, InterviewSlot.organization == a),
        "walk_in_id": await first_id(WalkIn, WalkIn.organization == a),
    }
    assert None not in ids.values(), ids
    made["ids"] = ids
    made["employer_a_owns"] = {"organization_id", "reservation_id", "participation_id", "interview_id",
                               "walk_in_id", "position_id"}
    return made


async def test_every_operation_survives_generated_requests_and_answers_as_documented(client, run_worker):
    made = await matched_fair(client, run_worker)
    schema = await openapi(client)
    ops = sorted(((op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()),
                 key=lambda key: (key in LAST, key))
    # the document holds every operation the app routes (the matrix reads them from the app)
    assert {(m, template(p)) for m, p, _ in operations(client.app)} <= set(ops)
    callers = {"organizer": made["headers"]["organizer"], "employer": made["headers"]["employer"],
               "anonymous": None}
    failures: list[str] = []
    for method, path in ops:
        if (method, path) in EXCLUDED:
            continue
        cases = draw_cases(schema[path][method], made["ids"], EXAMPLES)
        for who, headers in callers.items():
            seen = set()
            for case in cases[:ANONYMOUS_EXAMPLES] if headers is None else cases:
                response = await client.request(**transport_kwargs(case, headers))
                for title, message in check(case, response):
                    key = f"{method} {path} as {who}: {title}"
                    if key not in seen:
                        seen.add(key)
                        failures.append(described(key, case, response, message))
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures)


async def test_employer_b_finds_none_of_employer_a_s_objects(client, run_worker):
    made = await matched_fair(client, run_worker)
    schema = await openapi(client)
    allowed = {(m, template(p)): roles for m, p, roles in operations(client.app)}
    a_ids, owned = made["ids"], made["employer_a_owns"]
    b = made["headers"]["other_employer"]
    tried, problems = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        names = {p.name for p in operation.path_parameters}
        roles = allowed.get(key)
        if key in EXCLUDED or not names & owned or roles is None or "employer" not in roles:
            continue  # no object of A in the path, or employers are refused (403) before any lookup
        if not names <= set(a_ids):
            problems.append(f"{key}: no object of A for {sorted(names - set(a_ids))}: add one to matched_fair")
            continue
        case = draw_cases(operation, {n: a_ids[n] for n in names}, 1, (schemathesis.GenerationMode.POSITIVE,))[0]
        case.path_parameters = {n: a_ids[n] for n in names}
        tried.append(key)
        answer = await client.request(**transport_kwargs(case, b))
        if answer.status_code == 404:
            continue
        # A body refused before any lookup (422: "a hire names the position") says nothing about
        # A's object as long as the same request about an object that does not exist gets the same.
        case.path_parameters = {n: MAX_ID if n in owned else a_ids[n] for n in names}
        missing = await client.request(**transport_kwargs(case, b))
        if answer.status_code not in (400, 422) or (answer.status_code, answer.json()["errors"]) != (
                missing.status_code, missing.json()["errors"]):
            problems.append(f"{key[0]} {path_of(key[1], a_ids)} as employer B → {answer.status_code}: "
                            f"{answer.text[:200]} (an object that does not exist: {missing.status_code})")
    assert problems == [], "\n".join(problems)
    assert len(tried) >= 10, tried
    # and A does see them
    for path in ("/reservations/{reservation_id}", "/interviews/{interview_id}", "/organizations/{organization_id}",
                 "/participations/{participation_id}"):
        name = path.split("{")[1].rstrip("}")
        seen = await client.get(path.replace(f"{{{name}}}", str(a_ids[name])), headers=made["headers"]["employer"])
        assert seen.status_code == 200, (path, seen.text)
