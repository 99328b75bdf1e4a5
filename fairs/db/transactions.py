"""Write transactions that decide on availability, on both engines.

PostgreSQL: an ordinary transaction; the caller takes row locks (``SELECT … FOR UPDATE``)
on what it decides about, in a fixed order, before it reads availability.
SQLite: an IMMEDIATE transaction, which takes the database's write lock at BEGIN, so two
writers never both read "free" (DEFERRED transactions fail with "database is locked" under
contention instead of waiting).

A nested call joins the outer transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar

from piccolo.engine.sqlite import TransactionType
from piccolo.table import Table

from fairs.db.engine import is_sqlite
from fairs.db.tables import Organization

LOCK_TIMEOUT_MS = 3000


def engine():  # type: ignore[no-untyped-def]
    return Organization._meta.db


_after_commit: ContextVar[list[Callable[[], Awaitable[object]]] | None] = ContextVar(
    "fairs_after_commit", default=None
)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """Open (or join) a write transaction. Callbacks given to :func:`after_commit` run once the
    outermost transaction has committed, and never if it rolls back."""
    db = engine()
    if db.current_transaction.get() is not None:
        yield
        return
    callbacks: list[Callable[[], Awaitable[object]]] = []
    token = _after_commit.set(callbacks)
    try:
        if is_sqlite(db):
            async with db.transaction(transaction_type=TransactionType.immediate):
                yield
        else:
            async with db.transaction():
                yield
    finally:
        _after_commit.reset(token)
    for callback in callbacks:
        await callback()


def after_commit(callback: Callable[[], Awaitable[object]]) -> None:
    """Run ``callback`` after the current write transaction commits (e.g. enqueue a job that
    reads what the transaction wrote)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        raise RuntimeError("after_commit() needs an open write_transaction()")
    callbacks.append(callback)


async def lock_rows(table: type[Table], ids: Sequence[int]) -> None:
    """Lock rows of ``table`` by id, in ascending id order, until the transaction ends.

    On SQLite the IMMEDIATE transaction already holds the only write lock: nothing to do.
    """
    if not ids or is_sqlite(engine()):
        return
    # A lock wait longer than this is answered "busy, try again" (409), never a hung request.
    await table.raw(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
    await table.raw(
        f"SELECT id FROM {table._meta.tablename} WHERE id = ANY({{}}) ORDER BY id FOR UPDATE",
        sorted(set(ids)),
    )


async def lock_name(name: str) -> None:
    """Serialise writers on an arbitrary name until the transaction ends (PostgreSQL
    transaction-level advisory lock; SQLite's IMMEDIATE transaction already serialises)."""
    if is_sqlite(engine()):
        return
    await Organization.raw("SELECT pg_advisory_xact_lock(hashtextextended({}, 0))", name)


async def claim_row(table: type[Table], row_id: int, condition: str) -> bool:
    """Lock one row that still meets ``condition`` (SQL over its columns) for this transaction;
    ``False`` when another transaction holds it or it no longer qualifies. PostgreSQL skips a
    locked row instead of waiting; SQLite's IMMEDIATE transaction already excludes others."""
    lock = "" if is_sqlite(engine()) else " FOR UPDATE SKIP LOCKED"
    rows = await table.raw(f"SELECT id FROM {table._meta.tablename} WHERE id = {{}} AND {condition}{lock}", row_id)
    return bool(rows)
