"""The request id and the running job, kept in contextvars so every log record can carry them.

Standard library only: services import this (``ArqQueue.enqueue`` carries the request id into
the jobs it enqueues) and must not pull in a web framework.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar, Token

REQUEST_ID_HEADER = "X-Request-ID"
JOB_REQUEST_ID = "_request_id"
"""The keyword argument that carries the request id into a job; the worker's wrapper pops it."""

_VALID = re.compile(r"[A-Za-z0-9._-]{8,64}")

request_id: ContextVar[str | None] = ContextVar("fairs_request_id", default=None)
job: ContextVar[tuple[str, str] | None] = ContextVar("fairs_job", default=None)
"""(job id, function name) while a job runs."""


def valid_request_id(value: str | None) -> str | None:
    """The value when it is 8–64 characters of ``A-Z a-z 0-9 . _ -``, else None."""
    return value if value and _VALID.fullmatch(value) else None


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id.get()


def bind_request_id(value: str | None) -> Token[str | None]:
    return request_id.set(value)


def reset_request_id(token: Token[str | None]) -> None:
    request_id.reset(token)
