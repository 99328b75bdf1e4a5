"""``Idempotency-Key``: a retried write returns the first answer and creates nothing new.

The key's record is written in the same transaction as the write it answers. Requests racing
with one key wait for each other on a lock named by the key, so the later ones find and replay
the first one's record; the unique index on (account, key) is the last line of defence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response

from fairs.core.errors import InvalidInput
from fairs.db.integrity import is_integrity_error
from fairs.db.statements import Statement
from fairs.db.tables import IdempotencyRecord
from fairs.db.transactions import lock_name, write_transaction
from fairs.services.context import Actor

HEADER = "Idempotency-Key"


_STORED = Statement(IdempotencyRecord,
                    "SELECT fingerprint, status_code, response FROM idempotency_record WHERE account = {} AND key = {}")
"""Written out: every write with a key runs it (building it with Piccolo cost more)."""

_RECORD = Statement(IdempotencyRecord, "INSERT INTO idempotency_record (account, key, fingerprint, status_code, "
                    "response, created_at) VALUES ({}, {}, {}, {}, {}, {})")
"""The same: the first answer, kept in the write's transaction."""


async def _stored(actor: Actor, key: str, fingerprint: str) -> Response[bytes] | None:
    rows = await _STORED.rows(actor.account_id, key)
    if not rows:
        return None
    row = rows[0]
    if row["fingerprint"] != fingerprint:
        raise InvalidInput("this Idempotency-Key was used for a different request", HEADER,
                           code="idempotency_key_reused")
    return Response(row["response"].encode(), status_code=row["status_code"], media_type="application/json",
                    headers={"Idempotent-Replayed": "true"})


async def idempotent(request: Request[Any, Any, Any], actor: Actor, status_code: int,
                     write: Callable[[], Awaitable[Any]], now: Any) -> Response[Any]:
    key = request.headers.get(HEADER)
    if key is None:
        return Response(await write(), status_code=status_code)
    if not 8 <= len(key) <= 200:
        raise InvalidInput("must be 8 to 200 characters (a UUID is a good key)", HEADER)
    body = await request.body()
    fingerprint = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).hexdigest()
    try:
        async with write_transaction():
            # Retries with one key wait for each other here, so the second sees the first's record.
            await lock_name(f"idempotency:{actor.account_id}:{key}")
            replay = await _stored(actor, key, fingerprint)
            if replay is not None:
                return replay
            result = msgspec.json.encode(await write())
            await _RECORD.rows(actor.account_id, key, fingerprint, status_code, result.decode(), now)
    except Exception as error:
        if not is_integrity_error(error):
            raise
        replay = await _stored(actor, key, fingerprint)
        if replay is None:
            raise
        return replay
    return Response(result, status_code=status_code, media_type="application/json")
