"""Festival-morning traffic for ``fairs bench load``: a locust file (``locust -f``), run by
:mod:`fairs.bench.load` in a process of its own; it is not imported by fairs itself.

The mix (per request): 70 % attendees reading — their interview list (``GET /interviews``)
or their calendar feed (``GET /calendar/<token>.ics``, two times in three with the
``If-None-Match`` of the copy the phone already has, as subscribed calendars poll; one in
three without, as calendar apps that ignore ETags do) —, 20 %
self-registrations for a fair (``POST /events/{id}/registrations``, each attendee and fair
once), 10 % booth actions by employers (hold a booth, and cancel the hold when it was
granted). 409 (booth taken, already holding one) and 429 (rate limit) are deliberate
answers, not errors.

Input: the JSON file named by ``FAIRS_LOAD_PLAN`` (tokens, feeds, registration pairs, booth
ids, requests per second per user). Output: the JSON file named by ``FAIRS_LOAD_RESULT``
(every request's kind, status and time; the registrations acknowledged).
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from typing import Any

from locust import FastHttpUser, constant_throughput, events, task

PLAN: dict[str, Any] = json.loads(open(os.environ["FAIRS_LOAD_PLAN"], encoding="utf-8").read())
DELIBERATE = {409, 429}
_pairs = iter(PLAN["registrations"])
_random = random.Random(PLAN.get("seed", 1))
_etags: dict[str, str] = {f"/calendar/{a['feed']}.ics": a["etag"] for a in PLAN["attendees"] if a.get("etag")}
"""The version each phone holds of its feed (subscribed before the morning; kept up to date)."""
samples: list[tuple[str, int, float, float]] = []
"""(kind, status, milliseconds, finished at) per request; status 0: no answer."""
acknowledged: list[int] = []


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token}


class FestivalMorning(FastHttpUser):
    wait_time = constant_throughput(PLAN["per_user_rps"])
    network_timeout = 30.0
    connection_timeout = 10.0

    def _call(self, kind: str, method: str, path: str, **options: Any) -> Any:
        started = time.perf_counter()
        with self.client.request(method, path, name=kind, catch_response=True, **options) as response:
            elapsed = (time.perf_counter() - started) * 1000
            status = response.status_code or 0
            samples.append((kind, status, elapsed, time.time()))
            if status in DELIBERATE or status == 304:
                response.success()
            return response

    @task(35)
    def my_interviews(self) -> None:
        attendee = _random.choice(PLAN["attendees"])
        self._call("interviews", "GET", "/interviews", headers=_bearer(attendee["token"]))

    @task(35)
    def my_feed(self) -> None:
        attendee = _random.choice(PLAN["attendees"])
        path = f"/calendar/{attendee['feed']}.ics"
        headers = {}
        if path in _etags and _random.random() < 2 / 3:
            headers["If-None-Match"] = _etags[path]
        response = self._call("feed", "GET", path, headers=headers)
        if response.status_code == 200 and response.headers.get("ETag"):
            _etags[path] = response.headers["ETag"]

    @task(20)
    def register(self) -> None:
        pair = next(_pairs, None)
        if pair is None:
            return
        attendee, event = pair
        headers = {**_bearer(PLAN["attendees"][attendee]["token"]), "Idempotency-Key": str(uuid.uuid4())}
        response = self._call("registration", "POST", f"/events/{event}/registrations", headers=headers)
        if response.status_code == 201:
            acknowledged.append(int(response.json()["id"]))

    @task(10)
    def booth(self) -> None:
        employer = _random.choice(PLAN["employers"])
        headers = _bearer(employer)
        response = self._call("booth_hold", "POST", f"/events/{PLAN['booth_event']}/reservations", headers=headers,
                              json={"booth_id": _random.choice(PLAN["booths"])})
        if response.status_code == 201:
            self._call("booth_cancel", "POST", f"/reservations/{response.json()['id']}/cancel", headers=headers)


@events.quitting.add_listener
def _write_result(**_: Any) -> None:
    with open(os.environ["FAIRS_LOAD_RESULT"], "w", encoding="utf-8") as out:
        json.dump({"samples": samples, "acknowledged": acknowledged}, out)
