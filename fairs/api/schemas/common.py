"""Shared field types, problem details and `convert`."""

from __future__ import annotations

from typing import Annotated, TypeVar

import msgspec
from litestar.params import PathParameter, QueryParameter
from msgspec import Meta, Struct

Text = Annotated[str, Meta(max_length=200)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Tag = Annotated[str, Meta(min_length=1, max_length=64)]
Login = Annotated[str, Meta(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9_.@+-]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
MAX_ID = 2**31 - 1
"""Ids are PostgreSQL ``serial`` (int4): a larger number names nothing and must not reach a query."""
Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
"""An object's id in a path: out of range answers 400 naming the parameter."""
QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
"""An optional object id in the query (a filter), bounded like PathId."""
Block = Annotated[list[int], Meta(min_length=2, max_length=2)]
"""An interview block: its first and last slot (inclusive), indexes into the event's slot grid.
A two-item list rather than ``tuple[int, int]``: Litestar documents a tuple with OpenAPI 3.0's
``items: [...]``, which is not a valid schema in the 3.1 document it writes."""


class Problem(Struct):
    """Problem details (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]]
    instance: str | None = None


T = TypeVar("T")


def convert(value: object, kind: type[T]) -> T:
    """A row (dict) as a response struct; JSON columns stored as text are decoded."""
    return msgspec.convert(value, kind, strict=False)
