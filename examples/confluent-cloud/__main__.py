"""A Confluent Cloud cluster and topics, a read-only service account and API keys for Polaris,
and the Polaris connections and streaming jobs that ingest the topics into tables: a JSON
topic, and an Avro topic whose schema is registered in the environment's Schema Registry
(Stream Governance), read by Polaris through a `SchemaRegistryConnection`."""

import json
from typing import Any

import pulumi
import pulumi_confluentcloud as confluent

import polaris_pulumi as polaris

config = pulumi.Config()
topic_name = config.get("topic") or "page_views"
table_name = config.get("table") or "page-views"
avro_topic_name = config.get("avroTopic") or "orders"

env = confluent.Environment(
    "analytics",
    display_name="analytics",
    # Stream Governance: the environment's Schema Registry.
    stream_governance=confluent.EnvironmentStreamGovernanceArgs(package="ESSENTIALS"),
)
cluster = confluent.KafkaCluster(
    "events",
    display_name="events",
    availability="SINGLE_ZONE",
    cloud=config.get("cloud") or "AWS",
    region=config.get("region") or "us-east-2",
    basic=confluent.KafkaClusterBasicArgs(),
    environment=confluent.KafkaClusterEnvironmentArgs(id=env.id),
)

# An admin service account manages the topic; Polaris gets its own read-only account.
admin = confluent.ServiceAccount("topic-admin", display_name="topic-admin")
admin_role = confluent.RoleBinding(
    "topic-admin-cluster-admin",
    principal=admin.id.apply(lambda id: f"User:{id}"),
    role_name="CloudClusterAdmin",
    crn_pattern=cluster.rbac_crn,
)


registry = confluent.get_schema_registry_cluster_output(
    environment=confluent.GetSchemaRegistryClusterEnvironmentArgs(id=env.id),
    opts=pulumi.InvokeOutputOptions(depends_on=[cluster]),
)


def api_key(
    name: str,
    owner: confluent.ServiceAccount,
    deps: list[pulumi.Resource],
    resource: Any = cluster,
) -> confluent.ApiKey:
    """An API key of `owner` for the Kafka cluster, or for the Schema Registry."""
    return confluent.ApiKey(
        name,
        display_name=name,
        owner=confluent.ApiKeyOwnerArgs(
            id=owner.id, api_version=owner.api_version, kind=owner.kind
        ),
        managed_resource=confluent.ApiKeyManagedResourceArgs(
            id=resource.id,
            api_version=resource.api_version,
            kind=resource.kind,
            environment=confluent.ApiKeyManagedResourceEnvironmentArgs(id=env.id),
        ),
        opts=pulumi.ResourceOptions(depends_on=deps),
    )


def role(name: str, account: confluent.ServiceAccount, role_name: str, crn: Any) -> Any:
    return confluent.RoleBinding(
        name,
        principal=account.id.apply(lambda id: f"User:{id}"),
        role_name=role_name,
        crn_pattern=crn,
    )


admin_key = api_key("topic-admin-key", admin, [admin_role])
topic = confluent.KafkaTopic(
    "page-views",
    kafka_cluster=confluent.KafkaTopicKafkaClusterArgs(id=cluster.id),
    topic_name=topic_name,
    partitions_count=6,
    rest_endpoint=cluster.rest_endpoint,
    credentials=confluent.KafkaTopicCredentialsArgs(key=admin_key.id, secret=admin_key.secret),
)

avro_topic = confluent.KafkaTopic(
    "orders",
    kafka_cluster=confluent.KafkaTopicKafkaClusterArgs(id=cluster.id),
    topic_name=avro_topic_name,
    partitions_count=6,
    rest_endpoint=cluster.rest_endpoint,
    credentials=confluent.KafkaTopicCredentialsArgs(key=admin_key.id, secret=admin_key.secret),
)

# The admin registers the Avro value schema of the orders topic.
subjects = registry.resource_name.apply(lambda crn: f"{crn}/subject=*")
admin_registry_role = role("topic-admin-subjects", admin, "ResourceOwner", subjects)
admin_registry_key = api_key(
    "topic-admin-registry-key", admin, [admin_registry_role], resource=registry
)
ORDER_SCHEMA = {
    "type": "record",
    "name": "Order",
    "fields": [{"name": "ordered_at", "type": "string"}, {"name": "amount", "type": "double"}],
}
order_schema = confluent.Schema(
    "orders-value",
    schema_registry_cluster=confluent.SchemaSchemaRegistryClusterArgs(id=registry.id),
    rest_endpoint=registry.rest_endpoint,
    subject_name=f"{avro_topic_name}-value",
    format="AVRO",
    schema=json.dumps(ORDER_SCHEMA),
    credentials=confluent.SchemaCredentialsArgs(
        key=admin_registry_key.id, secret=admin_registry_key.secret
    ),
)

reader = confluent.ServiceAccount("polaris-reader", display_name="polaris-reader")
read_bindings = [
    role(
        f"polaris-read-{resource}",
        reader,
        "DeveloperRead",
        pulumi.Output.all(cluster.rbac_crn, cluster.id).apply(
            lambda v, kind=kind, name=name: f"{v[0]}/kafka={v[1]}/{kind}={name}"
        ),
    )
    for resource, kind, name in (
        ("topic", "topic", topic_name),
        ("group", "group", "*"),
        ("orders", "topic", avro_topic_name),
    )
]
reader_key = api_key("polaris-reader-key", reader, read_bindings)
registry_read = role(
    "polaris-read-schemas",
    reader,
    "DeveloperRead",
    registry.resource_name.apply(lambda crn: f"{crn}/subject={avro_topic_name}-value"),
)
registry_key = api_key("polaris-registry-key", reader, [registry_read], resource=registry)

connection = polaris.Connection(
    "page-views",
    description="Confluent Cloud topic managed in the same stack",
    # Confluent reports SASL_SSL://host:port; Polaris wants host:port.
    bootstrap_servers=polaris.bootstrap_servers(cluster.bootstrap_endpoint),
    topic_name=topic.topic_name,
    secrets=polaris.SaslPlainSecretsArgs(username=reader_key.id, password=reader_key.secret),
    # The connection test needs the key to be allowed to read.
    opts=pulumi.ResourceOptions(depends_on=read_bindings),
)

job = polaris.StreamingJob(
    "page-views",
    source=polaris.ConnectionSourceArgs(
        connection_name=connection.name,
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
    target=polaris.TableTargetArgs(table_name=table_name),
    create_table_if_not_exists=True,
    use_schema_discovery=True,
    dimension_exclusions=["date", "time"],
)

# Avro: Polaris reads each record's schema from the registry (the connection test needs the
# key to be allowed to read the subject).
schemas = polaris.SchemaRegistryConnection(
    "schemas",
    description="The environment's Schema Registry",
    urls=[registry.rest_endpoint],
    secrets=polaris.BasicAuthSecretsArgs(username=registry_key.id, password=registry_key.secret),
    opts=pulumi.ResourceOptions(depends_on=[registry_read]),
)
orders = polaris.Connection(
    "orders",
    bootstrap_servers=polaris.bootstrap_servers(cluster.bootstrap_endpoint),
    topic_name=avro_topic.topic_name,
    secrets=polaris.SaslPlainSecretsArgs(username=reader_key.id, password=reader_key.secret),
    opts=pulumi.ResourceOptions(depends_on=read_bindings),
)
orders_job = polaris.StreamingJob(
    "orders",
    source=polaris.ConnectionSourceArgs(
        connection_name=orders.name,
        format_settings=polaris.FormatSettingsArgs(
            format="avro_stream",
            parse_schema_provider=polaris.ParseSchemaProviderArgs(
                type="connection", connection_name=schemas.name
            ),
        ),
        input_schema=[
            polaris.InputFieldArgs(
                name=f["name"], data_type={"double": "double"}.get(f["type"], "string")
            )
            for f in ORDER_SCHEMA["fields"]
        ],
    ),
    mappings=[
        polaris.MappingArgs(column_name="__time", expression='TIME_PARSE("ordered_at")'),
        polaris.MappingArgs(column_name="amount", expression='"amount"'),
    ],
    target=polaris.TableTargetArgs(table_name="orders"),
    create_table_if_not_exists=True,
    # Records are written with the registered schema: ingest once it exists.
    opts=pulumi.ResourceOptions(depends_on=[order_schema]),
)

pulumi.export("bootstrap_servers", connection.bootstrap_servers)
pulumi.export("connection", connection.name)
pulumi.export("job_id", job.id)
pulumi.export("job_status", job.started.execution_status)  # once it started
pulumi.export("registry_connection", schemas.name)
pulumi.export("orders_job_id", orders_job.id)
