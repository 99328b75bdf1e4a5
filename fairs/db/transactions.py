"""Write transactions that decide on availability, on both engines.

PostgreSQL: an ordinary transaction; the caller takes row locks (``SELECT … FOR UPDATE``)
on what it decides about, in a fixed order, before it reads availability.
SQLite: an IMMEDIATE transaction, which takes the database's write lock at BEGIN, so two
writers never both read "free" (DEFERRED transactions fail with "database is locked" under
contention instead of waiting).

A nested call joins the outer transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from typing import Any

from piccolo.engine.sqlite import TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from fairs.db.engine import is_sqlite
from fairs.db.statements import Statement
from fairs.db.tables import Organization


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
            async with _postgres_transaction(db):
                yield
    finally:
        _after_commit.reset(token)
    for callback in callbacks:
        await callback()


@asynccontextmanager
async def _postgres_transaction(db: Any) -> AsyncIterator[None]:
    """Piccolo's transaction, made safe against a connection that dies, and a task cancelled,
    at any point. Piccolo gives its connection back to the pool only at the end of a
    transaction whose commit or rollback succeeded: a BEGIN that fails (the backend was
    terminated between two requests) or is cancelled, and a commit or rollback that fails or
    is cancelled, each kept one pooled connection for ever, until the pool was exhausted and
    requests hung. Here such a connection is terminated and given back, and the first error
    is raised."""
    transaction = db.transaction()
    try:
        await transaction.__aenter__()
    except BaseException:
        await _give_back(db, getattr(transaction, "connection", None))  # none when taking it failed
        raise
    try:
        yield
    except BaseException as error:
        try:
            await transaction.__aexit__(type(error), error, error.__traceback__)
        except asyncio.CancelledError:  # cancelled while rolling back: the task ends cancelled, as asked
            await _discard(db, transaction)
            raise
        except BaseException:  # noqa: BLE001 - the rollback failed; the first error is the one to report
            await _discard(db, transaction)
        raise
    else:
        try:
            await transaction.__aexit__(None, None, None)
        except BaseException:
            await _discard(db, transaction)
            raise


async def _discard(db: Any, transaction: Any) -> None:
    """Forget the transaction (always) and give its connection back, terminated. Either step
    may find the connection already half released: that is fine."""
    with suppress(ValueError, RuntimeError):  # Piccolo may have reset it already
        db.current_transaction.reset(transaction.context)
    await _give_back(db, transaction.connection)


async def _give_back(db: Any, connection: Any) -> None:
    """Terminate ``connection`` and return it to the pool, even while the task is being
    cancelled (the pool then opens a fresh one in its place)."""
    if connection is None:
        return
    with suppress(Exception):
        connection.terminate()
    if db.pool is not None:
        with suppress(Exception, asyncio.CancelledError):
            await asyncio.shield(db.pool.release(connection))


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
    name = table._meta.tablename
    statement = _LOCK_ROWS.get(name)
    if statement is None:
        statement = _LOCK_ROWS[name] = Statement(
            table, f"SELECT id FROM {name} WHERE id = ANY({{}}) ORDER BY id FOR UPDATE")
    await statement.rows(sorted(set(ids)))


_LOCK_ROWS: dict[str, Statement] = {}
"""The row-lock statement of each table, compiled on first use."""
_LOCK_NAME = Statement(Organization, "SELECT pg_advisory_xact_lock(hashtextextended({}, 0))")


async def lock_name(name: str) -> None:
    """Serialise writers on an arbitrary name until the transaction ends (PostgreSQL
    transaction-level advisory lock; SQLite's IMMEDIATE transaction already serialises)."""
    if is_sqlite(engine()):
        return
    await _LOCK_NAME.rows(name)


async def new_ids(table: type[Table], count: int) -> list[int]:
    """``count`` fresh ids for rows of ``table`` written in bulk by :func:`copy_rows` (which
    returns nothing). PostgreSQL draws them from the table's sequence; SQLite counts on from
    the largest id, which is safe inside its IMMEDIATE transaction."""
    if count <= 0:
        return []
    name = table._meta.tablename
    if is_sqlite(engine()):
        rows = await table.raw(f"SELECT coalesce(max(id), 0) AS last FROM {name}")
        last = int(rows[0]["last"])
        return list(range(last + 1, last + 1 + count))
    # The sequence is looked up once, in a sub-select: pg_get_serial_sequence() straight in the
    # select list would search the catalogue for every id (0.8 s of a matching run's 235,000,
    # against 0.07 s). One row: a row per id costs more than the ids.
    rows = await table.raw(f"SELECT array_agg(nextval((SELECT pg_get_serial_sequence('{name}', 'id')::regclass))) "
                           "AS ids FROM generate_series(1, {})", count)
    return [int(i) for i in rows[0]["ids"]]


async def fetch_rows(table: type[Table], sql: str, *args: Any) -> Sequence[Mapping[str, Any]]:
    """The rows of a hand-written query (``{}`` placeholders, as ``Table.raw``), read by column
    name. On PostgreSQL inside the open transaction they are the driver's own records: Piccolo
    copies every row into a dict, 0.4 s of a matching run's 100,000 registrations."""
    db = engine()
    transaction = db.current_transaction.get()
    if transaction is None or is_sqlite(db):
        return await table.raw(sql, *args)
    query, values = QueryString(sql, *args).compile_string(engine_type="postgres")
    return await transaction.connection.fetch(query, *values)  # type: ignore[no-any-return]


async def copy_rows(table: type[Table], columns: Sequence[str], records: Sequence[Sequence[Any]]) -> None:
    """Write many rows at once inside the open write transaction: PostgreSQL's binary ``COPY``
    (tens of thousands of rows a second more than INSERT), SQLite's ``executemany``. Values
    must already be what the driver takes (lists for arrays, JSON as text, aware datetimes)."""
    if not records:
        return
    db = engine()
    transaction = db.current_transaction.get()
    if transaction is None:
        raise RuntimeError("copy_rows() needs an open write_transaction()")
    name = table._meta.tablename
    if is_sqlite(db):
        marks = ", ".join("?" for _ in columns)
        await transaction.connection.executemany(
            f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", [tuple(r) for r in records])
        return
    await transaction.connection.copy_records_to_table(name, columns=list(columns), records=records)
