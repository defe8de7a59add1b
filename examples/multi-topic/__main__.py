"""Regional click topics (clicks.us, clicks.eu, ...) into one table through one connection.

A multi-topic connection's `topic_name` is a regular expression, with
`topic_name_is_pattern=True` (otherwise Polaris takes the name literally); all matched topics
share brokers, credentials, format and start offset. `check` refuses a regex that does not
compile.
"""

import pulumi

import polaris_pulumi as polaris

config = pulumi.Config()

clicks = polaris.Connection(
    "clicks",
    bootstrap_servers=config.require("bootstrapServers"),
    topic_name=r"clicks\..+",
    topic_name_is_pattern=True,
    secrets=polaris.SaslPlainSecretsArgs(
        username=config.require("kafkaApiKey"),
        password=config.require_secret("kafkaApiSecret"),
    ),
)

job = polaris.StreamingJob(
    "clicks",
    source=polaris.ConnectionSourceArgs(
        connection_name=clicks.name,
        format_settings=polaris.FormatSettingsArgs(format="nd-json"),
        input_schema=[
            polaris.InputFieldArgs(name="timestamp", data_type="string"),
            polaris.InputFieldArgs(name="region", data_type="string"),
            polaris.InputFieldArgs(name="url", data_type="string"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(column_name="__time", expression='TIME_PARSE("timestamp")'),
        polaris.MappingArgs(column_name="region", expression='"region"'),
        polaris.MappingArgs(column_name="url", expression='"url"'),
    ],
    target=polaris.TableTargetArgs(table_name="clicks"),
    create_table_if_not_exists=True,
    # Backfill: start from the oldest offsets, accept events up to a year old.
    read_from_point="earliest",
    late_message_rejection_period="P365D",
)

pulumi.export("connection", clicks.name)
pulumi.export("job_id", job.id)
