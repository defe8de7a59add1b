"""Events your application sends straight to Polaris, with no Kafka: a `push_streaming`
connection, and a job that rolls the events up into an aggregate table by minute and country.

Send events with `PolarisClient().push_events(<connection output>, events)`, or POST
newline-delimited JSON to the connection's `endpoint_url` with the project's API key. The
local emulator takes them too, with or without a broker.
"""

import pulumi

import polaris_pulumi as polaris

clicks = polaris.PushStreamingConnection("clicks", description="clicks pushed by the web app")

job = polaris.StreamingJob(
    "clicks-by-minute",
    source=polaris.ConnectionSourceArgs(
        connection_name=clicks.name,
        format_settings=polaris.FormatSettingsArgs(format="nd-json"),
        input_schema=[
            polaris.InputFieldArgs(name="ts", data_type="string"),
            polaris.InputFieldArgs(name="country", data_type="string"),
            polaris.InputFieldArgs(name="ms", data_type="long"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(
            column_name="__time", expression="TIME_FLOOR(TIME_PARSE(\"ts\"), 'PT1M')"
        ),
        polaris.MappingArgs(column_name="country", expression='UPPER("country")'),
        polaris.MappingArgs(column_name="clicks", expression="COUNT(*)", is_aggregation=True),
        polaris.MappingArgs(column_name="total_ms", expression='SUM("ms")', is_aggregation=True),
    ],
    target=polaris.TableTargetArgs(table_name="clicks_by_minute"),
    create_table_if_not_exists=True,
    read_from_point="earliest",
    late_message_rejection_period="P3650D",  # the test's events are from a fixed day
)

pulumi.export("connection", clicks.name)
pulumi.export("endpoint_url", clicks.endpoint_url)
pulumi.export("table", job.target.apply(lambda t: t["table_name"]))
