"""Signed outbound webhooks: city and provincial systems take the figures as they happen.

**Endpoints.** An organizer registers a URL for their area (or an area below it) and the event
types it wants (:data:`fairs.core.webhooks.EVENT_TYPES`). Everything that happens at a fair in
that area's subtree, of those types, is POSTed to it. The signing secret is made here and
shown once (on creation and on rotation); after a rotation the previous secret signs alongside
the new one for :data:`PREVIOUS_SECRET_VALID`.

**Events are an outbox.** :func:`emit` is called by the use case that makes the change, inside
its transaction: it writes one ``webhook_delivery`` row per subscribed endpoint, or nothing
(one indexed query when no endpoint is interested). A rolled-back change sends nothing; an
event written twice (a job run again) is one row, by its stable ``event_id`` (unique per
endpoint). Bulk writers wrap their loop in :func:`collecting`, which writes all their events
with one query per fair instead of one per row.

**Delivery** (:func:`deliver_due`, the ``deliver_webhooks`` job): due rows are claimed
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and leased — their ``next_attempt_at`` moved past
the HTTP timeout — in a short transaction, so two workers never send one delivery at the same
time and no transaction stays open while a receiver is slow. Each is POSTed (10 s at most) with
``Fairs-Event``, ``Fairs-Event-Id``, ``Fairs-Delivery`` and ``Fairs-Signature``. A 2xx answer
is ``delivered``; anything else is ``failed`` and retried after :func:`retry_delay` (1 min, ×4,
at most 8 h), and after :data:`MAX_ATTEMPTS` tries it is ``dead``. A worker killed mid-send
leaves the lease to run out: the delivery is sent again (at least once; receivers deduplicate
on the event id).

Payloads carry figures, codes and our own ids, never a name, phone, e-mail or ID number
(docs/webhooks.md lists every field).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from fairs.core.errors import InvalidInput, NotFound
from fairs.core.webhooks import EVENT_TYPES, PING, signature_header
from fairs.db.engine import is_sqlite
from fairs.db.statements import Statement
from fairs.db.tables import Area, Attendee, WebhookDelivery, WebhookEndpoint
from fairs.db.transactions import after_commit, engine, write_transaction
from fairs.services import scope
from fairs.services.context import SYSTEM_CLOCK, Actor, Clock
from fairs.services.outbox import backoff
from fairs.services.queue import DELIVER_WEBHOOKS, JobQueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
"""Tries before a delivery is ``dead``: the last comes about 22 hours after the first."""
FIRST_RETRY = timedelta(minutes=1)
RETRY_FACTOR = 4
LONGEST_WAIT = timedelta(hours=8)
TIMEOUT_SECONDS = 10.0
"""The whole of one POST: connecting, sending and the answer's status line."""
LEASE = timedelta(seconds=TIMEOUT_SECONDS + 110)
"""How long a claimed delivery is kept from other workers: longer than a POST can take."""
PREVIOUS_SECRET_VALID = timedelta(hours=24)
STATUSES = ("pending", "delivered", "failed", "dead")
MAX_URL = 500
MAX_PAGE = 200


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 4, 16, 64, 256 minutes, then 8 hours."""
    return backoff(attempts, first=FIRST_RETRY, factor=RETRY_FACTOR, cap=LONGEST_WAIT)


# --- where the job goes --------------------------------------------------------------------

_queue: JobQueue | None = None


def use_queue(queue: JobQueue | None) -> None:
    """Where a delivery job is enqueued after a commit that wrote deliveries (set by the API
    and the worker at start-up); without one, the cron job alone sends them."""
    global _queue
    _queue = queue


def _enqueue_after_commit(first_id: int) -> None:
    queue = _queue
    if queue is None:
        return

    async def enqueue() -> None:
        try:
            await queue.enqueue(DELIVER_WEBHOOKS, job_id=f"deliver-webhooks-{first_id}")
        except Exception as error:  # noqa: BLE001 - Redis down or gone: the cron job (every 30 s) sends them
            log.warning("could not enqueue webhook delivery (%s)", type(error).__name__)

    after_commit(enqueue)


# --- emitting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Emitted:
    event_type: str
    subject: str
    """What makes the event unique within its type (a registration id, a run id…)."""
    data: dict[str, Any]
    fair_event_id: int


_collected: ContextVar[list[Emitted] | None] = ContextVar("fairs_webhooks_collected", default=None)


@asynccontextmanager
async def collecting(clock: Clock = SYSTEM_CLOCK) -> AsyncIterator[None]:
    """Inside the caller's transaction: keep every :func:`emit` of the block and write them
    together at its end (one endpoint query per fair, one insert), instead of per call."""
    if _collected.get() is not None:  # already collecting: the outer block writes them
        yield
        return
    items: list[Emitted] = []
    token = _collected.set(items)
    try:
        yield
    finally:
        _collected.reset(token)
    await _write(items, clock)


async def emit(event_type: str, subject: str | int, data: dict[str, Any], *, fair_event_id: int,
               clock: Clock = SYSTEM_CLOCK) -> int:
    """Queue ``event_type`` about something at fair ``fair_event_id`` for every active endpoint
    whose area holds the fair and that subscribes to the type. Call inside the change's write
    transaction. ``data``: figures and ids only. Returns how many deliveries were written (0
    while :func:`collecting`)."""
    assert event_type in EVENT_TYPES, event_type
    item = Emitted(event_type, str(subject), data, fair_event_id)
    pending = _collected.get()
    if pending is not None:
        pending.append(item)
        return 0
    return await _write([item], clock)


_SUBSCRIBERS = (
    # The fair's area and its ancestors are prefixes of its path (12 digits a level): five
    # lookups on the unique index of area.path, then the endpoints of those areas by index.
    "SELECT w.id AS id, w.event_types AS event_types, ea.code AS area_code "
    "FROM event e JOIN area ea ON ea.id = e.area "
    "JOIN area anc ON anc.path IN (substr(ea.path, 1, 12), substr(ea.path, 1, 24), substr(ea.path, 1, 36), "
    "substr(ea.path, 1, 48), substr(ea.path, 1, 60)) "
    "JOIN webhook_endpoint w ON w.area = anc.id "
    "WHERE e.id = {} AND w.active = {}"
)


_SUBSCRIBERS_STATEMENT = Statement(WebhookEndpoint, _SUBSCRIBERS)


async def _subscribers(fair_event_id: int) -> list[dict[str, Any]]:
    rows = await _SUBSCRIBERS_STATEMENT.rows(fair_event_id, True)
    for row in rows:
        if isinstance(row["event_types"], str):  # SQLite keeps arrays as JSON text
            row["event_types"] = json.loads(row["event_types"])
    return rows  # type: ignore[no-any-return]


async def _write(items: Sequence[Emitted], clock: Clock) -> int:
    if not items:
        return 0
    by_fair: dict[int, list[Emitted]] = defaultdict(list)
    for item in items:
        by_fair[item.fair_event_id].append(item)
    wanted: list[tuple[int, Emitted, str]] = []
    for fair_event_id, group in by_fair.items():
        endpoints = await _subscribers(fair_event_id)
        for item in group:
            wanted += [(e["id"], item, e["area_code"]) for e in endpoints if item.event_type in e["event_types"]]
    if not wanted:
        return 0
    homes = await _home_areas({int(i.data["attendee_id"]) for _, i, _ in wanted if "attendee_id" in i.data})
    now = clock.now()
    rows = []
    for endpoint_id, item, area_code in wanted:
        data = {**item.data, "event_area_code": area_code}
        if "attendee_id" in item.data:
            data["attendee_home_area_code"] = homes.get(int(item.data["attendee_id"]))
        rows.append(_delivery(endpoint_id, item.event_type, f"{item.event_type}:{item.subject}", data, now))
    async with write_transaction():
        inserted = await WebhookDelivery.insert(*rows).on_conflict(action="DO NOTHING").returning(
            WebhookDelivery.id)
        if inserted:
            _enqueue_after_commit(min(int(r["id"]) for r in inserted))
    return len(inserted)


def _delivery(endpoint_id: int, event_type: str, event_id: str, data: dict[str, Any],
              now: datetime) -> WebhookDelivery:
    envelope = {"id": event_id, "type": event_type, "created_at": now.isoformat(), "data": data}
    return WebhookDelivery(endpoint=endpoint_id, event_type=event_type, event_id=event_id,
                           payload=json.dumps(envelope, ensure_ascii=False, default=_json_default),
                           status="pending", attempts=0, next_attempt_at=now, last_status_code=None,
                           last_error="", delivered_at=None, created_at=now)


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


async def _home_areas(attendee_ids: set[int]) -> dict[int, str]:
    """Each attendee's home area code (a township or village: a statistics dimension)."""
    if not attendee_ids:
        return {}
    rows = await Attendee.select(Attendee.id, Attendee.home_area.code.as_alias("code")).where(
        Attendee.id.is_in(sorted(attendee_ids)))
    return {int(r["id"]): r["code"] for r in rows}


# --- delivering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    """This try's number (counted when claimed)."""
    event_type: str
    event_id: str
    body: bytes
    url: str
    secrets: tuple[str, ...]


async def deliver_due(clock: Clock = SYSTEM_CLOCK, *, client: httpx.AsyncClient | None = None,
                      seconds: float = TIMEOUT_SECONDS, batch: int = 50, most: int = 400,
                      concurrency: int = 8) -> dict[str, int]:
    """Send the deliveries that are due, up to ``most`` per call, ``concurrency`` at a time,
    each POST bounded by ``seconds``. Returns how many were delivered, failed (to be retried) and given up (dead)."""
    counts = {"delivered": 0, "failed": 0, "dead": 0}
    own = client is None
    http = client or httpx.AsyncClient(follow_redirects=False)
    try:
        done = 0
        limit = asyncio.Semaphore(concurrency)

        async def send(delivery: Claimed) -> tuple[int | None, str]:
            async with limit:
                return await _post(http, delivery, clock, seconds)

        while done < most:
            claimed = await _claim(clock, min(batch, most - done))
            if not claimed:
                break
            done += len(claimed)
            results = await asyncio.gather(*(send(d) for d in claimed))
            for outcome, number in (await _record(claimed, results, clock)).items():
                counts[outcome] += number
    finally:
        if own:
            await http.aclose()
    return counts


async def _claim(clock: Clock, batch: int) -> list[Claimed]:
    """Take up to ``batch`` due deliveries of active endpoints for :data:`LEASE`, oldest due
    first, in one short transaction: rows another worker is claiming are skipped, not waited
    for (PostgreSQL); SQLite's IMMEDIATE transaction lets one claimer in at a time."""
    now = clock.now()
    async with write_transaction():
        query = WebhookDelivery.select(WebhookDelivery.id).where(
            WebhookDelivery.status.is_in(["pending", "failed"]), WebhookDelivery.next_attempt_at <= now,
            WebhookDelivery.endpoint.is_in(WebhookEndpoint.select(WebhookEndpoint.id).where(
                WebhookEndpoint.active == True)),  # noqa: E712 - a Piccolo condition
        ).order_by(WebhookDelivery.next_attempt_at).order_by(WebhookDelivery.id).limit(batch)
        if not is_sqlite(engine()):
            query = query.lock_rows("UPDATE", skip_locked=True, of=(WebhookDelivery,))
        ids = [int(r["id"]) for r in await query]
        if not ids:
            return []
        await WebhookDelivery.update({WebhookDelivery.attempts: WebhookDelivery.attempts + 1,
                                      WebhookDelivery.next_attempt_at: now + LEASE}).where(
            WebhookDelivery.id.is_in(ids))
        rows = await WebhookDelivery.select(
            WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.event_type, WebhookDelivery.event_id,
            WebhookDelivery.payload, WebhookDelivery.endpoint.url.as_alias("url"),
            WebhookDelivery.endpoint.secret.as_alias("secret"),
            WebhookDelivery.endpoint.previous_secret.as_alias("previous_secret"),
            WebhookDelivery.endpoint.previous_secret_expires_at.as_alias("previous_expires"),
        ).where(WebhookDelivery.id.is_in(ids)).order_by(WebhookDelivery.id)
    claimed = []
    for row in rows:
        keys = [row["secret"]]
        if row["previous_secret"] and row["previous_expires"] and row["previous_expires"] > now:
            keys.append(row["previous_secret"])
        payload = row["payload"]
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False).encode()
        claimed.append(Claimed(int(row["id"]), int(row["attempts"]), row["event_type"], row["event_id"], body,
                               row["url"], tuple(keys)))
    return claimed


def signed_headers(delivery: Claimed, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "fairs-webhooks/1",
        "Fairs-Event": delivery.event_type,
        "Fairs-Event-Id": delivery.event_id,
        "Fairs-Delivery": str(delivery.id),
        "Fairs-Signature": signature_header(delivery.secrets, timestamp, delivery.body),
    }


async def _post(http: httpx.AsyncClient, delivery: Claimed, clock: Clock, seconds: float) -> tuple[int | None, str]:
    """POST one delivery: (status code, "") or (status code or None, why it failed). The
    answer's body is not read. Errors are kept as their class name only (an exception's text
    may carry the URL, and a URL may carry a token)."""
    headers = signed_headers(delivery, int(clock.now().timestamp()))
    try:
        async with asyncio.timeout(seconds):
            async with http.stream("POST", delivery.url, content=delivery.body, headers=headers,
                                   timeout=seconds) as response:
                status = response.status_code
    except TimeoutError:
        return None, "Timeout"
    except Exception as error:  # noqa: BLE001 - whatever the receiver or its address does, it is a failed try
        return None, type(error).__name__
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


async def _record(claimed: Sequence[Claimed], results: Sequence[tuple[int | None, str]],
                  clock: Clock) -> dict[str, int]:
    """Write each try's result, if the delivery is still the one claimed (a redelivery asked
    meanwhile starts it over and wins)."""
    now = clock.now()
    counts = {"delivered": 0, "failed": 0, "dead": 0}
    async with write_transaction():
        for delivery, (status, error) in zip(claimed, results, strict=True):
            changes: dict[Any, Any] = {WebhookDelivery.last_status_code: status,
                                       WebhookDelivery.last_error: error[:300]}
            if status is not None and 200 <= status < 300:
                outcome = "delivered"
                changes[WebhookDelivery.delivered_at] = now
            else:
                outcome = "dead" if delivery.attempts >= MAX_ATTEMPTS else "failed"
                if outcome == "failed":
                    changes[WebhookDelivery.next_attempt_at] = now + retry_delay(delivery.attempts)
                log.warning("webhook delivery %s try %s failed: %s", delivery.id, delivery.attempts, error)
            changes[WebhookDelivery.status] = outcome
            written = await WebhookDelivery.update(changes).where(
                WebhookDelivery.id == delivery.id, WebhookDelivery.attempts == delivery.attempts,
                WebhookDelivery.status.is_in(["pending", "failed"])).returning(WebhookDelivery.id)
            if written:
                counts[outcome] += 1
    return counts


# --- endpoints (the organizer's API) -------------------------------------------------------


def check_url(url: str, production: bool, field: str = "url") -> str:
    """An absolute http(s) URL with a host (https only in production), without credentials."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise InvalidInput(f"must be 1 to {MAX_URL} characters", field)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
        httpx.URL(url)  # what the sender will be able to post to
    except (ValueError, httpx.InvalidURL):
        raise InvalidInput("is not a valid URL", field) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("must be an http:// or https:// URL with a host", field)
    if production and parts.scheme != "https":
        raise InvalidInput("must be an https:// URL in production", field)
    if parts.username or parts.password:
        raise InvalidInput("must not carry a user name or password; the signature authenticates us", field)
    if any(c.isspace() or not c.isprintable() for c in url):
        raise InvalidInput("must not contain spaces or control characters", field)
    return url


def check_description(description: str, field: str = "description") -> str:
    if not description.isprintable():
        raise InvalidInput("must not contain control characters", field)
    return description.strip()


def check_event_types(event_types: Sequence[str], field: str = "event_types") -> list[str]:
    if not event_types:
        raise InvalidInput(f"name at least one of {', '.join(EVENT_TYPES)}", field)
    for i, name in enumerate(event_types):
        if name not in EVENT_TYPES:
            raise InvalidInput(f"unknown event type; one of {', '.join(EVENT_TYPES)}", f"{field}[{i}]")
        if name in event_types[:i]:
            raise InvalidInput("appears twice", f"{field}[{i}]")
    return list(event_types)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


_ENDPOINT_COLUMNS = (
    WebhookEndpoint.id, WebhookEndpoint.area, WebhookEndpoint.area.code.as_alias("area_code"),
    WebhookEndpoint.url, WebhookEndpoint.description, WebhookEndpoint.event_types, WebhookEndpoint.active,
    WebhookEndpoint.created_at,
)


def _require_organizer(actor: Actor) -> None:
    if actor.role != "organizer":
        raise NotFound("no such webhook", field="webhook_id")


async def create_endpoint(actor: Actor, url: str, event_types: Sequence[str], *, description: str = "",
                          area_id: int | None = None, production: bool = False,
                          clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """A new endpoint for the actor's area (or ``area_id``, in it); the answer carries the
    signing ``secret``, which is never shown again."""
    _require_organizer(actor)
    url = check_url(url, production)
    types = check_event_types(event_types)
    description = check_description(description)
    if area_id is None:
        area = await Area.select(Area.id).where(Area.path == scope.area_path(actor)).first()
    else:
        area = await Area.select(Area.id, Area.path).where(Area.id == area_id).first()
        if area is None:
            raise InvalidInput("no such area", "area_id")
        scope.require_writable(actor, area["path"], "area_id")
    assert area is not None
    secret = new_secret()
    async with write_transaction():
        row = WebhookEndpoint(area=area["id"], url=url, description=description, secret=secret,
                              previous_secret="", previous_secret_expires_at=None, event_types=types, active=True,
                              created_by=actor.account_id, created_at=clock.now())
        await row.save()
    return {**await get_endpoint(actor, int(row.id)), "secret": secret}


async def _own(actor: Actor, endpoint_id: int) -> None:
    _require_organizer(actor)
    if not await WebhookEndpoint.exists().where(WebhookEndpoint.id == endpoint_id,
                                                 scope.writable(actor, WebhookEndpoint.area)):
        raise NotFound("no such webhook", field="webhook_id")


async def get_endpoint(actor: Actor, endpoint_id: int) -> dict[str, Any]:
    _require_organizer(actor)
    row = await WebhookEndpoint.select(*_ENDPOINT_COLUMNS).where(
        WebhookEndpoint.id == endpoint_id, scope.writable(actor, WebhookEndpoint.area)).first()
    if row is None:
        raise NotFound("no such webhook", field="webhook_id")
    return (await _with_figures([row]))[0]


async def list_endpoints(actor: Actor) -> list[dict[str, Any]]:
    """The endpoints of the actor's subtree, oldest first."""
    _require_organizer(actor)
    rows = await WebhookEndpoint.select(*_ENDPOINT_COLUMNS).where(
        scope.writable(actor, WebhookEndpoint.area)).order_by(WebhookEndpoint.id)
    return await _with_figures(rows)


async def _with_figures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each endpoint with its deliveries counted by status (one query for all)."""
    if not rows:
        return rows
    counted: dict[int, dict[str, int]] = defaultdict(dict)
    for c in await WebhookDelivery.raw(
            "SELECT endpoint, status, count(*) AS n FROM webhook_delivery WHERE endpoint IN ({}) "
            "GROUP BY endpoint, status".format(", ".join(str(int(r["id"])) for r in rows))):
        counted[int(c["endpoint"])][c["status"]] = int(c["n"])
    for row in rows:
        if isinstance(row["event_types"], str):
            row["event_types"] = json.loads(row["event_types"])
        row["deliveries"] = {s: counted[int(row["id"])].get(s, 0) for s in STATUSES}
    return rows


async def change_endpoint(actor: Actor, endpoint_id: int, *, url: str | None = None,
                          event_types: Sequence[str] | None = None, active: bool | None = None,
                          description: str | None = None, production: bool = False) -> dict[str, Any]:
    changes: dict[Any, Any] = {}
    if url is not None:
        changes[WebhookEndpoint.url] = check_url(url, production)
    if event_types is not None:
        changes[WebhookEndpoint.event_types] = check_event_types(event_types)
    if active is not None:
        changes[WebhookEndpoint.active] = active
    if description is not None:
        changes[WebhookEndpoint.description] = check_description(description)
    async with write_transaction():
        await _own(actor, endpoint_id)
        if changes:
            await WebhookEndpoint.update(changes).where(WebhookEndpoint.id == endpoint_id)
    return await get_endpoint(actor, endpoint_id)


async def delete_endpoint(actor: Actor, endpoint_id: int) -> None:
    """The endpoint and its delivery log go; nothing more is sent to it."""
    async with write_transaction():
        await _own(actor, endpoint_id)
        await WebhookEndpoint.delete().where(WebhookEndpoint.id == endpoint_id)


async def rotate_secret(actor: Actor, endpoint_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """A new secret (returned once); the old one still signs, alongside, for a day."""
    secret = new_secret()
    async with write_transaction():
        await _own(actor, endpoint_id)
        current = await WebhookEndpoint.select(WebhookEndpoint.secret).where(WebhookEndpoint.id == endpoint_id).first()
        assert current is not None
        await WebhookEndpoint.update({
            WebhookEndpoint.secret: secret, WebhookEndpoint.previous_secret: current["secret"],
            WebhookEndpoint.previous_secret_expires_at: clock.now() + PREVIOUS_SECRET_VALID,
        }).where(WebhookEndpoint.id == endpoint_id)
    return {**await get_endpoint(actor, endpoint_id), "secret": secret}


_DELIVERY_COLUMNS = (
    WebhookDelivery.id, WebhookDelivery.endpoint, WebhookDelivery.event_type, WebhookDelivery.event_id,
    WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.next_attempt_at,
    WebhookDelivery.last_status_code, WebhookDelivery.last_error, WebhookDelivery.delivered_at,
    WebhookDelivery.created_at, WebhookDelivery.payload,
)


def _shown_delivery(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row["payload"], str):
        row["payload"] = json.loads(row["payload"])
    if row["status"] in ("delivered", "dead"):
        row["next_attempt_at"] = None
    return row


async def list_deliveries(actor: Actor, endpoint_id: int, status: str | None = None, before: int | None = None,
                          limit: int = 50) -> list[dict[str, Any]]:
    """The endpoint's delivery log, newest first, a page of ``limit`` ids below ``before``."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"must be one of {', '.join(STATUSES)}", "status")
    await _own(actor, endpoint_id)
    query = WebhookDelivery.select(*_DELIVERY_COLUMNS).where(WebhookDelivery.endpoint == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    rows = await query.order_by(WebhookDelivery.id, ascending=False).limit(min(max(limit, 1), MAX_PAGE))
    return [_shown_delivery(r) for r in rows]


async def get_delivery(actor: Actor, endpoint_id: int, delivery_id: int) -> dict[str, Any]:
    await _own(actor, endpoint_id)
    row = await WebhookDelivery.select(*_DELIVERY_COLUMNS).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint == endpoint_id).first()
    if row is None:
        raise NotFound("no such delivery", field="delivery_id")
    return _shown_delivery(row)


async def redeliver(actor: Actor, endpoint_id: int, delivery_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Send a delivery again (whatever its state) with a fresh schedule of tries: the same
    event id and body, a new signature."""
    async with write_transaction():
        await _own(actor, endpoint_id)
        changed = await WebhookDelivery.update({
            WebhookDelivery.status: "pending", WebhookDelivery.attempts: 0,
            WebhookDelivery.next_attempt_at: clock.now(), WebhookDelivery.delivered_at: None,
        }).where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint == endpoint_id).returning(
            WebhookDelivery.id)
        if not changed:
            raise NotFound("no such delivery", field="delivery_id")
        _enqueue_after_commit(delivery_id)
    return await get_delivery(actor, endpoint_id, delivery_id)


async def ping(actor: Actor, endpoint_id: int, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Queue a ``ping`` for this endpoint alone, whatever it subscribes to (sent while the
    endpoint is active): to try the receiver and its signature check."""
    async with write_transaction():
        await _own(actor, endpoint_id)
        now = clock.now()
        event_id = f"{PING}:{secrets.token_hex(8)}"
        inserted = await WebhookDelivery.insert(_delivery(
            endpoint_id, PING, event_id, {"webhook_id": endpoint_id, "event_types": list(EVENT_TYPES)}, now,
        )).returning(WebhookDelivery.id)
        delivery_id = int(inserted[0]["id"])
        _enqueue_after_commit(delivery_id)
    return await get_delivery(actor, endpoint_id, delivery_id)


# --- retention and metrics -----------------------------------------------------------------


async def purge_finished(cutoff: datetime) -> int:
    """Delete delivered and dead deliveries created before ``cutoff`` (the retention job)."""
    async with write_transaction():
        gone = await WebhookDelivery.delete().where(
            WebhookDelivery.status.is_in(["delivered", "dead"]), WebhookDelivery.created_at < cutoff,
        ).returning(WebhookDelivery.id)
    return len(gone)
