"""Shapes of the resources' object outputs, for editors and type checkers.

Outputs are plain dicts at run time (dynamic providers return JSON); these TypedDicts say which
keys they hold. tests/test_provider_unit.py holds each to the model it is dumped from.
"""

from __future__ import annotations

from typing import Any, TypedDict


class UserDict(TypedDict):
    """Who created or last changed an object (`created_by`, `modified_by_user`, ...)."""

    username: str | None
    user_id: str | None


class HealthDict(TypedDict, total=False):
    """A job's health: `status` ok, warn or error, with a code, message and log entry."""

    status: str
    code: str | None
    message: str | None
    log: dict[str, Any] | None


class MetricsDict(TypedDict):
    """A job's row counters, from GET /jobs/{id}/metrics."""

    num_bytes_processed: int
    num_rows_persisted: int
    num_rows_processed: int
    num_rows_processed_with_warning: int
    num_rows_skipped_by_error: int
    num_rows_skipped_by_filter: int


class ConnectionSecretsDict(TypedDict, total=False):
    """A connection's `secrets` output (always secret): type, username and the password."""

    type: str
    username: str | None
    password: str | None


class QueryableColumnDict(TypedDict, total=False):
    """A queryable column of a table: declared, or discovered as data arrived."""

    name: str
    data_type: str
    is_discovered: bool | None
