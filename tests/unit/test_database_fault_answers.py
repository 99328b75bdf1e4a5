"""A database that is too slow or gone answers 503 problem details with Retry-After (the client
retries with its Idempotency-Key), never a 500 nor a hang."""

from __future__ import annotations

import asyncpg
import pytest
from litestar import get
from litestar.testing import create_test_client

from fairs.api.problems import EXCEPTION_HANDLERS


@pytest.mark.parametrize(("error", "code", "retry_after"), [
    (TimeoutError(), "database_timeout", "2"),  # statement or pool wait past FAIRS_DB_TIMEOUT_SECONDS
    (asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"), "database_timeout", "2"),
    (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"), "database_unavailable", "1"),
])
def test_a_slow_or_lost_database_is_a_503_problem_with_retry_after(error, code, retry_after):
    @get("/slow", sync_to_thread=False)
    def slow() -> None:
        raise error

    with create_test_client([slow], exception_handlers=EXCEPTION_HANDLERS) as client:
        answer = client.get("/slow")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == retry_after
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"].endswith(code)
