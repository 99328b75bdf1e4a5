"""Domain errors. Each names the field (a JSON pointer-ish dotted path) it is about, if any.

The API turns them into problem-details answers (RFC 9457): ``InvalidInput`` → 422,
``NotFound`` → 404, ``Conflict`` → 409. Raising one inside a service transaction rolls the
transaction back, so nothing is written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class FieldProblem:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    detail: str
    field: str | None = None
    code: str = "error"
    problems: list[FieldProblem] = dataclasses.field(default_factory=list)
    extra: dict[str, object] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)
        if self.field and not self.problems:
            self.problems = [FieldProblem(self.field, self.detail)]

    def __str__(self) -> str:
        return self.detail


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule about one of its fields."""


class Forbidden(DomainError):
    """The caller may see the thing but not do this with it (e.g. create outside their area)."""


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it exists."""


class Conflict(DomainError):
    """The request is valid but collides with the current state (taken, duplicate, wrong state)."""


class TooManyRequests(DomainError):
    """Too many attempts in a short time (sign-in, booth holds): try again after
    ``extra["retry_after_seconds"]``."""
