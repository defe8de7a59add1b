"""The query API's client side (`query_sync`): Druid SQL on a project's tables, for scripts and
tests that check what their ingestion produced. Not a resource: nothing here is managed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from polaris_pulumi._exceptions import MalformedResponseError
from polaris_pulumi._transport import Transport


class QueryAPI(Transport):
    def query_sql(
        self,
        query: str,
        *,
        parameters: Sequence[tuple[str, Any]] = (),
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Run one Druid SQL query (a SqlRequest, result format `object`): its rows, each
        a dict by column name. `parameters` fill the query's `?` placeholders, as (SQL
        type, value) pairs. A query only reads, so it is retried like a GET."""
        body: dict[str, Any] = {"query": query, "resultFormat": "object"}
        if parameters:
            body["parameters"] = [{"type": t, "value": v} for t, v in parameters]
        if context:
            body["context"] = dict(context)
        answer = self._request("POST", "/query/sql", json=body)
        rows = answer.json()
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise MalformedResponseError(f"{answer.what}: the answer is not a list of rows")
        return rows
