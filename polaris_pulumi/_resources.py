"""`Connection` and `StreamingJob`: what users write in their Pulumi programs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from polaris_pulumi._inputs import (
    ConnectionArgs,
    ConnectionSourceArgs,
    MappingArgs,
    SaslPlainSecretsArgs,
    StreamingJobArgs,
    TableTargetArgs,
    to_props,
)
from polaris_pulumi._provider import (
    CONNECTION_OUTPUT_KEYS,
    JOB_OUTPUT_KEYS,
    ConnectionProvider,
    StreamingJobProvider,
)


def _props(outputs: Sequence[str], values: dict[str, Any]) -> dict[str, Any]:
    # An output is visible as an attribute only if its key is among the props (#6678).
    return {key: None for key in outputs} | values


class Connection(Resource, module="polaris", name="Connection"):
    """A Polaris connection of type `confluent` (a Confluent Cloud topic, or a topic regex with
    `topic_name_is_pattern=True`)."""

    name: pulumi.Output[str]
    description: pulumi.Output[str | None]
    bootstrap_servers: pulumi.Output[str]
    topic_name: pulumi.Output[str]
    topic_name_is_pattern: pulumi.Output[bool]
    secrets: pulumi.Output[dict[str, Any]]
    """Always secret: holds the Confluent API secret."""
    submitted_by_user: pulumi.Output[dict[str, Any]]
    modified_by_user: pulumi.Output[dict[str, Any]]
    submitted_on_timestamp: pulumi.Output[str]
    modified_on_timestamp: pulumi.Output[str]
    test_connection: pulumi.Output[bool | None]
    adopt_existing: pulumi.Output[bool | None]

    def __init__(
        self,
        resource_name: str,
        args: ConnectionArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        name: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        bootstrap_servers: pulumi.Input[str] | None = None,
        topic_name: pulumi.Input[str] | None = None,
        topic_name_is_pattern: pulumi.Input[bool] | None = None,
        secrets: pulumi.Input[SaslPlainSecretsArgs | Mapping[str, Any]] | None = None,
        test_connection: pulumi.Input[bool] | None = None,
        adopt_existing: pulumi.Input[bool] | None = None,
    ) -> None:
        values = to_props(
            args
            if args is not None
            else {
                "name": name,
                "description": description,
                "bootstrap_servers": bootstrap_servers,
                "topic_name": topic_name,
                "topic_name_is_pattern": topic_name_is_pattern,
                "secrets": secrets,
                "test_connection": test_connection,
                "adopt_existing": adopt_existing,
            }
        )
        values["secrets"] = _secret_password(values.get("secrets"))
        props = _props(CONNECTION_OUTPUT_KEYS, values)
        # Auto-naming needs the resource name, which check() is not told.
        props["auto_name_prefix"] = resource_name
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["secrets"])
        )
        super().__init__(ConnectionProvider(), resource_name, props, opts)

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Connection:
        """Read an existing connection by name (not managed: see adopt_existing for that)."""
        return Connection(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )


def _secret_password(secrets: Any) -> Any:
    """Mark the password secret even when given as a plain string."""
    if isinstance(secrets, dict) and secrets.get("password") is not None:
        return {**secrets, "password": pulumi.Output.secret(secrets["password"])}
    if isinstance(secrets, pulumi.Output):
        return pulumi.Output.secret(secrets)
    return secrets


# Table names (known at program time) already targeted by a StreamingJob of this program.
_TABLE_OWNERS: dict[str, str] = {}


def _claim_table(resource_name: str, target: Any) -> None:
    """Polaris allows one streaming job per table: refuse a second one before preview ends.

    Per-resource `check` cannot see other resources, so this is caught in the program; a table
    name that is an Output is only caught by Polaris (409) at `up`.
    """
    table = target.get("table_name") if isinstance(target, dict) else None
    if not isinstance(table, str):
        return
    owner = _TABLE_OWNERS.setdefault(table, resource_name)
    if owner != resource_name:
        raise ValueError(
            f"StreamingJob {resource_name!r}: target.table_name {table!r} is also the target of "
            f"StreamingJob {owner!r}; Polaris allows one streaming job per table. Use another "
            "table, or one job with several mappings."
        )


class StreamingJob(Resource, module="polaris", name="StreamingJob"):
    """A Polaris streaming ingestion job from a connection into a table.

    Polaris changes no spec of a running streaming job: any change makes a new job that takes
    the old one's place on the table (`replaceRunning`), keeping the table's read position.
    `pulumi destroy` cancels it (Polaris never deletes jobs) and waits until it is canceled.
    """

    source: pulumi.Output[dict[str, Any]]
    mappings: pulumi.Output[list[dict[str, Any]]]
    target: pulumi.Output[dict[str, Any]]
    create_table_if_not_exists: pulumi.Output[bool]
    use_schema_discovery: pulumi.Output[bool]
    dimension_exclusions: pulumi.Output[list[str]]
    filter_expression: pulumi.Output[str | None]
    late_message_rejection_period: pulumi.Output[str]
    early_message_rejection_period: pulumi.Output[str]
    read_from_point: pulumi.Output[str]
    max_parse_exceptions: pulumi.Output[int]
    replace_running: pulumi.Output[bool]
    clustering_columns: pulumi.Output[list[str] | None]
    partitioned_by: pulumi.Output[str | None]
    enable_upserts: pulumi.Output[bool | None]
    upsert_key_columns: pulumi.Output[list[str] | None]
    upsert_version_column: pulumi.Output[str | None]
    desired_execution_status: pulumi.Output[str]
    job_id: pulumi.Output[str]
    execution_status: pulumi.Output[str]
    health: pulumi.Output[dict[str, Any]]
    created_by: pulumi.Output[dict[str, Any]]
    last_modified_by: pulumi.Output[dict[str, Any]]
    created_timestamp: pulumi.Output[str]
    last_updated_timestamp: pulumi.Output[str]
    started_timestamp: pulumi.Output[str | None]
    completed_timestamp: pulumi.Output[str | None]
    wait_for_running: pulumi.Output[bool | None]
    wait_timeout: pulumi.Output[float | None]
    adopt_existing: pulumi.Output[bool | None]

    def __init__(
        self,
        resource_name: str,
        args: StreamingJobArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        source: pulumi.Input[ConnectionSourceArgs | Mapping[str, Any]] | None = None,
        target: pulumi.Input[TableTargetArgs | Mapping[str, Any]] | None = None,
        mappings: pulumi.Input[Sequence[pulumi.Input[MappingArgs | Mapping[str, Any]]]]
        | None = None,
        create_table_if_not_exists: pulumi.Input[bool] | None = None,
        use_schema_discovery: pulumi.Input[bool] | None = None,
        dimension_exclusions: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        filter_expression: pulumi.Input[str] | None = None,
        late_message_rejection_period: pulumi.Input[str] | None = None,
        early_message_rejection_period: pulumi.Input[str] | None = None,
        read_from_point: pulumi.Input[str] | None = None,
        max_parse_exceptions: pulumi.Input[int] | None = None,
        replace_running: pulumi.Input[bool] | None = None,
        clustering_columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        partitioned_by: pulumi.Input[str] | None = None,
        enable_upserts: pulumi.Input[bool] | None = None,
        upsert_key_columns: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        upsert_version_column: pulumi.Input[str] | None = None,
        wait_for_running: pulumi.Input[bool] | None = None,
        wait_timeout: pulumi.Input[float] | None = None,
        adopt_existing: pulumi.Input[bool] | None = None,
    ) -> None:
        values = to_props(
            args
            if args is not None
            else {
                "source": source,
                "target": target,
                "mappings": mappings,
                "create_table_if_not_exists": create_table_if_not_exists,
                "use_schema_discovery": use_schema_discovery,
                "dimension_exclusions": dimension_exclusions,
                "filter_expression": filter_expression,
                "late_message_rejection_period": late_message_rejection_period,
                "early_message_rejection_period": early_message_rejection_period,
                "read_from_point": read_from_point,
                "max_parse_exceptions": max_parse_exceptions,
                "replace_running": replace_running,
                "clustering_columns": clustering_columns,
                "partitioned_by": partitioned_by,
                "enable_upserts": enable_upserts,
                "upsert_key_columns": upsert_key_columns,
                "upsert_version_column": upsert_version_column,
                "wait_for_running": wait_for_running,
                "wait_timeout": wait_timeout,
                "adopt_existing": adopt_existing,
            }
        )
        _claim_table(resource_name, values.get("target"))
        super().__init__(
            StreamingJobProvider(), resource_name, _props(JOB_OUTPUT_KEYS, values), opts
        )

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> StreamingJob:
        """Read an existing streaming job by id."""
        return StreamingJob(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )
