"""Shared field types, problem details and `convert`."""

from __future__ import annotations

from typing import Annotated, TypeVar

import msgspec
from msgspec import Meta, Struct

Text = Annotated[str, Meta(max_length=200)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Tag = Annotated[str, Meta(min_length=1, max_length=64)]
Login = Annotated[str, Meta(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9_.@+-]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
Id = Annotated[int, Meta(ge=1)]
Block = tuple[int, int]
"""An interview block: its first and last slot (inclusive), indexes into the event's slot grid."""


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
