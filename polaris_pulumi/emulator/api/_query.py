"""Polaris' synchronous SQL API (`query_sync`): `POST /v1/projects/{projectId}/query/sql` with a
`SqlRequest`, answered from the tables' rows in DuckDB, in its result formats (object, array,
objectLines, arrayLines, csv; with header rows) or as a 400 `SqlErrorResponse`.

The query is Druid SQL, translated by sqlglot (`_druid_sql`). It reads only Polaris tables of
the project: any other table or table function is refused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
import time
import uuid
from typing import Any

import duckdb
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlglot import exp

from polaris_pulumi.emulator.api._auth import Principal
from polaris_pulumi.emulator.api._core import Core
from polaris_pulumi.emulator.api._http import BASE, Body, Who
from polaris_pulumi.emulator.api._query_results import render
from polaris_pulumi.emulator.ingest import _druid_sql as sql
from polaris_pulumi.emulator.ingest._lookups import resolver
from polaris_pulumi.emulator.ingest._rows import state_of, storage
from polaris_pulumi.emulator.ingest._sql_errors import engine_reason

FORMATS = ("object", "array", "objectLines", "arrayLines", "csv")
_FIELDS = {
    "query",
    "resultFormat",
    "header",
    "typesHeader",
    "sqlTypesHeader",
    "context",
    "parameters",
}


class SqlError(Exception):
    """A SqlErrorResponse (Druid's error shape), always answered with 400."""

    def __init__(
        self, message: str, category: str = "INVALID_INPUT", code: str = "invalidInput"
    ) -> None:
        super().__init__(message)
        self.category, self.code = category, code

    def body(self) -> dict[str, Any]:
        return {
            "error": "druidException",
            "errorCode": self.code,
            "persona": "USER",
            "category": self.category,
            "errorMessage": str(self),
            "context": {},
        }


class Cancel:
    """Stops a running query, once: when its timeout is up, or when its client is gone."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cursor: duckdb.DuckDBPyConnection | None = None
        self.reason: str | None = None

    def attach(self, cursor: duckdb.DuckDBPyConnection | None) -> None:
        with self.lock:
            self.cursor = cursor
            if cursor is not None and self.reason is not None:
                cursor.interrupt()

    def interrupt(self, reason: str) -> None:
        with self.lock:
            self.reason = self.reason or reason
            if self.cursor is not None:
                self.cursor.interrupt()


# The most rows one answer holds: the emulator renders an answer in memory. Druid streams its
# results; a query that needs more is cut by `sqlOuterLimit`, or a LIMIT.
MAX_ROWS = 100_000


class Query:
    def __init__(self, core: Core) -> None:
        self.core = core

    def run(self, body: Any, who: Principal, cancel: Cancel | None = None) -> Response:
        self.core.auth.require(who, "AccessQueries")
        try:
            request = _request(body)
            columns, rows = self._execute(request, cancel or Cancel())
        except SqlError as exc:
            return JSONResponse(exc.body(), status_code=400)
        query_id = str((request.get("context") or {}).get("sqlQueryId") or uuid.uuid4())
        headers = {"X-Druid-SQL-Query-Id": query_id}
        if request.get("header"):
            headers["X-Druid-SQL-Header-Included"] = "yes"
        return render(request, columns, rows, headers)

    def _execute(
        self, request: dict[str, Any], cancel: Cancel
    ) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
        # Druid's query timeout runs from the request: reading and translating count too.
        timeout_ms, limit = _timeout_ms(request), _outer_limit(request)
        deadline = time.monotonic() + timeout_ms / 1000
        text = self._translate(request["query"])
        params = [_parameter(p) for p in request.get("parameters") or []]
        if (left := deadline - time.monotonic()) <= 0:
            cancel.interrupt("timeout")
            raise _interrupted(cancel, timeout_ms)
        with self.core.rows.cursor() as cur:
            # The timeout, and a client gone: the query is interrupted and frees the CPU.
            cancel.attach(cur)
            timer = threading.Timer(left, cancel.interrupt, ["timeout"])
            timer.start()
            try:
                result = cur.execute(text, params)
                described = [(d[0], str(d[1])) for d in result.description or []]
                return described, _fetch(result, limit)
            except duckdb.InterruptException:
                raise _interrupted(cancel, timeout_ms) from None
            except duckdb.Error as exc:
                raise SqlError(druid_error(exc)) from None
            finally:
                timer.cancel()
                cancel.attach(None)

    def _translate(self, query: str) -> str:
        """The query as DuckDB SQL, reading the project's tables only."""
        try:
            tree = sql.parse_query(query)
            states, types = self._tables(tree)
            lookups = resolver(self.core.store, self.core.rows)
            return sql.to_duckdb(tree, states, lookups, types, copy=False)
        except sql.SqlInvalid as exc:
            raise SqlError(str(exc)) from None
        except sql.Unevaluated as exc:
            raise SqlError(
                f"The local engine does not evaluate {exc}", "UNSUPPORTED", "unsupported"
            ) from None

    def _tables(self, tree: exp.Query) -> tuple[dict[str, str], dict[str, str]]:
        """Each table the query reads must be one of the project's (created in DuckDB, empty,
        if no row came yet); the aggregate states of their columns, and their DuckDB types."""
        states: dict[str, str] = {}
        types: dict[str, str] = {}
        for table in list(tree.find_all(exp.Table)):
            if not isinstance(table.this, exp.Identifier):
                raise SqlError(
                    "The local engine reads only the project's tables", "UNSUPPORTED", "unsupported"
                )
            name, schema = table.name, table.db
            if not schema and not table.catalog and _names_a_cte(table):
                continue
            # An allow-list: a name is one of the project's tables (in `druid`, Druid's only
            # schema of them), whatever catalog, schema or CTE it is written with.
            found = schema in ("", "druid") and not table.catalog
            record = self.core.store.get_table(name) if found else None
            if record is None:
                raise SqlError(f"Object '{name}' not found")
            columns = self.core.rows.ready(record.table)
            # Each Polaris table has its own DuckDB table (`storage`), named as before by an
            # alias, so that qualified columns ("t"."c") still resolve.
            table.set("db", None)
            table.set("this", exp.to_identifier(storage(name), quoted=True))
            if not table.alias:
                table.set("alias", exp.TableAlias(this=exp.to_identifier(name, quoted=True)))
            declared = {c.name: c.data_type for c in record.table.schema_ or []}
            for column, duck in columns.items():
                state = state_of(duck, declared.get(column))
                if state is not None:
                    states[column.lower()] = state
                else:
                    types[column.lower()] = duck
        return states, types


def _names_a_cte(table: exp.Table) -> bool:
    """Whether the name is a CTE in the table's scope: of a WITH of a query around it, and
    not the CTE the name is read in (a CTE named like a table elsewhere exempts nothing)."""
    name = table.name.lower()
    inside: exp.Expr | None = table
    while inside is not None:
        scope = inside.parent
        if isinstance(inside, exp.CTE) and inside.alias_or_name.lower() == name:
            return False  # its own definition: the name there is a table's
        with_ = scope.args.get("with_") if scope is not None else None
        if isinstance(with_, exp.With) and any(
            c.alias_or_name.lower() == name for c in with_.expressions
        ):
            return True
        inside = scope
    return False


_COLUMN = re.compile(r'Referenced column "([^"]+)" not found')


def druid_error(exc: duckdb.Error) -> str:
    """What the engine refused, in Druid's words where Druid has them, else the engine's
    reason without DuckDB's class of error ("Binder Error: ...")."""
    if m := _COLUMN.search(str(exc)):
        return f"Column '{m.group(1)}' not found in any table"
    return f"The local engine cannot run this query: {engine_reason(exc)}"


def _request(body: Any) -> dict[str, Any]:
    """The SqlRequest: `query` required; an unknown field or a wrong type is refused."""
    if not isinstance(body, dict):
        raise SqlError("The request body must be a SqlRequest object")
    if unknown := sorted(set(body) - _FIELDS):
        raise SqlError(
            f"Unknown SqlRequest field(s) {', '.join(unknown)}: it takes {', '.join(sorted(_FIELDS))}"
        )
    if not isinstance(body.get("query"), str) or not body["query"].strip():
        raise SqlError("query is required: the Druid SQL to run")
    fmt = body.get("resultFormat") or "object"
    if fmt not in FORMATS:
        raise SqlError(f"resultFormat {fmt!r} is not one of {', '.join(FORMATS)}")
    for flag in ("header", "typesHeader", "sqlTypesHeader"):
        if not isinstance(body.get(flag, False), bool):
            raise SqlError(f"{flag} must be true or false")
    context = body.get("context")
    if context is not None and not isinstance(context, dict):
        raise SqlError("context must be an object of query context parameters")
    query_id = (context or {}).get("sqlQueryId")
    if query_id is not None and not _header_safe(query_id):
        raise SqlError(
            "context.sqlQueryId must be printable Latin-1 text (it is echoed in a header)"
        )
    zone = (context or {}).get("sqlTimeZone")
    if zone not in (None, "UTC", "Etc/UTC"):
        raise SqlError(
            f"sqlTimeZone {zone!r}: the local engine works in UTC", "UNSUPPORTED", "unsupported"
        )
    return body | {"resultFormat": fmt}


# The most bytes of text one answer holds (the emulator renders an answer in memory).
MAX_ANSWER_BYTES = 64 * 1024 * 1024


def _fetch(result: duckdb.DuckDBPyConnection, limit: int | None) -> list[tuple[Any, ...]]:
    """The answer's rows: at most `sqlOuterLimit` (Druid's truncation), and never more than
    `MAX_ROWS` rows or `MAX_ANSWER_BYTES` of text (a 400 that says how to ask for less)."""
    if limit is not None and limit <= MAX_ROWS:
        rows = result.fetchmany(limit)
    else:
        rows = result.fetchmany(MAX_ROWS + 1)
    if len(rows) > MAX_ROWS:
        raise _too_big(f"more than {MAX_ROWS:,} rows")
    size = sum(len(v) for row in rows for v in row if isinstance(v, str | bytes))
    if size > MAX_ANSWER_BYTES:
        raise _too_big(f"more than {MAX_ANSWER_BYTES // 2**20} MB of text")
    return rows


def _too_big(what: str) -> SqlError:
    return SqlError(
        f"The query's answer has {what}, the most the local engine answers: add a LIMIT, "
        "aggregate, or set context.sqlOuterLimit",
        "CAPACITY_EXCEEDED",
        "resourceLimitExceeded",
    )


def _interrupted(cancel: Cancel, timeout_ms: int) -> SqlError:
    if cancel.reason == "disconnected":
        return SqlError("The query was canceled: its client went away", "CANCELED", "canceled")
    return SqlError(
        f"Query did not complete within the timeout of {timeout_ms} ms: raise "
        "context.timeout, or make the query cheaper",
        "TIMEOUT",
        "timeout",
    )


def _outer_limit(request: dict[str, Any]) -> int | None:
    """Druid's `sqlOuterLimit` context parameter: the answer is cut to that many rows."""
    value = (request.get("context") or {}).get("sqlOuterLimit")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SqlError("context.sqlOuterLimit must be a whole number of rows, 0 or more")
    return value


def _header_safe(value: Any) -> bool:
    if not isinstance(value, str) or not 0 < len(value) <= 1000:
        return False
    return all(" " <= c <= "~" or "\xa0" <= c <= "\xff" for c in value)


# Druid's default query timeout (its `timeout` context parameter, in milliseconds).
DEFAULT_TIMEOUT_MS = 300_000


def _timeout_ms(request: dict[str, Any]) -> int:
    """The query's `context.timeout`, in milliseconds (Druid's default when unset)."""
    value = (request.get("context") or {}).get("timeout", DEFAULT_TIMEOUT_MS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 2**31 - 1:
        raise SqlError("context.timeout must be a whole number of milliseconds, at least 1")
    return value


_PARAMETER_TYPES = {
    "TIMESTAMP": "TIMESTAMP",
    "DATE": "DATE",
    "BIGINT": "BIGINT",
    "INTEGER": "BIGINT",
    "DOUBLE": "DOUBLE",
    "FLOAT": "FLOAT",
    "VARCHAR": "VARCHAR",
    "BOOLEAN": "BOOLEAN",
}


def _parameter(p: Any) -> Any:
    """A SqlParameter {type, value}: the value, read as its SQL type."""
    if not isinstance(p, dict) or set(p) != {"type", "value"}:
        raise SqlError("Each parameter is {type, value}")
    kind = str(p["type"]).upper()
    if kind == "ARRAY":
        return p["value"]
    if kind not in _PARAMETER_TYPES:
        raise SqlError(
            f"Parameter type {p['type']!r} is not one of {', '.join(_PARAMETER_TYPES)}, ARRAY"
        )
    if p["value"] is None:
        return None
    if kind == "TIMESTAMP":
        try:
            when = dt.datetime.fromisoformat(str(p["value"]).replace("Z", "+00:00"))
        except ValueError:
            raise SqlError(
                f"TIMESTAMP parameter {str(p['value'])[:40]!r} is not an ISO 8601 time"
            ) from None
        try:
            return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when
        except OverflowError:
            raise SqlError(
                f"TIMESTAMP parameter {str(p['value'])[:40]!r} is outside years 1 to 9999 in UTC"
            ) from None
    return p["value"]


def routes(app: FastAPI, api: Query) -> None:
    @app.post(f"{BASE}/query/sql", tags=["query"])
    async def query_sync(body: Body, who: Who, request: Request) -> Response:
        """The query runs in a worker thread; while it runs, a client that goes away (it gave
        up) interrupts it, as Druid cancels a query whose connection closed."""
        cancel = Cancel()
        work = asyncio.ensure_future(run_in_threadpool(api.run, body, who, cancel))
        while not (await asyncio.wait({work}, timeout=0.1))[0]:
            if await request.is_disconnected():
                cancel.interrupt("disconnected")
        return work.result()
