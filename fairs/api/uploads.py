"""Imports that take either a CSV file or JSON in the request body."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from fairs.api.security import AnyRequest
from fairs.core.errors import InvalidInput

T = TypeVar("T")


async def csv_text(request: AnyRequest) -> str | None:
    """The body as text when it is CSV (``Content-Type: text/csv``); ``None`` otherwise."""
    if not request.headers.get("content-type", "").startswith("text/csv"):
        return None
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the file must be UTF-8 text", "file") from None


async def json_body(request: AnyRequest, kind: type[T], field: str) -> T:
    """The body decoded as ``kind``; a problem names ``field`` (msgspec says where inside it)."""
    try:
        return msgspec.json.decode(await request.body(), type=kind)
    except msgspec.ValidationError as error:
        raise InvalidInput(str(error), field) from None
    except msgspec.DecodeError:
        raise InvalidInput("the body must be JSON or CSV", "body") from None
