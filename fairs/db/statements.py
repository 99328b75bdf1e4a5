"""Hand-written statements on hot paths, compiled once.

``Table.raw(sql, *args)`` builds a Piccolo ``QueryString`` on every call (its arguments
inspected one by one, its template split and put together again as ``$1, $2 …``), which costs
about a third as much CPU as running a small query. :class:`Statement` takes the same ``{}``
template and compiles it once for PostgreSQL; each call hands the engine a query string that
is already compiled, through the engine's own ``run_querystring`` (the current transaction's
connection, else a pooled one; the same timeouts; anything that watches the engine's queries
sees it), and gets the rows as dicts, as ``Table.raw`` does. On SQLite it calls
``Table.raw``.
"""

from __future__ import annotations

from collections.abc import Sequence
from string import Formatter
from typing import Any

from piccolo.querystring import QueryString
from piccolo.table import Table


class _Compiled(QueryString):
    """A query string whose compiled form is known: ``compile_string`` returns it as it is."""

    __slots__ = ()

    def __init__(self, template: str, compiled: str, args: Sequence[Any], table: type[Table]) -> None:
        # QueryString.__init__ would inspect the arguments and parse the template: not needed
        # for plain values (``str()`` of this, for logs and tests, still works from them).
        self.template = template
        self.args = args
        self.query_type = "generic"
        self.table = table
        self.columns = []
        self._alias = None
        self._frozen_compiled_strings = (compiled, list(args))


class Statement:
    __slots__ = ("table", "sql", "postgres")

    def __init__(self, table: type[Table], sql: str) -> None:
        fields = [field for _, field, _, _ in Formatter().parse(sql) if field is not None]
        if any(fields):
            raise ValueError("a statement's placeholders are plain {} (as Table.raw takes them)")
        self.table = table
        self.sql = sql
        self.postgres = sql.format(*(f"${i}" for i in range(1, len(fields) + 1)))

    async def rows(self, *args: Any) -> list[dict[str, Any]]:
        db: Any = self.table._meta.db
        if db.engine_type != "postgres":
            return await self.table.raw(self.sql, *args)  # type: ignore[no-any-return]
        records = await db.run_querystring(_Compiled(self.sql, self.postgres, args, self.table), in_pool=True)
        return db.transform_response_to_dicts(records) if records else []  # type: ignore[no-any-return]
