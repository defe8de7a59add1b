"""Clicks from a Kafka topic whose brokers, API key and secret the stack's config holds (the
common pattern without Confluent resources): `polaris-pulumi local deploy` and the pytest
plugin route the connection to the local broker whatever the config says."""

import pulumi

import polaris_pulumi as polaris

config = pulumi.Config()
clicks = polaris.Connection(
    "clicks",
    bootstrap_servers=config.require("kafkaServers"),
    topic_name="clicks",
    secrets=polaris.SaslPlainSecretsArgs(
        username=config.require("kafkaKey"), password=config.require_secret("kafkaSecret")
    ),
)
job = polaris.StreamingJob(
    "clicks",
    source=polaris.ConnectionSourceArgs(
        connection_name=clicks.name,
        format_settings=polaris.FormatSettingsArgs(format="nd-json"),
        input_schema=[
            polaris.InputFieldArgs(name="ts", data_type="string"),
            polaris.InputFieldArgs(name="page", data_type="string"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(column_name="__time", expression='TIME_PARSE("ts")'),
        polaris.MappingArgs(column_name="page", expression='"page"'),
    ],
    target=polaris.TableTargetArgs(table_name="clicks"),
    create_table_if_not_exists=True,
    read_from_point="earliest",
    late_message_rejection_period="P3650D",
)
pulumi.export("job_id", job.id)
