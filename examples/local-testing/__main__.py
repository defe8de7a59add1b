"""Orders from a Confluent Cloud topic into two Polaris tables: every order, and the orders
per country and minute. `test_orders.py` tests the ingestion locally, with no cloud account
(the `polaris_local` pytest fixture)."""

import pulumi
import pulumi_confluentcloud as confluent

import polaris_pulumi as polaris

config = pulumi.Config()
topic_name = config.get("topic") or "orders"

env = confluent.Environment("shop", display_name="shop")
cluster = confluent.KafkaCluster(
    "shop",
    display_name="shop",
    availability="SINGLE_ZONE",
    cloud="AWS",
    region="us-east-2",
    basic=confluent.KafkaClusterBasicArgs(),
    environment=confluent.KafkaClusterEnvironmentArgs(id=env.id),
)
reader = confluent.ServiceAccount("polaris-reader", display_name="polaris-reader")
key = confluent.ApiKey(
    "polaris-reader-key",
    owner=confluent.ApiKeyOwnerArgs(id=reader.id, api_version=reader.api_version, kind=reader.kind),
    managed_resource=confluent.ApiKeyManagedResourceArgs(
        id=cluster.id,
        api_version=cluster.api_version,
        kind=cluster.kind,
        environment=confluent.ApiKeyManagedResourceEnvironmentArgs(id=env.id),
    ),
)
topic = confluent.KafkaTopic(
    "orders",
    kafka_cluster=confluent.KafkaTopicKafkaClusterArgs(id=cluster.id),
    topic_name=topic_name,
    rest_endpoint=cluster.rest_endpoint,
    credentials=confluent.KafkaTopicCredentialsArgs(key=key.id, secret=key.secret),
)

orders = polaris.Connection(
    "orders",
    bootstrap_servers=polaris.bootstrap_servers(cluster.bootstrap_endpoint),
    topic_name=topic.topic_name,
    secrets=polaris.SaslPlainSecretsArgs(username=key.id, password=key.secret),
)
source = polaris.ConnectionSourceArgs(
    connection_name=orders.name,
    format_settings=polaris.FormatSettingsArgs(format="nd-json"),
    input_schema=[
        polaris.InputFieldArgs(name="ts", data_type="string"),
        polaris.InputFieldArgs(name="country", data_type="string"),
        polaris.InputFieldArgs(name="amount", data_type="double"),
    ],
)
every_order = polaris.StreamingJob(
    "orders",
    source=source,
    mappings=[
        polaris.MappingArgs(column_name="__time", expression='TIME_PARSE("ts")'),
        polaris.MappingArgs(column_name="country", expression='UPPER("country")'),
        polaris.MappingArgs(column_name="amount", expression='"amount"'),
    ],
    target=polaris.TableTargetArgs(table_name="orders"),
    create_table_if_not_exists=True,
    read_from_point="earliest",
)
per_minute = polaris.StreamingJob(
    "orders-per-minute",
    source=source,
    mappings=[
        polaris.MappingArgs(
            column_name="__time", expression="TIME_FLOOR(TIME_PARSE(\"ts\"), 'PT1M')"
        ),
        polaris.MappingArgs(column_name="country", expression='UPPER("country")'),
        polaris.MappingArgs(column_name="orders", expression="COUNT(*)", is_aggregation=True),
        polaris.MappingArgs(column_name="revenue", expression='SUM("amount")', is_aggregation=True),
    ],
    target=polaris.TableTargetArgs(table_name="orders-per-minute"),
    create_table_if_not_exists=True,
    read_from_point="earliest",
)

pulumi.export("topic", topic.topic_name)
pulumi.export("jobs", {"orders": every_order.id, "orders-per-minute": per_minute.id})
