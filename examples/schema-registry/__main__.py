"""Avro and Protobuf events, with their schemas in Confluent Schema Registry, into Polaris.

- `orders`: Avro values whose schemas Polaris reads from the registry (a
  `SchemaRegistryConnection`, by name: the job waits for it).
- `clicks`: the `kafka` format: Protobuf values (an inline descriptor), the record's key as a
  string column, its headers as UTF-8 columns and its Kafka timestamp as a column.

Every setting is checked at preview: an Avro schema that does not parse, a message type the
descriptor lacks, a header encoding Polaris does not know. Runs against the local emulator
in tests/test_demo_e2e.py.
"""

import pulumi

import polaris_pulumi as polaris

config = pulumi.Config()
brokers = config.get("bootstrapServers") or "pkc-1.us-east-2.aws.confluent.cloud:9092"
kafka_key = polaris.SaslPlainSecretsArgs(
    username=config.get("kafkaApiKey") or "KAFKAKEY",
    password=config.require_secret("kafkaApiSecret"),
)

registry = polaris.SchemaRegistryConnection(
    "registry",
    urls=[config.get("registryUrl") or "https://psrc-1.us-east-2.aws.confluent.cloud"],
    secrets=polaris.BasicAuthSecretsArgs(
        username=config.get("registryApiKey") or "SRKEY",
        password=config.require_secret("registryApiSecret"),
    ),
)

orders = polaris.Connection(
    "orders", bootstrap_servers=brokers, topic_name="orders", secrets=kafka_key
)
orders_job = polaris.StreamingJob(
    "orders",
    source=polaris.ConnectionSourceArgs(
        connection_name=orders.name,
        format_settings=polaris.FormatSettingsArgs(
            format="avro_stream",
            parse_schema_provider=polaris.ParseSchemaProviderArgs(
                type="connection", connection_name=registry.name
            ),
        ),
        input_schema=[
            polaris.InputFieldArgs(name="ordered_at", data_type="string"),
            polaris.InputFieldArgs(name="amount", data_type="double"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(column_name="__time", expression='TIME_PARSE("ordered_at")'),
        polaris.MappingArgs(column_name="amount", expression='"amount"'),
    ],
    target=polaris.TableTargetArgs(table_name="orders"),
    create_table_if_not_exists=True,
)

# message Click { string ts = 1; string page = 2; } in package shop, as
# `protoc --descriptor_set_out=clicks.desc clicks.proto` writes it, base64-encoded.
CLICK_DESCRIPTOR = (
    "Cj8KDGNsaWNrcy5wcm90bxIEc2hvcCIhCgVDbGljaxIKCgJ0cxgBIAEoCRIMCgRwYWdlGAIgASgJYgZwcm90bzM="
)
clicks = polaris.Connection(
    "clicks", bootstrap_servers=brokers, topic_name="clicks", secrets=kafka_key
)
clicks_job = polaris.StreamingJob(
    "clicks",
    source=polaris.ConnectionSourceArgs(
        connection_name=clicks.name,
        format_settings=polaris.FormatSettingsArgs(
            format="kafka",
            value_format=polaris.FormatSettingsArgs(
                format="protobuf",
                parse_schema_provider=polaris.ParseSchemaProviderArgs(
                    type="inline-protobuf",
                    descriptor=CLICK_DESCRIPTOR,
                    proto_message_type="shop.Click",
                ),
            ),
            key_format=polaris.FormatSettingsArgs(format="csv", columns=["user"]),
            key_column_name="kafka.key",
            header_format="utf-8",
            header_label_prefix="kafka.header.",
            timestamp_column_name="kafka.timestamp",
        ),
        input_schema=[
            polaris.InputFieldArgs(name="kafka.timestamp", data_type="long"),
            polaris.InputFieldArgs(name="kafka.key", data_type="string"),
            polaris.InputFieldArgs(name="page", data_type="string"),
        ],
    ),
    mappings=[
        polaris.MappingArgs(
            column_name="__time", expression='MILLIS_TO_TIMESTAMP("kafka.timestamp")'
        ),
        polaris.MappingArgs(column_name="user", expression='"kafka.key"'),
        polaris.MappingArgs(column_name="page", expression='"page"'),
    ],
    target=polaris.TableTargetArgs(table_name="clicks"),
    create_table_if_not_exists=True,
)

pulumi.export("registry", registry.name)
pulumi.export("jobs", {"orders": orders_job.id, "clicks": clicks_job.id})
