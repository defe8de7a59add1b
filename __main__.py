"""Demo stack: one Confluent connection feeding two Polaris tables (the local emulator by default).

A detail table with schema discovery (the Polaris docs' seed example), and an hourly aggregate
table declared as a `Table` (strict schema, dimensions and measures, hourly rollup) with
aggregation mappings checked against it at preview. Both jobs share the connection.
"""

import pulumi

import polaris_pulumi as polaris

config = pulumi.Config()

events = polaris.Connection(
    "events",
    name="demo_events",
    description="Page views from Confluent Cloud",
    bootstrap_servers=config.get("bootstrapServers")
    or "pkc-demo1.us-east-1.aws.confluent.cloud:9092",
    topic_name=config.get("topic") or "page_views",
    secrets=polaris.SaslPlainSecretsArgs(
        username=config.get("kafkaApiKey") or "DEMOKAFKAKEY",
        password=config.require_secret("kafkaApiSecret"),
    ),
)

detail = polaris.StreamingJob(
    "page-views",
    source=polaris.ConnectionSourceArgs(
        connection_name=events.name,
        format_settings=polaris.FormatSettingsArgs(format="nd-json"),
        input_schema=[
            polaris.InputFieldArgs(name="date", data_type="string"),
            polaris.InputFieldArgs(name="time", data_type="string"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(
            column_name="__time", expression='TIME_PARSE(CONCAT("date", \'T\', "time"))'
        )
    ],
    target=polaris.TableTargetArgs(table_name="page-views"),
    read_from_point="earliest",  # a new table reads what the topic already holds
    create_table_if_not_exists=True,
    use_schema_discovery=True,
    dimension_exclusions=["date", "time"],
)

hourly_table = polaris.Table(
    "page-views-hourly",
    name="page-views-hourly",
    type="aggregate",
    description="Page views and bytes per page and hour",
    schema_mode="strict",
    time_resolution="hour",
    partitioning_granularity="day",
    clustering_columns=["page"],
    schema=[
        polaris.TableColumnArgs(name="__time", data_type="timestamp", type="dimension"),
        polaris.TableColumnArgs(name="page", data_type="string", type="dimension"),
        polaris.TableColumnArgs(name="views", data_type="long", type="measure"),
        polaris.TableColumnArgs(name="total_bytes", data_type="long", type="measure"),
    ],
    # The demo's data lives in the local emulator, so `scripts/demo.sh destroy` may drop the
    # table. Tables holding real data keep the default (protected).
    deletion_protection=False,
)

hourly = polaris.StreamingJob(
    "page-views-hourly",
    source={
        "connection_name": events.name,
        "format_settings": {"format": "nd-json"},
        "input_schema": [
            {"name": "date", "data_type": "string"},
            {"name": "time", "data_type": "string"},
            {"name": "page", "data_type": "string"},
            {"name": "bytes", "data_type": "long"},
        ],
    },
    mappings=[
        {
            "column_name": "__time",
            "expression": "TIME_FLOOR(TIME_PARSE(CONCAT(\"date\", 'T', \"time\")), 'PT1H')",
        },
        {"column_name": "page", "expression": '"page"'},
        {"column_name": "views", "expression": "COUNT(*)", "is_aggregation": True},
        {"column_name": "total_bytes", "expression": 'SUM("bytes")', "is_aggregation": True},
    ],
    target={"table_name": hourly_table.name},
    read_from_point="earliest",
    late_message_rejection_period=config.get("lateMessageRejectionPeriod") or "P30D",
)

pulumi.export("connection", events.name)
pulumi.export(
    "jobs",
    {
        "page-views": {
            "id": detail.id,
            "status": detail.started.execution_status,  # when the wait ended
            "table": detail.target["table_name"],
        },
        "page-views-hourly": {
            "id": hourly.id,
            "status": hourly.started.execution_status,
            "table": hourly.target["table_name"],
        },
    },
)
