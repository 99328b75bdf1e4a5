"""Observability: the request id (header, logs, jobs), JSON logs without personal data, and
/metrics (names present, label values without ids or phone numbers)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest

from fairs.observe.logs import ContextFilter, JsonFormatter, PersonalDataFilter, TextFormatter, logging_config, mask
from fairs.settings import Settings, SettingsError
from tests.support import factories as f

GIVEN_ID = "req-test.0001_abc"


class Captured(logging.Handler):
    """What the production handler would write: both filters, then the JSON formatter."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.addFilter(ContextFilter())
        self.addFilter(PersonalDataFilter())
        self.setFormatter(JsonFormatter())
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))

    def entries(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def captured() -> Iterator[Captured]:
    handler = Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# --- the request id ---------------------------------------------------------------------------

async def test_a_valid_request_id_is_kept_and_returned(client):
    response = await client.get("/healthz", headers={"X-Request-ID": GIVEN_ID})
    assert response.headers["X-Request-ID"] == GIVEN_ID


@pytest.mark.parametrize("given", ["short", "x" * 65, "has space in it", "bad/slash/chars",
                                   "中文请求标识符号码".encode()])
async def test_an_invalid_or_missing_request_id_is_replaced_by_a_new_one(client, given):
    response = await client.get("/healthz", headers={"X-Request-ID": given})
    made = response.headers["X-Request-ID"]
    assert made != given and re.fullmatch(r"[0-9a-f]{32}", made)
    other = (await client.get("/healthz")).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", other) and other != made


async def test_errors_raised_before_the_handler_and_unknown_paths_carry_the_id_too(client):
    bad_token = await client.get("/healthz", headers={"X-Request-ID": GIVEN_ID, "Authorization": "Bearer nonsense"})
    assert bad_token.status_code == 401 and bad_token.headers["X-Request-ID"] == GIVEN_ID
    unknown = await client.get("/no/such/path", headers={"X-Request-ID": GIVEN_ID})
    assert unknown.status_code == 404 and unknown.headers["X-Request-ID"] == GIVEN_ID


async def test_the_access_line_names_the_route_template_not_the_path(client, captured):
    await client.get("/match-runs/424242", headers={"X-Request-ID": GIVEN_ID})
    access = [e for e in captured.entries() if e["logger"] == "fairs.access"]
    assert access[-1]["request_id"] == GIVEN_ID
    assert access[-1]["route"] == "/match-runs/{run_id}" and access[-1]["status"] == 401
    line = next(line for line in reversed(captured.lines) if '"fairs.access"' in line)
    assert "424242" not in line


async def test_the_job_of_a_request_logs_with_that_requests_id(client, run_worker, captured):
    ready = await f.fair_ready_for_matching(client)
    started = await client.post(f"/events/{ready['event_id']}/match-runs", headers={
        **ready["organizer"], "X-Request-ID": GIVEN_ID})
    assert started.status_code == 202 and started.headers["X-Request-ID"] == GIVEN_ID
    captured.records.clear()
    captured.lines.clear()

    assert (await run_worker())["failed"] == 0
    in_job = [e for e in captured.entries() if e.get("job") == "run_matching"]
    assert in_job, captured.lines
    assert {e["request_id"] for e in in_job} == {GIVEN_ID}
    assert all(e["job_id"] for e in in_job)
    assert any(e["message"].startswith("job run_matching finished: ok") for e in in_job)
    # the delivery the run enqueued carries the id on; cron jobs started by the worker have none
    delivered = [e for e in captured.entries() if e.get("job") == "deliver_outbox"]
    assert delivered and {e.get("request_id") for e in delivered} == {GIVEN_ID}
    cron = [e for e in captured.entries() if str(e.get("job", "")).startswith("cron:")]
    assert cron and all("request_id" not in e for e in cron)
    assert {e.get("outcome") for e in in_job + delivered} == {None, "ok"}
    assert (await client.get(f"/match-runs/{started.json()['id']}", headers=ready["organizer"])).json()[
        "status"] == "succeeded"


# --- no personal data in logs ---------------------------------------------------------------

def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("fairs.test", logging.WARNING, __file__, 1, message, args or None, None)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_phones_and_addresses_are_masked_in_messages_args_and_extras():
    assert mask("call 13912345678 or +86 15800001111, write to Li.Na+jobs@mail.example.cn") == (
        "call <phone> or <phone>, write to <email>")
    # not a mobile number: too long, too short, or not starting 13-19
    assert mask("id 4302111990010112345 code 1391234567 tel 12912345678") == (
        "id 4302111990010112345 code 1391234567 tel 12912345678")
    made = record("sms to %s (%s) failed for %s", 13912345678, "a@b.example.org", "张三",
                  recipient="18800001234", attempts=3)
    PersonalDataFilter().filter(made)
    ContextFilter().filter(made)
    entry = json.loads(JsonFormatter().format(made))
    assert entry["message"] == "sms to <phone> (<email>) failed for 张三"
    assert entry["recipient"] == "<phone>" and entry["attempts"] == 3
    assert entry["level"] == "WARNING" and entry["logger"] == "fairs.test" and entry["time"].endswith("Z")
    assert "request_id" not in entry and "job" not in entry  # outside a request and a job: left out


def test_exceptions_are_masked_in_both_formats():
    try:
        raise ValueError("no mailbox wang@example.org for 13700000000")
    except ValueError:
        import sys

        made = logging.LogRecord("fairs", logging.ERROR, __file__, 1, "delivery failed", None, sys.exc_info())
    ContextFilter().filter(made)
    PersonalDataFilter().filter(made)
    entry = json.loads(JsonFormatter().format(made))
    assert "<email>" in entry["exception"] and "<phone>" in entry["exception"]
    assert "wang@" not in entry["exception"] and "13700000000" not in entry["exception"]
    text = TextFormatter().format(made)
    assert "wang@" not in text and "13700000000" not in text


async def test_no_request_body_or_personal_data_reaches_the_logs(client, captured):
    await f.fair_ready_for_matching(client, attendees=3)  # attendees sign up with mobile numbers
    phone = f.mobile(2)
    await client.post("/auth/login", json={"login": phone, "password": "wrong password 18611112222 x@y.example"})
    text = "\n".join(captured.lines)
    assert captured.lines
    # a mobile number on its own (not digits inside a hexadecimal request id)
    assert not re.search(r"(?<![0-9a-f])1[3-9][0-9]{9}(?![0-9a-f])", text), text
    assert "@" not in text.replace("<email>", "")
    assert "wrong password" not in text


# --- the log format setting -----------------------------------------------------------------

def test_log_format_is_json_in_production_text_elsewhere_and_validated():
    key = {"FAIRS_SECRET_KEY": "k" * 40}
    assert Settings.from_environment({"FAIRS_ENV": "production", **key}).log_format == "json"
    assert Settings.from_environment({"FAIRS_ENV": "development"}).log_format == "text"
    assert Settings.from_environment({"FAIRS_ENV": "production", "FAIRS_LOG_FORMAT": "TEXT", **key}).log_format == (
        "text")
    with pytest.raises(SettingsError, match="FAIRS_LOG_FORMAT"):
        Settings.from_environment({"FAIRS_LOG_FORMAT": "xml"})
    config = logging_config("INFO", "json")
    assert config["root"]["handlers"] == ["default"]
    assert config["handlers"]["default"]["filters"] == ["context", "personal_data"]


# --- /metrics -------------------------------------------------------------------------------

def label_values(text: str, label: str) -> set[str]:
    return set(re.findall(label + r'="([^"]*)"', text))


async def test_metrics_are_served_with_route_templates_and_no_ids(client, run_worker):
    ready = await f.fair_ready_for_matching(client)
    organizer = ready["organizer"]
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=organizer)).json()
    await run_worker()
    await client.get(f"/match-runs/{run['id']}", headers=organizer)
    await client.get("/match-runs/987654321", headers=organizer)
    await client.get("/people/13912345678")
    await client.get("/healthz?phone=13912345678")

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in ("fairs_http_request_duration_seconds_bucket", "fairs_job_duration_seconds_bucket",
                 "fairs_outbox_messages", "fairs_outbox_oldest_unsent_age_seconds", "fairs_match_run_last_coverage",
                 "fairs_match_run_last_duration_seconds"):
        assert f"\n{name}" in text, name
    routes = label_values(text, "route")
    assert {"/match-runs/{run_id}", "/events/{event_id}/match-runs", "/healthz"} <= routes
    for route in routes:
        assert not re.search(r"[0-9]{2,}", route), route
    assert "13912345678" not in text and "987654321" not in text
    assert label_values(text, "status") <= {"1xx", "2xx", "3xx", "4xx", "5xx"}
    assert label_values(text, "state") >= {"queued", "retrying", "failed"}
    coverage = re.search(r"^fairs_match_run_last_coverage ([0-9.e+-]+)$", text, re.M)
    assert coverage and float(coverage.group(1)) == 1.0
    assert re.search(r'^fairs_job_duration_seconds_count\{function="run_matching",outcome="ok"\} [1-9]', text, re.M)


async def test_metrics_count_the_outbox_backlog(client, clock):
    from datetime import timedelta

    from fairs.db.tables import Outbox
    from fairs.services.outbox import MAX_ATTEMPTS

    for n, attempts in enumerate([0, 0, 2, MAX_ATTEMPTS]):
        await Outbox.insert(Outbox(idempotency_key=f"k{n}", channel="sms", recipient=f.mobile(n), attempts=attempts,
                                   created_at=clock.now() - timedelta(minutes=10 * (n + 1))))
    await Outbox.insert(Outbox(idempotency_key="sent", channel="sms", recipient=f.mobile(9), created_at=clock.now(),
                               sent_at=clock.now()))
    text = (await client.get("/metrics")).text
    assert 'fairs_outbox_messages{state="queued"} 2.0' in text
    assert 'fairs_outbox_messages{state="retrying"} 1.0' in text
    assert 'fairs_outbox_messages{state="failed"} 1.0' in text
    age = re.search(r"^fairs_outbox_oldest_unsent_age_seconds ([0-9.e+]+)$", text, re.M)
    assert age and float(age.group(1)) == pytest.approx(30 * 60, abs=1)

