"""Which database the tables talk to, built from ``FAIRS_DATABASE_URL``."""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

log = logging.getLogger(__name__)

LOCK_TIMEOUT_MS = 3000


def engine_for(url: str, statement_cache_size: int = 100) -> Engine:
    """A Piccolo engine for ``url`` (``sqlite:///path`` or ``postgresql://…``).
    ``statement_cache_size``: asyncpg's prepared statements kept per connection (0 behind
    PgBouncer in transaction pooling, where the next transaction may find another server
    connection)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: how long a writer waits for the write lock before "database is locked".
        return SQLiteEngine(path=str(path), timeout=30)
    # A lock wait longer than this is answered "busy, try again" (409), never a hung request.
    return PostgresEngine(config={"dsn": url.replace("postgres://", "postgresql://", 1),
                                  "server_settings": {"lock_timeout": str(LOCK_TIMEOUT_MS)},
                                  "statement_cache_size": statement_cache_size})


async def open_pool(engine: Engine, min_size: int, max_size: int, db_timeout: float | None = None) -> None:
    """Start the PostgreSQL engine's connection pool (connections are reset with
    :func:`_keep_session` when they go back to it).

    ``db_timeout`` (seconds; the API's ``FAIRS_DB_TIMEOUT_SECONDS``): how long a statement may
    take (asyncpg's ``command_timeout``) and how long taking a connection from the pool may
    wait. Either raises :class:`TimeoutError`, answered 503 with Retry-After, so a slow
    database makes requests fail fast instead of piling up. Workers pass none: their jobs
    may legitimately run long statements."""
    options: dict[str, object] = {"command_timeout": db_timeout} if db_timeout else {}
    await engine.start_connection_pool(min_size=min_size, max_size=max_size, reset=_keep_session,
                                       init=_read_the_catalogue, **options)
    if db_timeout:  # Piccolo acquires with ``pool.acquire()``, without a timeout
        _acquire_within(engine.pool, db_timeout)


def _acquire_within(pool: Any, seconds: float) -> None:
    """Make ``pool.acquire()`` wait at most ``seconds`` unless told otherwise (asyncpg's pool
    has slots: its class is swapped for a subclass that only changes that default)."""
    base = type(pool)

    def acquire(self: Any, *, timeout: float | None = None) -> Any:
        return base.acquire(self, timeout=seconds if timeout is None else timeout)

    pool.__class__ = type("PoolWithAcquireTimeout", (base,), {"__slots__": (), "acquire": acquire})


async def _read_the_catalogue(connection: Any) -> None:
    """A new pooled connection plans a statement on each table once, so its PostgreSQL backend
    has read the tables' and their indexes' catalogue before the first request needs them
    (a rush meeting 20 fresh backends cost PostgreSQL about twice the CPU of a later one)."""
    from fairs.db.tables import TABLES

    for table in TABLES:
        await connection.execute(f'EXPLAIN SELECT * FROM "{table._meta.tablename}" WHERE id = 0')


async def _keep_session(connection: object) -> None:
    """What a pooled connection is reset with when it goes back to the pool: nothing more
    than asyncpg's own clean-up (any open transaction rolled back). asyncpg's default also
    sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` — a round trip after
    every query — for session state fairs never creates: its advisory locks are
    transaction-scoped, it opens no cursors outside transactions, listens to nothing, and sets
    its one setting (``lock_timeout``) at connection start-up."""


def is_sqlite(engine: Engine) -> bool:
    return engine.engine_type == "sqlite"


# --- SQLite: kept read connections --------------------------------------------------------

READERS_KEPT = 4
"""SQLite read connections kept per engine for :func:`read_snapshot` (more readers at once
open and close their own)."""


_READERS: dict[str, list[aiosqlite.Connection]] = {}
"""Kept read connections by database file."""


def kept_readers(engine: Engine) -> list[aiosqlite.Connection]:
    """The read connections kept for ``engine``'s database file (idle ones)."""
    return _READERS.setdefault(str(engine.connection_kwargs["database"]), [])


class _Reading:
    """What Piccolo's SQLite engine looks for in ``current_transaction``: a connection to run
    the queries on. Reads only: anything that would open a transaction inside it is a bug."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection


@asynccontextmanager
async def read_snapshot(engine: Engine) -> AsyncIterator[None]:
    """Run the reads inside on one connection, in one snapshot.

    SQLite: on a kept read-only connection (``PRAGMA query_only``), inside ``BEGIN`` …
    ``ROLLBACK``. Outside a transaction Piccolo opens a connection, with its own thread, for
    every query, and SQLite reads the schema again on each: about 3–4 ms for a lookup that
    takes 0.1 ms. For the hot read paths (a calendar app polling its feed). Inside an open
    transaction, and on PostgreSQL (pooled connections already), it does nothing."""
    if not is_sqlite(engine) or engine.current_transaction.get() is not None:
        yield
        return
    readers = kept_readers(engine)
    try:
        connection = readers.pop()
    except IndexError:
        connection = await _open_reader(engine)
    kept = False
    context = engine.current_transaction.set(_Reading(connection))
    try:
        await connection.execute("BEGIN")
        yield
    finally:
        engine.current_transaction.reset(context)
        try:
            await connection.execute("ROLLBACK")
            kept = len(readers) < READERS_KEPT
        finally:
            if kept:
                readers.append(connection)
            else:
                await connection.close()


async def _open_reader(engine: Engine) -> aiosqlite.Connection:
    connection = aiosqlite.connect(**engine.connection_kwargs)
    # aiosqlite's thread is not a daemon: a kept connection nobody closed (a process ended
    # without the app's shutdown) must not keep the interpreter from exiting.
    connection._thread.daemon = True
    await connection
    await connection.execute("PRAGMA query_only = 1")  # Piccolo sets the row factory per query
    return connection


async def close_readers(engine: Engine) -> None:
    """Close the kept SQLite read connections (the app's shutdown)."""
    if not is_sqlite(engine):
        return
    readers = kept_readers(engine)
    while readers:
        await readers.pop().close()


# --- PostgreSQL: listening for notifications ------------------------------------------------


_UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class Listening:
    """A connection of its own, outside the pool, that listens on one notification channel of
    PostgreSQL and comes back when it is lost.

    ``on_notice(payload)`` runs for each notification, in the event loop, as it arrives (a
    notification is sent when the transaction that raised it commits). ``on_state(listening)``
    runs with False when the connection is lost (what was sent meanwhile is missed) and with
    True once it listens again (and at the start).

    Listening is proven, not assumed: after ``LISTEN``, another connection sends a probe on
    the channel, and the connection counts as listening only once the probe has arrived.
    Behind PgBouncer in transaction pooling (where a session's ``LISTEN`` does not stay with
    it) the probe never arrives, so nothing relies on notifications that would never come."""

    RETRY_SECONDS = (0.5, 1, 2, 5, 15, 60)
    PROBE_SECONDS = 5.0

    def __init__(self, dsn: str, channel: str, on_notice: Any, on_state: Any) -> None:
        self.dsn, self.channel = dsn, channel
        self.on_notice, self.on_state = on_notice, on_state
        self._connection: Any = None
        self._retrying: Any = None
        self._closed = False
        self._probe_payload = ""
        self._probe_heard: Any = None
        self.listening = False

    async def start(self) -> None:
        """Listen now if PostgreSQL answers, else keep trying in the background."""
        if not await self._listen():
            self._retry()

    async def _listen(self) -> bool:
        connection = None
        try:
            connection = await asyncpg.connect(self.dsn, timeout=5)
            await connection.add_listener(self.channel, self._notice)
            heard = await self._probe()
        except _UNREACHABLE:
            heard = False
        except BaseException:  # cancelled (close() while trying again): leave no connection behind
            if connection is not None:
                connection.terminate()
            raise
        if not heard or self._closed:
            if connection is not None:
                connection.terminate()
            return False
        connection.add_termination_listener(self._lost)
        self._connection = connection
        self._state(True)
        return True

    def _state(self, listening: bool) -> None:
        if listening != self.listening:
            self.listening = listening
            self.on_state(listening)

    async def _probe(self) -> bool:
        """Whether a notification sent by another connection reaches this one."""
        self._probe_payload = f"probe:{secrets.token_hex(8)}"
        self._probe_heard = asyncio.get_running_loop().create_future()
        sender = await asyncpg.connect(self.dsn, timeout=5)
        try:
            await sender.execute(f"SELECT pg_notify('{self.channel}', '{self._probe_payload}')")
        finally:
            await sender.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._probe_heard), self.PROBE_SECONDS)
        except TimeoutError:
            log.warning("notifications on %s do not reach this process (PgBouncer in transaction pooling?): "
                        "nothing that relies on them is kept", self.channel)
            return False
        return True

    def _notice(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if self._probe_heard is not None and payload == self._probe_payload:
            if not self._probe_heard.done():
                self._probe_heard.set_result(True)
            return
        self.on_notice(payload)

    def _lost(self, _connection: Any) -> None:
        self._connection = None
        self._state(False)
        if not self._closed:
            self._retry()

    def _retry(self) -> None:
        async def again() -> None:
            for attempt in itertools.count():
                await asyncio.sleep(self.RETRY_SECONDS[min(attempt, len(self.RETRY_SECONDS) - 1)])
                if self._closed or await self._listen():
                    return

        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.get_running_loop().create_task(again())

    async def close(self) -> None:
        self._closed = True
        self._state(False)
        if self._retrying is not None:
            self._retrying.cancel()
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.remove_termination_listener(self._lost)
            try:
                await connection.close(timeout=5)
            except _UNREACHABLE:
                connection.terminate()
